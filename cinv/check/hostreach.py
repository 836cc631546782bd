"""What a libvirt domain may reach on its hypervisor: the rule for domain XML a branch supplies.

libvirtd runs as root, and a domain definition can name host programs for it to run (an
interface's <script>, Xen's and bhyve's <bootloader>, a filesystem's virtiofsd <binary>), lift
the guest's confinement (a <seclabel> with relabel='no', model or type 'none', or a label of its
own such as +0:+0), or reach host files and devices (a disk on /dev/sda, a serial port writing
/root/.ssh/authorized_keys, a filesystem sharing /, a passed-through PCI device, another
tenant's secret). Kept libvirt XML, the paths cinv models (disk sources, loader, nvram) and a
branch's own domain template all come from the branch. So, as the emulator is held to its
allow-list, each of these is refused unless the operator allows it outside the branch
(CINV_LIBVIRT_ALLOW, cinv/policy.py):

- programs: <script>, <downscript>, <bootloader>, <bootloader_args>, <binary> (`programs`);
- confinement: a <seclabel> other than a plain dynamic one that relabels (`seclabel`);
- host devices: <hostdev>; interfaces of type direct, hostdev or vdpa; host smartcards;
  passthrough or evdev input; tty devices as serial ports; a passthrough TPM (`hostdev`);
- secrets: <secret> (a disk's auth or encryption names a secret of the hypervisor) (`secrets`);
- host paths: every value that is an absolute path (a file, dir, path, socket, logFile, xauth
  or rendernode attribute must be one) lies inside libvirt.image_dir, a folder the operator
  names, libvirt's own nvram and boot folders, or is one of the harmless devices
  (/dev/urandom, /dev/net/tun ...); firmware folders (/usr/share/OVMF ...) only for the
  <loader> and an nvram template. Guest-side values (<target>, kernel command line, LXC
  init) and free text (<metadata>, <description>, <title>, <sysinfo>) are not host paths.

libvirt.image_dir itself is branch data too: it may not be or hold a system folder (/, /etc,
/root, /dev, /usr, /var/log, /var/lib/libvirt/qemu ...), and `cinv check --base` reports a
branch that changes it.
"""
from __future__ import annotations

import posixpath
import xml.etree.ElementTree as ET

from cinv import policy
from cinv.check.registry import validator
from cinv.errors import Problem
from cinv.records.model import Inventory

PROGRAMS = ("script", "downscript", "bootloader", "bootloader_args", "binary")
HOST_NICS = ("direct", "hostdev", "vdpa")
HOST_INPUTS = ("passthrough", "evdev")
SECLABEL_MODELS = ("selinux", "apparmor", "dac")
# where distributions install guest firmware (Debian, Fedora, Arch, SUSE, Xen), read-only
FIRMWARE = ("/usr/share/AAVMF", "/usr/share/OVMF", "/usr/share/SLOF", "/usr/share/edk2",
            "/usr/share/edk2-armvirt", "/usr/share/edk2-ovmf", "/usr/share/ovmf",
            "/usr/share/qemu", "/usr/share/qemu-efi", "/usr/share/qemu-efi-aarch64",
            "/usr/share/seabios", "/usr/lib/xen/boot", "/usr/lib64/xen/boot",
            "/usr/libexec/xen/boot")
# libvirt's own folders for a guest's nvram and boot files (Debian/Fedora, older Fedora)
LIBVIRT_OWN = ("/var/lib/libvirt/qemu/nvram", "/etc/libvirt/qemu/nvram", "/var/lib/libvirt/boot",
               "/var/lib/libvirt/qemu/channel")
DEVICES = ("/dev/urandom", "/dev/random", "/dev/hwrng", "/dev/net/tun", "/dev/vhost-net",
           "/dev/vhost-vsock")
SYSTEM = ("/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/proc", "/root",
          "/run", "/sbin", "/sys", "/usr", "/var/lib/libvirt/qemu", "/var/log", "/var/run",
          "/var/spool")
PATH_ATTRS = ("file", "dir", "path", "socket", "logFile", "xauth", "rendernode")
# elements whose text and attributes are the guest's or free text, not host paths
NOT_HOST = ("metadata", "description", "title", "sysinfo", "cmdline", "init", "initarg",
            "initenv", "initdir", "inituser", "initgroup", "alias", "partition")
# character devices whose host path libvirt chooses itself (a pty's /dev/pts/N: runtime state)
_RUNTIME_PTY = ("serial", "console", "parallel", "channel")


