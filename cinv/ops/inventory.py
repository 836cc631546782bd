"""A new inventory: cinv init."""
from __future__ import annotations

from pathlib import Path

from cinv import names
from cinv.errors import CinvError
from cinv.git import gitstore
from cinv.records import load
from cinv.records.model import HOLD_DAYS, OVERCOMMIT, PLACEHOLDER_NS


def init_inventory(directory: Path, domain: str, commit: bool = True,
                   nameservers: tuple = ()) -> Path:
    try:
        domain = names.check_fqdn(domain)
    except ValueError as e:
        raise CinvError(f"--domain: {e}") from None
    try:
        ns = [names.check_fqdn(n) + "." for n in nameservers] or [PLACEHOLDER_NS]
    except ValueError as e:
        raise CinvError(f"--nameserver: {e}") from None
    root = Path(directory)
    if (root / load.SETTINGS_FILE).exists():
        raise CinvError(f"{root / load.SETTINGS_FILE}: exists already; this is an inventory")
    if root.exists() and not root.is_dir():
        raise CinvError(f"{root}: exists and is not a directory")
    root.mkdir(parents=True, exist_ok=True)
    settings = {
        "domain": domain,
        "mac_prefix": "52:54:00",
        "dns": {"ttl": 3600, "primary_ns": ns[0],
                "hostmaster": f"hostmaster.{domain}.", "nameservers": ns},
        "render": {"out": "build", "targets": {}},
        "libvirt": {"image_dir": "/var/lib/libvirt/images"},
        "allocate": {"hold_days": HOLD_DAYS},
        "capacity": {"overcommit": dict(OVERCOMMIT)},
    }
    load.write_record(root, load.SETTINGS_FILE, settings)
    for folder in ("networks", "hosts", "templates"):
        (root / folder).mkdir(exist_ok=True)
        keep = root / folder / ".gitkeep"
        keep.touch()
    ignore = root / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# rendered output (cinv render; the CI recipe's cinv-out/) and cinv's "
                          "lock and caches (never committed)\n/build/\n/cinv-out/\n/.cinv/\n")
    gitstore.init(root)
    if commit:
        gitstore.commit(root, [load.SETTINGS_FILE, ".gitignore", "networks/.gitkeep",
                               "hosts/.gitkeep", "templates/.gitkeep"],
                        f"Create inventory for {domain}")
    return root
