"""Finding, listing and loading scenario files: the user folder, then ``configs/`` (a checkout's,
``$COALITION_SIM_CONFIGS`` or the copy shipped in the package; see :mod:`.resources`)."""

from __future__ import annotations

import os
from pathlib import Path

from .loading import ChainLink, ConfigError, read_scenario_data, read_toml, validate_scenario
from .names import apply_overrides, nearest
from .resources import config_dir, config_dirs, config_file, config_path
from .safe_paths import show
from .schema import Scenario

__all__ = [
    "BASELINE",
    "config_dir",
    "list_scenarios",
    "load_scenario",
    "resolve_scenario",
    "scenario_file",
    "scenario_path",
]

BASELINE = "baseline"


def scenario_path(name_or_path: str | Path) -> Path:
    """A path as given if it exists or looks like a file; else ``<name>.toml`` in the user
    folder or ``configs/`` (:func:`.resources.config_file`)."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        return config_path(p)
    if len(p.parts) > 1:  # 'history/start_2018': a shipped name in a subfolder, .toml left off
        found = config_path(p.with_name(p.name + ".toml"))
        return found if found.exists() else config_path(p)
    return config_file(f"{p}.toml")


def load_scenario(
    path: str | Path, overrides: list[str] | None = None, record: list[ChainLink] | None = None
) -> Scenario:
    """Load and validate a scenario file (or a name in ``configs/``), applying ``key=value``
    overrides first. ``record``: see :func:`.loading.read_scenario_data`."""
    if not isinstance(path, str | os.PathLike):  # None or 3 ended in pathlib's TypeError
        raise ConfigError(
            "scenario must be a name in configs/ or the path of a .toml (resolve_scenario "
            f"also takes a Scenario or None), not {type(path).__name__} {show(path, 40)}"
        )
    found = scenario_path(path)
    if not found.exists() and _bare_name(path):
        names = [name for name, _, _ in list_scenarios()]
        close = nearest(str(path), names)
        hint = f"did you mean '{close}'? " if close else ""
        raise ConfigError(
            f"no scenario named '{show(path, 60)}' ({hint}known: {', '.join(names)}; or give a "
            "path to a .toml file)"
        )
    data = read_scenario_data(found, record=record)
    source = str(found)  # messages name the file read, whatever name it was asked by
    if not overrides:
        return validate_scenario(data, source)
    try:
        return validate_scenario(apply_overrides(data, overrides, source=source), source)
    except ConfigError as exc:
        base = validate_scenario(data, source)  # the file's own error, if it has one
        raise _override_error(exc, base, data, overrides, source) from None


def _bare_name(path: str | Path) -> bool:
    """A scenario name as typed (``summit_2018``), not a file's path."""
    p = Path(path)
    return p.suffix != ".toml" and len(p.parts) == 1


def _override_error(
    exc: ConfigError, base: Scenario, data: dict, overrides: list[str], source: str
) -> ConfigError:
    """The refusal of a valid scenario's overrides, naming the override at fault (the first
    that fails alone) and, for an unknown key, the nearest parameter: the error used to name
    only the file, as if the file held the typo."""
    from .names import canonical_key, parameter_specs

    for item in overrides:
        try:
            validate_scenario(apply_overrides(data, [item], source=source), source)
        except ConfigError as one:
            why = str(one).removeprefix(f"{show(source)}: ")
            if why.startswith("override '"):  # said once, in front
                rest = why[len("override '") :]
                why = rest[rest.find("'") + 1 :].lstrip(": ") or why
            key = canonical_key(item.partition("=")[0])
            hint = ""
            hinted = "(did you mean" in why or "(allowed" in why or "(none of the" in why
            if ("unknown key" in why or "no actor" in why) and not hinted:
                close = nearest(key, parameter_specs(base))
                hint = f" (did you mean '{close}'?)" if close else ""
            return ConfigError(f"{show(source)}: override '{show(item.strip(), 60)}': {why}{hint}")
    return exc  # only the overrides together are refused: the message as it was


def resolve_scenario(
    scenario: Scenario | str | Path | None, record: list[ChainLink] | None = None
) -> Scenario:
    """A validated scenario from an object, a name in ``configs/``, a path, or None (baseline).

    ``record``: for a file, what was read (see :func:`.loading.read_scenario_data`); a cache
    checks it against :func:`scenario_file` with :func:`.loading.chain_unchanged`."""
    if isinstance(scenario, Scenario):
        return scenario
    if scenario is not None and not isinstance(scenario, str | os.PathLike):
        # an API caller's 123 or dict ended in pathlib's TypeError, far from the argument
        raise ConfigError(
            "scenario must be a Scenario, a name in configs/, the path of a .toml or None "
            f"(the baseline), not {type(scenario).__name__} {show(scenario, 40)}"
        )
    return load_scenario(BASELINE if scenario is None else scenario, record=record)


def scenario_file(scenario: str | Path | None) -> Path:
    """The file :func:`resolve_scenario` reads first for a name, a path or None: the same
    two look-ups in the same order, so a cache asks about the very file a load would read."""
    return scenario_path(scenario_path(BASELINE if scenario is None else scenario))


def list_scenarios(skipped: list[str] | None = None) -> list[tuple[str, str, Path]]:
    """(name, one-line description, path) for every scenario file in ``configs/`` and the
    user folder (which wins for a name in both). A file that cannot be read is left out;
    ``skipped``, if given, gets the one-line reason of each (``scenarios`` says them)."""
    found: dict[str, Path] = {}
    for folder in reversed(config_dirs()):
        found.update({p.stem: p for p in folder.glob("*.toml")})
    out = []
    for path in (found[name] for name in sorted(found)):
        try:
            data = read_toml(path)
        except ConfigError as exc:
            if skipped is not None:
                skipped.append(str(exc))
            continue
        desc = str(data.get("description", "")).strip().splitlines()
        parent = data.get("extends")
        if not desc and isinstance(parent, str):  # it listed blank: say what it builds on
            desc = [f"(extends {Path(parent).stem}; no description of its own)"]
        out.append((path.stem, desc[0] if desc else "", path))
    return out