def under(path: str, folder: str) -> bool:
    return folder == "/" or path == folder or path.startswith(folder + "/")


def image_dir_why(image_dir: str) -> str | None:
    """Why libvirt.image_dir may not be where a branch's domains keep their images."""
    for system in SYSTEM:
        if under(image_dir, system) or under(system, image_dir):
            return (f"{image_dir} is or holds the system folder {system}; a domain may reach "
                    "everything inside libvirt.image_dir, so it must be a folder of its own "
                    "(default /var/lib/libvirt/images)")
    return None


def _read_only(loader: dict) -> bool:
    """A loader the guest cannot write: a ROM (the default type) or a read-only pflash."""
    return loader.get("type", "rom") != "pflash" or loader.get("readonly") in ("yes", True)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


class Reach:
    """The rule for one inventory: its image_dir and the operator's allowance."""

    def __init__(self, image_dir: str, allow: policy.LibvirtAllow | None = None):
        self.image_dir = image_dir
        self.allow = allow if allow is not None else policy.libvirt()
        self.roots = (image_dir, *self.allow.folders, *LIBVIRT_OWN)

    # --- paths ----------------------------------------------------------------------------

    def path(self, value: str, firmware: bool = False) -> str | None:
        """Why a domain may not name this host path (None: it may). firmware: the loader or an
        nvram template, which may also come from the firmware folders."""
        if value.startswith("unix:path="):
            value = value[len("unix:path="):].split(",", 1)[0]
        if not value.startswith("/"):
            return (f"{value!r} is not an absolute path (libvirtd would resolve it from its own "
                    "folder)")
        if value.startswith("//") or posixpath.normpath(value) != (value.rstrip("/") or "/"):
            return f"{value!r} is not a plain absolute path (no '..', '.' or '//')"
        if value in DEVICES or any(under(value, root) for root in self.roots):
            return None
        if firmware and any(under(value, root) for root in FIRMWARE):
            return None
        folders = ", ".join(self.allow.folders)
        return (f"reaches {value} on the hypervisor, outside libvirt.image_dir "
                f"({self.image_dir}){' and ' + folders if folders else ''}; the operator may "
                f"allow a folder with {policy.LIBVIRT_ENV}=/folder")

    # --- elements -------------------------------------------------------------------------

    def element(self, elem: ET.Element) -> str | None:
        """Why a kept element (with everything inside it) may not be kept (None: it may)."""
        return self._walk(elem, "")

    def _needs(self, word: str, what: str) -> str | None:
        if word in self.allow:
            return None
        return f"{what}; the operator may allow it with {policy.LIBVIRT_ENV}={word}"

    def _tag(self, elem: ET.Element, tag: str, parent: str) -> str | None:
        kind = elem.get("type")
        if tag in PROGRAMS:
            return self._needs("programs", f"<{tag}> names a program libvirtd runs on the "
                               "hypervisor as root")
        if tag == "seclabel" and not self._plain_seclabel(elem):
            return self._needs("seclabel", "<seclabel> other than a dynamic label that "
                               "relabels lifts the guest's confinement")
        if tag == "hostdev" or (tag == "interface" and kind in HOST_NICS) \
                or (tag == "smartcard" and elem.get("mode") in ("host", "host-certificates")) \
                or (tag == "input" and kind in HOST_INPUTS) \
                or (tag in ("serial", "console", "parallel", "channel") and kind == "dev") \
                or (tag == "backend" and parent == "tpm" and kind == "passthrough"):
            return self._needs("hostdev", f"<{tag}{f' type={kind!r}' if kind else ''}> hands "
                               "a host device to the guest")
        if tag == "secret":
            return self._needs("secrets", "<secret> hands a secret of the hypervisor to the "
                               "guest's disk")
        return None

    @staticmethod
    def _plain_seclabel(elem: ET.Element) -> bool:
        """A dynamic label that relabels: libvirt picks the label; the <label> and
        <imagelabel> of a live domain's XML are ignored when it is defined (not <baselabel>)."""
        children = {child.tag for child in elem}
        return (set(elem.attrib) <= {"type", "model", "relabel"}
                and elem.get("type", "dynamic" if not children else None) == "dynamic"
                and children <= {"label", "imagelabel"}
                and elem.get("relabel", "yes") == "yes"
                and elem.get("model", "selinux") in SECLABEL_MODELS)

    def _walk(self, elem: ET.Element, parent: str) -> str | None:
        if not isinstance(elem.tag, str):
            return None
        tag = _local(elem.tag)
        if tag in NOT_HOST or tag == "emulator":  # the emulator: its own allow-list
            return None
        why = self._tag(elem, tag, parent)
        if why:
            return why
        if tag in _RUNTIME_PTY and elem.get("type") == "pty":
            return None  # its source path and tty are the pty libvirt made, not configuration
        if tag in PROGRAMS:
            return None  # allowed: a program (Xen's vif scripts are named relative to theirs)
        if tag != "target" or parent == "lease":  # a target is the guest's side
            for key, value in elem.attrib.items():
                if key in PATH_ATTRS or value.startswith(("/", "unix:path=")) \
                        or (key == "dev" and tag == "source" and parent != "interface"):
                    why = self.path(value, firmware=tag == "nvram" and key == "template")
                    if why:
                        return f"<{tag} {key}=...> {why}"
            text = (elem.text or "").strip()
            if text.startswith("/"):
                why = self.path(text, firmware=tag == "loader" and _read_only(elem.attrib))
                if why:
                    return f"<{tag}> {why}"
        for child in elem:
            why = self._walk(child, tag)
            if why:
                return why
        return None

    # --- a whole domain -------------------------------------------------------------------

    def document(self, root: ET.Element) -> str | None:
        """Why a whole domain XML may not be defined (the rule for a branch's own template):
        the root is <domain>, nothing namespaced outside <metadata>, the emulator one of the
        allow-list, and every element as element() has it."""
        from cinv.records import libvirtdom
        if root.tag != "domain":
            return f"the root element is <{root.tag}>, not <domain>"
        for child in root:
            if child.tag == "metadata":
                continue
            for elem in child.iter():
                if isinstance(elem.tag, str) and elem.tag.startswith("{"):
                    return (f"namespaced element <{_local(elem.tag)}> of {elem.tag[1:]}"
                            .split("}")[0] + " (a hypervisor command line or another "
                            "extension) outside <metadata>")
        for emulator in root.iter("emulator"):
            try:
                libvirtdom.emulator((emulator.text or "").strip())
            except ValueError as e:
                return f"<emulator> {e}"
        return self._walk(root, "")


