"""The ensemble kernel's one-row record (``core/rowrec.py``): its layout follows the state
table, and a row copied in and out comes back to the bit, into the right row only.

That the weeks run on the record give the very outputs of the per-phase path is checked by
the Mesa <-> ensemble identity and golden tests; these pin the record itself."""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from coalition_sim.core import rowrec
from coalition_sim.core import week as dyn
from coalition_sim.core.state import METRIC_NAMES, STATE_TABLE, shape_of
from coalition_sim.engine.ensemble import Ensemble


@njit(_nrt=False)
def _through_record(s, buf, a, src, dst):  # type: ignore[no-untyped-def]
    rec = rowrec.row_record(s, buf, a)
    rec.commitment[0, 0] = -1.0  # overwritten by the load below
    rowrec.load_row(rec, s, src)
    rowrec.store_row(rec, s, dst)


@pytest.mark.parametrize("a", [1, 3, 4, 6])
def test_the_record_holds_one_row_of_every_state_array(a: int) -> None:
    """Known answer: the bytes of one row of every state variable and reporter, rounded up
    to 8; every field of the layout once, widest dtype first (so every view is aligned)."""
    row = sum(
        np.dtype(v.dtype).itemsize * int(np.prod(shape_of(v, 1, a)[1:], dtype=np.int64))
        for v in STATE_TABLE
    ) + 8 * len(METRIC_NAMES)
    assert rowrec.record_bytes(a) == -(-row // 8) * 8
    assert sorted(k for k, _, _ in rowrec.LAYOUT) == list(range(len(STATE_TABLE) + 3))
    widths = [dt.itemsize for _, dt, _ in rowrec.LAYOUT]
    assert widths == sorted(widths, reverse=True)


def test_a_row_copied_through_the_record_comes_back_to_the_bit() -> None:
    ens = Ensemble("regional_six", steps=8)
    p = ens.params({"params.fatigue.growth": [0.02, 0.07]}, replicates=3)
    st = dyn.initial_state(p, ens.structure)
    dyn.advance(st, p, ens.structure, dyn.make_keys(ens.seeds(5, 2, 3)), 1, 6)
    before = st.copy()
    view = dyn.arrays(st)
    a = st.commitment.shape[1]
    buf = np.empty(rowrec.record_bytes(a), dtype=np.uint8)
    _through_record(view, buf, a, 4, 1)  # row 4 into row 1; every other row untouched
    for v in STATE_TABLE:
        got, old = getattr(st, v.name), getattr(before, v.name)
        np.testing.assert_array_equal(got[1], old[4], err_msg=v.name)
        keep = [r for r in range(p.n_rows) if r != 1]
        np.testing.assert_array_equal(got[keep], old[keep], err_msg=v.name)
    for m in METRIC_NAMES:
        assert st.metrics[m][1] == before.metrics[m][4]


@njit(_nrt=False)
def _write_fields(s, buf, a):  # type: ignore[no-untyped-def]
    rec = rowrec.row_record(s, buf, a)
    rec.commitment[0, a - 1] = 0.625
    rec.strength[0, a - 1, 0] = 0.375
    rec.tension[0] = 0.25
    rec.counts[0, 2] = 7
    return rec.commitment.shape[1], rec.strength.shape[2], rec.counts.shape[1]


@pytest.mark.parametrize("name", ["baseline", "regional_six"])  # 4 and 6 actors
def test_an_attribute_of_the_record_is_a_view_at_its_offset(name: str) -> None:
    """Known answer: ``rec.<field>`` writes the buffer at c0 + c1 A + c2 A^2 (``OFFSETS``),
    row-major within the field, and has the row's shape."""
    ens = Ensemble(name, steps=2)
    p = ens.params({}, replicates=1)
    st = dyn.initial_state(p, ens.structure)
    view = dyn.arrays(st)
    a = st.commitment.shape[1]
    buf = np.zeros(rowrec.record_bytes(a), dtype=np.uint8)
    shapes = _write_fields(view, buf, a)
    assert shapes == (a, a, st.counts.shape[1])
    names = list(type(view)._fields)

    def at(name: str, dtype: type, k: int) -> float:
        c0, c1, c2 = rowrec.OFFSETS[names.index(name)]
        start = c0 + c1 * a + c2 * a * a + k * np.dtype(dtype).itemsize
        return np.frombuffer(buf, dtype=dtype, count=1, offset=start)[0]

    assert at("commitment", np.float64, a - 1) == 0.625
    assert at("strength", np.float64, (a - 1) * a) == 0.375
    assert at("tension", np.float64, 0) == 0.25
    assert at("counts", st.counts.dtype.type, 2) == 7
    assert np.count_nonzero(buf) <= 4 * 8  # nothing else written
