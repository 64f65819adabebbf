"""The scenario's parameters as the kernel reads them, generated from the schema.

The schema (:class:`coalition_sim.scenario.schema.Params` and the scenario's actor, clock and
initial-condition fields) is the one declaration of every parameter; nothing here lists them
again. :class:`ParamArrays` holds ``p.<group>.<name>`` as an (S,) array for each mechanism
group of the schema, ``p.clock.<name>`` (S,), ``p.actor.<name>`` (S, A) and ``p.strength0``
(S, A, A), one stored row per distinct parameter set (a sweep point); ``p.index`` maps each
of the R replicate rows to its stored row. A parameter set shared by a block of replicates is
stored once and broadcast, so memory per replicate is the state, not the parameters.

:func:`pack` flattens them for the compiled phases: one aligned numpy record per stored set
(fields ``<group>_<name>``, read as ``pf.fatigue_growth``), the actor parameters as an
(S, field, A) array indexed by :class:`coalition_sim.core.codes.ActorField`, the initial
strengths and each row's stored set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, make_dataclass, replace
from functools import cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from ..scenario.names import ACTOR_FIELDS, CLOCK_FIELDS, INTEREST_FIELDS
from ..scenario.schema import Params, Scenario
from .codes import ActorField, Mode

__all__ = [
    "GROUPS",
    "SCALAR_FIELDS",
    "ActorArrays",
    "ClockArrays",
    "Packed",
    "ParamArrays",
    "compile_params",
    "kernel_fields",
    "pack",
]

Array = np.ndarray


def _record(name: str, names: tuple[str, ...], doc: str) -> type:
    rec = make_dataclass(name, [(n, np.ndarray) for n in names])
    rec.__doc__ = doc
    rec.__module__ = __name__
    return rec


#: Schema group name -> its array record (fields = the schema group's fields, in order).
GROUPS: dict[str, type] = {
    group: _record(
        f"{group.title()}Arrays",
        tuple(f.annotation.model_fields),  # type: ignore[union-attr]
        f"``params.{group}.*`` as (S,) arrays (meanings: the schema's "
        f":class:`{f.annotation.__name__}`).",  # type: ignore[union-attr]
    )
    for group, f in Params.model_fields.items()
}
ClockArrays = _record("ClockArrays", CLOCK_FIELDS, "The numeric calendar settings as (S,) arrays.")
ActorArrays = _record(
    "ActorArrays",
    ACTOR_FIELDS + INTEREST_FIELDS,
    "Actor attributes (``actors.<ID>.*``, interests flattened) as (S, A) arrays.",
)
#: Initial conditions of the target set by the scenario (``dprk_*``), as (S,) arrays.
SCALAR_FIELDS = ("mode0", "relief0", "prestige0", "programme0")


_ARRAY_FIELDS: dict[type, tuple[str, ...]] = {}


def _array_fields(cls: type) -> tuple[str, ...]:
    """A record type's field names but ``index``, looked up once per type
    (``dataclasses.fields`` rebuilds its tuple on every call)."""
    got = _ARRAY_FIELDS.get(cls)
    if got is None:
        got = _ARRAY_FIELDS[cls] = tuple(f.name for f in fields(cls) if f.name != "index")
    return got


def _take_rows(obj: Any, idx: Array) -> Any:
    """A copy of a record with every array's rows ``idx`` (recursing into sub-records): what
    :meth:`_ParamMethods.expand` does for each of ~150 arrays, without a callback per array."""
    kwargs: dict[str, Any] = {}
    for name in _array_fields(type(obj)):
        val = getattr(obj, name)
        kwargs[name] = val[idx] if isinstance(val, np.ndarray) else _take_rows(val, idx)
    return type(obj)(**kwargs)


def _zip[T](parts: list[T], fn: Callable[[list[Array]], Array]) -> T:
    """One record from several, ``fn`` combining the arrays of each field."""
    kwargs: dict[str, Any] = {}
    for f in fields(parts[0]):  # type: ignore[arg-type]
        if f.name == "index":
            continue
        items = [getattr(p, f.name) for p in parts]
        kwargs[f.name] = fn(items) if isinstance(items[0], np.ndarray) else _zip(items, fn)
    return type(parts[0])(**kwargs)


class _ParamMethods:
    """What every parameter record can do (the fields are generated from the schema)."""

    actor: Any
    index: Array | None

    if TYPE_CHECKING:  # the generated fields: one record per schema group, clock, ...

        def __init__(self, **fields: Any) -> None: ...
        def __getattr__(self, name: str) -> Any: ...

    @property
    def n_stored(self) -> int:
        """Distinct parameter sets stored."""
        return int(self.actor.capability.shape[0])

    @property
    def n_rows(self) -> int:
        """Replicate rows."""
        return self.n_stored if self.index is None else int(self.index.shape[0])

    def row_index(self) -> Array:
        """(R,) stored row of every replicate row."""
        if self.index is None:
            return np.arange(self.n_stored, dtype=np.intp)
        return self.index

    def take(self, rows: np.ndarray) -> ParamArrays:
        """Rows ``rows`` (or repeats of them), sharing the stored parameter sets (no copy)."""
        index = self.row_index()[np.asarray(rows, dtype=np.intp)]
        return replace(self, index=index)  # type: ignore[type-var,return-value]

    def expand(self, rows: np.ndarray | None = None) -> ParamArrays:
        """A copy storing one parameter set per row of ``rows`` (default: every row), to be
        edited row by row."""
        idx = self.row_index() if rows is None else self.row_index()[np.asarray(rows)]
        return _take_rows(self, idx)  # type: ignore[return-value]

    def own_rows(self) -> ParamArrays:
        """In place: store one parameter set per row (for callers that set values row by
        row); returns ``self``."""
        if self.index is None:
            return self  # type: ignore[return-value]
        copy = self.expand()
        for f in fields(self):  # type: ignore[arg-type]
            if f.name != "index":
                setattr(self, f.name, getattr(copy, f.name))
        self.index = None
        return self  # type: ignore[return-value]

    @staticmethod
    def concat(parts: list[ParamArrays]) -> ParamArrays:
        """Stack parameter rows of several engines with the same structure."""
        out = _zip(parts, lambda arrs: np.concatenate(arrs, axis=0))
        offsets = np.cumsum([0] + [p.n_stored for p in parts[:-1]])
        index = np.concatenate([p.row_index() + off for p, off in zip(parts, offsets, strict=True)])
        return replace(out, index=index)  # type: ignore[type-var]


if TYPE_CHECKING:

    class ParamArrays(_ParamMethods):
        """Every parameter of a scenario as arrays with the stored set on axis 0."""

else:
    ParamArrays = make_dataclass(
        "ParamArrays",
        [(group, Any) for group in GROUPS]
        + [("clock", Any), ("actor", Any), ("strength0", np.ndarray)]
        + [(name, np.ndarray) for name in SCALAR_FIELDS]
        + [("index", Any, field(default=None))],
        bases=(_ParamMethods,),
        namespace={"__module__": __name__},
    )
    ParamArrays.__doc__ = (
        "Every parameter of a scenario as arrays with the stored set on axis 0: one record "
        "per schema group, ``clock``, ``actor``, ``strength0`` (S, A, A) initial tie "
        "strengths, the target's initial ``mode0``, ``relief0``, ``prestige0``, "
        "``programme0``, and ``index`` (R,) the stored row of each replicate row (None: row "
        "r is stored row r)."
    )


def compile_params(scn: Scenario, rows: int = 1) -> ParamArrays:
    """The scenario's parameters, stored once and shared by ``rows`` replicate rows."""
    groups = {
        group: GROUPS[group](
            **{
                name: np.full(1, float(getattr(getattr(scn.params, group), name)))
                for name in type(getattr(scn.params, group)).model_fields
            }
        )
        for group in Params.model_fields
    }
    clock = ClockArrays(
        **{name: np.full(1, float(getattr(scn.clock, name))) for name in CLOCK_FIELDS}
    )
    columns: dict[str, np.ndarray] = {}
    for name in ACTOR_FIELDS:
        columns[name] = np.array([[float(getattr(a, name)) for a in scn.actors]])
    for name in INTEREST_FIELDS:
        columns[name] = np.array([[getattr(a.interests, name) for a in scn.actors]])
    index = {a: i for i, a in enumerate(scn.actor_ids)}
    n = len(index)
    w0 = np.zeros((1, n, n))
    for tie in scn.ties:
        i, j = index[tie.a], index[tie.b]
        w0[0, i, j] = w0[0, j, i] = tie.strength
    return ParamArrays(
        **groups,
        clock=clock,
        actor=ActorArrays(**columns),
        strength0=w0,
        mode0=np.full(1, float(Mode[scn.dprk_mode.upper()])),
        relief0=np.full(1, scn.dprk_relief),
        prestige0=np.full(1, scn.dprk_prestige),
        programme0=np.full(1, scn.dprk_programme),
        index=np.zeros(rows, dtype=np.intp),
    )


