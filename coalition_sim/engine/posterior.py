"""The fitted posterior as an input: weighted particles in a Parquet file (issue 11).

Why: a single fitted point used as if certain makes forecasts too narrow. With
``--posterior FILE`` every replicate of ``run``, ``sweep``, the ensemble API and the UI draws
its fitted parameters from the posterior, so forecasts carry parameter uncertainty.

The draw is keyed by the replicate's run seed (a SplitMix64 hash of the seed and a fixed
label, turned into a uniform number and inverted through the cumulative weights), so the
same seed always gets the same particle, whatever the batching or the number of workers.

The file holds one row per particle (a ``weight`` column and one column per dotted parameter
name) and, in the Parquet schema metadata under ``coalition_sim.posterior``, a JSON record
with the package version, a behavioural fingerprint of the model, the hash of the target file
and the fit settings. A posterior fitted on another model is refused with a one-line error.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..core import week as dyn
from ..core.streams import mix as _mix
from ..scenario.loading import ConfigError
from ..scenario.names import ParamSpec, canonical_name, check_values, with_values
from ..scenario.provenance import package_version
from ..scenario.resources import config_path
from ..scenario.schema import Scenario
from .ensemble import Ensemble

__all__ = [
    "META_KEY",
    "Posterior",
    "draw_indices",
    "file_digest",
    "kept_names",
    "load_posterior",
    "model_fingerprint",
    "save_posterior",
    "targets_hash",
]

META_KEY = b"coalition_sim.posterior"
#: Largest posterior file read (a fit of 10,000 particles x 40 parameters is about 4 MB).
MAX_POSTERIOR_BYTES = 256 << 20
FORMAT = 1
_LABEL = np.uint64(0x706F737465726921)  # 'posterior' stream label, distinct from run streams


@dataclass
class Posterior:
    """Weighted particles of fitted parameters (canonical dotted names)."""

    names: list[str]
    values: np.ndarray  # (n, d)
    weights: np.ndarray  # (n,) summing to one
    meta: dict[str, Any] = field(default_factory=dict)
    path: str = ""

    def __post_init__(self) -> None:
        self.values = np.asarray(self.values, dtype=np.float64).reshape(-1, len(self.names))
        w = np.asarray(self.weights, dtype=np.float64)
        self.weights = w / w.sum()
        self._cum = np.cumsum(self.weights)
        self._cum[-1] = 1.0

    def __len__(self) -> int:
        return self.values.shape[0]

    def draw(self, seeds: np.ndarray | Sequence[int] | int) -> np.ndarray:
        """Particle index for each run seed (see :func:`draw_indices`)."""
        return draw_indices(self._cum, seeds)

    def values_for(self, seeds: np.ndarray | Sequence[int] | int) -> dict[str, np.ndarray]:
        """Parameter columns, one value per run seed."""
        idx = self.draw(seeds)
        return {n: self.values[idx, k] for k, n in enumerate(self.names)}

    def mean(self) -> dict[str, float]:
        return {n: float(self.weights @ self.values[:, k]) for k, n in enumerate(self.names)}

    def median(self) -> dict[str, float]:
        """Weighted median of every parameter (midpoint rule on the cumulative weights): the
        calibrated point ``configs/history/calibrated_*.toml`` hold."""
        out = {}
        for k, n in enumerate(self.names):
            order = np.argsort(self.values[:, k], kind="stable")
            xs, ws = self.values[order, k], self.weights[order]
            out[n] = float(np.interp(0.5, np.cumsum(ws) - 0.5 * ws, xs))
        return out

    def check(self, specs: Mapping[str, ParamSpec], where: str) -> None:
        """Every name must be a parameter of the scenario and every value inside its range."""
        for k, name in enumerate(self.names):
            try:
                canon = canonical_name(name, specs)
            except ConfigError as exc:
                raise ConfigError(f"{self.path}: {exc} in {where}") from None
            try:
                check_values(specs[canon], self.values[:, k])
            except ConfigError as exc:
                raise ConfigError(f"{self.path}: {exc}") from None

    def apply(self, p: dyn.ParamArrays, ens: Ensemble, seeds: np.ndarray,
              keep: Sequence[str] = ()) -> dyn.ParamArrays:  # fmt: skip
        """Set each row's fitted parameters from its draw (in place; returns ``p``).

        Names in ``keep`` (already set by the caller, e.g. the swept parameters of a sweep)
        are left alone: the posterior fills in only what the caller did not choose."""
        self.check(ens.specs, f"scenario '{ens.scenario.name}'")
        idx = self.draw(np.asarray(seeds, dtype=np.uint64))
        kept = kept_names(keep, ens.specs)
        p.own_rows()  # every row gets its own draw
        for k, name in enumerate(self.names):
            spec = ens.specs[canonical_name(name, ens.specs)]
            if spec.name in kept:
                continue
            arr = getattr(getattr(p, spec.group), spec.field)
            v = self.values[idx, k]
            if spec.column is None:
                arr[:] = v
            else:
                arr[:, spec.column] = v
        return p

    def scenario_for(self, scn: Scenario, seed: int, keep: Sequence[str] = ()) -> Scenario:
        """The scenario with the particle drawn for ``seed`` (for single Mesa runs: ``run
        --posterior``, the page's run). Names in ``keep`` (the caller's own overrides) keep the
        scenario's value, as :meth:`apply` keeps them: what the user set wins."""
        specs = Ensemble(scn).specs
        self.check(specs, f"scenario '{scn.name}'")
        kept = kept_names(keep, specs)
        i = int(self.draw([seed])[0])
        values = {n: float(self.values[i, k]) for k, n in enumerate(self.names)
                  if canonical_name(n, specs) not in kept}  # fmt: skip
        return with_values(scn, values)


