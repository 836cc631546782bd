"""What only the operator may allow: read from the environment of the command, never from the
inventory.

A branch writes every file of the inventory, cinv.yaml included, so a permission a branch could
give itself is no permission. Where a record may legitimately need more than cinv lets a branch
have (a domain's disk on a host folder outside libvirt.image_dir, a connection variable for
Ansible), the operator (who runs cinv or sets up CI) says so here:

- CINV_LIBVIRT_ALLOW: what kept libvirt XML and a domain's paths may reach on the hypervisor
  (see cinv/check/hostreach.py), a list separated by commas or blanks of absolute folders
  (`/srv/iso`, `/dev/vg0`) and words: `programs` (<interface><script>, <bootloader>, a filesystem's
  <binary>), `seclabel` (any security label), `hostdev` (host devices and NICs: <hostdev>,
  direct / hostdev / vdpa interfaces, host smartcards), `secrets` (<secret> references to the
  hypervisor's secrets).
- CINV_ANSIBLE_ALLOW: Ansible variables a branch may set beyond the harmless ones (see
  cinv/check/ansiblevars.py), by name (`ansible_python_interpreter`), and the word `templates` for
  values Ansible would evaluate as templates on the controller (`{{ ... }}`).
- CINV_TLD_ALLOW: public suffixes the inventory may manage all the same (`com`, `co.uk`: a
  test lab's own root); any other is an error (cinv/check/domains.py). A private single label
  (`lan`, dn42's `neo`) needs no allowance.

Results that depend on these (check's, a render's) are cached under digest(), so a changed
allowance is never answered from a cache made under another.
"""
from __future__ import annotations

import hashlib
import os
import posixpath
import re
from dataclasses import dataclass

from cinv.errors import CinvError

LIBVIRT_ENV = "CINV_LIBVIRT_ALLOW"
ANSIBLE_ENV = "CINV_ANSIBLE_ALLOW"
TLD_ENV = "CINV_TLD_ALLOW"
LIBVIRT_WORDS = ("programs", "seclabel", "hostdev", "secrets")
_VAR = re.compile(r"^ansible_[a-z0-9_]{1,64}\Z")


@dataclass(frozen=True)
class LibvirtAllow:
    folders: tuple[str, ...] = ()
    words: frozenset = frozenset()

    def __contains__(self, word: str) -> bool:
        return word in self.words


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[,\s]+", os.environ.get(name, "")) if t]


def _folder(token: str) -> str | None:
    """An absolute folder written plainly (no '..', '.', '//'), without its trailing '/'."""
    if token == "/":
        return token
    folder = token.rstrip("/")
    if folder.startswith("/") and not folder.startswith("//") \
            and posixpath.normpath(folder) == folder:
        return folder
    return None


def libvirt() -> LibvirtAllow:
    folders, words = [], set()
    for token in _tokens(LIBVIRT_ENV):
        if token in LIBVIRT_WORDS:
            words.add(token)
        elif _folder(token):
            folders.append(_folder(token))
        else:
            raise CinvError(f"{LIBVIRT_ENV}: {token!r} is neither an absolute folder (written "
                            f"plainly, no '..') nor one of {', '.join(LIBVIRT_WORDS)}")
    return LibvirtAllow(tuple(sorted(folders)), frozenset(words))


def ansible() -> frozenset:
    out = set()
    for token in _tokens(ANSIBLE_ENV):
        if token != "templates" and not _VAR.match(token):
            raise CinvError(f"{ANSIBLE_ENV}: {token!r} is neither an Ansible variable "
                            "(ansible_...) nor the word templates")
        out.add(token)
    return frozenset(out)


def tlds() -> frozenset:
    """The public suffixes the operator lets the inventory manage (CINV_TLD_ALLOW)."""
    from cinv import names
    out = set()
    for token in _tokens(TLD_ENV):
        try:
            out.add(names.check_fqdn(token.lower().rstrip(".")))
        except ValueError:
            raise CinvError(f"{TLD_ENV}: {token!r} is not a domain name") from None
    return frozenset(out)


def digest() -> str:
    """A key of the allowances in force (the raw values: a change of any is a change)."""
    text = "\0".join(os.environ.get(name, "") for name in (LIBVIRT_ENV, ANSIBLE_ENV, TLD_ENV))
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
