"""The state record, declared once.

:data:`STATE_TABLE` is the one declaration of every variable that changes during a run: its
name, dtype, shape (per actor, per pair of actors, one per replicate, one per event kind),
initial value, allowed range and meaning. From it derive the :class:`State` record, the
dtypes the compiled phases read (:data:`STATE_DTYPES`), the record handed to them
(:func:`arrays`), the initial state (:func:`initial_state`), the ODD's state table
(:func:`markdown_table`, checked by ``tests/test_docs.py``) and the property tests' ranges.
A new state variable is one row here plus the rule that moves it.
"""

from __future__ import annotations

import math
from collections import namedtuple
from dataclasses import dataclass, field, fields, make_dataclass
from enum import IntEnum
from functools import lru_cache
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np

from .codes import Event, Mode, Posture, ProvocationLevel, SummitState

__all__ = [
    "METRIC_NAMES",
    "STATE_DTYPES",
    "STATE_TABLE",
    "State",
    "StateArrays",
    "Var",
    "markdown_table",
]

ACTOR, PAIR, SCALAR, EVENTS = "actor", "pair", "scalar", "events"
_SHAPES = {ACTOR: "(R, A)", PAIR: "(R, A, A)", SCALAR: "(R,)", EVENTS: f"(R, {len(Event)})"}
_TYPES = {
    np.float64: "float",
    np.int32: "int32",
    np.int16: "int16",
    np.int8: "int8",
    np.bool_: "bool",
}


@dataclass(frozen=True)
class Var:
    """One state variable.

    ``init`` is a number, or where the value comes from: ``"actor.<field>"``,
    ``"<group>.<name>"`` of the parameters, ``"strength0"``, ``"mode0"`` ... (the stored
    parameter set of the row), or ``"@<reporter>"`` (the reporter measured at step 0).
    ``bounds`` (lo, hi) bound it (None = open; the property tests check them); ``codes`` names the
    enum its values come from; ``note`` is extra range text for the ODD table."""

    name: str
    dtype: Any
    shape: str
    init: float | str
    meaning: str
    bounds: tuple[float | None, float | None] = (None, None)
    codes: type[IntEnum] | None = None
    note: str = ""

    def range_text(self) -> str:
        if self.codes is not None:
            return ", ".join(f"{int(m)} `{m.name}`" for m in self.codes)  # type: ignore[attr-defined]
        if self.note:
            return self.note
        lo, hi = self.bounds
        if lo is None:
            return ""
        if hi is None:
            return f"≥ {lo:g}"
        return f"[{lo:g}, {hi:g}]"

    def type_text(self) -> str:
        enum = f" `{self.codes.__name__}`" if self.codes is not None else ""
        return f"{_SHAPES[self.shape]} {_TYPES[self.dtype]}{enum}"


f8, i4, i2, i1, b1 = np.float64, np.int32, np.int16, np.int8, np.bool_
_U = (0.0, 1.0)  # a share in [0, 1]
_N = (0.0, None)  # a count or memory, >= 0

