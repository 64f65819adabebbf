"""The sweep spec: the TOML file a headless sweep reads, as strict pydantic models.

Kept apart from the running of sweeps (:mod:`.sweep`) so that the file format (what a user
writes, with its bounds) reads on its own page; :mod:`.sweep` re-exports ``SweepSpec`` and
``load_spec``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..scenario.loading import ConfigError, read_toml
from ..scenario.loading import first_error as _first_error
from ..scenario.resources import config_dirs, config_file, config_path
from ..scenario.seeds import SEED_LIMIT

__all__ = [
    "MAX_POINTS",
    "DesignSpec",
    "OutputSpec",
    "ParameterSpec",
    "SweepSpec",
    "load_spec",
]

MAX_POINTS = 5_000_000


# --------------------------------------------------------------------------- the spec


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ParameterSpec(_Strict):
    """A varied parameter: explicit ``values`` (factorial) or a range ``min``..``max``."""

    name: str = Field(min_length=1)
    values: list[float] | None = None
    min: float | None = None
    max: float | None = None
    num: int | None = Field(None, ge=1, le=100_000, description="factorial: linspace count")


class DesignSpec(_Strict):
    kind: Literal["factorial", "lhs", "sobol", "morris"] = "factorial"
    samples: int | None = Field(
        None, ge=1, le=MAX_POINTS, description="lhs: points; sobol: base N; morris: trajectories"
    )
    second_order: bool = False  # sobol: also second-order indices
    levels: int = Field(4, ge=2, le=100)  # morris grid levels


class OutputSpec(_Strict):
    every: int = Field(0, ge=0, le=5200, description="keep trajectories every k weeks (0: no)")
    actors: bool = True  # per-actor final (and trajectory) commitment columns
    event_counts: bool = False  # per-run event counters


class SweepSpec(_Strict):
    """A sweep: base scenario, design, parameters, replicates, steps, outputs and seed."""

    name: str = Field(min_length=1)
    description: str = ""
    scenario: str = Field("baseline", min_length=1)
    steps: int | None = Field(None, ge=1, le=5200)
    replicates: int = Field(ge=1, le=1_000_000)
    seed: int = Field(0, ge=0, lt=SEED_LIMIT)
    set: dict[str, float] = Field(default_factory=dict)  # fixed overrides of the scenario
    design: DesignSpec = Field(default_factory=DesignSpec)
    parameters: list[ParameterSpec] = Field(default_factory=list)
    outputs: OutputSpec = Field(default_factory=OutputSpec)


def load_spec(path: str | Path) -> tuple[SweepSpec, Path]:
    """Read and validate a sweep spec file; ConfigError (one line) if it is bad."""
    p = config_path(path)
    if not p.exists() and p.suffix != ".toml":
        p = config_file("sweeps", f"{path}.toml")
        if not p.exists() and len(Path(path).parts) == 1:  # a bare name: say which exist
            known = sorted({f.stem for d in config_dirs() for f in (d / "sweeps").glob("*.toml")})
            raise ConfigError(
                f"no sweep spec named '{path}' (known: {', '.join(known)}; or give a path to a "
                ".toml file)"
            )
    data = read_toml(p)
    try:
        return SweepSpec.model_validate(data), p
    except ValidationError as exc:
        raise ConfigError(f"{p}: {_first_error(exc, data, SweepSpec)}") from None
