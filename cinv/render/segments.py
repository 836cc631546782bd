"""Files kept as segments, so that a change rewrites the bytes it touches and copies the rest.

A file the render splices (cinv/render/splice.py) is fixed text around runs of segments:

- a Run is a sorted sequence of keyed segments (each host's entries in host-name order, a
  subnet's Kea reservations, the Ansible groups), kept as its keys and the length in bytes of
  each segment; a separator may stand before every segment but the first (JSON lists);
- a body of sorted lines whose key each line itself says (the hosts file, a zone's records, a
  group's members) keeps nothing: a line is found by bisecting the bytes (bisect_lines).

An edit is a list of replacements (start, end, bytes) of ranges of the old file, in file order;
apply() joins the old bytes between them and the new bytes in them, once.
"""
from __future__ import annotations

from array import array
from bisect import bisect_left


class Mismatch(Exception):
    """The splice cannot make this render exactly: make it in full."""


def lengths_of(values) -> array:
    return array("I", values)


class Run:
    """A sorted run of keyed segments: keys (unique, sorted) and lengths (bytes, with the
    separator). Segment i's bytes are `first` + body for i == 0, `sep` + body after."""

    def __init__(self, keys: list, lengths: array, sep: bytes = b"", first: bytes = b""):
        self.keys, self.lengths, self.sep, self.first = keys, lengths, sep, first

    @classmethod
    def build(cls, items, sep: bytes = b"", first: bytes = b"") -> tuple[Run, list]:
        """A run of items [(key, body)] in key order, and the pieces of its bytes."""
        keys, lengths, pieces = [], array("I"), []
        for key, body in items:
            prefix = sep if keys else first
            keys.append(key)
            lengths.append(len(prefix) + len(body))
            pieces += (prefix, body)
        return cls(keys, lengths, sep, first), pieces

    def dump(self) -> tuple:
        return (self.keys, self.lengths.tobytes())

    @classmethod
    def load(cls, data: tuple, sep: bytes = b"", first: bytes = b"") -> Run:
        keys, lengths = data
        if not isinstance(keys, list) or not isinstance(lengths, bytes):
            raise ValueError("not a run")
        run = cls(keys, array("I"), sep, first)
        run.lengths.frombytes(lengths)
        if len(run.lengths) != len(keys):
            raise ValueError("not a run")
        return run

    def size(self) -> int:
        return sum(self.lengths)

    def __contains__(self, key) -> bool:
        i = bisect_left(self.keys, key)
        return i < len(self.keys) and self.keys[i] == key

    def edit(self, base: int, changes: dict, old=None) -> tuple[list, Run]:
        """(replacements in the old file, the new run) for changes {key: new body, or None to
        remove}, the run starting at offset base of the old file (old: its bytes, needed when
        a separator moves)."""
        keys, lengths, sep, first = self.keys, self.lengths, self.sep, self.first
        new_keys: list = []
        new_lengths = array("I")
        reps: list[tuple[int, int, bytes]] = []
        i, off = 0, base  # the next old segment and where it starts

        def copy(upto: int) -> None:
            """Old segments i .. upto-1 stay; a separator changes where the first moves."""
            nonlocal i, off
            if upto <= i:
                return
            size = sum(lengths[i:upto])
            j = len(new_keys)
            new_keys.extend(keys[i:upto])
            new_lengths.extend(lengths[i:upto])
            if first != sep and (i == 0) != (j == 0):
                was, now = (first, sep) if i == 0 else (sep, first)
                if old is not None and bytes(old[off:off + len(was)]) != was:
                    raise ValueError("the old file does not hold this run")
                reps.append((off, off + len(was), now))
                new_lengths[j] += len(now) - len(was)
            off += size
            i = upto

        for key in sorted(changes):
            k = bisect_left(keys, key, i)
            copy(k)
            start = off
            if k < len(keys) and keys[k] == key:  # replaced or removed
                off += lengths[k]
                i = k + 1
            body = changes[key]
            if body is not None:
                prefix = sep if new_keys else first
                new_keys.append(key)
                new_lengths.append(len(prefix) + len(body))
                reps.append((start, off, prefix + body))
            elif off > start:
                reps.append((start, off, b""))
        copy(len(keys))
        return reps, Run(new_keys, new_lengths, sep, first)

    def index(self, key) -> int:
        """The index of a key's segment (ValueError: not in the run)."""
        i = bisect_left(self.keys, key)
        if i == len(self.keys) or self.keys[i] != key:
            raise ValueError(f"{key!r} is not in the run")
        return i

    def offset(self, key) -> int | None:
        """Where a key's segment starts, from the start of the run (None: not in the run)."""
        i = bisect_left(self.keys, key)
        if i == len(self.keys) or self.keys[i] != key:
            return None
        return sum(self.lengths[:i])


def line_at(data, pos: int, end: int) -> int:
    """The end of the line starting at pos (past its newline), within end."""
    stop = data.find(b"\n", pos, end)
    return end if stop < 0 else stop + 1


def bisect_lines(data, start: int, end: int, key, keyfn) -> int:
    """The offset of the first line in data[start:end] (whole lines, sorted by keyfn(line
    bytes)) whose key is not below key: where a line of that key is, or goes."""
    lo, hi = start, end
    while lo < hi:
        mid = (lo + hi) // 2
        s = max(lo, data.rfind(b"\n", lo, mid) + 1)
        e = line_at(data, s, hi)
        if keyfn(data[s:e]) < key:
            lo = e
        else:
            hi = s
    return lo


def edit_lines(data, start: int, end: int, remove: dict, add: dict, keyfn) -> list:
    """Replacements in data[start:end] (sorted lines) that remove the lines remove {key:
    line} and add the lines add {key: line}; a line to remove that is not there as given, or
    one to add whose key is there and not removed, raises ValueError (the layout is not what
    it should be)."""
    reps = []
    for key in sorted(remove.keys() | add.keys()):
        at = bisect_lines(data, start, end, key, keyfn)
        stop = line_at(data, at, end) if at < end else at
        present = at < end and keyfn(data[at:stop]) == key
        if key in remove:
            if not present or data[at:stop] != remove[key]:
                raise ValueError(f"line {key!r} is not there")
        elif present:
            raise ValueError(f"line {key!r} is there already")
        new = add.get(key, b"")
        if present:
            reps.append((at, stop, new))
        elif new:
            reps.append((at, at, new))
    return reps


def pieces(old, reps: list) -> list:
    """The new file as pieces (slices of old, and the new bytes): old with each replacement
    (start, end, bytes) made; replacements in file order (those at one offset in the order
    given)."""
    old = memoryview(old)
    out = []
    pos = 0
    for start, end, data in sorted(reps, key=lambda r: r[0]):
        if start < pos:
            raise ValueError("overlapping replacements")
        out.append(old[pos:start])
        out.append(data)
        pos = end
    out.append(old[pos:])
    return [piece for piece in out if len(piece)]


def apply(old, reps: list) -> bytes:
    """The new bytes (see pieces)."""
    return b"".join(pieces(old, reps))
