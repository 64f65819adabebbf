"""One browser session's run, without Solara: the sliders, the inputs, the model, the ensemble.

:mod:`coalition_sim.ui.app` draws these; keeping them free of the UI framework lets the tests
check them directly and keeps every page component small.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from ..abm.model import CoalitionModel
from ..engine.stats import wilson_interval  # loaded with the app, not on first click
from ..scenario import seeds
from ..scenario.library import list_scenarios, resolve_scenario
from ..scenario.loading import ConfigError, read_toml
from ..scenario.names import canonical_key, parameter_table, value_of, with_values
from ..scenario.names import parse_value as parse_toml_value
from ..scenario.resources import config_dir
from ..scenario.safe_paths import posterior_tag, short_digest
from ..scenario.schema import Role, Scenario
from . import serving
from .views import (
    METRIC_STYLE,
    History,
    bars_caption_html,
    fan_caption_html,
    fan_svg,
    outcome_bars_svg,
)

__all__ = [
    "KNOBS",
    "Knob",
    "Result",
    "Sim",
    "cli_scenario",
    "ensemble_key",
    "ensemble_views",
    "knobs_for",
    "page_scenarios",
    "paired_difference",
    "param_label",
    "parse_override",
    "parse_seed",
    "posterior_digest",
    "posterior_file",
    "posterior_words",
    "scenario_file",
    "scenario_value",
]

# --------------------------------------------------------------------------- results


class Result(Mapping[str, Any]):
    """A computed result the page shows (an ensemble, a comparison): a read-only mapping
    that is equal only to itself.

    The page's renderer compares a component's arguments, and the closures of its callbacks,
    with the previous render's, by value: a plain dict holding a 500-row DataFrame was
    compared cell by cell, several times per render (each download button's callback holds
    the result). A result never changes once made, so identity is the right equality."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"Result({', '.join(self._data)})"


# --------------------------------------------------------------------------- knobs

#: (group, dotted key with {leader}/{target}/{mediator} placeholders, label). Ranges, units,
#: meanings and sources come from the config schema via ``parameter_table()``.
KNOBS: tuple[tuple[str, str, str], ...] = (
    ("Sanctions", "params.fatigue.growth", "Sanctions fatigue growth"),
    ("Sanctions", "params.commitment.fatigue_erosion", "Fatigue erosion of commitment"),
    ("Leaders", "actors.{leader}.volatility", "{leader} leader volatility"),
    ("Leaders", "actors.{target}.volatility", "{target} leader volatility"),
    ("Leaders", "params.prospect.loss_aversion", "Loss aversion \u03bb"),
    ("Leaders", "actors.{leader}.reference", "{leader} reference point (losses below it)"),
    ("Summitry", "actors.{mediator}.mediation", "{mediator} mediation"),
    ("Summitry", "actors.{leader}.consults", "{leader} consults allies"),
    ("Summitry", "actors.{leader}.fear_of_snub", "{leader} fear of being snubbed"),
    ("Summitry", "actors.{leader}.hedging", "{leader} hedges a cancellation"),
    ("Elections & pandemic", "clock.election_horizon", "Election horizon (weeks)"),
    ("Elections & pandemic", "params.prospect.election_aversion", "Election-year risk aversion"),
    ("Elections & pandemic", "params.target.election_leverage", "DPRK election leverage"),
    ("Elections & pandemic", "clock.pandemic_narrowing", "Pandemic narrowing of dialogue"),
)


@dataclass(frozen=True)
class Knob:
    """A slider: a dotted scenario key with its schema range and documentation."""

    group: str
    key: str
    label: str
    lo: float
    hi: float
    integer: bool
    value: float
    schema_default: Any
    meaning: str
    source: str
    unit: str

    @property
    def step(self) -> float:
        """A round step (0.01 on [0, 1]) so that schema defaults sit on the slider's grid."""
        if self.integer:
            return 1
        return 10.0 ** math.floor(math.log10((self.hi - self.lo) / 100))

    @property
    def tooltip(self) -> str:
        """Plain language first: meaning, this scenario's value, the schema default, range,
        source (code name in details)."""
        unit = f" {self.unit}" if self.unit else ""
        return (
            f"{self.meaning} This scenario: {self.value:g}{unit} (schema default "
            f"{self.schema_default}{unit}); range {self.lo:g} to {self.hi:g}. "
            f"Source: {self.source}"
        )


