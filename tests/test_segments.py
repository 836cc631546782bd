"""Segments (cinv/render/segments.py): an edit of a run or of sorted lines gives the bytes
that building the file anew gives, whatever is added, replaced or removed where."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cinv.render import segments

KEYS = st.sampled_from([f"k{i:02d}" for i in range(30)])
BODY = st.binary(min_size=0, max_size=6).map(lambda b: b.replace(b"\n", b"."))


def built(items: dict, sep: bytes, first: bytes) -> tuple[segments.Run, bytes]:
    run, pieces = segments.Run.build(sorted(items.items()), sep, first)
    return run, b"".join(pieces)


@settings(max_examples=300, deadline=None)
@given(before=st.dictionaries(KEYS, BODY, max_size=12),
       changes=st.dictionaries(KEYS, st.none() | BODY, max_size=8),
       seps=st.sampled_from([(b"", b""), (b",", b""), (b",\n", b"\n")]),
       head=st.binary(max_size=4), tail=st.binary(max_size=4))
def test_a_run_edited_is_the_run_built_anew(before, changes, seps, head, tail):
    sep, first = seps
    run, body = built(before, sep, first)
    old = head + body + tail
    reps, new_run = run.edit(len(head), changes, old)
    after = {k: v for k, v in {**before, **changes}.items() if v is not None}
    want_run, want_body = built(after, sep, first)
    assert segments.apply(old, reps) == head + want_body + tail
    assert new_run.keys == want_run.keys
    assert new_run.lengths == want_run.lengths
    assert segments.Run.load(new_run.dump(), sep, first).lengths == want_run.lengths


def line_key(line: bytes) -> int:
    return int(line.split(b" ")[0])


@settings(max_examples=300, deadline=None)
@given(before=st.dictionaries(st.integers(0, 40), st.binary(max_size=5), max_size=15),
       changes=st.dictionaries(st.integers(0, 40), st.none() | st.binary(max_size=5),
                               max_size=8),
       head=st.binary(max_size=4).map(lambda b: b.replace(b"\n", b"") + b"\n"))
def test_sorted_lines_edited_are_the_lines_written_anew(before, changes, head):
    def text(items: dict) -> bytes:
        return b"".join(b"%d %s\n" % (k, v.replace(b"\n", b".")) for k, v in sorted(items.items()))
    old = head + text(before) + b"tail\n"
    end = len(old) - len(b"tail\n")
    remove = {k: b"%d %s\n" % (k, before[k].replace(b"\n", b".")) for k in changes
              if k in before}
    add = {k: b"%d %s\n" % (k, v.replace(b"\n", b".")) for k, v in changes.items()
           if v is not None}
    reps = segments.edit_lines(old, len(head), end, remove, add, line_key)
    after = {k: v for k, v in {**before, **changes}.items() if v is not None}
    assert segments.apply(old, reps) == head + text(after) + b"tail\n"


def test_a_line_that_is_not_where_the_layout_says_is_refused():
    old = b"1 a\n3 c\n"
    with pytest.raises(ValueError):
        segments.edit_lines(old, 0, len(old), {2: b"2 b\n"}, {}, line_key)
    with pytest.raises(ValueError):
        segments.edit_lines(old, 0, len(old), {3: b"3 x\n"}, {}, line_key)
    with pytest.raises(ValueError):
        segments.edit_lines(old, 0, len(old), {}, {3: b"3 d\n"}, line_key)


def test_a_run_that_is_not_in_the_file_is_refused():
    run, body = built({"a": b"1", "b": b"2"}, b",", b"")
    with pytest.raises(ValueError):
        run.edit(0, {"a": None}, b"1;2")  # "b" comes first: its separator is not there