@cache
def kernel_fields() -> tuple[str, ...]:
    """Field names of the kernel's parameter record, ``<group>_<name>``, in schema order."""
    out = [f"{g}_{f.name}" for g in (*GROUPS, "clock") for f in fields(_RECORDS[g])]
    return (*out, *SCALAR_FIELDS)


_RECORDS: dict[str, type] = {**GROUPS, "clock": ClockArrays}


@cache
def _layout() -> tuple[np.dtype, tuple[tuple[str, str | None], ...]]:
    """The kernel record's dtype (every field float64, aligned: the record is a row of
    float64s) and where each field is read on :class:`ParamArrays`: (group or name, short)."""
    names = kernel_fields()
    dtype = np.dtype([(name, np.float64) for name in names], align=True)
    where: list[tuple[str, str | None]] = []
    for name in names:
        group, _, short = name.partition("_")
        where.append((group, short) if group in _RECORDS else (name, None))
    return dtype, tuple(where)


@cache
def _getters() -> tuple[attrgetter[tuple[Any, ...]], attrgetter[tuple[Any, ...]]]:
    """One C-level getter for all of the record's sources (``p.<group>.<name>`` in
    :func:`kernel_fields` order) and one for the actor fields (:class:`ActorField` order):
    reading ~130 attributes in one call instead of a Python loop is half of :func:`pack`'s
    time at 100 runs."""
    _, where = _layout()
    fields_ = attrgetter(*(f"{first}.{short}" if short else first for first, short in where))
    actor = attrgetter(*(k.name.lower() for k in ActorField))
    return fields_, actor


