"""Levers and uncertainties: which parameters a government chooses and which nobody controls.

Exploratory modelling (XLRM: Lempert, Popper and Bankes 2003; the EMA Workbench) separates
*levers* (policy choices: what a government can decide) from *uncertainties* (what no actor
controls and the analyst cannot pin down). Policies are compared by setting levers on the same
random futures; the uncertainties span those futures. Every other parameter is a *mechanism*
constant (a calibrated or literature value), a piece of *state* (where a scenario starts) or a
*definition* (the threshold that names an outcome).

The catalogue below is the one place that says which is which. Names are the schema's dotted
names (``actors.<ID>.x`` for per-actor fields); :func:`role_of` classifies a concrete name such
as ``actors.USA.consults``. A test checks that every entry names a real schema field, so the
catalogue cannot drift from the schema.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .schema import Scenario

__all__ = [
    "CATALOGUE",
    "Role",
    "Tag",
    "concrete",
    "is_parameter",
    "levers",
    "role_of",
    "tag_of",
    "uncertainties",
]


class Role(StrEnum):
    """What a parameter is in an experiment."""

    LEVER = "lever"  # a government's choice: varied between policies, equal across futures
    UNCERTAINTY = "uncertainty"  # nobody controls it: varied across futures, equal across policies
    MECHANISM = "mechanism"  # a behavioural constant (calibrated or from the literature)
    STATE = "state"  # where the scenario starts
    DEFINITION = "definition"  # the threshold that names an outcome

    @property
    def phrase(self) -> str:
        """The role with its article, for messages: 'a lever', 'an uncertainty'."""
        return f"a{'n' if self.value[0] in 'aeiou' else ''} {self.value}"


@dataclass(frozen=True)
class Tag:
    """A catalogue entry: the parameter's role, who decides it (levers) and why it is one."""

    role: Role
    label: str  # short human label, e.g. 'US consults allies'
    why: str  # one line: the seed passage or fact behind the classification
    decider: str = ""  # levers: whose choice it is, e.g. 'USA' (any actor id for actors.<ID>)


_L, _U = Role.LEVER, Role.UNCERTAINTY

