"""What leaves and enters the interactive page, without Solara: exports, uploads, the link.

* **Exports**: the run on screen as the CLI's own ``trajectory.csv`` / ``events.csv`` bytes,
  the ensemble table, and the current scenario (with the page's overrides and seed) as a TOML
  file that ``python run.py run --config FILE`` turns into the same bytes again.
* **Uploads**: a scenario file chosen in the page is parsed and validated by the same schema
  as ``configs/*.toml``; a refusal is one line naming the file, the key and what is allowed.
* **The link**: scenario, seed, overrides and week live in the query string
  (``?scenario=baseline&seed=7&set=params.fatigue.growth%3D0.1&week=30``), with the
  posterior switch and the Compare panel's lever, values and replicates, so that a state can
  be shared or bookmarked; a bad value is refused with a message and the defaults are used.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from ..scenario.loading import ConfigError, validate_scenario
from ..scenario.names import parse_value as parse_toml_value
from ..scenario.safe_paths import parse_toml_bytes
from ..scenario.schema import Scenario
from .numbers import whole

if TYPE_CHECKING:
    import pandas as pd

    from ..abm.model import CoalitionModel

__all__ = [
    "COMPARE_KEYS",
    "LINK_KEYS",
    "MAX_REPLICATES",
    "MAX_UPLOAD_BYTES",
    "CompareLink",
    "CompareRefused",
    "LinkState",
    "compact_toml",
    "compare_refusal",
    "ensemble_outcomes_csv",
    "ensemble_replicates_csv",
    "events_csv",
    "format_query",
    "format_value",
    "ignored_note",
    "parse_query",
    "scenario_from_text",
    "scenario_toml",
    "shipped_parent",
    "trajectory_csv",
]

#: Largest scenario file the page accepts (the shipped ones are under 10 kB).
MAX_UPLOAD_BYTES = 1_000_000

# --------------------------------------------------------------------------- TOML


def _toml_key(key: str) -> str:
    bare = key and all(c.isalnum() or c in "_-" for c in key)
    return key if bare else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return _toml_value(value.value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)  # shortest text that reads back as the same double
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON escapes are valid TOML escapes
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }" if inner else "{}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _toml_table(data: Mapping[str, Any], path: list[str], out: list[str]) -> None:
    scalars = {
        k: v
        for k, v in data.items()
        if v is not None and not isinstance(v, dict) and not _is_table_array(v)
    }
    for k, v in scalars.items():
        out.append(f"{_toml_key(k)} = {_toml_value(v)}")
    for k, v in data.items():
        if isinstance(v, dict):
            out.append("")
            out.append("[" + ".".join(_toml_key(p) for p in [*path, k]) + "]")
            _toml_table(v, [*path, k], out)
    for k, v in data.items():
        if _is_table_array(v):
            for item in v:
                out.append("")
                out.append("[[" + ".".join(_toml_key(p) for p in [*path, k]) + "]]")
                for ik, iv in item.items():
                    if iv is not None:
                        out.append(f"{_toml_key(ik)} = {_toml_value(iv)}")


def scenario_toml(scn: Scenario, seed: int, note: str = "") -> str:
    """The whole validated scenario, every value explicit, with ``seed`` as its seed.

    Reading it back gives an equal :class:`Scenario` (tested), so the CLI's run of this file
    is the page's run: same inputs, same seed, same bytes.
    """
    data = scn.model_dump(mode="python", exclude_none=True)
    data["seed"] = int(seed)
    out = [f"# {line}" for line in note.splitlines()] if note else []
    _toml_table(data, [], out)
    return "\n".join(out).lstrip("\n") + "\n"


def scenario_from_text(filename: str, text: str | bytes) -> Scenario:
    """Parse and validate an uploaded scenario file; :class:`ConfigError` (one line) if not."""
    source = filename or "uploaded file"
    raw = text.encode() if isinstance(text, str) else bytes(text)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ConfigError(
            f"{source}: {whole(len(raw))} bytes; a scenario file may be at most "
            f"{whole(MAX_UPLOAD_BYTES)} bytes"
        )
    data = parse_toml_bytes(raw, source)  # the depth-limited parser files go through
    if "extends" in data:
        data = _extend_shipped(source, data)
    return validate_scenario(data, source)


def shipped_parent(source: str, value: object) -> Path:
    """The shipped scenario an upload's ``extends`` names (``"baseline.toml"`` or
    ``"baseline"``), resolved only inside the shipped set: a name of ``list_scenarios()``,
    never a path (the page must not read files a stranger names)."""
    from ..scenario.library import list_scenarios, scenario_path

    names = [n for n, _, _ in list_scenarios()]
    text = value.removesuffix(".toml") if isinstance(value, str) else None
    if text not in names:
        raise ConfigError(
            f"{source}: key 'extends' must name a shipped scenario ({', '.join(names)}; "
            "with or without .toml)"
        )
    return scenario_path(text)


def _extend_shipped(source: str, data: dict[str, Any]) -> dict[str, Any]:
    """The upload merged over the shipped scenario it extends (the command line's rules:
    tables key by key, actors by id, ties by pair; events inherited unless given)."""
    from ..scenario.loading import extend_scenario_data, read_scenario_data

    top = dict(data)
    parent = shipped_parent(source, top.pop("extends"))
    return extend_scenario_data(read_scenario_data(parent), top)  # the loader's own rules


def compact_toml(scn: Scenario, seed: int, base_name: str, note: str = "") -> str:
    """The scenario as ``extends = "<shipped>.toml"`` plus only the keys that differ from it
    (actors and ties listed whole when any of their fields changed, keyed by id / pair)."""
    from ..scenario.library import resolve_scenario

    base = resolve_scenario(base_name).model_dump(mode="python", exclude_none=True)
    mine = scn.model_dump(mode="python", exclude_none=True)
    mine["seed"] = int(seed)
    diff: dict[str, Any] = {}
    for key, value in mine.items():
        old = base.get(key)
        if value == old:
            continue
        if key == "actors" and isinstance(value, list) and isinstance(old, list):
            was = {a.get("id"): a for a in old}
            diff[key] = [a for a in value if was.get(a.get("id")) != a]
        elif key == "ties" and isinstance(value, list) and isinstance(old, list):
            pair = lambda t: frozenset((t.get("a"), t.get("b")))  # noqa: E731
            was_t = {pair(t): t for t in old}
            diff[key] = [t for t in value if was_t.get(pair(t)) != t]
        elif isinstance(value, dict) and isinstance(old, dict):
            diff[key] = _dict_diff(old, value)
        else:
            diff[key] = value
    out = [f"# {line}" for line in note.splitlines()] if note else []
    out.append(f"extends = {_toml_value(base_name + '.toml')}")
    _toml_table(diff, [], out)
    return "\n".join(out).lstrip("\n") + "\n"


def _dict_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in new.items():
        if old.get(k) == v:
            continue
        o = old.get(k)
        out[k] = _dict_diff(o, v) if isinstance(v, dict) and isinstance(o, dict) else v
    return out


# --------------------------------------------------------------------------- CSV


def trajectory_csv(model: CoalitionModel) -> str:
    """The weeks run so far, exactly as the CLI writes ``trajectory.csv``."""
    from ..abm.outputs import step_table

    return str(step_table(model).to_csv(index=False))


def events_csv(model: CoalitionModel) -> str:
    """The event log so far, exactly as the CLI writes ``events.csv``."""
    from ..abm.outputs import event_table

    return str(event_table(model).to_csv(index=False))


def _csv(frame: pd.DataFrame) -> str:
    buf = io.StringIO()
    frame.to_csv(buf, index=False)
    return buf.getvalue()


def ensemble_outcomes_csv(result: Mapping[str, Any]) -> str:
    """One row per outcome: share of replicates, 95% Wilson interval, meaning, inputs."""
    import pandas as pd

    from .views import OUTCOME_HELP, OUTCOME_LABELS

    rows = [
        {
            "outcome": name,
            "label": OUTCOME_LABELS.get(name, name),
            "share": p,
            "ci95_low": result["intervals"][name][0],
            "ci95_high": result["intervals"][name][1],
            "replicates": result["n"],
            "weeks": result["weeks"],
            "inputs": result["label"],
            "meaning": OUTCOME_HELP.get(name, ""),
        }
        for name, p in result["probabilities"].items()
    ]
    return _csv(pd.DataFrame(rows))


def ensemble_replicates_csv(result: Mapping[str, Any]) -> str:
    """One row per replicate: its seed, with the posterior on the particle it drew (numbered
    from 0, as the status line numbers the run's), outcome flags and final metrics. The
    engine's ``row`` (the replicate's index again, which read as a posterior row) is left
    out, as the page's table leaves it."""
    frame = result["final"].drop(columns=["row"], errors="ignore")
    particles = result.get("particles")
    if particles is not None:
        frame.insert(0, "posterior_particle", [int(k) for k in particles])
    frame.insert(0, "replicate_seed", [int(s) for s in result["seeds"]])
    frame.insert(0, "replicate", range(len(frame)))
    return _csv(frame)


