"""The git layer: the only code that imports git (GitPython).

Commits of record changes, reading an inventory at any ref without a checkout, and a record's
history. Outside a git work tree every function is a quiet no-op.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

import git

from cinv.errors import CinvError, Problem
from cinv.load import MAX_FILE_SIZE, Source

FALLBACK_IDENTITY = ("cinv", "cinv@localhost")


def find_repo(root: Path) -> git.Repo | None:
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    if repo.bare or repo.working_tree_dir is None:
        return None
    return repo


def _identity_env(repo: git.Repo) -> dict:
    """git refuses to commit without a name and e-mail; fall back to cinv's own."""
    env = {}
    reader = repo.config_reader()
    name = os.environ.get("GIT_AUTHOR_NAME") or reader.get_value("user", "name", default="")
    email = os.environ.get("GIT_AUTHOR_EMAIL") or reader.get_value("user", "email", default="")
    if not name or not email:
        for role in ("AUTHOR", "COMMITTER"):
            env[f"GIT_{role}_NAME"] = name or FALLBACK_IDENTITY[0]
            env[f"GIT_{role}_EMAIL"] = email or FALLBACK_IDENTITY[1]
    return env


def check_can_commit(root: Path) -> None:
    """Raise the index.lock message now, before a change is written (no-op outside git)."""
    repo = find_repo(root)
    if repo is not None:
        _check_index_lock(repo)


def _check_index_lock(repo: git.Repo) -> None:
    """Refuse, naming the file, while a lock git needs to commit exists: index.lock, HEAD.lock or
    the branch's ref lock. It is never removed here: another git process may hold it."""
    git_dir = Path(repo.git_dir)
    locks = [git_dir / "index.lock", git_dir / "HEAD.lock"]
    try:
        locks.append(git_dir / f"{repo.head.reference.path}.lock")
    except TypeError:  # a detached HEAD has no branch ref
        pass
    for lock in locks:
        if lock.exists():
            raise CinvError(f"{lock}: exists, so git cannot commit. Another git process may be "
                            "running; if none is (one was killed), remove that file and run "
                            "`git status` to see the uncommitted change")


def commit(root: Path, paths: list[str], message: str) -> str | None:
    """Commit exactly these inventory paths (added, changed or removed) with message.

    Returns the new commit's hex id, or None outside git or when nothing changed."""
    repo = find_repo(root)
    if repo is None:
        return None
    top = Path(repo.working_tree_dir).resolve()
    rels = sorted({os.path.relpath(Path(root).resolve() / p, top) for p in paths})
    _check_index_lock(repo)
    try:
        # A path that is gone and was never committed (a record a killed cinv wrote but did
        # not commit, then removed) is nothing to commit; `git add` would refuse it.
        gone = [r for r in rels if not (top / r).exists()]
        if gone:  # only those need asking (each git call reads the whole index)
            tracked = set(repo.git.ls_files("--", *gone).splitlines())
            rels = [r for r in rels if r not in gone or r in tracked]
        if not rels:
            return None
        repo.git.add("-A", "--", *rels)
        if not repo.git.diff("--cached", "--name-only", "--", *rels):
            return None
        repo.git.commit("-q", "-m", message, "--", *rels,
                        env={**os.environ, **_identity_env(repo)})
    except git.GitCommandError as e:
        detail = (e.stderr or e.stdout or str(e)).strip().splitlines()
        # git's own lock message ends in a generic line; the one naming the file says more
        named = [line for line in detail if "Unable to create" in line or "fatal:" in line]
        detail = (named[:1] or detail[-1:] or [str(e)])[0].strip()
        raise CinvError(f"git commit failed: {detail}; the change is on disk but not committed "
                        "(see `git status`)") from None
    return repo.head.commit.hexsha


def head(root: Path) -> str | None:
    """The commit HEAD names, or None outside git or before the first commit."""
    repo = find_repo(root)
    if repo is None:
        return None
    try:
        return repo.head.commit.hexsha
    except ValueError:
        return None


def init(root: Path) -> bool:
    """Make root a git repository unless it already lies in one; True if one was made."""
    if find_repo(root) is not None:
        return False
    git.Repo.init(root)
    return True


def _resolve(repo: git.Repo, ref: str) -> git.Commit:
    try:
        return repo.commit(ref)
    except (git.BadName, ValueError, git.GitCommandError):
        raise CinvError(f"--ref {ref}: no such branch, tag or commit") from None