#: Levers and uncertainties by dotted name; anything not listed is a mechanism constant,
#: except scenario state and outcome definitions (see :func:`role_of`).
CATALOGUE: dict[str, Tag] = {
    # ---------------------------------------------------------------- levers
    "actors.<ID>.consults": Tag(
        _L,
        "consults allies before a summit",
        "[S18] Trump agreed 'quickly and without consultation' of Seoul: a choice.",
        "leader",
    ),
    "actors.<ID>.hedging": Tag(
        _L,
        "hedges a cancellation (leaves the door open)",
        "[S18] the cancellation letter 'clearly hedged': the wording was chosen.",
        "leader",
    ),
    "actors.<ID>.fear_of_snub": Tag(
        _L,
        "cancels pre-emptively when the counterpart goes quiet",
        "[S18] the US cancelled first rather than risk 'being stood up': a decision.",
        "leader",
    ),
    "actors.<ID>.mediation": Tag(
        _L,
        "mediates between leader and target",
        "[S18] 'the South Koreans, who've acted as a mediator': Seoul's policy.",
        "member",
    ),
    "actors.<ID>.commitment": Tag(
        _L,
        "enforces the pressure campaign (initial enforcement level)",
        "Sanctions enforcement is a government's decision (UNSCR 2397; PRC customs data).",
        "member",
    ),
    "params.target.agreement_relief": Tag(
        _L,
        "sanctions relief offered in a deal",
        "[S18] 'aid packages, removing sanctions': what the coalition puts on the table.",
        "USA",
    ),
    "params.summit.agreement_compromise": Tag(
        _L,
        "compromises below full denuclearisation in talks",
        "[S20] 'compromising below the maximum goal of full denuclearization'.",
        "USA",
    ),
    # ---------------------------------------------------------------- uncertainties
    "params.fatigue.growth": Tag(
        _U,
        "sanctions fatigue growth",
        "[S18] partners 'getting fed up': how fast nobody can set or know.",
    ),
    "params.fatigue.recovery": Tag(
        _U,
        "fatigue recovery",
        "[S18] fatigue fades, fastest at the negotiating table.",
    ),
    "params.commitment.fatigue_erosion": Tag(
        _U,
        "set-point lost at full fatigue, per unit DPRK engagement",
        "[S18] how much 'fed up' costs the campaign once there is a table to move to.",
    ),
    "params.ties.strain": Tag(
        _U,
        "alliance strain under divergence",
        "[S18] 'can the US maintain its coalition?'",
    ),
    "actors.<ID>.volatility": Tag(
        _U,
        "leader temperament (volatility)",
        "[S18] leaders 'very temperamental and capricious': a trait, not a policy.",
    ),
    "params.volatility.outburst_rate": Tag(
        _U,
        "outburst rate per unit volatility",
        "[S18] 'prone to unexpected outbursts'.",
    ),
    "params.volatility.shift_rate": Tag(
        _U,
        "policy-shift rate per unit volatility",
        "[S18] 'policy shifts'.",
    ),
    "clock.pandemic_weeks": Tag(
        _U,
        "pandemic duration",
        "[S20] lockdowns 'through 2020': length unknown in advance.",
    ),
    "clock.pandemic_narrowing": Tag(
        _U,
        "room for dialogue the pandemic removes",
        "[S20] the pandemic 'further narrowed the space for dialogue'.",
    ),
    "clock.election_horizon": Tag(
        _U,
        "weeks of pre-election campaign effect",
        "[S20] 'in the year of U.S. elections'.",
    ),
    "params.prospect.election_aversion": Tag(
        _U,
        "leader's pre-election risk aversion",
        "[S20] Trump avoids both a failed negotiation and a military conflict.",
    ),
    "params.target.election_leverage": Tag(
        _U,
        "DPRK provocation as pre-election leverage",
        "[S20] a pre-election strategic test as leverage, if strategic concerns prevail.",
    ),
    "params.target.strategic_autonomy": Tag(
        _U,
        "strategic-test propensity in autonomy mode",
        "[S20] 'military modernization' pace: Pyongyang's, not Washington's, choice.",
    ),
    "params.commitment.unilateral_cost": Tag(
        _U,
        "partners' resentment of unconsulted US summit decisions",
        "[S18] Seoul was not consulted: how much that costs is unknown.",
    ),
    "params.enforcement.defection_threshold": Tag(
        _U,
        "commitment below which a partner stops enforcing",
        "Haggard and Noland (2017): China's enforcement is uneven; its tipping point unobserved.",
    ),
    "params.enforcement.leakage": Tag(
        _U,
        "sanctions leakage as pressure unwinds",
        "Early (2015): third-party sanctions busting follows commercial opportunity.",
    ),
    "params.target.mediator_shunning": Tag(
        _U,
        "how far an autonomy-seeking DPRK ignores mediators",
        "[S20] Kim 'essentially refused' talks: Pyongyang's choice, not the coalition's.",
    ),
    "clock.pandemic_inward": Tag(
        _U,
        "how far the pandemic turns both sides inward",
        "[S20] the pandemic turned both sides inward: by how much nobody set.",
    ),
    "params.target.aspiration": Tag(
        _U,
        "what engagement must deliver to keep the DPRK engaged",
        "[S20] autonomy-seeking when talks deliver too little: Kim's bar is unobserved.",
    ),
}

# Fields not in the catalogue that describe where a run starts rather than how actors behave.
_STATE = ("dprk_", "ties[].", "clock.us_elections", "clock.pandemic_start")
_ACTOR_STATE = ("capability", "engagement", "standing", "reference", "fatigue", "trade")