# --------------------------------------------------------------------------- the link


def format_value(value: Any) -> str:
    """A value as typed after ``key=`` (TOML), so that parsing it gives the value back."""
    if isinstance(value, str):
        return value if parse_toml_value(value) == value else _toml_value(value)
    return _toml_value(value)


@dataclass(frozen=True)
class CompareLink:
    """The Compare panel's inputs in a link: the lever, its values in arms A and B, replicates."""

    lever: str
    a: float
    b: float
    replicates: int = 500


@dataclass(frozen=True)
class LinkState:
    """What the query string holds. ``values`` maps dotted keys to typed values."""

    scenario: str
    seed: int | None = None
    values: dict[str, Any] = field(default_factory=dict)
    week: int = 0
    posterior: bool = False
    compare: CompareLink | None = None
    record: bool = False  # the record overlay on the time series
    ensemble: int | None = None  # replicates of the last ensemble run (its panel's size)
    #: parameters of the link that are not the page's (a chat tool's ``utm_source``, a typo),
    #: ignored with a note; never written back into a link
    ignored: tuple[str, ...] = ()


#: Replicates allowed in the page's ensemble and Compare (and in a link).
MAX_REPLICATES = 20_000


def format_query(state: LinkState) -> str:
    """``scenario=...&seed=...&set=key%3Dvalue...&week=...`` (no leading ``?``), then
    ``posterior=1``, the ensemble's replicates ``n=...`` and the Compare inputs
    ``lever=...&a=...&b=...&reps=...`` when set."""
    pairs: list[tuple[str, str]] = [("scenario", state.scenario)]
    if state.seed is not None:
        pairs.append(("seed", str(state.seed)))
    pairs += [("set", f"{k}={format_value(v)}") for k, v in state.values.items()]
    if state.week:
        pairs.append(("week", str(state.week)))
    if state.posterior:
        pairs.append(("posterior", "1"))
    if state.record:
        pairs.append(("record", "1"))
    if state.ensemble is not None:
        pairs.append(("n", str(state.ensemble)))
    if state.compare is not None:
        c = state.compare
        pairs += [("lever", c.lever), ("a", f"{c.a:g}"), ("b", f"{c.b:g}")]
        pairs.append(("reps", str(c.replicates)))
    return urlencode(pairs)


