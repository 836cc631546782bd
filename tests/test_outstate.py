"""The output dir's notes (cinv/render/outstate.py): edited by a splice, they and the manifest's
text are what a full render writes for the same files."""
from __future__ import annotations

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from cinv.render import outstate, writer

RELS = st.sampled_from([f"libvirt/vm{i}.xml" for i in range(12)] + ["dhcpd.conf", "hosts",
                                                                    "dns/db.x", "ä/ü"])
ENTRY = st.tuples(st.sampled_from(["libvirt", "dhcpd", "dns", "hosts"]),
                  st.binary(max_size=3).map(lambda b: hashlib.sha256(b).hexdigest()),
                  st.none() | st.lists(st.integers(1, 10**12), min_size=4, max_size=4))


def text(files: dict, zones: dict) -> bytes:
    return writer.manifest_text({"version": writer.MANIFEST_VERSION,
                                 "files": {r: (t, s) for r, (t, s, _st) in files.items()},
                                 "zones": zones})


@settings(max_examples=100, deadline=None)
@given(before=st.dictionaries(RELS, ENTRY, min_size=1, max_size=10),
       put=st.dictionaries(RELS, ENTRY, max_size=5), removed=st.sets(RELS, max_size=4))
def test_a_spliced_state_is_the_state_of_a_full_render(before, put, removed):
    zones = {"x": {"serial": 3, "digest": "d"}}
    removed = {r for r in removed if r in before and r not in put}
    state = outstate.OutState.of({r: e[:2] for r, e in before.items()},
                                 {r: e[2] for r, e in before.items() if e[2]}, "k", None, {})
    reps = state.edit(put, removed)
    after = {r: e for r, e in {**before, **put}.items() if r not in removed}
    want = outstate.OutState.of({r: e[:2] for r, e in after.items()},
                                {r: e[2] for r, e in after.items() if e[2]}, "k", None, {})
    assert state.files() == want.files()
    assert state.stat_dict() == want.stat_dict()
    assert state.sizes == want.sizes
    sizes: dict = {}  # as a full render takes them from the manifest's text it writes
    writer.manifest_text({"files": {r: e[:2] for r, e in after.items()}}, sizes)
    assert outstate.OutState.of({r: e[:2] for r, e in after.items()}, {}, "k", None, {},
                                sizes=sizes).sizes == want.sizes
    assert outstate.OutState.load(state.dump()).files() == want.files()
    tail = text({"a": ("t", "0" * 64, None)}, zones).split(b"\n },\n", 1)[1]
    new = outstate.manifest_edit(text(before, zones), reps, tail)
    assert new == (text(after, zones) if after else None)