def kept_names(keep: Sequence[str], specs: Mapping[str, ParamSpec]) -> set[str]:
    """The canonical names of the parameters among ``keep`` (the caller's own values, which
    win over the draws); keys that are not parameters (``steps``) have nothing drawn to keep."""
    kept = set()
    for k in keep:
        try:
            kept.add(canonical_name(str(k), specs))
        except ConfigError:
            continue
    return kept


def file_digest(path: str | Path) -> str:
    """sha256 of a posterior file's bytes: which posterior a run drew from (provenance). The
    path is resolved as :func:`load_posterior` resolves it (``configs/...`` works outside a
    checkout: an installed copy crashed here after loading the same name)."""
    return hashlib.sha256(Path(config_path(path)).read_bytes()).hexdigest()


def _version() -> str:
    """The package version (:func:`..scenario.provenance.package_version`, the one reader)."""
    return package_version() or "unknown"


def draw_indices(cum: np.ndarray, seeds: np.ndarray | Sequence[int] | int) -> np.ndarray:
    """Inverse-CDF draw keyed by the seed: u = mix(seed ^ label) / 2**64."""
    s = np.atleast_1d(np.asarray(seeds, dtype=np.uint64))
    u = (_mix(s ^ _LABEL) >> np.uint64(11)).astype(np.float64) / float(2**53)
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1)


# --------------------------------------------------------------------------- versions


def model_fingerprint() -> str:
    """A behavioural fingerprint of the model: a hash of 16 baseline runs of 26 weeks.

    Refactoring that keeps the model's behaviour keeps the fingerprint; any change of rules or
    shipped defaults changes it, so a posterior fitted on an older model is recognised."""
    ens = Ensemble("baseline", steps=26)
    res = ens.run(ens.params(replicates=16), ens.seeds(20160106, 1, 16), counts=True)
    f = res.final
    h = hashlib.sha256()
    for col in sorted(f.columns):
        v = f[col].to_numpy()
        if v.dtype.kind == "f":
            v = np.round(v, 9)
        h.update(col.encode())
        h.update(np.ascontiguousarray(v).tobytes())
    return h.hexdigest()[:16]


def targets_hash(path: str | Path, scenario_paths: Sequence[Path] = ()) -> str:
    """sha256 of the target file and the scenario files it names (bytes)."""
    h = hashlib.sha256(Path(path).read_bytes())
    for p in sorted(map(Path, scenario_paths)):
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- file


