"""Finding, listing and loading scenario files in ``configs/`` (or ``$COALITION_SIM_CONFIGS``)."""

from __future__ import annotations

import os
from pathlib import Path

from .loading import ConfigError, read_scenario_data, read_toml, validate_scenario
from .names import apply_overrides
from .schema import Scenario

__all__ = [
    "BASELINE",
    "config_dir",
    "list_scenarios",
    "load_scenario",
    "resolve_scenario",
    "scenario_path",
]

BASELINE = "baseline"


def config_dir() -> Path:
    """The scenario folder: ``$COALITION_SIM_CONFIGS`` or the project's ``configs/``."""
    env = os.environ.get("COALITION_SIM_CONFIGS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "configs"


def scenario_path(name_or_path: str | Path) -> Path:
    """A path as given if it exists or looks like a file; else ``configs/<name>.toml``."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists() or len(p.parts) > 1:
        return p
    return config_dir() / f"{p}.toml"


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Load and validate a scenario file, applying ``key=value`` overrides first."""
    data = read_scenario_data(path)
    if overrides:
        data = apply_overrides(data, overrides, source=str(path))
    return validate_scenario(data, str(path))


def resolve_scenario(scenario: Scenario | str | Path | None) -> Scenario:
    """A validated scenario from an object, a name in ``configs/``, a path, or None (baseline)."""
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario_path(BASELINE if scenario is None else scenario))


def list_scenarios() -> list[tuple[str, str, Path]]:
    """(name, one-line description, path) for every scenario file in ``configs/``."""
    out = []
    for path in sorted(config_dir().glob("*.toml")):
        try:
            data = read_toml(path)
        except ConfigError:
            continue
        desc = str(data.get("description", "")).strip().splitlines()
        out.append((path.stem, desc[0] if desc else "", path))
    return out
