"""The git layer: the only code that runs git (the git command, and GitPython).

Commits of record changes, reading an inventory at any ref without a checkout, and a record's
history. Outside a git work tree every function is a quiet no-op.

The everyday paths (HEAD, a commit of a few records, the state of the work tree, the history
walks of serials and the hold time) run the git command directly: GitPython's import alone costs
a `cinv host add` a tenth of a second, and `git commit` stats every file of the work tree. A
commit of cinv's is made with git's plumbing (update-index, write-tree, commit-tree,
update-ref) when that is exactly what `git commit -- PATHS` would make: nothing else staged and
no hook that `git commit` would run; otherwise by `git commit` itself.
"""
from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from cinv import names, paths
from cinv.errors import CinvError, Problem
from cinv.records.load import MAX_FILE_SIZE, Source

if TYPE_CHECKING:
    import git

FALLBACK_IDENTITY = ("cinv", "cinv@localhost")
SUBMODULE = "is a git submodule; a ref's submodule is not read (skipped)"
COMMIT_HOOKS = ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit")


class GitFailed(Exception):
    def __init__(self, args, code: int, stderr: str):
        super().__init__(stderr.strip() or f"git {args[0]} exited with {code}")
        self.code = code
        self.stderr = stderr


def run_git(cwd, *args: str, env: dict | None = None, input: str | None = None,
            ok: tuple[int, ...] = (0,)) -> str:
    """stdout of one git command (text; undecodable bytes kept as surrogates); GitFailed on an
    exit code not in ok."""
    proc = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True,
                          env=None if env is None else {**os.environ, **env},
                          encoding="utf-8", errors="surrogateescape")
    if proc.returncode not in ok:
        raise GitFailed(args, proc.returncode, proc.stderr)
    return proc.stdout