def save_posterior(path: str | Path, names: Sequence[str], values: np.ndarray,
                   weights: np.ndarray, meta: Mapping[str, Any],
                   extra: Mapping[str, np.ndarray] | None = None) -> Path:  # fmt: skip
    """Write the particles (atomically) with metadata; same inputs give the same bytes."""
    path = Path(path)
    cols: dict[str, Any] = {"particle": np.arange(len(weights), dtype=np.int32),
                            "weight": np.asarray(weights, dtype=np.float64)}  # fmt: skip
    for k, n in enumerate(names):
        cols[n] = np.asarray(values)[:, k]
    for key, v in (extra or {}).items():
        cols[key] = np.asarray(v)
    table = pa.Table.from_pandas(pd.DataFrame(cols), preserve_index=False)
    full = {"format": FORMAT, "package_version": _version(), "parameters": list(names),
            **meta}  # fmt: skip
    md = dict(table.schema.metadata or {})
    md[META_KEY] = json.dumps(full, sort_keys=True).encode()
    table = table.replace_schema_metadata(md)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # page checksums: a changed byte in a stored value is refused on reading, not loaded as
    # another number (zstd alone let an 11th-digit change through)
    pq.write_table(table, tmp, compression="zstd", write_page_checksum=True)
    tmp.replace(path)
    return path


def load_posterior(path: str | Path, check_model: bool = True) -> Posterior:
    """Read a posterior file (``configs/calibration/posterior.parquet`` works outside a
    checkout too); anything wrong is a one-line :class:`ConfigError`."""
    import io

    from ..scenario.safe_paths import read_input_bytes, show

    if not isinstance(path, str | os.PathLike):  # run_ensemble(posterior=42): pathlib's TypeError
        raise ConfigError(
            "posterior must be the path of a calibration posterior (a Parquet file) or a "
            f"loaded Posterior, not {type(path).__name__} {show(path, 40)}"
        )
    path = config_path(path)
    # the safe reader: a regular file (no FIFO, device or folder) of bounded size
    raw_file = read_input_bytes(path, MAX_POSTERIOR_BYTES, "a Parquet posterior file")
    try:
        # one thread: a damaged page read by pyarrow's worker threads sometimes aborted the
        # process (exit 134) after the refusal; the page checksums are verified where written
        table = pq.read_table(
            io.BytesIO(raw_file), use_threads=False, page_checksum_verification=True
        )
    except (pa.ArrowInvalid, OSError) as exc:
        raise ConfigError(
            f"{path}: not a Parquet posterior file ({str(exc).splitlines()[0]})"
        ) from None
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise ConfigError(f"{path}: no '{META_KEY.decode()}' metadata: not written by calibrate")
    try:
        meta = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise ConfigError(f"{path}: damaged '{META_KEY.decode()}' metadata (not JSON)") from None
    params = meta.get("parameters") if isinstance(meta, dict) else None
    if not isinstance(params, list) or not all(isinstance(n, str) and n for n in params):
        raise ConfigError(
            f"{path}: damaged '{META_KEY.decode()}' metadata: 'parameters' must be a list of "
            "parameter names"
        )
    names = list(params)
    missing = [n for n in ["weight", *names] if n not in table.column_names]
    if not names or missing:
        raise ConfigError(f"{path}: missing columns {missing or ['parameters']}")
    # the columns straight from Arrow, not through pandas: pandas re-reads its own schema
    # metadata, and a changed byte there ended in a traceback (KeyError, JSONDecodeError)
    try:
        w = np.asarray(table.column("weight").to_numpy(), dtype=np.float64)
        vals = np.column_stack(
            [np.asarray(table.column(n).to_numpy(), dtype=np.float64) for n in names]
        )
    except (TypeError, ValueError, pa.ArrowException):
        raise ConfigError(f"{path}: weights and parameter values must be numbers") from None
    with np.errstate(over="ignore"):
        total = float(w.sum()) if len(w) else 0.0
    # 1e308 each passed a finite check but overflowed the sum (every seed drew the last
    # particle): the sum must be finite too
    if len(w) == 0 or not np.all(np.isfinite(w)) or (w < 0).any() or not 0 < total < np.inf:
        raise ConfigError(
            f"{path}: weights must be finite, >= 0, not all zero and have a finite sum"
        )
    if not np.all(np.isfinite(vals)):
        raise ConfigError(f"{path}: parameter values must be finite")
    if check_model:
        fp = meta.get("model_fingerprint")
        now = model_fingerprint()
        if fp != now:
            raise ConfigError(
                f"{path}: fitted on another model (fingerprint {fp}, this model {now}); "
                "refit with `python run.py calibrate`"
            )
    return Posterior(names, vals, w, meta, str(path))
