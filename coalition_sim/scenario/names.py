"""Parameter names: THE one resolver, the catalogue of settable parameters and the table.

One spelling names a parameter everywhere (command line ``--set``, sweep specs, calibration
priors, the ensemble, the browser UI): the dotted path into a scenario file,
``params.fatigue.growth``, ``actors.ROK.mediation``, ``actors.ROK.interests.security``,
``clock.pandemic_weeks``. A parameter group's name may lead without ``params.``
(``fatigue.growth``); :func:`canonical_key` adds it, and every caller goes through it.

Mesa passes parameters as Python keyword arguments, which cannot hold dots, so
:func:`name_of_kwarg` maps ``fatigue__growth`` (or ``params__fatigue__growth``,
``actors__ROK__volatility``) to the dotted name: each ``__`` is one dot. :func:`kwarg_of`
is the inverse, used for ``mesa.batch_run`` parameter grids.
"""

from __future__ import annotations

import copy
import difflib
import functools
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel

from .loading import ConfigError, validate_scenario
from .safe_paths import show
from .schema import Actor, Clock, Interests, Params, Scenario, Tie, field_range

__all__ = [
    "ACTOR_FIELDS",
    "CLOCK_FIELDS",
    "INTEREST_FIELDS",
    "ParamSpec",
    "apply_overrides",
    "canonical_key",
    "canonical_name",
    "check_values",
    "invalid_rows",
    "kwarg_of",
    "name_of_kwarg",
    "nearest",
    "parameter_specs",
    "parameter_table",
    "parse_value",
    "plausible_range",
    "set_value",
    "value_of",
    "with_values",
]

#: Numeric per-actor fields a sweep or fit may vary (``actors.<ID>.<field>``).
ACTOR_FIELDS: tuple[str, ...] = tuple(
    name for name, f in Actor.model_fields.items() if f.annotation in (float, int)
)
#: Interest weights of an actor (``actors.<ID>.interests.<field>``); they must sum to one.
INTEREST_FIELDS: tuple[str, ...] = ("security", "economy", "prestige", "stability")
#: Clock fields a sweep may vary (``clock.<field>``).
CLOCK_FIELDS: tuple[str, ...] = (
    "pandemic_weeks",
    "pandemic_narrowing",
    "pandemic_inward",
    "election_horizon",
)


# --------------------------------------------------------------------------- the resolver


def canonical_key(key: str) -> str:
    """The dotted key as a scenario file spells it: ``fatigue.growth`` -> ``params.fatigue.growth``.

    Only a leading parameter-group name gains ``params.``; every other key (``steps``,
    ``actors.ROK.x``, ``clock.x``, ``params.x.y``) is returned stripped and unchanged.
    """
    key = key.strip()
    head = key.split(".", 1)[0]
    return f"params.{key}" if head in Params.model_fields and "." in key else key


def name_of_kwarg(kwarg: str) -> str:
    """A Mesa keyword argument as a dotted name: ``fatigue__growth`` -> ``params.fatigue.growth``."""
    return canonical_key(kwarg.replace("__", "."))


def kwarg_of(name: str) -> str:
    """A dotted name as a Mesa keyword argument: ``params.fatigue.growth`` -> ``fatigue__growth``."""
    return canonical_key(name).removeprefix("params.").replace(".", "__")