# --- the check of an inventory's records ----------------------------------------------------

def host_problems(host, reach: Reach) -> list[Problem]:
    """Every modelled path and kept element of one virtual host's libvirt block that reaches
    past the rule, at the line of the item."""
    lv = host.libvirt
    out: list[Problem] = []

    def bad(key: str, why: str) -> None:
        out.append(Problem(host.path, host.lines.get(key, host.line_of("libvirt")),
                           f"{key}: {why}", "error", "host-reach"))

    def kept(key: str, texts: list[str]) -> None:
        for index, text in enumerate(texts):
            why = reach.element(ET.fromstring(text))
            if why:
                bad(f"{key}[{index}]", why)
    if lv.os is not None:
        for key in ("loader", "nvram"):
            attrs = getattr(lv.os, key)
            if attrs.get("path"):
                why = reach.path(attrs["path"], key == "loader" and _read_only(attrs))
                if why:
                    bad(f"libvirt.os.{key}.path", why)
            if attrs.get("template"):
                why = reach.path(attrs["template"], True)
                if why:
                    bad(f"libvirt.os.{key}.template", why)
        kept("libvirt.os.xml", lv.os.xml)
    for index, disk in enumerate(lv.disks or ()):
        if disk.source is not None and disk.type != "volume":
            why = reach.path(disk.source)
            if why:
                bad(f"libvirt.disks[{index}].source", why)
        kept(f"libvirt.disks[{index}].xml", disk.xml)
    for ifname, nic in lv.interfaces.items():
        kept(f"libvirt.interfaces.{ifname}.xml", nic.xml)
    kept("libvirt.xml", lv.xml)
    kept("libvirt.devices", lv.devices)
    return out


@validator
def libvirt_host_reach(inv: Inventory) -> list[Problem]:
    """A virtual host's libvirt block (modelled paths and kept XML) reaches nothing on its
    hypervisor beyond libvirt.image_dir and what the operator allows (CINV_LIBVIRT_ALLOW), and
    libvirt.image_dir is a folder of its own, not a system folder."""
    settings = inv.settings
    out = []
    why = image_dir_why(settings.image_dir)
    if why:
        out.append(Problem(settings.path, settings.line_of("libvirt.image_dir"),
                           f"libvirt.image_dir: {why}", "error", "host-reach"))
    reach = None
    for host in inv.active_hosts():
        if host.kind == "virtual" and host.libvirt is not None:
            reach = reach or Reach(settings.image_dir)
            out += host_problems(host, reach)
    return out