#: Every state variable, in the order of the record the compiled phases read.
STATE_TABLE: tuple[Var, ...] = (
    Var("commitment", f8, ACTOR, "actor.commitment", "commitment to the pressure campaign (0 = no enforcement, 1 = \"maximum pressure\"); for the target, its **defiance posture**", bounds=_U),
    Var("anchor", f8, ACTOR, "actor.commitment", "the commitment the actor returns to without shocks (its interest-based level); starts at `actors.<ID>.commitment`, moved only by `anchor` shocks (a change of government, 3.4.10)", bounds=_U),
    Var("engagement", f8, ACTOR, "actor.engagement", "willingness to negotiate", bounds=_U),
    Var("standing", f8, ACTOR, "actor.standing", "domestic standing of the leadership (approval, security of rule)", bounds=_U),
    Var("reference", f8, ACTOR, "actor.reference", "prospect-theory reference point for standing; standing below it = domain of losses", bounds=_U),
    Var("fatigue", f8, ACTOR, "actor.fatigue", "sanctions fatigue; starts at `actors.<ID>.fatigue` (0 unless a scenario carries an earlier campaign's fatigue); always 0 for the target", bounds=_U),
    Var("silence", i4, ACTOR, 0, "weeks since the actor last sent a dialogue signal", bounds=_N, note="0, 1, 2, ..."),
    Var("outburst_counterpart", b1, ACTOR, False, "this week: the actor lashed out at its summit counterpart"),
    Var("outburst_third_party", b1, ACTOR, False, "this week: the actor had an outburst aimed elsewhere"),
    Var("shift", b1, ACTOR, False, "this week: the actor made a policy shift (jump in engagement)"),
    Var("strength", f8, PAIR, "strength0", "tie strength; 0 where there is no tie", bounds=_U, note="[0, 1], symmetric"),
    Var("tie_baseline", f8, PAIR, "strength0", "each tie's institutional strength (its initial `ties[].strength`), to which a strained or snubbed tie recovers (3.4.2)", bounds=_U, note="[0, 1], symmetric"),
    Var("divergence", f8, PAIR, 0.0, "running mean of commitment divergence `abs(c_i - c_j)` on coalition ties (0 elsewhere)", bounds=_U),
    Var("mode", i1, SCALAR, "mode0", "DPRK policy mode ([S20])", codes=Mode),
    Var("summit", i1, SCALAR, 0, "summit process state", codes=SummitState),
    Var("summit_timer", i4, SCALAR, 0, "in `SCHEDULED`: weeks left until the week the summit is held; in every other state: weeks since the state was entered (reset to 0 at each transition, +1 a week)", bounds=_N),
    Var("hedged", b1, SCALAR, False, "the last cancellation left the door open (revivable)"),
    Var("relief", f8, SCALAR, "relief0", "economic relief the DPRK has obtained", bounds=_U),
    Var("granted", f8, SCALAR, "relief0", "the part of the DPRK's relief granted by agreements (not busting): what partners read as the signal to ease (3.4.1); erodes with relief under pressure", bounds=_U),
    Var("prestige", f8, SCALAR, "prestige0", "prestige the DPRK has obtained from summitry", bounds=_U),
    Var("security", f8, SCALAR, "target.security0", "DPRK perceived regime security (0 = imminent threat, 1 = guaranteed)", bounds=_U),
    Var("programme", f8, SCALAR, "programme0", "DPRK weapons-programme momentum: builds in autonomy mode, fades in influence mode (3.4.5)", bounds=_U),
    Var("alarm", f8, SCALAR, 0.0, "the coalition's fading memory of tests `M` (strategic 1, conventional less): the response to a new test shrinks with it (3.4.1)", bounds=_N),
    Var("unilateral", f8, SCALAR, 0.0, "fading memory `U` of the leader's unconsulted moves (3.4.2)", bounds=_N),
    Var("tension", f8, SCALAR, 0.0, "military tension", bounds=_U),
    Var("posture", i1, SCALAR, 0, "the leader's standing stance since its last response to a strategic test", codes=Posture),
    Var("posture_age", i4, SCALAR, 0, "weeks since that posture was chosen; it lapses at `params.prospect.posture_weeks`", bounds=_N),
    Var("provocation", i1, SCALAR, 0, "the provocation rung resolved in the last week", codes=ProvocationLevel),
    Var("rebuff", f8, SCALAR, 0.0, "the DPRK's fading memory `B` of summits held without agreement (\"no deal\"): 1 added the week one ends so, fading at `params.target.rebuff_fade` (3.4.4)", bounds=_N),
    Var("since_summit", i4, SCALAR, 1 << 20, "weeks since the last held summit", bounds=_N, note="≥ 0 (starts at 2^20 = \"never\")"),
    Var("pressure0", f8, SCALAR, "@effective_pressure", "effective pressure at step 0 (baseline for \"unwound\")", bounds=_U),
    Var("fractured", b1, SCALAR, False, "cohesion currently below `params.outcomes.fracture_cohesion`"),
    Var("unwound", b1, SCALAR, False, "effective pressure currently below `params.outcomes.unwind_ratio * pressure0`"),
    Var("isolated", b1, SCALAR, False, "US isolation currently at or above `params.outcomes.isolation_threshold`"),
    Var("crisis", b1, SCALAR, False, "tension currently at or above `params.tension.crisis_threshold`"),
    Var("canceller", i2, SCALAR, -1, "who made the last cancellation", bounds=(-1, None), note="actor index, or -1"),
    Var("target_accept", b1, SCALAR, False, "this week's target decision: accept a pending proposal (False when none is pending)"),
    Var("target_cancel", b1, SCALAR, False, "this week's target decision: cancel a scheduled summit (False when none is scheduled)"),
    Var("target_hedge", b1, SCALAR, False, "this week's target decision: leave the door open if it cancels (False when no summit is scheduled)"),
    Var("planned_provocation", i1, SCALAR, 0, "this week's target decision: provocation rung", codes=ProvocationLevel),
    Var("planned_mode", i1, SCALAR, "mode0", "this week's target decision: policy mode from the end of the week", codes=Mode),
    Var("leader_accept", b1, SCALAR, False, "this week's leader decision: accept a pending proposal (False when none is pending)"),
    Var("leader_consult", b1, SCALAR, False, "this week's leader decision: consult treaty allies if it agrees (False when no proposal is pending)"),
    Var("leader_cancel", b1, SCALAR, False, "this week's leader decision: cancel a scheduled summit (False when none is scheduled)"),
    Var("leader_hedge", b1, SCALAR, False, "this week's leader decision: leave the door open if it cancels (False when no summit is scheduled)"),
    Var("leader_appetite", f8, SCALAR, 0.0, "this week's leader summit appetite: `sensitivity * adv`, the prospect value of the summit gamble in logits (3.4.6)"),
    Var("response", i1, SCALAR, 0, "this week's leader response to last week's strategic test (`NONE` = no new choice)", codes=Posture),
    Var("counts", i4, EVENTS, 0, "number of weeks in which each event kind of `EVENT_KINDS` occurred (section 2.10)", bounds=_N),
)  # fmt: skip