@dataclass(frozen=True)
class Packed:
    """Parameters as the kernel reads them: one record per stored parameter set (``pf``,
    fields :func:`kernel_fields`), actor parameters (S, field, A), initial strengths
    (S, A, A) and each replicate row's stored set (``prow``)."""

    pf: np.ndarray
    pa: np.ndarray
    s0: np.ndarray
    prow: np.ndarray


def pack(p: ParamArrays) -> Packed:
    """Pack ``p`` for the compiled phases (cost: one pass over the stored sets, not rows).

    Every source array is gathered in one call and stacked by numpy (one conversion instead
    of ~150 column assignments: 112 -> 42 us at 100 runs); a source of another shape makes
    the stack fail or come out in another shape, and then the column-by-column fill below
    names the offending parameter."""
    n = p.n_stored
    dtype, where = _layout()
    get_fields, get_actor = _getters()
    a = p.actor.capability.shape[1]
    try:
        cols = np.array(get_fields(p), dtype=np.float64)
        acts = np.array(get_actor(p.actor), dtype=np.float64)
    except (ValueError, TypeError):  # ragged shapes: the checked fill says which
        cols = acts = np.empty(0)
    if cols.shape == (len(where), n) and acts.shape == (len(ActorField), n, a):
        pf = np.ascontiguousarray(cols.T).view(dtype).reshape(n)
        pa = np.ascontiguousarray(acts.transpose(1, 0, 2))
    else:
        pf, pa = _pack_checked(p, n, a)
    s0 = np.ascontiguousarray(p.strength0, dtype=np.float64)
    return Packed(pf, pa, s0, np.ascontiguousarray(p.row_index(), dtype=np.int64))


def _pack_checked(p: ParamArrays, n: int, a: int) -> tuple[np.ndarray, np.ndarray]:
    """The record and actor block filled column by column, each source's shape checked (the
    slow path of :func:`pack`, for parameters that do not stack)."""
    dtype, where = _layout()
    names = dtype.names or ()
    block = np.empty((n, len(where)))
    for j, (first, short) in enumerate(where):
        arr = getattr(getattr(p, first), short) if short is not None else getattr(p, first)
        if arr.shape != (n,):
            raise ValueError(f"parameter {names[j]} has shape {arr.shape}, expected ({n},)")
        block[:, j] = arr
    pa = np.empty((n, len(ActorField), a))
    for k in ActorField:
        pa[:, k, :] = getattr(p.actor, k.name.lower())
    return block.view(dtype).reshape(n), pa
