"""The caches under .cinv/cache and the output dir's notes are never wrong, only missing.

Files are normally 'racy' for two seconds after a change and not cached; these tests set that
window to zero so that what was just written is cached at once, the hardest case for the keys.
"""
from __future__ import annotations

import marshal
import os
import stat

import pytest

from cinv.records import cache

WEB1 = "hosts/web1.prod.example.com.yaml"


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch):
    monkeypatch.setattr(cache, "RACY_SECONDS", 0.0)


@pytest.fixture
def inv(inventory):
    inventory.ok("host", "add", "web1", "--kind", "virtual", "--network", "prod")
    inventory.ok("host", "add", "web2", "--kind", "virtual", "--network", "prod")
    return inventory


def same_size_edit(path, old: str, new: str) -> None:
    """Change content keeping size and mtime (as `touch -r` or `cp -p` can)."""
    assert len(old) == len(new)
    st = os.stat(path)
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size and os.stat(path).st_mtime_ns == st.st_mtime_ns


def test_check_sees_an_edit_that_keeps_size_and_mtime(inv):
    assert inv.ok("check").code == 0
    assert (inv.root / ".cinv/cache/check.marshal").exists()
    assert list((inv.root / ".cinv/cache").glob("hosts.*.marshal"))
    # web1 now claims web2's address: same length, same mtime.
    same_size_edit(inv.root / WEB1, "ipv4: 192.0.2.10", "ipv4: 192.0.2.11")
    r = inv.run("check")
    assert r.code == 1
    assert "IPv4 address 192.0.2.11 is also held by" in r.out
    shown = inv.ok("host", "show", "web1").out
    assert "ipv4: 192.0.2.11" in shown


def test_host_add_sees_an_edit_that_keeps_size_and_mtime(inv):
    inv.ok("check")
    same_size_edit(inv.root / WEB1, "ipv4: 192.0.2.10", "ipv4: 192.0.2.12")
    r = inv.ok("host", "add", "web3", "--kind", "virtual", "--network", "prod", "--no-commit")
    # .10 is free again, .12 is held now: the index saw the edit.
    assert "ipv4: 192.0.2.10" in r.out


@pytest.mark.parametrize("damage", ["truncate", "garbage", "other-version", "empty", "zeroed",
                                    "one byte changed"])
def test_a_damaged_or_foreign_cache_is_ignored(inv, damage):
    inv.ok("check")
    inv.ok("host", "add", "web4", "--kind", "virtual", "--network", "prod", "--no-commit")
    inv.ok("host", "rm", "web4", "--no-commit")  # the index cache exists now too
    files = sorted((inv.root / ".cinv/cache").glob("*.marshal"))
    assert {f.name.split(".")[0] for f in files} >= {"check", "hosts", "index"}
    for f in files:
        data = f.read_bytes()
        if damage == "truncate":
            f.write_bytes(data[: len(data) // 2])
        elif damage == "garbage":
            f.write_bytes(os.urandom(64))
        elif damage == "empty":
            f.write_bytes(b"")
        elif damage == "zeroed":  # what a crash may leave of a file written without fsync
            f.write_bytes(bytes(len(data)))
        elif damage == "one byte changed":  # still a loadable marshal, but not what was written
            f.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
        else:
            version, fmt, stamp, value = marshal.loads(data[12:])
            f.write_bytes(cache._sealed(marshal.dumps(("0.0.0-other", fmt, stamp, value))))
    same_size_edit(inv.root / WEB1, "ipv4: 192.0.2.10", "ipv4: 192.0.2.11")
    r = inv.run("check")
    assert r.code == 1 and "192.0.2.11 is also held by" in r.out
    assert "Traceback" not in r.err
    # The index saw web1 leave .10: the next host gets it.
    r = inv.ok("host", "add", "web3", "--kind", "virtual", "--network", "prod", "--no-commit")
    assert "ipv4: 192.0.2.10" in r.out


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes through any permission")
def test_a_cache_dir_that_cannot_be_written_is_only_slower(inv):
    state = inv.root / ".cinv"
    inv.ok("check")
    (state / "cache").chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        same_size_edit(inv.root / WEB1, "ipv4: 192.0.2.10", "ipv4: 192.0.2.11")
        assert inv.run("check").code == 1
    finally:
        (state / "cache").chmod(stat.S_IRWXU)


def test_a_cache_that_cannot_be_written_is_only_slower_even_as_root(inv, monkeypatch):
    """Root ignores permissions, so make every cache write fail the way a read-only tree does."""
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    inv.ok("check")
    monkeypatch.setattr(cache, "atomic_write", refuse)
    same_size_edit(inv.root / WEB1, "ipv4: 192.0.2.10", "ipv4: 192.0.2.11")
    r = inv.run("check")
    assert r.code == 1 and "192.0.2.11 is also held by" in r.out
    inv.ok("host", "set", "web1", "interfaces.eth0.ipv4=192.0.2.10", "--no-commit")
    assert inv.ok("check").code == 0


def test_render_skips_work_only_while_inputs_and_outputs_are_untouched(inv, tmp_path):
    out = tmp_path / "out"
    assert "written" in inv.ok("render", "--out", out).out
    assert not (out / ".cinv-state").exists()  # cinv's notes on it are in .cinv/cache
    assert list((inv.root / ".cinv" / "cache").glob("render-state-*.marshal"))
    assert ": 0 written," in inv.ok("render", "--out", out).out
    hosts = out / "hosts"
    original = hosts.read_bytes()
    # An output edited by hand is seen by --check and put right by render.
    hosts.write_bytes(original.replace(b"web1", b"webX"))
    r = inv.run("render", "--out", out, "--check")
    assert r.code == 1 and "changed: hosts" in r.out
    inv.ok("render", "--out", out)
    assert hosts.read_bytes() == original
    # An input edited so that size and mtime stay the same is rendered.
    same_size_edit(inv.root / WEB1, "ipv4: 192.0.2.10", "ipv4: 192.0.2.99")
    inv.ok("render", "--out", out)
    assert b"192.0.2.99\tweb1.prod.example.com" in hosts.read_bytes()
    # A deleted output comes back.
    hosts.unlink()
    inv.ok("render", "--out", out)
    assert hosts.exists()
    # A new commit renders again even with the same files: serials follow the history.
    from cinv.output import inputs_key
    from cinv.workspace import Workspace
    before = inputs_key(Workspace(inv.root), [])
    inv.git("add", "-A")
    inv.git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "hand edit")
    assert inputs_key(Workspace(inv.root), []) not in (before, None)
