"""One replicate's state as one record: every state variable of the row at its own offset in
one buffer, for the ensemble kernel's weeks.

Why: the state is a record of ~50 arrays with the replicate on axis 0 (:mod:`.state`), so in
a large ensemble one row's variables lie in ~50 places far apart (10,000 rows: megabytes
between them), each touched every week. The ensemble kernel copies row ``r`` into one small
buffer (:func:`load_row`), runs its weeks on views of that buffer (:func:`row_record`,
``r = 0``) and copies it back (:func:`store_row`): the same phases and rules, the same
arithmetic in the same order, so the same bits. 10,000 runs x 104 weeks: 1.07x replicate-steps
per CPU second; 100 runs 1.06x; the million-run sweep 1.06x (README, Performance). (The
compiled week keeps ~50 row pointers, more than the registers, and reloads them from the
stack: ~540 of ~4,100 instructions a replicate-week by callgrind before this change.)

The layout is derived from :data:`.state.STATE_TABLE` (declared once): the variables in the
record's order plus the reporters, widest dtype first so that every view is aligned, each
taking its row's size (1, ``A``, ``A x A`` or one per event kind). The views are built by
the intrinsics below in the caller's code (no allocation, nothing for the memory manager to
count: the compiled core runs without it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numba.np.arrayobj import populate_array

from .codes import Event
from .state import ACTOR, EVENTS, METRIC_NAMES, PAIR, SCALAR, STATE_TABLE

__all__ = ["LAYOUT", "load_row", "record_bytes", "row_record", "store_row"]

#: Alignment of the record buffer and of every view in it (bytes).
ALIGN = 8


def _layout() -> tuple[tuple[int, Any, str], ...]:
    """(position in the kernel's state record, dtype, shape kind) of every field, in buffer
    order: widest dtype first, the record's order within a width."""
    fields = [(k, np.dtype(v.dtype), v.shape) for k, v in enumerate(STATE_TABLE)]
    fields += [
        (len(STATE_TABLE) + k, np.dtype(np.float64), SCALAR) for k in range(len(METRIC_NAMES))
    ]
    return tuple(sorted(fields, key=lambda f: (-f[1].itemsize, f[0])))


#: The record's layout, derived from the state table: (field index, dtype, shape kind).
LAYOUT = _layout()


#: The dimensions of one row of a field, by shape kind (None: the number of actors).
_ROW_DIMS: dict[str, tuple[int | None, ...]] = {
    SCALAR: (), ACTOR: (None,), PAIR: (None, None), EVENTS: (len(Event),),
}  # fmt: skip


@lru_cache(maxsize=64)
def record_bytes(a: int) -> int:
    """Bytes of one row's record for ``a`` actors (the buffer :func:`row_record` views).
    Cached: the ensemble asks on every kernel call, and at 100 runs a call's Python counts."""
    total = 0
    for _, dt, kind in LAYOUT:
        n = 1
        for d in _ROW_DIMS[kind]:
            n *= a if d is None else d
        total += dt.itemsize * n
    return -(-total // ALIGN) * ALIGN


@intrinsic
def row_record(typingctx: Any, state: Any, buf: Any, a: Any) -> Any:
    """Views of one row's record in ``buf`` (uint8, :func:`record_bytes` long), typed as
    ``state`` (the kernel's state record) with a leading axis of 1: the phases run on it with
    ``r = 0``."""
    if not isinstance(state, types.BaseNamedTuple) or len(state) != len(LAYOUT):
        return None
    sig = state(state, buf, a)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        tupty, bufty, aty = signature.args
        src = context.make_array(bufty)(context, builder, args[1])
        n_act = context.cast(builder, args[2], aty, types.intp)
        base = src.data
        offset = cgutils.intp_t(0)
        views: list[Any] = [None] * len(LAYOUT)
        for index, dt, kind in LAYOUT:
            aryty = tupty.types[index]
            row = [n_act if d is None else cgutils.intp_t(d) for d in _ROW_DIMS[kind]]
            shape = [cgutils.intp_t(1), *row]
            step = cgutils.intp_t(dt.itemsize)
            strides = []
            for n in reversed(shape):
                strides.append(step)
                step = builder.mul(step, n)
            strides.reverse()
            ptr = builder.gep(base, [offset])
            data = builder.bitcast(ptr, context.get_data_type(aryty.dtype).as_pointer())
            view = context.make_array(aryty)(context, builder)
            populate_array(view, data=data, shape=shape, strides=strides,
                           itemsize=dt.itemsize, meminfo=None)  # fmt: skip
            views[index] = view._getvalue()
            offset = builder.add(offset, step)  # step: the bytes of the whole view
        return context.make_tuple(builder, tupty, views)

    return sig, codegen


def _copy_rows(context: Any, builder: Any, tupty: Any, rec: Any, state: Any, r: Any,
               into_record: bool) -> None:  # fmt: skip
    """memcpy of row ``r`` of every field of ``state`` to (or from) the record's views."""
    recs = cgutils.unpack_tuple(builder, rec)
    states = cgutils.unpack_tuple(builder, state)
    for index, dt, _kind in LAYOUT:
        aryty = tupty.types[index]
        view = context.make_array(aryty)(context, builder, recs[index])
        full = context.make_array(aryty)(context, builder, states[index])
        stride0 = cgutils.unpack_tuple(builder, full.strides)[0]
        row = builder.gep(builder.bitcast(full.data, cgutils.voidptr_t), [builder.mul(r, stride0)])
        one = builder.bitcast(view.data, cgutils.voidptr_t)
        count = cgutils.intp_t(1)  # elements of a row: the view's shape past its axis of 1
        for n in cgutils.unpack_tuple(builder, view.shape)[1:]:
            count = builder.mul(count, n)
        dst, src = (one, row) if into_record else (row, one)
        cgutils.raw_memcpy(builder, dst, src, count, dt.itemsize)


def _row_copier(into_record: bool, doc: str) -> Any:
    """The intrinsic copying row ``r`` of every state array into (or out of) the record."""

    def copy_row(typingctx: Any, rec: Any, state: Any, r: Any) -> Any:
        sig = types.none(rec, state, r)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            row = context.cast(builder, args[2], signature.args[2], types.intp)
            _copy_rows(context, builder, signature.args[1], args[0], args[1], row, into_record)
            return context.get_dummy_value()

        return sig, codegen

    copy_row.__doc__ = doc
    return intrinsic(copy_row)


#: ``load_row(rec, state, r)``: copy row ``r`` of every state array into the record ``rec``.
load_row = _row_copier(True, "Copy row ``r`` of every state array into the record ``rec``.")
#: ``store_row(rec, state, r)``: copy the record ``rec`` back into row ``r`` of the state.
store_row = _row_copier(False, "Copy the record ``rec`` back into row ``r`` of every state array.")