#: The reporters measured at the end of each week, kept in ``State.metrics`` (float, (R,)).
METRIC_NAMES = ("cohesion", "effective_pressure", "us_isolation")
_METRICS_MEANING = (
    "the reporters "
    + ", ".join(f"`{m}`" for m in METRIC_NAMES)
    + (" measured at the end of the last week")
)

#: dtype of every state array the compiled phases read and write.
STATE_DTYPES: dict[str, Any] = {v.name: v.dtype for v in STATE_TABLE}
#: The state as the compiled phases read it: the table's arrays, then the reporters.
StateArrays = namedtuple("StateArrays", [*STATE_DTYPES, *METRIC_NAMES])  # type: ignore[misc]


class _StateMethods:
    """What a state record can do. It keeps the record the compiled phases read
    (:func:`arrays`) until one of its fields is re-assigned, so the Mesa path builds it once
    per run, not once per phase call."""

    metrics: dict[str, np.ndarray]

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name != "_view":
            object.__setattr__(self, "_view", None)

    if TYPE_CHECKING:  # the generated fields: one (R, ...) array per row of STATE_TABLE

        def __init__(self, **fields: Any) -> None: ...
        def __getattr__(self, name: str) -> np.ndarray: ...

    def copy(self) -> State:
        """A deep copy (every array and reporter copied)."""
        kw: dict[str, Any] = {v.name: getattr(self, v.name).copy() for v in STATE_TABLE}
        return State(**kw, metrics={k: v.copy() for k, v in self.metrics.items()})


if TYPE_CHECKING:

    class State(_StateMethods):
        """Everything that changes during a run, as arrays with the replicate on axis 0."""

