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
taking its row's size (1, ``A``, ``A x A`` or one per event kind). The compiled code holds
the record as two words (:class:`RowRecord`: the buffer's address and the actor count); each
attribute read (``rec.commitment``) builds that field's view at its offset (:data:`OFFSETS`)
in the caller's code (no allocation, nothing for the memory manager to count: the compiled
core runs without it).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

import numpy as np
from numba import types
from numba.core import cgutils
from numba.core.imputils import impl_ret_borrowed, lower_getattr_generic
from numba.core.typing.templates import AttributeTemplate, infer_getattr
from numba.extending import intrinsic, models, register_model
from numba.np.arrayobj import populate_array

from .codes import Event
from .state import ACTOR, EVENTS, METRIC_NAMES, PAIR, SCALAR, STATE_TABLE

__all__ = ["LAYOUT", "OFFSETS", "RowRecord", "load_row", "record_bytes", "row_record", "store_row"]

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


def _offsets() -> tuple[tuple[int, int, int], ...]:
    """Each field's byte offset in the record as (c0, c1, c2): c0 + c1 A + c2 A^2 for ``A``
    actors, by field index of the kernel's state record (the layout's order, widest first,
    keeps every offset a multiple of its field's width)."""
    out: dict[int, tuple[int, int, int]] = {}
    c = [0, 0, 0]
    for index, dt, kind in LAYOUT:
        out[index] = (c[0], c[1], c[2])
        n = _ROW_DIMS[kind]
        power = sum(1 for d in n if d is None)
        fixed = int(np.prod([d for d in n if d is not None], dtype=np.int64))
        c[power] += dt.itemsize * fixed
    return tuple(out[k] for k in range(len(LAYOUT)))


#: Byte offset of each field (by index of the kernel's state record): c0 + c1 A + c2 A^2.
OFFSETS = _offsets()
#: Position in :data:`LAYOUT` of each field, by index of the kernel's state record.
_AT = {f[0]: k for k, f in enumerate(LAYOUT)}


class RowRecord(types.Type):
    """One row's record as the compiled code sees it: the buffer's address and the number of
    actors, two words. Its attributes are the state record's arrays (same names, same array
    types, a leading axis of 1), each a view built where it is read (:func:`_view`).

    Why not a tuple of ~50 views: the inlined phases each bind the state record to a variable
    of their own, and numba loads a whole tuple to read one of its fields, so the compiler's
    first passes (LLVM's SROA) took apart ~235 loads of a ~50-array aggregate in the
    ensemble kernel. Two words are cheap to copy and to load."""

    def __init__(self, state: Any) -> None:
        self.fields = tuple(state.fields)
        self.field_types = dict(zip(self.fields, state.types, strict=True))
        tag = hashlib.sha256(str(state).encode()).hexdigest()[:16]
        super().__init__(name=f"RowRecord({len(self.fields)} fields, {tag})")


@register_model(RowRecord)
class _RowRecordModel(models.StructModel):
    def __init__(self, dmm: Any, fe_type: Any) -> None:
        super().__init__(dmm, fe_type, [("base", types.voidptr), ("a", types.intp)])


@infer_getattr
class _RowRecordAttributes(AttributeTemplate):
    key = RowRecord

    def generic_resolve(self, typ: Any, attr: str) -> Any:  # type: ignore[override]
        return typ.field_types.get(attr)


def _dims(index: int, n_act: Any) -> list[Any]:
    """The row dimensions of field ``index`` (none for a scalar) for ``n_act`` actors."""
    return [n_act if d is None else cgutils.intp_t(d) for d in _ROW_DIMS[LAYOUT[_AT[index]][2]]]


def _address(builder: Any, index: int, base: Any, n_act: Any) -> Any:
    """The address of field ``index`` in the record at ``base``: base + c0 + c1 A + c2 A^2."""
    c0, c1, c2 = OFFSETS[index]
    offset = cgutils.intp_t(c0)
    if c1:
        offset = builder.add(offset, builder.mul(cgutils.intp_t(c1), n_act))
    if c2:
        offset = builder.add(offset, builder.mul(cgutils.intp_t(c2), builder.mul(n_act, n_act)))
    return builder.gep(base, [offset])