def _generic(name: str) -> str:
    """``actors.USA.consults`` -> ``actors.<ID>.consults``; other names unchanged."""
    parts = name.split(".")
    if len(parts) >= 3 and parts[0] == "actors" and parts[1] != "<ID>":
        return ".".join(["actors", "<ID>", *parts[2:]])
    return name


def tag_of(name: str) -> Tag | None:
    """The catalogue entry of a dotted name (concrete or generic), or None."""
    return CATALOGUE.get(name) or CATALOGUE.get(_generic(name))


@functools.cache
def _documented() -> frozenset[str]:
    from .names import parameter_table

    return frozenset(row["name"] for row in parameter_table())


def is_parameter(name: str) -> bool:
    """Whether ``name`` (dotted, concrete or generic; ``fatigue.growth`` short for
    ``params.fatigue.growth``) is a parameter of the schema."""
    from .names import canonical_key

    return isinstance(name, str) and _generic(canonical_key(name)) in _documented()


def role_of(name: str) -> Role:
    """The role of a parameter by dotted name: lever, uncertainty, mechanism, state, definition.

    ``fatigue.growth`` is read as ``params.fatigue.growth`` (as everywhere a name is typed); a
    name that is not a parameter of the schema raises :class:`ConfigError` with the closest
    name (it used to be called a mechanism, so a typo read as a settled answer)."""
    from .loading import ConfigError
    from .names import canonical_key, nearest

    if not isinstance(name, str):
        raise ConfigError(f"role_of: a parameter's dotted name, not a {type(name).__name__}")
    if not is_parameter(name):
        close = nearest(_generic(canonical_key(name)), _documented())
        hint = f" (did you mean '{close}'?)" if close else " (see 'python run.py params')"
        raise ConfigError(f"unknown parameter '{name.strip()}'{hint}")
    name = canonical_key(name)
    tag = tag_of(name)
    if tag is not None:
        return tag.role
    generic = _generic(name)
    if generic.startswith("params.outcomes."):
        return Role.DEFINITION
    if generic.startswith(_STATE) or generic in {f"actors.<ID>.{f}" for f in _ACTOR_STATE}:
        return Role.STATE
    return Role.MECHANISM


def concrete(scn: Scenario | str, role: Role | str) -> dict[str, Tag]:
    """The concrete dotted names of ``scn``'s levers or uncertainties, catalogue order.

    An actor field (``actors.<ID>.x``) expands to every actor its tag's decider names: any
    actor (``""``), one id (``"USA"``) or a role (``"leader"``, ``"member"``). ``role`` may
    be given by value (``"lever"``); anything else is a one-line ConfigError. ``scn`` may be
    a scenario's name or path too, read as ``run_ensemble`` reads it."""
    from .errors import ConfigError
    from .library import resolve_scenario

    scn = resolve_scenario(scn)  # a Scenario is returned as it is

    try:
        role = Role(role)  # "lever" matched nothing: the roles were compared by identity
    except ValueError:
        raise ConfigError(
            f"role must be one of {', '.join(repr(r.value) for r in Role)}, not {role!r:.60}"
        ) from None
    out: dict[str, Tag] = {}
    for generic, tag in CATALOGUE.items():
        if tag.role is not role:
            continue
        if not generic.startswith("actors.<ID>."):
            out[generic] = tag
            continue
        field = generic.removeprefix("actors.<ID>.")
        for actor in scn.actors:
            if tag.decider in ("", actor.id, str(actor.role.value)):
                out[f"actors.{actor.id}.{field}"] = tag
    return out


def levers() -> list[str]:
    """Generic dotted names of every lever, catalogue order."""
    return [k for k, t in CATALOGUE.items() if t.role is Role.LEVER]


def uncertainties() -> list[str]:
    """Generic dotted names of every uncertainty, catalogue order."""
    return [k for k, t in CATALOGUE.items() if t.role is Role.UNCERTAINTY]
