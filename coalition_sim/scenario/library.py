"""Finding, listing and varying scenario files in ``configs/``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .schema import ConfigError, Scenario, load_scenario, read_toml, set_value, validate_scenario

__all__ = ["BASELINE", "config_dir", "list_scenarios", "resolve_scenario", "with_values"]

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


def resolve_scenario(scenario: Scenario | str | Path | None) -> Scenario:
    """A validated scenario from an object, a name in ``configs/``, a path, or None (baseline)."""
    if isinstance(scenario, Scenario):
        return scenario
    return load_scenario(scenario_path(BASELINE if scenario is None else scenario))


def with_values(scn: Scenario, values: dict[str, Any]) -> Scenario:
    """A copy of ``scn`` with dotted keys set (``params.fatigue.growth``, ``actors.ROK.x``)."""
    data = scn.model_dump(mode="json")
    source = f"scenario '{scn.name}'"
    for key, value in values.items():
        dotted = key if key.split(".")[0] in data else f"params.{key}"
        set_value(data, dotted, value, source)
    return validate_scenario(data, source)


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