_KNOWN = (
    "scenario", "seed", "set", "week", "posterior", "record", "n", "lever", "a", "b", "reps",
)  # fmt: skip
#: The parameters a link of the page holds; any other is ignored with a note.
LINK_KEYS = _KNOWN


def _whole(name: str, raw: str, lo: int, hi: int | None = None) -> int:
    raw = raw.strip()
    ok = raw.isascii() and raw.isdigit() and len(raw) <= 12
    if not ok or int(raw) < lo or (hi is not None and int(raw) > hi):
        span = f"from {whole(lo)} to {whole(hi)}" if hi is not None else f">= {whole(lo)}"
        raise ValueError(f"link parameter {name} must be a whole number {span}, not {raw!r}")
    return int(raw)


def _number(name: str, raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        value = float("nan")
    if not math.isfinite(value):
        raise ValueError(f"link parameter {name} must be a finite number, not {raw!r}")
    return value


def _lever_range(lever: str) -> tuple[float, float] | None:
    """The schema's range of a lever's dotted name (the Compare panel's A and B range), None
    if the name is not a bounded parameter."""
    from ..scenario.names import parameter_table

    parts = lever.split(".")
    generic = f"actors.<ID>.{parts[2]}" if parts[0] == "actors" and len(parts) == 3 else lever
    row = next((r for r in parameter_table() if r["name"] == generic), None)
    if row is None or row["min"] is None or row["max"] is None:
        return None
    return float(row["min"]), float(row["max"])


#: A link's Compare inputs: taken together or not at all.
COMPARE_KEYS = ("lever", "a", "b", "reps")


class CompareRefused(ValueError):
    """A link's Compare part refused; ``keys`` are the keys at fault (the others of
    :data:`COMPARE_KEYS` mean nothing without them)."""

    def __init__(self, message: str, keys: Sequence[str]) -> None:
        super().__init__(message)
        self.keys = tuple(keys)


def _compare_link(query: dict[str, list[str]]) -> CompareLink | None:
    given = [k for k in COMPARE_KEYS if k in query]
    if not given:
        return None
    missing = [k for k in ("lever", "a", "b") if k not in query]
    if missing:
        raise CompareRefused(
            f"link parameter '{given[0]}' needs lever, a and b together (missing: "
            f"{', '.join(missing)})",
            given,
        )
    # every bad key is named in one line (a link with a=5&b=nan named only b)
    bad: dict[str, str] = {}
    values: dict[str, Any] = {}
    lever = query["lever"][0].strip()
    if not re.fullmatch(r"[A-Za-z0-9_.]{1,120}", lever):
        bad["lever"] = f"lever must be a dotted parameter name, not {lever!r}"
    checks = {"a": lambda raw: _number("a", raw), "b": lambda raw: _number("b", raw)}
    if "reps" in query:
        checks["reps"] = lambda raw: _whole("reps", raw, 1, MAX_REPLICATES)
    for key, check in checks.items():
        try:
            values[key] = check(query[key][0])
        except ValueError as exc:
            bad[key] = str(exc).removeprefix("link parameter ")
    # a link refused anyway names the A or B outside the lever's range too (the panel would
    # have refused it next, once the other key was mended)
    span = _lever_range(lever) if bad and "lever" not in bad else None
    if span is not None:
        lo, hi = span
        for key in ("a", "b"):
            if key in values and not lo <= values[key] <= hi:
                bad[key] = (
                    f"{key} = {values[key]:g} is outside the range of {lever} ({lo:g} to {hi:g})"
                )
    keys = [k for k in COMPARE_KEYS if k in bad]
    if len(bad) == 1:
        raise CompareRefused(f"link parameter {bad[keys[0]]}", keys)
    if bad:
        raise CompareRefused(
            f"link parameters {', '.join(keys)} refused: {'; '.join(bad[k] for k in keys)}",
            keys,
        )
    return CompareLink(lever, values["a"], values["b"], values.get("reps", 500))


def compare_refusal(search: str) -> CompareRefused | None:
    """The refusal of a link's Compare part alone (lever, a, b, reps), None if it has none."""
    try:
        _compare_link(parse_qs(search, keep_blank_values=True))
    except CompareRefused as exc:
        return exc
    return None


def ignored_note(link: LinkState) -> str:
    """The page's note on the parameters of ``link`` it ignored ('' if none)."""
    if not link.ignored:
        return ""
    n = len(link.ignored)
    shown = ", ".join(repr(k[:40]) for k in link.ignored[:3])
    more = f" and {n - 3} more" if n > 3 else ""
    what = f"parameter {shown} is not" if n == 1 else f"parameters {shown}{more} are not"
    return (
        f"Ignored: the link's {what} the page's ({', '.join(_KNOWN)}); the rest of the link is "
        "shown."
    )


def parse_query(search: str | None, scenarios: Sequence[str]) -> LinkState | None:
    """The state a link asks for, or None if it asks for nothing.

    Checks the form of every value (scenario known, seed a whole number in range, ``set``
    entries of the form key=value, week a whole number >= 0, posterior 0 or 1, the Compare
    inputs complete and numeric) and raises :class:`ValueError` with a one-line message
    otherwise. Whether the values suit the scenario, whether the week exists and whether the
    lever is one of the scenario's, is for the schema, the model and the Compare panel to judge
    when the page builds the run.
    """
    from .session import parse_override, parse_seed

    text = (search or "").lstrip("?")
    if not text.strip():
        return None
    query = parse_qs(text, keep_blank_values=True)
    # a parameter that is not the page's (tracking tags that chat and mail tools add to links,
    # a typo) is ignored, not a reason to throw the whole shared state away: the page says so
    ignored = tuple(sorted(set(query) - set(_KNOWN)))
    for key in _KNOWN:
        if key != "set" and len(query.get(key, [])) > 1:
            raise ValueError(f"link parameter '{key}' is given more than once")
    name = query.get("scenario", [scenarios[0] if scenarios else ""])[0]
    if name not in scenarios:
        # quoted as Python does: a control character shows ('baseline\x00' read 'baseline')
        raise ValueError(
            f"unknown scenario {name[:60]!r} in the link (known: {', '.join(scenarios)})"
        )
    seed = None
    if "seed" in query:
        seed = parse_seed(query["seed"][0])
    values: dict[str, Any] = {}
    for item in query.get("set", []):
        try:
            key, value = parse_override(item)
        except ConfigError as exc:
            raise ValueError(f"link parameter set={item!r}: {exc}") from None
        if key in values:  # which one was meant? (the last was taken without a word)
            raise ValueError(f"link parameter set gives '{key}' more than once")
        values[key] = value
    week = _whole("week", query["week"][0], 0) if "week" in query else 0
    flags = {}
    for key in ("posterior", "record"):
        raw = query[key][0].strip() if key in query else "0"
        if raw not in ("0", "1"):
            raise ValueError(f"link parameter {key} must be 0 or 1, not {raw!r}")
        flags[key] = raw == "1"
    # the size's bound depends on the scenario (the Ensemble panel's budget): judged with the
    # run, by the panel's own rule (page_state._link_run, serving.check_request)
    ensemble = _whole("n", query["n"][0], 1) if "n" in query else None
    return LinkState(
        scenario=name, seed=seed, values=values, week=week, posterior=flags["posterior"],
        compare=_compare_link(query), record=flags["record"], ignored=ignored,
        ensemble=ensemble,
    )  # fmt: skip
