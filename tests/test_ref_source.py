"""GitRefSource: reading an inventory from git objects gives what the work tree gives, finds
records in nested folders and in an inventory below the repository's top, and refuses symlinks
and oversized files as the work tree does."""
from __future__ import annotations

import os

import pytest
from checkers import generated_files, write_inventory
from conftest import git

from cinv.errors import CinvError
from cinv.git import gitstore
from cinv.records import load


@pytest.fixture
def repo(tmp_path):
    """A repository whose inventory lives in site/ (hosts in hosts/ and hosts/vms/)."""
    root = tmp_path / "repo"
    write_inventory(root / "site", generated_files(12))
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "inventory")
    return root


def test_a_ref_loads_exactly_what_the_work_tree_loads(repo):
    site = repo / "site"
    from_ref = load.load_inventory(gitstore.GitRefSource(site, "HEAD"))
    from_dir = load.load_inventory(load.DirSource(site, writable=False))
    assert sorted(from_ref.hosts) == sorted(from_dir.hosts)
    assert len(from_ref.hosts) == 14
    assert {n: h.to_dict() for n, h in from_ref.hosts.items()} == \
        {n: h.to_dict() for n, h in from_dir.hosts.items()}
    assert sorted(from_ref.networks) == sorted(from_dir.networks)


def test_paths_that_are_not_there(repo):
    source = gitstore.GitRefSource(repo / "site", "HEAD")
    assert source.exists("hosts/vms") and source.exists("cinv.yaml")
    assert source.exists("./hosts/") and source.exists("")
    for rel in ("nope.yaml", "hosts/nope/x.yaml", "cinv.yaml/x", "hosts/../cinv.yaml"):
        assert not source.exists(rel), rel
        with pytest.raises(FileNotFoundError):
            source.read(rel)
    assert source.listdir("cinv.yaml") == [] and source.listdir("nope") == []
    assert ("vms", True) in source.listdir("hosts")


def test_an_oversized_file_and_a_symlink_at_a_ref_are_refused(repo):
    site = repo / "site"
    (site / "hosts" / "big.example.net.yaml").write_bytes(b"#" * (load.MAX_FILE_SIZE + 1))
    os.symlink("/etc/passwd", site / "hosts" / "link.example.net.yaml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "big and link")
    source = gitstore.GitRefSource(site, "HEAD")
    with pytest.raises(CinvError, match=r"^hosts/big\.example\.net\.yaml: \d+ bytes is over "):
        source.read("hosts/big.example.net.yaml")
    assert ("link.example.net.yaml", False) not in source.listdir("hosts")
    assert [p.path for p in source.unsafe] == ["hosts/link.example.net.yaml"]
