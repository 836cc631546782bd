"""cinv: one inventory for rack servers and VMs, rendered into DHCP, DNS and libvirt files."""

__version__ = "0.1.0"