else:
    State = make_dataclass(
        "State",
        [(v.name, np.ndarray) for v in STATE_TABLE]
        + [("metrics", dict, field(default_factory=dict))],
        bases=(_StateMethods,),
        namespace={"__module__": __name__},
    )
    State.__doc__ = (
        "Everything that changes during a run, as arrays with the replicate on axis 0 "
        "(one field per row of STATE_TABLE, plus the reporters in ``metrics``)."
    )


def shape_of(var: Var, r: int, a: int) -> tuple[int, ...]:
    """The array shape of ``var`` for ``r`` replicates of ``a`` actors."""
    return {ACTOR: (r, a), PAIR: (r, a, a), SCALAR: (r,), EVENTS: (r, len(Event))}[var.shape]


def arrays(st: State) -> Any:
    """The state as the compiled phases read it; arrays of another dtype or layout (set by a
    caller) are converted in place on ``st`` first. Built once and kept on ``st`` until a field
    or a reporter is replaced."""
    view = st.__dict__.get("_view")
    if view is not None and all(getattr(view, m) is st.metrics.get(m) for m in METRIC_NAMES):
        return view
    out = {}
    for name, dtype in STATE_DTYPES.items():
        arr = getattr(st, name)
        if arr.dtype != dtype or not arr.flags.c_contiguous:
            arr = np.ascontiguousarray(arr, dtype=dtype)
            setattr(st, name, arr)
        out[name] = arr
    for name in METRIC_NAMES:
        arr = st.metrics[name]
        if arr.dtype != np.float64 or not arr.flags.c_contiguous:
            arr = st.metrics[name] = np.ascontiguousarray(arr, dtype=np.float64)
        out[name] = arr
    view = StateArrays(**out)
    object.__setattr__(st, "_view", view)
    return view


#: How :func:`blank_state` makes each variable, read off :data:`STATE_TABLE` once: (name,
#: shape kind, dtype, parameter source or None, constant or None); "@<reporter>" values are
#: set by the caller (zero here).
_PLAN: tuple[tuple[str, str, np.dtype, str | None, Any], ...] = tuple(
    (
        v.name,
        v.shape,
        np.dtype(v.dtype),
        v.init if isinstance(v.init, str) and not v.init.startswith("@") else None,
        v.init if not isinstance(v.init, str) and v.init else None,
    )
    for v in STATE_TABLE
)
#: The parameter sources the initial state reads (each gathered once, however many read it).
_SOURCES: tuple[str, ...] = tuple(dict.fromkeys(src for _, _, _, src, _ in _PLAN if src))
_get_sources = attrgetter(*_SOURCES)
#: Variables set from a reporter measured at step 0 (``"@<reporter>"``): (name, reporter).
DERIVED: tuple[tuple[str, str], ...] = tuple(
    (v.name, v.init[1:]) for v in STATE_TABLE if isinstance(v.init, str) and v.init[:1] == "@"
)


def blank_state(p: Any, derived: dict[str, np.ndarray] | None = None) -> State:
    """The state at step 0 from :data:`STATE_TABLE`'s initial values for parameters ``p``
    (a :class:`coalition_sim.core.params.ParamArrays`); values marked ``@<reporter>`` come
    from ``derived`` (zero when not given). The reporters start at zero.

    Every array is new and belongs to this state alone (nothing is shared with ``p``, another
    state or another variable). Built from a plan read off the table once, with the record the
    compiled phases read already attached (every array is made with its dtype, C-contiguous):
    ~100 -> ~55 us at 100 runs, a tenth of the fixed cost of a small ensemble call. The arrays
    are views of one block (:func:`_arena`): 48 arrays of their own were 48 fresh mappings of
    the C library's allocator, whose pages faulted in one by one on every call (2,238 faults,
    ~2.2 ms of a 10,000-run ensemble's ~4 ms start); one block of 8.6 MB gets the 2 MiB pages
    numpy asks the kernel for above 4 MiB."""
    r, a = p.n_rows, p.actor.capability.shape[1]
    idx = p.row_index()
    sources = dict(zip(_SOURCES, _get_sources(p), strict=True))
    views = _arena(*_state_layout(r, a))
    values: dict[str, np.ndarray] = {}
    for (name, _, _, source, const), arr in zip(_PLAN, views, strict=False):
        if source is not None:  # gathered straight into place: no temporary to fault in
            src = sources[source]
            if src.dtype == arr.dtype:  # ("clip": row_index() is within range by construction)
                np.take(src, idx, axis=0, out=arr, mode="clip")
            else:
                arr[...] = src[idx]
        elif const is not None:
            arr[...] = const
        values[name] = arr
    if derived is not None:
        for name, reporter in DERIVED:
            values[name][...] = derived[reporter]
    metrics = dict(zip(METRIC_NAMES, views[len(_PLAN) :], strict=True))
    return _assembled(values, metrics)


