"""The typed result of :func:`.ensemble.run_ensemble`: tables, a Series and labelled arrays.

Why: scripts and notebooks want named fields they can discover (``.final``,
``.probabilities``) and the ecosystem's labelled arrays (xarray: replicate x step x variable)
rather than a dict of loose keys; the ``Ensemble.run`` dataclass already worked this way.
Reading it like the old dict (``out["final"]``) still works (it is a read-only Mapping).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["EnsembleRun"]


@dataclass(frozen=True, eq=False)
class EnsembleRun(Mapping[str, Any]):
    """One parameter point x ``n`` replicates of a scenario.

    - ``final``: one row per replicate (``row``, outcome flags, final metrics,
      ``commitment_<ID>``);
    - ``probabilities``: outcome -> share of replicates (a pandas Series named
      ``probability``, indexed by outcome in :data:`..core.events.OUTCOMES` order);
    - ``trajectories``: long table (``row``, ``step``, metrics, commitments) every ``every``
      weeks, or None when ``every`` was 0;
    - ``seeds``: replicate ``j``'s seed (replay it with ``CoalitionModel(rng=seeds[j])``);
    - ``seconds``: wall time; ``scenario``: the scenario's name;
    - ``inputs``: what the result is of (base seed, replicates, weeks, ``every``, overrides,
      the posterior's file and sha256 if one was drawn from, the package version), also in
      ``to_xarray().attrs``.
    """

    final: pd.DataFrame
    probabilities: pd.Series
    trajectories: pd.DataFrame | None
    seeds: np.ndarray
    seconds: float
    scenario: str = ""
    inputs: Mapping[str, Any] = field(default_factory=dict)
    _keys: tuple[str, ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        keys = tuple(f.name for f in fields(self) if not f.name.startswith("_"))
        object.__setattr__(self, "_keys", keys)

    # read-only Mapping: code written for the old dict keeps working
    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def variables(self) -> list[str]:
        """Recorded variables of the trajectories (metrics, then ``commitment_<ID>``)."""
        if self.trajectories is None:
            return []
        return [c for c in self.trajectories.columns if c not in ("row", "step")]

    def to_xarray(self) -> xr.DataArray:
        """Trajectories as a DataArray of dims ``(replicate, step, variable)``, with each
        replicate's ``seed`` as a coordinate (replicate ``j`` replays with
        ``CoalitionModel(rng=seed[j])``)."""
        import xarray as xr

        from ..scenario.errors import ConfigError  # the API's one-line error (a ValueError)

        if self.trajectories is None:
            raise ConfigError("no trajectories were recorded: call run_ensemble with every >= 1")
        traj = self.trajectories
        n = len(self.final)
        steps = np.unique(traj["step"].to_numpy())
        names = self.variables
        # run-major long table: all recorded steps of replicate 0, then replicate 1, ...
        values = traj[names].to_numpy(dtype=np.float64).reshape(n, steps.size, len(names))
        return xr.DataArray(
            values,
            dims=("replicate", "step", "variable"),
            coords={
                "replicate": np.arange(n),
                "step": steps,
                "variable": names,
                "seed": ("replicate", np.asarray(self.seeds, dtype=np.uint64)),
            },
            name="trajectories",
            # netCDF-safe attributes: strings and numbers (overrides as JSON)
            attrs={
                "scenario": self.scenario,
                "description": "coalition-sim run_ensemble",
                **{
                    k: (v if isinstance(v, int | float | str) else json.dumps(v, default=str))
                    for k, v in self.inputs.items()
                    if v is not None
                },
            },
        )