@cache
def _schema_rows() -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in parameter_table()}


def _roles(scn: Scenario) -> dict[str, str]:
    leader = next(a.id for a in scn.actors if a.role is Role.LEADER)
    target = next(a.id for a in scn.actors if a.role is Role.TARGET)
    members = [a for a in scn.actors if a.role is Role.MEMBER]
    ids = [a.id for a in members]
    mediator = "ROK" if "ROK" in ids else max(members, key=lambda a: a.mediation).id
    return {"leader": leader, "target": target, "mediator": mediator}


def scenario_value(scn: Scenario, key: str) -> Any:
    """The value of a dotted key (``actors.ROK.mediation``) in a scenario."""
    return value_of(scn, key)


def knobs_for(scn: Scenario) -> list[Knob]:
    """The sliders for a scenario, its own values as starting points, schema ranges."""
    roles = _roles(scn)
    rows = _schema_rows()
    out = []
    for group, template, label in KNOBS:
        key = template.format(**roles)
        schema_name = template.format(leader="<ID>", target="<ID>", mediator="<ID>")
        row = rows[schema_name]
        value = scenario_value(scn, key)
        out.append(
            Knob(
                group=group,
                key=key,
                label=label.format(**roles),
                lo=float(row["min"]),
                hi=float(row["max"]),
                integer=isinstance(row["default"], int) and not isinstance(row["default"], bool),
                value=value,
                schema_default=row["default"],
                meaning=row["meaning"],
                source=row["source"],
                unit=row["unit"],
            )
        )
    return out


def param_label(key: str, scn: Scenario | None = None) -> str:
    """A dotted key in words: a slider's label, else the schema's meaning (with the actor)."""
    if scn is not None:
        for knob in knobs_for(scn):
            if knob.key == key:
                return knob.label
    parts = key.split(".")
    if parts[0] == "actors" and len(parts) > 2:
        row = _schema_rows().get(".".join(["actors", "<ID>", *parts[2:]]))
        if row:
            return f"{parts[1]}: {row['meaning'].rstrip('.')}"
    row = _schema_rows().get(key) or _schema_rows().get(f"params.{key}")
    return row["meaning"].rstrip(".") if row else key


def parse_seed(text: str | None) -> int:
    """A seed from the page's text field; ValueError with a readable message otherwise."""
    try:
        return seeds.parse_seed(text)
    except ValueError as exc:
        raise ValueError(f"Seed {exc}.") from None


def _parse_value(raw: str) -> Any:
    """A typed value parsed as TOML (as ``--set`` does); a bare word stays a string."""
    return parse_toml_value(raw.strip())


def parse_override(text: str) -> tuple[str, Any]:
    """``key=value`` as typed in the page (``params.fatigue.growth=0.1``)."""
    if "=" not in text:
        raise ConfigError(f"'{text.strip()}' is not of the form key=value")
    key, _, raw = text.partition("=")
    if not key.strip():
        raise ConfigError("the key before '=' is empty")
    return key.strip(), _parse_value(raw)


# --------------------------------------------------------------------------- the menu

#: The folder of ``configs/`` whose scenarios the page lists as ``history/<name>``: the starts
#: of the 2016-18 record and their calibrated versions (issue 5), which the record overlay is for.
HISTORY = "history"


def _history_files() -> list[Path]:
    folder = config_dir() / HISTORY
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def page_scenarios() -> tuple[tuple[str, str], ...]:
    """(menu name, one-line description): the scenarios of ``configs/`` by name, then those
    of ``configs/history/`` as ``history/<name>``. A menu name is never a path: the page
    reads only the files listed here."""
    out = [(name, desc) for name, desc, _ in list_scenarios()]
    for path in _history_files():
        try:
            desc = str(read_toml(path).get("description", "")).strip().splitlines()
        except ConfigError:
            continue
        out.append((f"{HISTORY}/{path.stem}", desc[0] if desc else ""))
    return tuple(out)