def parse_value(text: str) -> Any:
    """A ``--set`` value parsed as TOML (``0.3``, ``true``, ``"x"``); a bare word stays text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare word: let the schema judge it as a string
    except RecursionError:
        shown = text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"
        raise ConfigError(f"override value {shown!r} is nested too deeply") from None


MAX_KEY_CHARS = 200  # the longest real key, actors.<ID>.interests.stability, is ~40


def set_value(data: dict[str, Any], key: str, value: Any, source: str) -> None:
    """Set ``dotted.key`` in a scenario mapping; ``actors.ROK.x`` addresses an actor by id.

    Missing parameter groups are created (they default in the schema); anything else that
    does not exist is an error, so a typo never passes silently.
    """
    if len(key) > MAX_KEY_CHARS:
        raise ConfigError(
            f"{show(source)}: override key {key[:30]!r}... is {len(key)} characters long "
            f"(at most {MAX_KEY_CHARS})"
        )
    parts = [p for p in canonical_key(key).split(".") if p]
    if not parts:
        raise ConfigError(f"{show(source)}: override '{key}' has an empty key")
    node: Any = data
    for depth, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            node = _find_actor(node, part, source, key)
            continue
        if not isinstance(node, dict):
            raise ConfigError(f"{show(source)}: override '{key}': '{part}' is not a table")
        if part not in node:
            if part in _GROUPS_AT.get(depth, ()) or (depth >= 2 and part == "interests"):
                node[part] = {}
            else:
                raise ConfigError(f"{show(source)}: override '{key}': unknown key '{part}'")
        node = node[part]
    if not isinstance(node, dict):
        raise ConfigError(f"{show(source)}: override '{key}' must name a field")
    node[parts[-1]] = value


def apply_overrides(data: dict[str, Any], overrides: list[str], source: str) -> dict[str, Any]:
    """Apply ``dotted.key=value`` strings; values are parsed as TOML (``0.3``, ``true``)."""
    out = copy.deepcopy(data)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"{show(source)}: override '{item}' is not of the form key=value")
        key, _, raw = item.partition("=")
        set_value(out, key, parse_value(raw.strip()), source)
    return out


_GROUPS_AT: dict[int, tuple[str, ...]] = {
    0: ("params", "clock"),
    1: tuple(Params.model_fields),
}


def _find_actor(actors: list[Any], ident: str, source: str, key: str) -> Any:
    for item in actors:
        if isinstance(item, dict) and item.get("id") == ident:
            return item
    raise ConfigError(f"{show(source)}: override '{key}': no actor with id '{ident}'")


def parameter_table() -> list[dict[str, Any]]:
    """Every documented parameter: dotted name, default, range, unit, meaning and source."""
    rows: list[dict[str, Any]] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            ann = field.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                walk(ann, f"{prefix}{name}.")
                continue
            extra = field.json_schema_extra or {}
            if not isinstance(extra, dict) or "source" not in extra:
                continue
            lo, hi = field_range(field)
            rows.append(
                {
                    "name": prefix + name,
                    "default": (
                        field.default_factory()  # type: ignore[call-arg]
                        if field.default_factory is not None
                        else field.default
                    ),
                    "min": lo,
                    "max": hi,
                    "unit": extra.get("unit", ""),
                    "meaning": field.description or "",
                    "source": extra["source"],
                }
            )

    walk(Scenario, "")  # top-level state, then clock.* and params.* by recursion
    walk(Actor, "actors.<ID>.")
    walk(Tie, "ties[].")
    return rows


def with_values(scn: Scenario, values: Mapping[str, Any]) -> Scenario:
    """A copy of ``scn`` with dotted keys set (``params.fatigue.growth``, ``actors.ROK.x``)."""
    data = scn.model_dump(mode="json")
    source = f"scenario '{scn.name}'"
    for key, value in values.items():
        set_value(data, key, value, source)
    return validate_scenario(data, source)


def value_of(scn: Scenario, key: str) -> Any:
    """The value of a dotted key (``actors.ROK.mediation``, ``fatigue.growth``) in a scenario."""
    parts = canonical_key(key).split(".")
    node: Any = scn
    if parts[0] == "actors":
        node = next((a for a in scn.actors if a.id == parts[1]), None)
        if node is None:
            raise ConfigError(f"scenario '{scn.name}': no actor with id '{parts[1]}'")
        parts = parts[2:]
    for p in parts:
        if not hasattr(node, p):
            raise ConfigError(f"scenario '{scn.name}': unknown key '{key}'")
        node = getattr(node, p)
    return node


# --------------------------------------------------------------------------- the catalogue


@dataclass(frozen=True)
class ParamSpec:
    """A settable numeric parameter: where it lives in the compiled arrays and its range."""

    name: str  # canonical dotted name
    group: str  # compiled-array attribute: a params group, 'clock' or 'actor'
    field: str
    column: int | None  # actor column for actor fields
    lo: float
    hi: float
    integer: bool
    default: float


@functools.cache
def _bounds(model: type[BaseModel], name: str) -> tuple[float, float, bool]:
    """A field's range and kind: a fact of the schema, read once per process (every
    ensemble, fit and page request builds the specs of ~190 parameters)."""
    f = model.model_fields[name]
    lo, hi = field_range(f)
    lo = -np.inf if lo is None else lo
    hi = np.inf if hi is None else hi
    return float(lo), float(hi), f.annotation is int


def parameter_specs(scn: Scenario | str) -> dict[str, ParamSpec]:
    """Every numeric parameter of ``scn`` that a sweep or fit may vary, by canonical name.
    ``scn`` may also be a scenario's name or path, read as ``run_ensemble`` reads it (a name
    ended in an AttributeError)."""
    if not isinstance(scn, Scenario):
        from .library import resolve_scenario  # (library imports this module)

        scn = resolve_scenario(scn)
    specs: dict[str, ParamSpec] = {}
    for group, gfield in Params.model_fields.items():
        model = gfield.annotation
        assert isinstance(model, type) and issubclass(model, BaseModel)
        values = getattr(scn.params, group)
        for name in model.model_fields:
            lo, hi, integer = _bounds(model, name)
            specs[f"params.{group}.{name}"] = ParamSpec(
                f"params.{group}.{name}", group, name, None, lo, hi, integer,
                float(getattr(values, name)),
            )  # fmt: skip
    for name in CLOCK_FIELDS:
        lo, hi, integer = _bounds(Clock, name)
        specs[f"clock.{name}"] = ParamSpec(
            f"clock.{name}", "clock", name, None, lo, hi, integer, float(getattr(scn.clock, name))
        )
    for col, actor in enumerate(scn.actors):
        for name in ACTOR_FIELDS:
            lo, hi, integer = _bounds(Actor, name)
            key = f"actors.{actor.id}.{name}"
            specs[key] = ParamSpec(
                key, "actor", name, col, lo, hi, integer, float(getattr(actor, name))
            )
        for name in INTEREST_FIELDS:
            lo, hi, integer = _bounds(Interests, name)
            key = f"actors.{actor.id}.interests.{name}"
            specs[key] = ParamSpec(
                key, "actor", name, col, lo, hi, integer, float(getattr(actor.interests, name))
            )
    return specs


def nearest(name: str, choices: Iterable[str]) -> str | None:
    """The closest of ``choices`` to a mistyped ``name`` (difflib's ratio, its default
    cut-off), None if none is close: THE "did you mean" of every refusal."""
    close = difflib.get_close_matches(name, list(choices), n=1)
    return close[0] if close else None


def canonical_name(name: str, specs: Mapping[str, ParamSpec]) -> str:
    """The catalogue name of a numeric parameter (via :func:`canonical_key`); unknown names
    raise :class:`ConfigError` naming a close match when there is one."""
    key = canonical_key(name)
    if key in specs:
        return key
    close = nearest(key, specs)
    hint = f" (did you mean '{close}'?)" if close else " (see 'python run.py params')"
    raise ConfigError(f"unknown parameter '{name.strip()}'{hint}")


def invalid_rows(spec: ParamSpec, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The schema's checks for a whole column: (out of range or not finite, not whole where
    the parameter is integer), as boolean masks; callers name the first offending row."""
    v = np.asarray(values, dtype=np.float64)
    off = ~np.isfinite(v) | (v < spec.lo) | (v > spec.hi)
    frac = (v != np.round(v)) if spec.integer else np.zeros(v.shape, dtype=bool)
    return off, frac & ~off


