"""Work done in a forked child process that hands its result back through a pipe (marshal):
a core of its own for the render's parts and assembly, and for the audit's scan of the work
tree. A plain fork and a pipe: no pool, no threads. The child leaves with os._exit, running
none of the parent's cleanup."""
from __future__ import annotations

import gc
import marshal
import os


def start(work) -> tuple[int, int]:
    """(pid, read end of the pipe) of a child running work(); OSError when no process (or
    pipe) can be had."""
    read, write = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        raise
    if pid == 0:
        code = 1
        try:
            gc.disable()  # a short life with much data and no cycles
            os.close(read)
            data = marshal.dumps((_profiled(work),))
            with os.fdopen(write, "wb") as f:
                f.write(data)
            code = 0
        finally:
            _end_children()
            os._exit(code)
    os.close(write)
    return pid, read


def _profiled(work):
    """work(), profiled into $CINV_PROFILE/<pid>.prof when that names a folder (a developer's
    view of where a render's processes spend their time; see bench/README)."""
    folder = os.environ.get("CINV_PROFILE")
    if not folder or not os.path.isdir(folder):
        return work()
    import cProfile
    profile = cProfile.Profile()
    try:
        return profile.runcall(work)
    finally:
        profile.dump_stats(os.path.join(folder, f"{os.getpid()}.prof"))


def start_fed(work) -> tuple[int, int, int]:
    """(pid, read end of its result, write end of its feed) of a child running work(read,
    write) with the two ends of a pipe the parent feeds it by (write_all): told something
    later, e.g. once a load is done. work closes the write end first."""
    read, write = os.pipe()
    try:
        pid, result = start(lambda: work(read, write))
    except OSError:
        os.close(read)
        os.close(write)
        raise
    os.close(read)
    return pid, result, write


def write_all(fd: int, *pieces) -> None:
    """Every byte of the pieces written to fd, in order (os.write may write less than asked;
    the pieces are never joined)."""
    for piece in pieces:
        view = memoryview(piece)
        while view:
            view = view[os.write(fd, view):]


def wait(pid: int, read: int, failed=None):
    """The child's work() result, or `failed` if the child failed (or was killed)."""
    try:
        with os.fdopen(read, "rb") as f:
            data = f.read()
        _pid, status = os.waitpid(pid, 0)
    except OSError:
        return failed
    if os.waitstatus_to_exitcode(status) != 0:
        return failed
    try:
        value = marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return failed
    return value[0] if isinstance(value, tuple) and len(value) == 1 else failed


def cancel(pid: int, read: int) -> None:
    """Kill the child and forget its result."""
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except OSError:
        pass
    try:
        os.close(read)
    except OSError:
        pass


def _end_children() -> None:
    """End the processes this child started and left running (GitPython keeps `git cat-file`
    processes, which its objects end only when collected: os._exit collects nothing), so no
    process outlives the command."""
    me = str(os.getpid())
    try:
        entries = os.listdir("/proc")
    except OSError:
        return  # not Linux: they end when their pipes close
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == me:  # the parent's pid
            try:
                os.kill(int(entry), 9)
                os.waitpid(int(entry), 0)
            except OSError:
                pass