def scenario_file(name: str) -> str | Path:
    """What the scenario library resolves for a menu name: the name itself for ``configs/``,
    the file for ``history/<name>`` (ConfigError for a history name not in the menu)."""
    if not name.startswith(HISTORY + "/"):
        return name
    stem = name.split("/", 1)[1]
    for path in _history_files():
        if path.stem == stem:
            return path
    raise ConfigError(f"unknown scenario '{name}'")


def cli_scenario(name: str) -> str:
    """How the command line names a menu scenario (``--scenario``)."""
    return f"configs/{name}.toml" if name.startswith(HISTORY + "/") else name


# --------------------------------------------------------------------------- one session's run


class Sim:
    """One session's model and the history its views draw; safe to step from the play loop.

    ``source`` names the scenario in ``configs/`` (None for an uploaded file), ``values`` the
    page's overrides; ``inputs`` fingerprints everything a result depends on.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        values: dict[str, Any] | None = None,
        source: str | None = None,
        posterior: str = "",
        posterior_sha256: str = "",
    ):
        self.scenario = scenario
        self.seed = seed
        self.values = dict(values or {})
        self.source = source
        #: "" for the scenario's own parameters; else the posterior draw in words ("fitted
        #: parameters of posterior particle 17 of 400"): the run then has the fitted values
        #: that draw gives its seed, as ``run --posterior`` does
        self.posterior = posterior
        #: the sha256 of the posterior file the run drew from ("" without a draw): the file
        #: can be rewritten while the page is open, and the same seed then draws other values
        self.posterior_sha256 = posterior_sha256
        #: where a scenario that is not a shipped one came from, in words: " (from a file)" or
        #: " (edited on this page)" (set by the page, which knows its menu key); "" if shipped
        self.origin = "" if source else " (from a file)"
        self.model = CoalitionModel(scenario, rng=seed)
        self.history = History.of(self.model)
        self.lock = threading.Lock()
        digest = hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()[:16]
        self.inputs = f"{digest}:{seed}"

    @classmethod
    def build(
        cls, base: str | Scenario, values: dict[str, Any], seed: int | None,
        posterior: bool = False,
    ) -> Sim:  # fmt: skip
        """Validate the scenario with the page's values (ConfigError if refused), then build.
        With ``posterior`` the run takes the fitted parameters of the posterior particle its
        seed draws (the page's own values win), exactly as ``run --posterior`` does."""
        source = base if isinstance(base, str) else None
        if "seed" in values:  # the page's seed would silently win over it
            raise ConfigError("the seed is set in the Seed field, not as key=value")
        scn = resolve_scenario(scenario_file(base) if isinstance(base, str) else base)
        if values:
            scn = with_values(scn, values)
        seed = scn.seed if seed is None else seed
        drawn = sha = ""
        if posterior:
            post, sha = shipped_posterior(), posterior_digest()
            scn = post.scenario_for(scn, seed, keep=list(values))
            drawn = (
                f"fitted parameters of posterior particle {int(post.draw([seed])[0])} "
                f"of {len(post)} ({posterior_words(sha)})"
            )  # fmt: skip  (numbered from 0, as run --posterior says)
        serving.check_run(scn)  # a page run (and a link's week) stays within the page's budget
        return cls(scn, seed, values, source, drawn, sha)

    @property
    def done(self) -> bool:
        return self.model.steps >= self.model.n_steps

    @property
    def inputs_label(self) -> str:
        """The inputs in words: scenario, seed and each override (what an ensemble of this
        run shares with it; its replicates draw their own posterior particles)."""
        changed = "; ".join(
            f"{param_label(k, self.scenario)} = {v}" for k, v in self.values.items()
        )
        return f"{self.scenario.name}{self.origin}, seed {self.seed}" + (
            f", with {changed}" if changed else ", scenario defaults"
        )

    @property
    def label(self) -> str:
        """The run in words: its inputs and, with the posterior on, the particle it drew."""
        return self.inputs_label + (f", {self.posterior}" if self.posterior else "")

    def step(self) -> bool:
        """Advance one week; False (and nothing done) once the scenario's end is reached."""
        with self.lock:
            if self.done:
                return False
            self.model.step()
            self.history.record(self.model)
            return True

    def advance_to(self, week: int) -> None:
        """Step to ``week`` (ValueError if the scenario has no such week)."""
        if not 0 <= week <= self.model.n_steps:
            raise ValueError(
                f"week {week} is outside this scenario's 0 to {self.model.n_steps} weeks"
            )
        while self.model.steps < week:
            self.step()


def posterior_file() -> Path:
    """The shipped calibration posterior (``python run.py calibrate --write-configs``)."""
    from ..scenario.library import config_dir

    return config_dir() / "calibration" / "posterior.parquet"


def _file_key(path: Path) -> tuple[str, int, int]:
    """What tells a rewritten file from the one read before (name, mtime, size)."""
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


def shipped_posterior() -> Any:
    """The shipped posterior, read once per process while its file is unchanged."""
    from ..engine.posterior import load_posterior

    path = posterior_file()
    key = _file_key(path)
    if _POSTERIOR.get("key") != key:
        _POSTERIOR.update(key=key, post=load_posterior(path))
    return _POSTERIOR["post"]


def posterior_digest() -> str:
    """The sha256 of the shipped posterior file as it is now (hashed again only when the file
    changed): the file can be rewritten (a refit) while a page is open, and a result drawn
    from the old one must not pass for one of the new (the same link drew other values)."""
    from ..engine.posterior import file_digest

    path = posterior_file()
    try:
        key = _file_key(path)
        if _DIGEST.get("key") != key:
            _DIGEST.update(key=key, sha=file_digest(path))
    except OSError:  # gone or unreadable: no result matches it (the page asks while drawing)
        return "unreadable"
    return str(_DIGEST["sha"])


def posterior_words(sha: str) -> str:
    """The posterior file a result drew from, in words: its name and short digest (the
    digest the command line's default run folder ``-posterior-<sha8>`` carries)."""
    return f"posterior.parquet sha256 {short_digest(sha)}"


def parameters_words(sha: str) -> str:
    """What a result's fitted parameters are, after its inputs: drawn from the posterior file
    of digest ``sha``, or fixed ("" for the switch off)."""
    if sha:
        return f", fitted parameters drawn from the posterior ({posterior_words(sha)})"
    return ", fixed parameters"


def intro_words(posterior: bool) -> str:
    """:func:`parameters_words` of the next result, as the posterior switch stands: the
    Ensemble's and Compare's introductions said "scenario defaults" alone with it on."""
    return parameters_words(posterior_digest() if posterior else "")


def lever_spread_words(lever: str) -> str:
    """What the posterior switch does to a Compare lever: a fitted one (drawn in every
    replicate) is set to A and B instead of its draw; any other lever has no draw to set aside
    (the note said "its own posterior spread is set aside" of every lever)."""
    try:
        fitted = {canonical_key(n) for n in shipped_posterior().names}
    except (ConfigError, OSError):  # the switch's own refusal says why; the note stays plain
        fitted = set()
    if canonical_key(lever) in fitted:
        return (
            " With parameter uncertainty on, this lever is a fitted parameter: both arms set "
            "it to A and B in every replicate instead of its posterior draw; the other fitted "
            "parameters keep their draws."
        )
    return (
        " With parameter uncertainty on, this lever is not a fitted parameter: both arms set "
        "it to A and B, and the fitted parameters keep their draws in every replicate."
    )


_POSTERIOR: dict[str, Any] = {}
_DIGEST: dict[str, Any] = {}


def ensemble_key(sim: Sim, posterior: bool) -> str:
    """Everything an ensemble result depends on: the run's inputs, the posterior switch and,
    with it on, the posterior file's digest (a result of a rewritten file is out of date)."""
    return f"{sim.inputs}:{posterior_tag(posterior_digest()) if posterior else 'fixed'}"


def paired_difference(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per outcome: share before, share after and the difference after - before with its 95%
    interval. Two ensembles of the same seed and size ran the same replicate seeds, so the
    difference is paired replicate by replicate (Newcombe 1998, method 10 for paired
    proportions: it removes the noise both runs share); otherwise the unpaired interval."""
    from ..experiments.paired import newcombe_paired, newcombe_unpaired

    a_final, b_final = after["final"], before["final"]
    paired = bool(after["n"] == before["n"] and np.array_equal(after["seeds"], before["seeds"]))
    # two sizes of one seed share their first replicates (500 of 800 ran the same futures):
    # not independent, though unpaired here; the table says so (it said "different seeds")
    m = min(int(after["n"]), int(before["n"]))
    shared = m if np.array_equal(after["seeds"][:m], before["seeds"][:m]) else 0
    rows = []
    for name in after["probabilities"]:
        if name not in before["probabilities"]:
            continue
        a = a_final[name].to_numpy(dtype=bool)
        b = b_final[name].to_numpy(dtype=bool)
        ci = (
            newcombe_paired(a, b)
            if paired
            else newcombe_unpaired(int(a.sum()), a.size, int(b.sum()), b.size)
        )
        rows.append(
            {
                "outcome": name,
                "before": float(b.mean()),
                "after": float(a.mean()),
                "effect": ci.estimate,
                "lo": ci.low,
                "hi": ci.high,
                "paired": paired,
                "shared": shared,
            }
        )
    return rows


def ensemble_views(
    sim: Sim, n: int, posterior: bool = False, session: str = "",
    on_wait: Callable[[bool], None] | None = None,
    on_slice: Callable[[int], None] | None = None, stop: threading.Event | None = None,
) -> Result:  # fmt: skip
    """Run ``n`` replicates of ``sim``'s scenario and seed through the ensemble engine; with
    ``posterior`` each replicate draws the fitted parameters from the shipped posterior;
    ``on_wait`` hears whether the request is queued behind other pages' (``serving.heavy``);
    if ``session``'s tab closes meanwhile, or ``stop`` is set, it stops with
    ``serving.Cancelled``; ``on_slice``
    hears the replicates done after each kernel slice (``serving.page_ensemble``).

    The result carries the inputs it was computed for (``inputs``, ``label``), so the page
    can tell, after any change, that it no longer describes the run on screen.
    """

    start = time.perf_counter()
    post = posterior_file() if posterior else None
    # the file's digest as the run starts reading it
    sha, key = (posterior_digest() if posterior else ""), ensemble_key(sim, posterior)
    serving.check_request(sim.scenario, n)
    # fair serving: budget, short kernel slices, a queue
    held = serving.request_bytes(sim.scenario, n)
    # behind the page's own Compare, if it runs (refused, it left "wait for it to finish")
    with serving.heavy(session, held, on_wait=on_wait, wait_own=True, stop=stop):
        res = serving.page_ensemble(
            sim.scenario, n, sim.seed, posterior=post, keep=list(sim.values), session=session,
            on_slice=on_slice, stop=stop,
        )  # fmt: skip
    steps = res.steps
    date_of = sim.model.structure.date_of
    final = res.final
    probabilities = {str(k): float(v) for k, v in res.probabilities.items()}
    intervals = {}
    for name in probabilities:
        lo, hi = wilson_interval(int(final[name].sum()), n)
        intervals[name] = (float(lo), float(hi))
    fans = []
    for metric in ("effective_pressure", "cohesion"):
        colour, label, _ = METRIC_STYLE[metric]
        values = res.values[metric]  # (n, recorded steps), decimated for display
        mine = (sim.history.step, getattr(sim.history, metric))
        fans.append(
            (
                metric,
                fan_svg(steps, values, label.capitalize(), colour, date_of, mine, f"fan-{metric}"),
            )
        )
    return Result(
        {
            "n": n,
            "weeks": int(steps[-1]),
            "probabilities": probabilities,
            "intervals": intervals,
            "final": final,
            "seeds": res.seeds,
            # the posterior particle each replicate drew (numbered from 0, as the status line
            # and run --posterior number it); None with fixed parameters
            "particles": shipped_posterior().draw(res.seeds) if posterior else None,
            "bars": outcome_bars_svg(probabilities, n, intervals),
            "bars_caption": bars_caption_html(n),
            "fans": fans,
            "fans_caption": fan_caption_html(),
            "seconds": time.perf_counter() - start,
            "inputs": key,
            "scenario": sim.scenario.name,
            "roles": {a.id: a.role.value for a in sim.scenario.actors},  # the table's words
            "posterior": posterior,
            "posterior_sha256": sha,
            "label": sim.inputs_label + parameters_words(sha),
        }
    )