def _view(context: Any, builder: Any, aryty: Any, index: int, base: Any, n_act: Any) -> Any:
    """The array view of field ``index``: shape (1, row dims...), C strides."""
    dt = LAYOUT[_AT[index]][1]
    shape = [cgutils.intp_t(1), *_dims(index, n_act)]
    step = cgutils.intp_t(dt.itemsize)
    strides = []
    for n in reversed(shape):
        strides.append(step)
        step = builder.mul(step, n)
    strides.reverse()
    data = builder.bitcast(
        _address(builder, index, base, n_act), context.get_data_type(aryty.dtype).as_pointer()
    )
    view = context.make_array(aryty)(context, builder)
    populate_array(view, data=data, shape=shape, strides=strides,
                   itemsize=dt.itemsize, meminfo=None)  # fmt: skip
    return view._getvalue()


@lower_getattr_generic(RowRecord)
def _row_field(context: Any, builder: Any, typ: Any, value: Any, attr: str) -> Any:
    rec = cgutils.create_struct_proxy(typ)(context, builder, value=value)
    aryty = typ.field_types[attr]
    view = _view(context, builder, aryty, typ.fields.index(attr), rec.base, rec.a)
    return impl_ret_borrowed(context, builder, aryty, view)


@intrinsic
def row_record(typingctx: Any, state: Any, buf: Any, a: Any) -> Any:
    """One row's record in ``buf`` (uint8, :func:`record_bytes` long) for the state record
    ``state`` (its type only) and ``a`` actors: a :class:`RowRecord` whose attributes are the
    state's arrays with a leading axis of 1. The phases run on it with ``r = 0``."""
    if not isinstance(state, types.BaseNamedTuple) or len(state) != len(LAYOUT):
        return None
    rect = RowRecord(state)
    sig = rect(state, buf, a)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        _, bufty, aty = signature.args
        rec = cgutils.create_struct_proxy(rect)(context, builder)
        rec.base = builder.bitcast(context.make_array(bufty)(context, builder, args[1]).data,
                                   cgutils.voidptr_t)  # fmt: skip
        rec.a = context.cast(builder, args[2], aty, types.intp)
        return rec._getvalue()

    return sig, codegen


def _copy_rows(context: Any, builder: Any, recty: Any, rec: Any, tupty: Any, state: Any,
               r: Any, into_record: bool) -> None:  # fmt: skip
    """memcpy of row ``r`` of every field of ``state`` to (or from) the record ``rec``."""
    proxy = cgutils.create_struct_proxy(recty)(context, builder, value=rec)
    states = cgutils.unpack_tuple(builder, state)
    for index, dt, _kind in LAYOUT:
        full = context.make_array(tupty.types[index])(context, builder, states[index])
        stride0 = cgutils.unpack_tuple(builder, full.strides)[0]
        row = builder.gep(builder.bitcast(full.data, cgutils.voidptr_t), [builder.mul(r, stride0)])
        one = _address(builder, index, proxy.base, proxy.a)
        count = cgutils.intp_t(1)
        for n in _dims(index, proxy.a):
            count = builder.mul(count, n)
        dst, src = (one, row) if into_record else (row, one)
        cgutils.raw_memcpy(builder, dst, src, count, dt.itemsize)


def _row_copier(into_record: bool, doc: str) -> Any:
    """The intrinsic copying row ``r`` of every state array into (or out of) the record."""

    def copy_row(typingctx: Any, rec: Any, state: Any, r: Any) -> Any:
        if not isinstance(rec, RowRecord) or not isinstance(state, types.BaseNamedTuple):
            return None
        sig = types.none(rec, state, r)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            recty, tupty, rty = signature.args
            row = context.cast(builder, args[2], rty, types.intp)
            _copy_rows(context, builder, recty, args[0], tupty, args[1], row, into_record)
            return context.get_dummy_value()

        return sig, codegen

    copy_row.__doc__ = doc
    return intrinsic(copy_row)


#: ``load_row(rec, state, r)``: copy row ``r`` of every state array into the record ``rec``.
load_row = _row_copier(True, "Copy row ``r`` of every state array into the record ``rec``.")
#: ``store_row(rec, state, r)``: copy the record ``rec`` back into row ``r`` of the state.
store_row = _row_copier(False, "Copy the record ``rec`` back into row ``r`` of every state array.")