def check_values(spec: ParamSpec, values: np.ndarray) -> np.ndarray:
    """Range and type checks the schema would apply, for a whole column at once."""
    v = np.asarray(values, dtype=np.float64)
    off, frac = invalid_rows(spec, v)
    if off.any():
        x = v[np.flatnonzero(off)[0]]
        raise ConfigError(
            f"parameter '{spec.name}' = {x:g} is out of range [{spec.lo:g}, {spec.hi:g}]"
        )
    if frac.any():
        x = v[np.flatnonzero(frac)[0]]
        raise ConfigError(f"parameter '{spec.name}' must be a whole number, got {x:g}")
    return v


def plausible_range(lo: float, hi: float, v: float) -> tuple[float, float]:
    """ "What if the documented value ``v`` were off by a factor of two": ``v`` x [1/2, 2] (a
    negative value, a logit: [2v, v/2]; zero: the lowest quarter of the schema range
    [``lo``, ``hi``]), clipped to the schema range; a value at a bound gets the quarter of the
    range next to it. The screening's ranges and the EMA model's default bounds: a schema
    range is what is valid, not what is plausible (a weekly growth of 1, a logit of 20)."""
    if v > 0:
        a, b = v / 2, v * 2
    elif v < 0:
        a, b = v * 2, v / 2
    else:
        a, b = lo, lo + 0.25 * (hi - lo)
    a, b = max(lo, a), min(hi, b)
    if not a < b:
        a, b = (hi - 0.25 * (hi - lo), hi) if v >= hi else (lo, lo + 0.25 * (hi - lo))
    return float(a), float(b)