def git_code(cwd, *args: str) -> int:
    """The exit code of one git command whose output is not wanted."""
    return subprocess.run(["git", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode


_TOPS: dict[str, tuple[Path, Path]] = {}


def work_tree(root: Path) -> tuple[Path, Path] | None:
    """(top of the work tree, git dir) of the repository holding root, or None (not in git,
    a bare repository). A repository git refuses to use (owned by another user) is an error,
    not "no git": cinv would otherwise change records without committing them."""
    key = str(root)
    if key not in _TOPS:
        try:
            out = run_git(root, "rev-parse", "--show-toplevel", "--absolute-git-dir")
        except GitFailed as e:
            if "dubious ownership" in e.stderr or "safe.directory" in e.stderr:
                raise CinvError(f"git refuses the repository of {root}: "
                                f"{e.stderr.strip().splitlines()[0]}") from None
            return None
        except FileNotFoundError:
            return None  # no git installed: no history, as outside a repository
        top, git_dir = out.splitlines()[:2]
        _TOPS[key] = (Path(top).resolve(), Path(git_dir))
    return _TOPS[key]


def _located(root: Path) -> tuple[Path, str] | None:
    """(top of the work tree, the inventory's path in it: "." at the top), or None."""
    found = work_tree(root)
    if found is None:
        return None
    return found[0], os.path.relpath(Path(root).resolve(), found[0])


_OPEN: list = []  # every GitPython repository opened, until close_repos()


def find_repo(root: Path):
    """The GitPython repository holding root (for the history and ref readers), or None.
    Each keeps `git cat-file --batch` processes running while it lives: close_repos() ends
    them (the command line does when a command ends)."""
    if work_tree(root) is None:
        return None
    import git
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    _OPEN.append(repo)
    if repo.bare or repo.working_tree_dir is None:
        return None
    return repo


def close_repos() -> None:
    """End the git processes of every repository find_repo opened (a long-lived caller, such
    as a test run driving many commands in one process, would otherwise keep them all)."""
    while _OPEN:
        _OPEN.pop().close()


def _gitpython():
    import git
    return git


def _identity_env(top: Path) -> dict:
    """git refuses to commit without a name and e-mail; fall back to cinv's own."""
    env = {}
    config = run_git(top, "config", "--get-regexp", r"^user\.(name|email)$", ok=(0, 1))
    values = dict(line.split(" ", 1) for line in config.splitlines() if " " in line)
    name = os.environ.get("GIT_AUTHOR_NAME") or values.get("user.name", "")
    email = os.environ.get("GIT_AUTHOR_EMAIL") or values.get("user.email", "")
    if not name or not email:
        for role in ("AUTHOR", "COMMITTER"):
            env[f"GIT_{role}_NAME"] = name or FALLBACK_IDENTITY[0]
            env[f"GIT_{role}_EMAIL"] = email or FALLBACK_IDENTITY[1]
    return env


def check_can_commit(root: Path) -> None:
    """Raise the index.lock message now, before a change is written (no-op outside git)."""
    found = work_tree(root)
    if found is not None:
        _check_index_lock(found[0], found[1])


def _branch_ref(top: Path) -> str | None:
    out = run_git(top, "symbolic-ref", "-q", "HEAD", ok=(0, 1)).strip()
    return out or None  # detached HEAD: no branch ref


def _check_index_lock(top: Path, git_dir: Path) -> None:
    """Refuse, naming the file, while a lock git needs to commit exists: index.lock, HEAD.lock or
    the branch's ref lock. It is never removed here: another git process may hold it."""
    locks = [git_dir / "index.lock", git_dir / "HEAD.lock"]
    branch = _branch_ref(top)
    if branch is not None:
        locks.append(git_dir / f"{branch}.lock")
    for lock in locks:
        if lock.exists():
            raise CinvError(f"{lock}: exists, so git cannot commit. Another git process may be "
                            "running; if none is (one was killed), remove that file and run "
                            "`git status` to see the uncommitted change")


def commit(root: Path, paths: list[str], message: str) -> str | None:
    """Commit exactly these inventory paths (added, changed or removed) with message.

    Returns the new commit's hex id, or None outside git or when nothing changed."""
    found = work_tree(root)
    if found is None:
        return None
    top, git_dir = found
    rels = sorted({os.path.relpath(Path(root).resolve() / p, top) for p in paths})
    _check_index_lock(top, git_dir)
    try:
        # A path that is gone and was never committed (a record a killed cinv wrote but did
        # not commit, then removed) is nothing to commit; `git add` would refuse it.
        gone = [r for r in rels if not (top / r).exists()]
        if gone:  # only those need asking (each git call reads the whole index)
            listed = run_git(top, "ls-files", "-z", "--", *(f":(literal){r}" for r in gone))
            tracked = set(listed.split("\0"))
            rels = [r for r in rels if r not in gone or r in tracked]
        if not rels:
            return None
        env = _identity_env(top)
        sha = _plumbing_commit(top, git_dir, rels, message, env)
        if sha is False:
            sha = _porcelain_commit(top, rels, message, env)
    except GitFailed as e:
        detail = str(e).strip().splitlines()
        # git's own lock message ends in a generic line; the one naming the file says more
        named = [line for line in detail if "Unable to create" in line or "fatal:" in line]
        detail = (named[:1] or detail[-1:] or [str(e)])[0].strip()
        raise CinvError(f"git commit failed: {detail}; the change is on disk but not committed "
                        "(see `git status`)") from None
    return sha


def _literal(rels: list[str]) -> list[str]:
    return [f":(literal){r}" for r in rels]


def _porcelain_commit(top: Path, rels: list[str], message: str, env: dict) -> str | None:
    run_git(top, "add", "-A", "--", *_literal(rels))
    if not run_git(top, "diff", "--cached", "--name-only", "--", *_literal(rels)):
        return None
    run_git(top, "commit", "-q", "-m", message, "--", *_literal(rels), env=env)
    return run_git(top, "rev-parse", "--verify", "HEAD").strip()


def clean_message(message: str) -> str:
    """The message as `git commit -m` stores it (its default cleanup, "whitespace"): trailing
    spaces and leading/trailing blank lines gone, runs of blank lines made one."""
    lines = [line.rstrip() for line in message.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _hooks_present(top: Path) -> bool:
    hooks = Path(run_git(top, "rev-parse", "--git-path", "hooks").strip())
    hooks = hooks if hooks.is_absolute() else top / hooks
    return any(os.access(hooks / name, os.X_OK) for name in COMMIT_HOOKS)


def _plumbing_commit(top: Path, git_dir: Path, rels: list[str], message: str,
                     env: dict) -> str | None | bool:
    """The commit `git commit -q -m message -- rels` would make, made with plumbing: the same
    tree, parent, message, identity, signing (commit-tree follows commit.gpgSign) and reflog
    line, without a stat of every file. False when that is not exactly the same: no commit
    yet, other changes staged, or a hook git commit would run."""
    heads = run_git(top, "rev-parse", "-q", "HEAD", "HEAD^{tree}", ok=(0, 1, 128)).split()
    if len(heads) != 2 or _hooks_present(top):
        return False
    parent, parent_tree = heads
    if git_code(top, "diff-index", "--cached", "--quiet", parent, "--") != 0:
        return False  # something else is staged: git commit -- PATHS leaves it so
    text = clean_message(message)
    if not text:
        return False  # git commit refuses an empty message; let it say so
    run_git(top, "update-index", "--add", "--remove", "--", *rels)
    tree = run_git(top, "write-tree").strip()
    if tree == parent_tree:
        return None
    sha = run_git(top, "commit-tree", tree, "-p", parent, input=text, env=env).strip()
    subject = text.split("\n", 1)[0]
    run_git(top, "update-ref", "-m", f"commit: {subject}", "HEAD", sha, parent)
    run_git(top, "maintenance", "run", "--auto", "--quiet", ok=(0, 1, 128, 129))
    return sha


def head(root: Path) -> str | None:
    """The commit HEAD names, or None outside git or before the first commit."""
    found = work_tree(root)
    if found is None:
        return None
    out = run_git(found[0], "rev-parse", "--verify", "-q", "HEAD", ok=(0, 1)).strip()
    return out or None


def init(root: Path) -> bool:
    """Make root a git repository unless it already lies in one; True if one was made."""
    if work_tree(root) is not None:
        return False
    _gitpython().Repo.init(root)
    return True


_HEX = re.compile(r"[0-9a-f]{40}([0-9a-f]{24})?\Z")


def resolve(repo: git.Repo, rev: str, what: str = "--ref", notes: list | None = None) -> str:
    """The commit id a revision names, resolved by git itself (every syntax git accepts:
    branches, tags, short ids, HEAD~3, main@{1}, HEAD@{yesterday}, @{-1}), so that only a
    commit id is ever passed on to git. A revision starting with '-' (which git could read as
    an option) or holding control characters is refused, as is one git does not know. What git
    warns while resolving it ("log for 'HEAD' only goes back to ...": a reflog younger than
    the date asked for, as on a fresh clone) is added to notes, for the user to see."""
    if not isinstance(rev, str) or not rev or rev.startswith("-") \
            or any(not c.isprintable() for c in rev):
        raise CinvError(f"{what} {rev!r}: not a revision (it must not be empty, start with '-' "
                        "or hold control characters)")
    proc = subprocess.run(["git", "rev-parse", "--verify", "--end-of-options",
                           f"{rev}^{{commit}}"], cwd=repo.working_dir or repo.git_dir,
                          capture_output=True, text=True, errors="replace")
    out = proc.stdout if proc.returncode == 0 else ""
    sha = out.strip().splitlines()[-1] if out.strip() else ""
    if not _HEX.match(sha):
        raise CinvError(f"{what} {rev}: no such branch, tag or commit")
    if notes is not None:
        for line in proc.stderr.splitlines():
            if line.strip().startswith("warning:"):
                said = line.strip()[len("warning:"):].strip()
                if "only goes back to" in said:  # git took the oldest entry instead
                    said += (" (the reflog is this clone's own history of HEAD; `cinv diff "
                             "--since DATE` goes by commit date)")
                notes.append(f"warning: {what} {rev}: {said}")
    return sha


def resolve_commit(root: Path, rev: str, what: str = "--ref", notes: list | None = None) -> str:
    """resolve() in the repository holding root."""
    repo = find_repo(root)
    if repo is None:
        raise CinvError(f"{what} {rev}: {root} is not in a git repository")
    return resolve(repo, rev, what, notes)


def commit_time(root: Path, commit: str) -> int | None:
    """The committer time (Unix seconds) of a commit id."""
    found = work_tree(root)
    if found is None or not _HEX.match(commit):
        return None
    try:
        return int(run_git(found[0], "log", "-1", "--format=%ct", commit, "--").strip())
    except (GitFailed, ValueError):
        return None


def commit_before(root: Path, start: str, when: float) -> tuple[str, int] | None:
    """(commit id, committer time) of the newest first-parent commit from `start` (a commit
    id) committed at or before `when` (Unix seconds), or None when every commit is younger."""
    repo = find_repo(root)
    if repo is None or not _HEX.match(start):
        return None
    out = repo.git.rev_list("-1", "--first-parent", f"--before=@{int(when)}",
                            "--format=%H %ct", "--no-commit-header", start).split()
    return (out[0], int(out[1])) if len(out) == 2 and _HEX.match(out[0]) else None


class TreeEntry(NamedTuple):
    """One entry of a git tree, as `git ls-tree -l` lists it."""

    mode: int
    type: str  # blob, tree, or commit (a submodule's gitlink)
    sha: str
    size: int | None  # a blob's, from its object header; None for a tree or gitlink


def tree_listing(cwd: Path, sha: str) -> dict[str, TreeEntry]:
    """{name: entry} of one git tree, from `git ls-tree -l`: git reads each blob's size from
    its header, never its content. A submodule (mode 160000) is listed as type commit."""
    proc = subprocess.run(["git", "ls-tree", "-l", "-z", "--end-of-options", sha], cwd=cwd,
                          capture_output=True)  # bytes: a name may hold CR, or non-UTF-8
    if proc.returncode != 0:
        raise GitFailed(("ls-tree",), proc.returncode, os.fsdecode(proc.stderr))
    out = {}
    for record in proc.stdout.split(b"\0"):
        meta, tab, name = record.partition(b"\t")
        fields = meta.decode("ascii", "replace").split()
        if not tab or len(fields) != 4:
            continue
        mode, kind, obj, size = fields
        out[name.decode("utf-8", "surrogateescape")] = TreeEntry(
            int(mode, 8), kind, obj, int(size) if size.isdigit() else None)
    return out


class GitRefSource(Source):
    """The inventory as it is at a ref, read from git's objects: no checkout, no temp tree.

    Folders are listed by git (tree_listing), so every file's size is known before it is read:
    one over the limit is a problem at its path and is never read (a 4 MiB push of blobs that
    inflate to gigabytes costs nothing). A submodule (gitlink) is never entered: in an input
    folder it is a warning at its path; anywhere else it is not looked at."""

    writable = False

    def __init__(self, root: Path, ref: str):
        """ref: a commit id (as resolve() gives) or any revision, resolved here."""
        repo = find_repo(root)
        if repo is None:
            raise CinvError(f"--ref {ref}: {root} is not in a git repository")
        self.label = f"ref {ref}"
        self.commit = repo.commit(ref if _HEX.match(ref) else resolve(repo, ref))
        prefix = os.path.relpath(Path(root).resolve(), Path(repo.working_tree_dir).resolve())
        tree = self.commit.tree
        if prefix != ".":
            try:
                tree = tree / prefix
            except (KeyError, AttributeError, ValueError):
                tree = None
            if tree is None or tree.type != "tree":
                raise CinvError(f"--ref {ref}: the inventory {prefix}/ is not in that commit") \
                    from None
        self.tree = tree
        self.repo = repo
        self.cwd = Path(repo.working_tree_dir)
        self.unsafe = []
        self._listings: dict[str, dict[str, TreeEntry] | None] = {}

    def _listing(self, rel: str) -> dict[str, TreeEntry] | None:
        """The entries of the folder at rel ("" the inventory's top), listed once; None when
        rel is no folder."""
        if rel not in self._listings:
            if rel in ("", "."):
                sha = self.tree.hexsha
            else:
                parent, _, name = rel.rpartition("/")
                entry = (self._listing(parent) or {}).get(name)
                sha = entry.sha if entry is not None and entry.type == "tree" else None
            self._listings[rel] = None if sha is None else tree_listing(self.cwd, sha)
        return self._listings[rel]

    def _entry(self, rel: str) -> TreeEntry | None:
        """The entry at rel, or None."""
        rel = rel.strip("/")
        if rel in (".", ""):
            return TreeEntry(0o040000, "tree", self.tree.hexsha, None)
        parent, _, name = rel.rpartition("/")
        return (self._listing(parent) or {}).get(name)

    def exists(self, rel: str) -> bool:
        return self._entry(rel) is not None

    def blob_id(self, rel: str) -> str | None:
        """The git object id of a file (what a cache of its parsed content is keyed by)."""
        entry = self._entry(rel)
        return entry.sha if entry is not None and entry.type == "blob" else None

    def listdir(self, rel: str) -> list[tuple[str, bool]]:
        listing = self._listing(rel.strip("/"))
        out = []
        for name, item in (listing or {}).items():
            if item.type == "blob" and stat.S_ISLNK(item.mode):
                self.unsafe.append(Problem(f"{rel}/{name}", 0, "is a symlink; not read",
                                           "error", "unsafe-path"))
            elif item.type == "commit" and not name.startswith("."):
                self.unsafe.append(Problem(f"{rel}/{name}", 0, SUBMODULE, "warning",
                                           "submodule"))
            elif item.type in ("blob", "tree"):
                out.append((name, item.type == "tree"))
        return out

    def read(self, rel: str, limit: int = MAX_FILE_SIZE) -> bytes:
        blob = self._entry(rel)
        if blob is None or blob.type != "blob":
            raise FileNotFoundError(rel)
        if stat.S_ISLNK(blob.mode):  # its content is a link's target, never followed
            raise CinvError(f"{rel}: is a symlink; not read")
        if blob.size is None or blob.size > limit:  # known from git before anything is read
            raise CinvError(f"{rel}: {blob.size} bytes is over the limit of {limit} "
                            "for one inventory file")
        return self.repo.odb.stream(bytes.fromhex(blob.sha)).read()


MAX_RENAMES = 100  # hops a record's history follows back (a bound against odd histories)
_RENAME = re.compile(r"Rename host ([a-z0-9][a-z0-9.-]*?)\.? to ([a-z0-9][a-z0-9.-]*?)\.?"
                     r"(?=[\s(:,;]|\Z)")
_LOG_FORMAT = "--format=%x01%H%x1f%aI%x1f%an%x1f%ae%x1f%s"


def _top_and_prefix(repo: git.Repo, root: Path) -> tuple[Path, str]:
    top = Path(repo.working_tree_dir).resolve()
    return top, os.path.relpath(Path(root).resolve(), top)


def _in_repo(prefix: str, rel: str) -> str:
    return rel if prefix == "." else f"{prefix}/{rel}"


def _raw_changes(repo: git.Repo, sha: str) -> list[tuple[str, str, str, str]]:
    """(status, old blob, new blob, path) of every file one commit changed, without rename
    detection (git never guesses here)."""
    out = repo.git.diff_tree("-r", "-z", "--raw", "--no-renames", "--root", "--no-commit-id",
                             "--end-of-options", sha)
    fields = out.split("\0")
    changes = []
    for meta, path in zip(fields[0::2], fields[1::2]):
        parts = meta.lstrip(":").split()
        if len(parts) == 5:
            changes.append((parts[4], parts[2], parts[3], path))
    return changes


def rename_source(repo: git.Repo, sha: str, subject: str, path: str) -> str | None:
    """The path a commit that adds `path` (a host record) moved it from, or None (see
    commit_renames)."""
    changes = _raw_changes(repo, sha)
    removed = {c[3]: c[1] for c in changes if c[0] == "D" and c[3].endswith(".yaml")
               and "/hosts/" in f"/{c[3]}"}
    added = {c[3]: c[2] for c in changes if c[0] == "A" and c[3].endswith(".yaml")}
    pairs = commit_renames(subject, removed, added)
    return next((old for old, new in pairs.items() if new == path), None)


def _log(repo: git.Repo, start: str, path: str) -> list[dict]:
    """Commits from start that changed path (exactly that path), newest first, each with the
    status of the change (A, M, D)."""
    log = repo.git.log("--no-renames", "--raw", "--no-abbrev", _LOG_FORMAT, "--end-of-options",
                       start, "--", f":(literal){path}")
    out = []
    for block in log.split("\x01")[1:]:
        head, _, raw = block.partition("\n")
        sha, date, author, email, subject = head.split("\x1f", 4)
        status = next((line.split()[4][:1] for line in raw.splitlines()
                       if line.startswith(":") and len(line.split()) >= 6), "M")
        out.append({"commit": sha, "date": date, "author": author, "email": email,
                    "message": subject, "status": status})
    return out


def find_removed_record(root: Path, name: str) -> str | None:
    """The path (relative to the inventory) of the newest removed host record named name (an
    FQDN, or a short name matching one FQDN), or None. CinvError if a short name matches
    several."""
    git = _gitpython()
    repo = find_repo(root)
    if repo is None:
        raise CinvError(f"{root} is not in a git repository: there is no history")
    try:  # a valid name holds no glob or pathspec magic
        name = names.check_fqdn(name.lower().rstrip("."))
    except ValueError as e:
        raise CinvError(f"{name!r}: {e}") from None
    top, prefix = _top_and_prefix(repo, root)
    hosts = _in_repo(prefix, "hosts")
    specs = [f":(glob){hosts}/**/{name}.yaml"]
    if "." not in name:
        specs.append(f":(glob){hosts}/**/{name}.*.yaml")
    try:
        log = repo.git.log("--no-renames", "--diff-filter=D", "--name-only", "--format=",
                           "-z", "HEAD", "--", *specs)
    except git.GitCommandError:
        return None
    found = list(dict.fromkeys(p for p in log.split("\0") if p.strip()))
    files = sorted({p.strip("\n").rsplit("/", 1)[-1] for p in found})
    if len(files) > 1:
        raise CinvError(f"{name}: matches the removed records {', '.join(files)}; give the "
                        "full name")
    if not found:
        return None
    path = found[0].strip("\n")
    return path if prefix == "." else os.path.relpath(path, prefix)


def host_history(root: Path, rel: str) -> list[dict]:
    """The commits of one host record, newest first: the commits that changed that very file
    (its removal included), and before a rename made by cinv (or a move between folders with
    unchanged content) the commits of the file it was renamed from. Never another record's
    commits: git's own copy and rename guesses are off."""
    git = _gitpython()
    repo = find_repo(root)
    if repo is None:
        raise CinvError(f"{root} is not in a git repository: there is no history")
    top, prefix = _top_and_prefix(repo, root)
    try:
        start = repo.head.commit.hexsha
    except ValueError:
        return []
    path = _in_repo(prefix, paths.clean_relative(rel, "record path"))
    out: list[dict] = []
    for _ in range(MAX_RENAMES):
        try:
            commits = _log(repo, start, path)
        except git.GitCommandError:
            break
        shown = path if prefix == "." else os.path.relpath(path, prefix)
        out.extend({**c, "path": shown} for c in commits)
        if not commits or commits[-1]["status"] != "A":
            break
        first = commits[-1]
        source = rename_source(repo, first["commit"], first["message"], path)
        parents = repo.commit(first["commit"]).parents
        if source is None or not parents:
            break
        path, start = source, parents[0].hexsha
    for c in out:
        del c["status"]
    return out


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1][:-len(".yaml")]


def _same_name(typed: str, stem: str) -> bool:
    """A name in a commit message is the record's FQDN, or its short form."""
    return stem == typed or stem.startswith(f"{typed}.")


def commit_renames(subject: str, removed: dict[str, str], added: dict[str, str]) -> dict:
    """{old path: new path} of the host records one commit renamed: the pair its own message
    names ("Rename host OLD to NEW", as `cinv host rename` writes) when those records were
    removed and added in it, and records removed and added with exactly the same content (a
    move between folders). removed, added: {path: blob id}. Never a guess by similarity."""
    pairs: dict[str, str] = {}
    m = _RENAME.match(subject)
    if m:
        old = [p for p in removed if _same_name(m.group(1), _stem(p))]
        new = [p for p in added if _same_name(m.group(2), _stem(p))]
        if len(old) == 1 and len(new) == 1:
            pairs[old[0]] = new[0]
    by_blob: dict[str, tuple[list, list]] = {}
    for side, files in ((0, removed), (1, added)):
        for path, blob in files.items():
            if path not in pairs and path not in pairs.values():
                by_blob.setdefault(blob, ([], []))[side].append(path)
    for old, new in by_blob.values():
        if len(old) == 1 and len(new) == 1:
            pairs[old[0]] = new[0]
    return pairs


def renames_between(root: Path, old: str, new: str | None) -> dict[str, str]:
    """{old host name: new host name} of the records renamed by the commits from commit old to
    commit new (None: HEAD), by commit_renames, chained (a -> b -> c gives a -> c)."""
    git = _gitpython()
    repo = find_repo(root)
    if repo is None:
        return {}
    top, prefix = _top_and_prefix(repo, root)
    try:
        new = new or repo.head.commit.hexsha
        log = repo.git.log("--reverse", "--no-renames", "--raw", "--no-abbrev", "-z",
                           "--format=%x01%s", "--end-of-options", f"{old}..{new}", "--",
                           f":(literal){_in_repo(prefix, 'hosts')}")
    except (git.GitCommandError, ValueError):
        return {}
    names_now: dict[str, str] = {}  # original name -> latest name
    for block in log.split("\x01")[1:]:
        subject, _, raw = block.partition("\0")  # -z ends the subject with NUL too
        fields = raw.strip("\n\0").split("\0")
        removed, added = {}, {}
        for meta, path in zip(fields[0::2], fields[1::2]):
            parts = meta.strip("\n").lstrip(":").split()
            if len(parts) == 5 and path.endswith(".yaml"):
                if parts[4] == "D":
                    removed[path] = parts[2]
                elif parts[4] == "A":
                    added[path] = parts[3]
        for a, b in commit_renames(subject, removed, added).items():
            a, b = _stem(a), _stem(b)
            first = next((k for k, v in names_now.items() if v == a), a)
            names_now[first] = b
    return {a: b for a, b in names_now.items() if a != b}


def tracked(root: Path, rel: str) -> bool:
    """Whether git tracks anything at rel (a file or a folder) of the inventory."""
    found = _located(root)
    if found is None:
        return False
    top, prefix = found
    try:
        return bool(run_git(top, "ls-files", "-z", "--",
                            f":(literal){_in_repo(prefix, rel)}"))
    except GitFailed:
        return False


# --- history of the inventory, for SOA serials (see cinv.render.serial) -------------------

def inventory_changes(root: Path, ref: str | None, limit: int, known=()) -> list[tuple]:
    """(commit, committer time, first parent or None, [changed inventory paths]) of the
    first-parent commits from ref (default HEAD) that touched the inventory, newest first, at
    most limit, up to and with the first of them in known (whose paths are not read: []);
    paths are relative to the inventory. [] outside git or before the first commit."""
    found = _located(root)
    if found is None:
        return []
    top, prefix = found
    try:
        log = run_git(top, "log", "--first-parent", "--diff-merges=first-parent",
                      "--no-patch", f"--max-count={limit}", "--format=%H %P %ct",
                      "--end-of-options", ref or "HEAD", "--", prefix)
    except GitFailed:
        return []
    commits = []
    for line in log.splitlines():
        head = line.split()
        commits.append((head[0], int(head[-1]), head[1] if len(head) > 2 else None))
        if head[0] in known:
            break
    walk = [sha for sha, _when, _parent in commits if sha not in known]
    paths: dict[str, list[str]] = {sha: [] for sha in walk}
    if walk:
        try:
            log = run_git(top, "log", "--no-walk=unsorted", "--diff-merges=first-parent",
                          "--no-renames", "--name-only", "--format=%x01%H", *walk, "--",
                          prefix)
        except GitFailed:
            return []
        strip = "" if prefix == "." else prefix + "/"
        for block in log.split("\x01")[1:]:
            lines = block.strip("\n").split("\n")
            paths[lines[0]] = [line[len(strip):] for line in lines[1:]
                               if line and line.startswith(strip)]
    return [(sha, when, parent, paths.get(sha, [])) for sha, when, parent in commits]


def dirty_paths(root: Path) -> list[str]:
    """Inventory paths (cinv.yaml, networks/, hosts/, zones/) that differ from HEAD in the work
    tree, changed, removed or untracked."""
    return dirty_paths_later(root)()


def dirty_paths_later(root: Path):
    """dirty_paths, asked of git now and read when the callable returned is called (a `git
    status` stats every file: it runs while the caller does other work)."""
    found = _located(root)
    if found is None:
        return lambda: []
    top, prefix = found
    paths = [os.path.normpath(os.path.join(prefix, p)) for p in ("cinv.yaml", "networks", "hosts",
                                                                  "zones")]
    # --no-optional-locks: a reader's status must not take index.lock from a writer's commit
    proc = subprocess.Popen(["git", "--no-optional-locks", "status", "--porcelain",
                             "--untracked-files=all", "--no-renames", "-z", "--", *paths], cwd=top,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    strip = "" if prefix == "." else prefix + "/"
    result: list = []

    def read() -> list[str]:
        if not result:
            out, _err = proc.communicate()
            if proc.returncode != 0:
                result.append(["cinv.yaml"])  # unknown: the settings changed, the safe answer
            else:
                text = out.decode("utf-8", "surrogateescape")
                result.append(sorted({entry[3:][len(strip):] for entry in text.split("\0")
                                      if entry[3:]}))
        return result[0]
    return read


def read_blobs(root: Path, sha: str, rels: list[str]) -> dict[str, bytes | None]:
    """The content of inventory paths at a commit (None where absent, not a blob or over
    MAX_BLOB): git names each path's object and its size first (`cat-file --batch-check`), and
    only blobs within the limit are read (blobs(), as for every reader of a ref)."""
    out: dict[str, bytes | None] = dict.fromkeys(rels)
    found = _located(root)
    if found is None or not rels:
        return out
    top, prefix = found
    names = [f"{sha}:{rel if prefix == '.' else prefix + '/' + rel}" for rel in rels]
    if any("\n" in name for name in names):
        return out  # a path git's batch input cannot carry: read as absent
    try:
        listing = run_git(top, "cat-file", "--batch-check",
                          input="".join(f"{n}\n" for n in names), ok=(0, 128))
    except GitFailed:
        return out
    ids, sizes = {}, {}
    for rel, line in zip(rels, listing.splitlines()):
        head = line.split()
        if len(head) == 3 and head[1] == "blob" and head[2].isdigit() and _HEX.match(head[0]):
            ids[rel], sizes[head[0]] = head[0], int(head[2])
    contents = dict(blobs(root, sizes, MAX_BLOB))
    for rel, blob in ids.items():
        out[rel] = contents.get(blob)
    return out


MAX_BLOB = 1 << 20  # a record (load.MAX_FILE_SIZE); a bigger blob reads as absent


# --- recent history of the inventory, for the report -------------------------------------

RECENT_PATHS = 200  # paths kept of a commit's (the rest counted): a report shows 20


def recent_changes(root: Path, commit: str | None, limit: int = 50) -> list[dict] | None:
    """The last `limit` commits (from commit, a resolved id, default HEAD) that touched the
    inventory, newest first: {commit, date, author, message, paths: [(status, path, old)],
    count} with status A/M/D/R and paths relative to the inventory (old: a rename's source),
    the first RECENT_PATHS of them (count: how many). None outside git or before the first
    commit. What a commit changed never changes: commits met before are taken from the cache
    (.cinv/cache/history), so a commit of 50,000 files is read from git once."""
    found = _located(root)
    if found is None:
        return None
    top, prefix = found
    try:
        shas = run_git(top, "rev-list", f"--max-count={limit}", commit or "HEAD", "--",
                       prefix).split()
    except GitFailed:
        return None
    from cinv.records import cache
    kept = cache.read(root, "history")
    kept = kept if isinstance(kept, dict) and kept.get("prefix") == prefix else {"prefix": prefix}
    missing = [sha for sha in shas if sha not in kept]
    if missing:
        try:
            for entry in _commit_changes(top, prefix, missing):
                entry["count"] = len(entry["paths"])
                del entry["paths"][RECENT_PATHS:]
                kept[entry["commit"]] = entry
        except GitFailed:
            return None
        cache.write(root, "history", {"prefix": prefix, **{s: kept[s] for s in shas
                                                            if s in kept}})
    return [kept[sha] for sha in shas if sha in kept]


def _commit_changes(top: Path, prefix: str, shas: list[str]) -> list[dict]:
    """{commit, date, author, message, paths} of each commit given, by one `git log`."""
    log = run_git(top, "log", "--no-walk=unsorted", "--name-status", "-M", "-z",
                  "--format=%x01%H%x1f%cI%x1f%an%x1f%s", *shas, "--",
                  prefix).removesuffix("\n")
    strip = "" if prefix == "." else prefix + "/"

    def rel(path: str) -> str:
        return path[len(strip):] if path.startswith(strip) else path

    # Read token by token: a header (\x01 sha, date, author, subject; a subject holds no NUL),
    # then per file a status and one path (two for a rename or copy). Paths are taken by count,
    # so no file name, however odd, is read as a header.
    out: list[dict] = []
    tokens = log.split("\0")
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip("\n")
        i += 1
        if token.startswith("\x01"):
            sha, date, author, subject = (token[1:].split("\x1f", 3) + ["", "", ""])[:4]
            out.append({"commit": sha, "date": date, "author": author, "message": subject,
                        "paths": []})
        elif token and out:
            count = 2 if token[0] in "RC" else 1
            names = [rel(t) for t in tokens[i:i + count]]
            i += count
            if len(names) == count:
                out[-1]["paths"].append((token[0], names[-1], names[0] if count == 2 else None))
    return out


# --- values freed along the history (see cinv/git/freed.py) -----------------------------------

def _prefix(repo, root: Path) -> str:
    return os.path.relpath(Path(root).resolve(), Path(repo.working_tree_dir).resolve())


def is_ancestor(root: Path, older: str, newer: str) -> bool:
    """Whether commit `older` (a hex id cinv stored) is an ancestor of `newer`."""
    found = work_tree(root)
    if found is None or not all(len(c) == 40 and c.isalnum() for c in (older, newer)):
        return False
    return git_code(found[0], "merge-base", "--is-ancestor", older, newer) == 0


def paths_between(root: Path, older: str, newer: str | None) -> list[str] | None:
    """Inventory paths that differ between commit `older` (a hex id read from elsewhere, e.g.
    a server) and `newer` (default HEAD), relative to the inventory; None when `older` is not
    a commit of this repository."""
    found = _located(root)
    if found is None or not (len(older) == 40 and all(c in "0123456789abcdef" for c in older)):
        return None
    top, prefix = found
    if git_code(top, "cat-file", "-e", f"{older}^{{commit}}") != 0:
        return None
    try:
        out = run_git(top, "diff", "--name-only", "--no-renames", "-z", older, newer or "HEAD",
                      "--", prefix)
    except GitFailed:
        return None
    strip = "" if prefix == "." else prefix + "/"
    return [p[len(strip):] for p in out.split("\0") if p and p.startswith(strip)]


def host_changes(root: Path, since: int, base: str | None = None,
                 tip: str = "HEAD") -> list[tuple]:
    """(commit, committer time, [(path, old blob or None, new blob or None), ...]) of the
    first-parent commits from HEAD (or `tip`, a commit id) that changed files under hosts/:
    back to `base` (a commit
    id, excluded) if given, else those committed after about `since` (Unix seconds; the caller
    filters by time exactly); oldest first, paths relative to the inventory. One `git log` for
    the whole walk; [] outside git."""
    found = _located(root)
    if found is None:
        return []
    top, prefix = found
    hosts = "hosts" if prefix == "." else f"{prefix}/hosts"
    strip = "" if prefix == "." else prefix + "/"
    if tip != "HEAD" and not (len(tip) == 40 and tip.isalnum()):
        return []
    if base and len(base) == 40 and base.isalnum():
        span = [f"{base}..{tip}"]  # a few new commits: all of them, whatever their dates
    else:  # git stops at the first commit older than --since: leave a day for clock skew
        span = [f"--since=@{max(1, int(since) - 86400)}", tip]
    try:
        # only a commit that changed or removed a record can free anything: those first
        # (a commit that added 50,000 records is not listed file by file), then their changes
        shas = run_git(top, "log", "--first-parent", "--diff-merges=first-parent",
                       "--no-renames", "--diff-filter=DMT", "--no-patch", "--format=%H", *span,
                       "--", hosts).split()
        if not shas:
            return []
        log = run_git(top, "log", "--no-walk=unsorted", "--diff-merges=first-parent", "--raw",
                      "--no-renames", "--no-abbrev", "-z", "--format=%x01%H %ct", *shas,
                      "--", hosts)
    except GitFailed:
        return []
    out = []
    zero = "0" * 40
    for block in log.split("\x01")[1:]:
        head, _, rest = block.partition("\0")
        sha, _, when = head.partition(" ")
        fields = rest.lstrip("\n").split("\0")
        changes = []
        for meta, path in zip(fields[0::2], fields[1::2]):
            parts = meta.split()
            if len(parts) < 5 or not path.startswith(strip):
                continue
            old, new = parts[2], parts[3]
            changes.append((path[len(strip):], None if old == zero else old,
                            None if new == zero else new))
        out.append((sha, int(when), changes))
    out.reverse()
    return out


def blob_sizes(root: Path, shas) -> dict[str, int]:
    """{id: size} of the blobs among these hex ids (missing ones and other objects left out),
    from `git cat-file --batch-check`: git reads each object's header, never its content."""
    found = work_tree(root)
    wanted = sorted({sha for sha in shas if _HEX.match(sha)})
    if found is None or not wanted:
        return {}
    listing = run_git(found[0], "cat-file", "--batch-check", input="".join(
        f"{sha}\n" for sha in wanted), ok=(0, 128))
    out = {}
    for line in listing.splitlines():
        head = line.split()
        if len(head) == 3 and head[1] == "blob" and head[2].isdigit():
            out[head[0]] = int(head[2])
    return out


ASKED = 1000  # ids asked of `git cat-file --batch` at once: 41 KB, less than a pipe holds


def blobs(root: Path, sizes: dict[str, int], limit: int = MAX_FILE_SIZE):
    """(id, content) of each blob of `sizes` (as blob_sizes gives them) of at most `limit`
    bytes, one at a time from one `git cat-file --batch` process (asked ASKED ids at a time,
    which the pipe takes whole, then their answers read): the others are never read, and no
    more than one blob is held here at once."""
    found = work_tree(root)
    wanted = [sha for sha, size in sorted(sizes.items()) if size <= limit]
    if found is None or not wanted:
        return
    proc = subprocess.Popen(["git", "cat-file", "--batch"], cwd=found[0],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    try:
        for start in range(0, len(wanted), ASKED):
            asked = wanted[start:start + ASKED]
            proc.stdin.write("".join(f"{sha}\n" for sha in asked).encode())
            proc.stdin.flush()
            for sha in asked:
                head = proc.stdout.readline().split()
                if len(head) == 2 and head[1] == b"missing":
                    continue
                if len(head) != 3 or head[1] != b"blob" or int(head[2]) != sizes[sha]:
                    return  # not what batch-check said: nothing more is believed
                yield sha, proc.stdout.read(sizes[sha] + 1)[:-1]
    finally:
        for pipe in (proc.stdin, proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass
        proc.kill()
        proc.wait()


# --- other branches of one inventory (see cinv/refcheck.py) --------------------------------

def matching_branches(root: Path, pattern: str) -> list[tuple[str, str]]:
    """(branch name, commit id) of the branches whose name matches a shell pattern
    ('customer-*'): local branches, and remote-tracking ones (origin/customer-a, as a CI clone
    has them) for names with no local branch; sorted by name."""
    import fnmatch
    repo = find_repo(root)
    if repo is None:
        raise CinvError(f"--refs: {root} is not in a git repository")
    listing = repo.git.for_each_ref("--format=%(refname)%00%(objectname)%00%(objecttype)",
                                    "refs/heads/", "refs/remotes/")
    local: dict[str, str] = {}
    remote: dict[str, tuple[str, str]] = {}
    for line in listing.splitlines():
        ref, sha, kind = line.split("\0")
        if kind != "commit":
            continue
        if ref.startswith("refs/heads/"):
            local[ref[len("refs/heads/"):]] = sha
        else:
            remote_name, _, name = ref[len("refs/remotes/"):].partition("/")
            if name and name != "HEAD":
                best = remote.get(name)
                if best is None or (remote_name == "origin") or (best[0] != "origin"
                                                                 and remote_name < best[0]):
                    remote[name] = (remote_name, sha)
    out = {name: (name, sha) for name, sha in local.items()}
    for name, (remote_name, sha) in remote.items():
        if name not in out:
            out[name] = (f"{remote_name}/{name}", sha)
    return sorted(v for k, v in out.items() if fnmatch.fnmatchcase(k, pattern))


def current_branch(root: Path) -> str | None:
    """The branch checked out, or None (detached HEAD, outside git)."""
    repo = find_repo(root)
    if repo is None:
        return None
    try:
        return repo.active_branch.name
    except TypeError:
        return None


def inventory_blobs(root: Path, commit: str) -> dict[str, str]:
    """{inventory path: blob id} of every file under hosts/ and networks/ at a commit (a hex id
    from matching_branches), with cinv.yaml."""
    repo = find_repo(root)
    if repo is None or len(commit) != 40 or not commit.isalnum():
        return {}
    prefix = _prefix(repo, root)
    strip = "" if prefix == "." else prefix + "/"
    paths = [f"{strip}{p}" for p in ("cinv.yaml", "hosts", "networks")]
    listing = repo.git.ls_tree("-r", "-z", "--full-tree", commit, "--", *paths)
    out = {}
    for entry in listing.split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[0] != "120000" \
                and path.startswith(strip):
            out[path[len(strip):]] = parts[2]
    return out