class GitRefSource(Source):
    """The inventory as it is at a ref, read from git's objects: no checkout, no temp tree."""

    writable = False

    def __init__(self, root: Path, ref: str):
        repo = find_repo(root)
        if repo is None:
            raise CinvError(f"--ref {ref}: {root} is not in a git repository")
        self.label = f"ref {ref}"
        self.commit = _resolve(repo, ref)
        prefix = os.path.relpath(Path(root).resolve(), Path(repo.working_tree_dir).resolve())
        tree = self.commit.tree
        if prefix != ".":
            try:
                tree = tree / prefix
            except KeyError:
                raise CinvError(f"--ref {ref}: the inventory {prefix}/ is not in that commit") \
                    from None
        self.tree = tree
        self.unsafe = []
        self._children: dict[str, dict | None] = {}

    def _entry(self, rel: str):
        """The tree or blob at rel, or None. Each tree's listing is parsed once: GitPython's
        `tree / "hosts/vms/x.yaml"` parses every tree on the way again, for every record."""
        rel = rel.strip("/")
        if rel in (".", ""):
            return self.tree
        parent, _, name = rel.rpartition("/")
        if parent not in self._children:
            tree = self._entry(parent)
            self._children[parent] = ({item.name: item for item in tree}
                                      if tree is not None and tree.type == "tree" else None)
        children = self._children[parent]
        return None if children is None else children.get(name)

    def exists(self, rel: str) -> bool:
        return self._entry(rel) is not None

    def listdir(self, rel: str) -> list[tuple[str, bool]]:
        entry = self._entry(rel)
        if entry is None or entry.type != "tree":
            return []
        out = []
        for item in entry:
            if item.type == "blob" and stat.S_ISLNK(item.mode):
                self.unsafe.append(Problem(f"{rel}/{item.name}", 0, "is a symlink; not read",
                                           "error", "unsafe-path"))
                continue
            if item.type in ("blob", "tree"):
                out.append((item.name, item.type == "tree"))
        return out

    def read(self, rel: str) -> bytes:
        blob = self._entry(rel)
        if blob is None or blob.type != "blob":
            raise FileNotFoundError(rel)
        stream = blob.data_stream  # its size comes with it: no second question to git
        if stream.size > MAX_FILE_SIZE:
            raise CinvError(f"{rel}: {stream.size} bytes is over the limit of {MAX_FILE_SIZE} "
                            "for one inventory file")
        return stream.read()


def history(root: Path, rels: list[str]) -> list[dict]:
    """Commits that touched any of these inventory paths, newest first, following renames."""
    repo = find_repo(root)
    if repo is None:
        raise CinvError(f"{root} is not in a git repository: there is no history")
    top = Path(repo.working_tree_dir).resolve()
    out = []
    for rel in rels:
        path = os.path.relpath(Path(root).resolve() / rel, top)
        args = ["--follow"] if (top / path).exists() else []
        try:
            log = repo.git.log(*args, "--format=%H%x1f%aI%x1f%an%x1f%ae%x1f%s", "--", path)
        except git.GitCommandError:
            continue
        for line in log.splitlines():
            sha, date, author, email, subject = line.split("\x1f", 4)
            out.append({"commit": sha, "date": date, "author": author, "email": email,
                        "message": subject})
    seen, unique = set(), []
    for item in sorted(out, key=lambda c: c["date"], reverse=True):
        if item["commit"] not in seen:
            seen.add(item["commit"])
            unique.append(item)
    return unique


# --- history of the inventory, for SOA serials (see cinv.render.serial) -------------------

def inventory_changes(root: Path, ref: str | None, limit: int) -> list[tuple]:
    """(commit, committer time, first parent or None, [changed inventory paths]) of the
    first-parent commits from ref (default HEAD) that touched the inventory, newest first, at
    most limit; paths are relative to the inventory. [] outside git or before the first
    commit. One `git log` for the whole walk."""
    repo = find_repo(root)
    if repo is None:
        return []
    top = Path(repo.working_tree_dir).resolve()
    prefix = os.path.relpath(Path(root).resolve(), top)
    try:
        log = repo.git.log("--first-parent", "--diff-merges=first-parent", "--no-renames",
                           f"--max-count={limit}", "--name-only", "--format=%x01%H %P %ct",
                           ref or "HEAD", "--", prefix)
    except git.GitCommandError:
        return []
    strip = "" if prefix == "." else prefix + "/"
    out = []
    for block in log.split("\x01")[1:]:
        lines = block.strip("\n").split("\n")
        head = lines[0].split()
        sha, when = head[0], int(head[-1])
        parent = head[1] if len(head) > 2 else None
        paths = [line[len(strip):] for line in lines[1:] if line and line.startswith(strip)]
        out.append((sha, when, parent, paths))
    return out


def dirty_paths(root: Path) -> list[str]:
    """Inventory paths (cinv.yaml, networks/, hosts/) that differ from HEAD in the work tree,
    changed, removed or untracked."""
    repo = find_repo(root)
    if repo is None:
        return []
    top = Path(repo.working_tree_dir).resolve()
    prefix = os.path.relpath(Path(root).resolve(), top)
    paths = [os.path.normpath(os.path.join(prefix, p)) for p in ("cinv.yaml", "networks", "hosts")]
    try:
        status = repo.git.status("--porcelain", "--untracked-files=all", "--no-renames", "-z",
                                 "--", *paths)
    except git.GitCommandError:
        return ["cinv.yaml"]  # unknown: treat the settings as changed, the safe answer
    strip = "" if prefix == "." else prefix + "/"
    return sorted({entry[3:][len(strip):] for entry in status.split("\0") if entry[3:]})


def read_blobs(root: Path, sha: str, rels: list[str]) -> dict[str, bytes | None]:
    """The content of inventory paths at a commit (None where absent or not a plain file)."""
    source = GitRefSource(root, sha)
    out = {}
    for rel in rels:
        try:
            out[rel] = source.read(rel)
        except (FileNotFoundError, CinvError, KeyError):
            out[rel] = None
    return out