_FLOAT = np.dtype(np.float64)
#: Where each array of :func:`_arena` starts: a multiple of a cache line.
_ALIGN = 64


@lru_cache(maxsize=64)
def _state_layout(r: int, a: int) -> tuple[int, tuple[tuple[tuple[int, ...], np.dtype, int], ...]]:
    """The bytes of the block of :func:`blank_state`'s arrays for ``r`` rows and ``a``
    actors, and each array's (shape, dtype, offset): :data:`_PLAN`'s variables, then the
    reporters, each starting on a cache line."""
    shapes = {ACTOR: (r, a), PAIR: (r, a, a), SCALAR: (r,), EVENTS: (r, len(Event))}
    specs = [(shapes[shape], dtype) for _, shape, dtype, _, _ in _PLAN]
    specs += [((r,), _FLOAT)] * len(METRIC_NAMES)
    at, out = 0, []
    for shape, dtype in specs:
        out.append((shape, dtype, at))
        at += -(-math.prod(shape) * dtype.itemsize // _ALIGN) * _ALIGN
    return at + _ALIGN, tuple(out)


def _arena(
    size: int, layout: tuple[tuple[tuple[int, ...], np.dtype, int], ...]
) -> list[np.ndarray]:
    """Zeroed C-contiguous arrays of ``layout``'s (shape, dtype, offset) as disjoint views of
    one new block of ``size`` bytes (one ``calloc``: a large block's pages come zeroed from
    the kernel, a small one is cleared once)."""
    block = np.zeros(size, dtype=np.uint8)
    skip = -block.ctypes.data % _ALIGN
    return [np.ndarray(shape, dtype, block, skip + at) for shape, dtype, at in layout]


def _assembled(values: dict[str, np.ndarray], metrics: dict[str, np.ndarray]) -> State:
    """``State(**values, metrics=metrics)`` with the record for the compiled phases attached,
    for arrays known to have the table's dtypes and to be C-contiguous. The generated
    ``__init__`` only assigns the fields, each through ``__setattr__`` (which drops the
    record): ~50 Python calls; here the same attributes go into the instance dict at once,
    in the same order (``tests/test_ensemble_tables.py`` checks it against ``__init__``)."""
    st = object.__new__(State)
    d = st.__dict__
    names = iter(values)
    first = next(names)
    d[first] = values[first]
    d["_view"] = None  # where __init__'s first assignment puts it
    for name in names:
        d[name] = values[name]
    d["metrics"] = metrics
    d["_view"] = StateArrays(**values, **metrics)
    return st


def markdown_table() -> str:
    """The ODD's state table (docs/ODD.md, between the ``state`` markers)."""
    rows = ["| variable | shape, type | range | meaning |", "|---|---|---|---|"]
    for v in STATE_TABLE:
        cells = (f"`{v.name}`", v.type_text(), v.range_text(), v.meaning)
        rows.append("| " + " | ".join(cells).replace("|  |", "| |") + " |")
    rows.append(f"| `metrics` | dict of (R,) float | | {_METRICS_MEANING} |")
    return "\n".join(rows)


def field_names(st: State) -> tuple[str, ...]:
    """Names of the state's arrays (the table's order)."""
    return tuple(f.name for f in fields(st) if f.name != "metrics")  # type: ignore[arg-type]
