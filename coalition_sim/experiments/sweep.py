"""Headless parameter sweeps: TOML specs, designs, chunked execution, resumable Parquet storage.

A sweep is a set of parameter points (full factorial, Latin hypercube, Sobol/Saltelli or Morris)
times a number of replicates. Run k = point * replicates + replicate; the runs are cut into
chunks of consecutive k, each computed by the ensemble engine (in this process, in local worker
processes, or on a dask.distributed cluster) and written atomically as
``runs/part-NNNNNN.parquet`` (and ``trajectories/part-NNNNNN.parquet`` when kept): by the local
process that computed it (only the file records travel back), or by this process for a dask
cluster (whose workers need not see the folder). This process commits each chunk by appending
its records to the journal (:mod:`.store`). A chunk's content depends only on the spec and its
run range, so a resumed or re-cut sweep gives the same bytes. The folder's ``manifest.json``
holds the spec and its hash; another spec is refused.

Layout of the output folder::

    manifest.json          spec, spec hash, package version, chunk size, design problem,
                           the records of committed chunks
    chunks.jsonl           while running: records of chunks committed since (see store.py)
    points.parquet         point index and the value of every varied parameter
    runs/part-*.parquet    one row per run: point, replicate, seed, outcome flags, final metrics
    trajectories/part-*    one row per (run, kept step) when outputs.every > 0
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..engine.cluster import check_workers, code_stamp, mismatch
from ..engine.ensemble import Ensemble, run_seeds
from ..engine.progress import Progress
from ..engine.runner import SchedulerLost, compiled, connect, run_tasks
from ..scenario.library import resolve_scenario, scenario_path
from ..scenario.limits import checked_workers
from ..scenario.loading import ConfigError
from ..scenario.names import canonical_name, check_values, with_values
from ..scenario.provenance import package_version, provenance
from ..scenario.safe_paths import check_output_dir, check_path_text
from ..scenario.schema import Scenario
from ..scenario.seeds import whole_number
from .store import (
    LOCK_NAME,
    atomic_bytes,
    bytes_record,
    check_columns,
    file_record,
    fold_journal,
    points_problem,
    read_manifest,
    record_chunk,
    scan_chunks,
    verified_parts,
    write_manifest,
    writer_lock,
)
from .store import log as store_log
from .sweep_size import (
    cells_per_run,
    check_chunk_count,
    default_chunk_size,
    disk_problem,
    fit_memory,
)
from .sweep_spec import (
    MAX_POINTS,
    ParameterSpec,
    SweepSpec,
    load_spec,
)

__all__ = [
    "SweepPlan",
    "SweepSpec",
    "load_spec",
    "plan_sweep",
    "read_runs",
    "run_sweep",
]

FORMAT = 1
#: Replicate-steps per second one local worker sustains with the compiled core
#: (benchmarks/bench_ensemble.py measures 2-3 M on an idle core; the estimate is conservative
#: so that a loaded machine does not get a second worker for a few seconds of work).
RATE_PER_PROCESS = 1.5e6
#: Local workers are threads of this process (the kernel releases Python's lock): a further
#: one starts nothing, but it only pays where each worker gets at least a few chunks' worth
#: of work; below this much estimated work per worker the sweep stays on one thread.
MIN_SECONDS_PER_WORKER = 2.0


# --------------------------------------------------------------------------- the plan


@dataclass
class SweepPlan:
    """A validated sweep, with its points computed: everything but the running."""

    spec: SweepSpec
    scenario: Scenario
    names: list[str]  # canonical dotted names of the varied parameters
    points: np.ndarray  # (P, k) parameter values of each point
    bounds: list[tuple[float, float]]  # sampled designs: the ranges the design used
    spec_hash: str
    source: str = ""
    scenario_json: dict[str, Any] = field(default_factory=dict)
    posterior: Any = None  # posterior.Posterior: fitted parameters drawn per run (issue 11)

    @property
    def n_points(self) -> int:
        return int(self.points.shape[0])

    @property
    def n_runs(self) -> int:
        return self.n_points * self.spec.replicates

    @property
    def steps(self) -> int:
        return self.scenario.steps

    def points_frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.points, columns=self.names)
        df.insert(0, "point", np.arange(self.n_points, dtype=np.int64))
        return df


def _resolve_base(spec: SweepSpec, source: Path | None) -> Scenario:
    name = check_path_text(spec.scenario, "key 'scenario'")
    if source is not None:
        local = source.parent / name
        if local.suffix == ".toml" and local.exists():
            return resolve_scenario(local)
    if not scenario_path(name).exists():
        raise ConfigError(f"scenario '{name}' not found (name in configs/ or a .toml path)")
    return resolve_scenario(name)


def _is_power_of_two(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def _design_points(spec: SweepSpec, names: list[str], where: str) -> tuple[np.ndarray, list]:
    """The (P, k) design matrix and the bounds of sampled designs."""
    d = spec.design
    params = spec.parameters
    if d.kind == "factorial":
        axes = []
        for prm in params:
            if prm.values is not None:
                if prm.min is not None or prm.max is not None or prm.num is not None:
                    raise ConfigError(
                        f"{where}: parameter '{prm.name}': give 'values' or 'min'/'max'/'num', "
                        "not both"
                    )
                if not prm.values:
                    raise ConfigError(f"{where}: parameter '{prm.name}' has an empty 'values' list")
                axes.append(np.asarray(prm.values, dtype=np.float64))
            else:
                lo, hi = _range_of(prm, where)
                if prm.num is None:
                    raise ConfigError(
                        f"{where}: design 'factorial' needs 'values' or 'num' for parameter "
                        f"'{prm.name}'"
                    )
                axes.append(np.linspace(lo, hi, prm.num))
        if d.samples is not None:
            raise ConfigError(f"{where}: design 'factorial' takes no 'samples' (its grid is set)")
        n = math.prod(len(a) for a in axes)
        if n > MAX_POINTS:
            raise ConfigError(f"{where}: factorial grid has {n} points (at most {MAX_POINTS})")
        if not axes:
            return np.zeros((1, 0)), []
        grid = np.meshgrid(*axes, indexing="ij")
        return np.stack([g.ravel() for g in grid], axis=1), []

    if not params:
        raise ConfigError(f"{where}: design '{d.kind}' needs at least one parameter with a range")
    bounds = []
    for prm in params:
        if prm.values is not None:
            raise ConfigError(
                f"{where}: design '{d.kind}' samples ranges: parameter '{prm.name}' needs "
                "'min' and 'max' instead of 'values'"
            )
        if prm.num is not None:
            raise ConfigError(f"{where}: 'num' is for factorial designs (parameter '{prm.name}')")
        bounds.append(_range_of(prm, where))
    if d.samples is None:
        raise ConfigError(f"{where}: design '{d.kind}' needs 'samples'")
    problem = {"num_vars": len(names), "names": names, "bounds": [list(b) for b in bounds]}
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0x5A17]))
    if d.kind == "lhs":
        from SALib.sample import latin

        x = latin.sample(problem, d.samples, seed=rng)
    elif d.kind == "sobol":
        from SALib.sample import sobol

        if not _is_power_of_two(d.samples):
            raise ConfigError(
                f"{where}: design 'sobol' needs 'samples' to be a power of 2 (got {d.samples})"
            )
        if d.second_order and len(names) < 2:
            raise ConfigError(f"{where}: second-order Sobol indices need at least 2 parameters")
        x = sobol.sample(problem, d.samples, calc_second_order=d.second_order, seed=rng)
    else:
        from SALib.sample import morris

        x = morris.sample(problem, d.samples, num_levels=d.levels, seed=rng)
    if x.shape[0] > MAX_POINTS:
        raise ConfigError(f"{where}: design has {x.shape[0]} points (at most {MAX_POINTS})")
    return np.asarray(x, dtype=np.float64), bounds


def _range_of(prm: ParameterSpec, where: str) -> tuple[float, float]:
    if prm.min is None or prm.max is None:
        raise ConfigError(f"{where}: parameter '{prm.name}' needs 'values' or both 'min' and 'max'")
    if not prm.min < prm.max:
        raise ConfigError(
            f"{where}: parameter '{prm.name}' has an empty range (min {prm.min:g} >= max "
            f"{prm.max:g})"
        )
    return float(prm.min), float(prm.max)


def _hash(spec: SweepSpec, scn: Scenario) -> str:
    blob = json.dumps(
        {"format": FORMAT, "spec": spec.model_dump(mode="json"),
         "scenario": scn.model_dump(mode="json")},
        sort_keys=True, separators=(",", ":"),
    )  # fmt: skip
    return hashlib.sha256(blob.encode()).hexdigest()


def plan_sweep(spec: SweepSpec | str | Path, posterior: str | Path | None = None) -> SweepPlan:
    """Validate a spec completely (scenario, names, ranges, design) and compute its points.

    With ``posterior`` (a calibration Parquet file) every run draws the fitted parameters the
    sweep does not vary from the posterior, keyed by its run seed. Nothing is written; every
    problem is a one-line :class:`ConfigError`.
    """
    source: Path | None = None
    if not isinstance(spec, SweepSpec):
        spec, source = load_spec(spec)
    where = str(source) if source else f"sweep '{spec.name}'"
    try:
        scn = _resolve_base(spec, source)
        fixed: dict[str, Any] = dict(spec.set)
        if spec.steps is not None:
            fixed["steps"] = spec.steps
        if fixed:
            scn = with_values(scn, fixed)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    ens = Ensemble(scn)
    names: list[str] = []
    for prm in spec.parameters:
        try:
            name = canonical_name(prm.name, ens.specs)
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        if name in names:
            raise ConfigError(f"{where}: parameter '{name}' is listed twice")
        names.append(name)
    for prm, name in zip(spec.parameters, names, strict=True):  # the bounds as written: a
        lo, hi = ens.specs[name].lo, ens.specs[name].hi  # grid's 1.25 was named for max = 5
        for bound in ("min", "max"):
            v = getattr(prm, bound)
            if v is not None and not lo <= v <= hi:
                raise ConfigError(
                    f"{where}: parameter '{name}': {bound} = {v:g} is out of its range "
                    f"[{lo:g}, {hi:g}]"
                )
    points, bounds = _design_points(spec, names, where)
    for k, name in enumerate(names):
        pspec = ens.specs[name]
        if pspec.integer:
            points[:, k] = np.round(points[:, k])
        try:
            check_values(pspec, points[:, k])
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    try:  # cross-field checks (interest weights) on the actual points
        ens.params(dict(zip(names, points.T, strict=True)), n_points=points.shape[0])
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    spec_hash = _hash(spec, scn)
    post = None
    if posterior is not None:
        from ..engine.posterior import load_posterior

        post = load_posterior(posterior)
        post.check(ens.specs, f"sweep '{spec.name}'")
        blob = spec_hash + post.values.tobytes().hex() + post.weights.tobytes().hex()
        spec_hash = hashlib.sha256(blob.encode()).hexdigest()
    return SweepPlan(
        spec=spec,
        scenario=scn,
        names=names,
        points=points,
        bounds=bounds,
        spec_hash=spec_hash,
        source=str(source or ""),
        scenario_json=scn.model_dump(mode="json"),
        posterior=post,
    )


# --------------------------------------------------------------------------- chunks


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs for one chunk; small, picklable, self-contained."""

    index: int
    first_run: int
    n_runs: int
    first_point: int
    points: np.ndarray  # (p, k) values of the points this chunk touches
    names: tuple[str, ...]
    replicates: int
    seed: int
    scenario_json: dict[str, Any]
    spec_hash: str
    every: int
    actors: bool
    counts: bool
    posterior: Any = None  # posterior.Posterior or None
    out: str = ""  # local workers: the sweep folder they write the chunk's files to


def run_chunk(task: ChunkTask) -> tuple[int, pa.Table, pa.Table | None]:
    """Compute one chunk: its runs' final rows (and trajectories). Pure in the task."""
    ens = compiled(task.scenario_json)
    runs = np.arange(task.first_run, task.first_run + task.n_runs, dtype=np.int64)
    point = runs // task.replicates
    rep = runs % task.replicates
    local = (point - task.first_point).astype(np.intp)
    p = ens.params(dict(zip(task.names, task.points.T, strict=True)), n_points=len(task.points))
    p = p.take(local)
    seeds = run_seeds(task.seed, point, rep)
    if task.posterior is not None:  # fitted parameters the sweep does not vary, per run seed
        task.posterior.apply(p, ens, seeds, keep=task.names)
    res = ens.run(p, seeds, every=task.every, actors=task.actors, counts=task.counts)
    head = {
        "point": point,
        "replicate": rep.astype(np.int32),
        "seed": seeds,
    }
    if task.posterior is not None:
        head["posterior_particle"] = task.posterior.draw(seeds).astype(np.int32)
    final = res.final.drop(columns="row")
    runs_tbl = pa.Table.from_pandas(
        pd.concat([pd.DataFrame(head), final], axis=1), preserve_index=False
    )
    traj_tbl = None
    if res.trajectories is not None:
        tr = res.trajectories
        rows = tr.pop("row").to_numpy()
        tr.insert(0, "replicate", rep[rows].astype(np.int32))
        tr.insert(0, "point", point[rows])
        traj_tbl = pa.Table.from_pandas(tr, preserve_index=False)
    return task.index, runs_tbl, traj_tbl


def _tasks(
    plan: SweepPlan, chunk_size: int, todo: Iterable[int], folder: str = ""
) -> Iterator[ChunkTask]:
    reps = plan.spec.replicates
    out = plan.spec.outputs
    for c in todo:
        first = c * chunk_size
        n = min(chunk_size, plan.n_runs - first)
        p0, p1 = first // reps, (first + n - 1) // reps + 1
        yield ChunkTask(
            index=c, first_run=first, n_runs=n, first_point=p0,
            points=plan.points[p0:p1].copy(), names=tuple(plan.names), replicates=reps,
            seed=plan.spec.seed, scenario_json=plan.scenario_json, spec_hash=plan.spec_hash,
            every=out.every, actors=out.actors, counts=out.event_counts,
            posterior=plan.posterior, out=folder,
        )  # fmt: skip


# --------------------------------------------------------------------------- storage


def _encode(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def _atomic_table(path: Path, table: pa.Table) -> None:
    atomic_bytes(path, _encode(table))


def _part(c: int) -> str:
    return f"part-{c:06d}.parquet"


def _cells(plan: SweepPlan) -> int:
    """Trajectory cells one run of ``plan`` keeps (0 without trajectories)."""
    return cells_per_run(plan.spec.outputs.every, plan.steps, len(plan.scenario.actors))


def _manifest(plan: SweepPlan, chunk_size: int, out: Path) -> dict[str, Any]:
    spec = plan.spec
    source = os.path.relpath(plan.source, out.resolve()) if plan.source else ""
    spec_json = spec.model_dump(mode="json")
    if os.path.isabs(spec_json["scenario"]):  # no absolute path in the manifest
        spec_json["scenario"] = os.path.relpath(spec_json["scenario"], out.resolve())
    return {
        "format": FORMAT,
        "package": "coalition-sim",
        "version": package_version(),
        "spec_hash": plan.spec_hash,
        "spec": spec_json,
        "spec_source": source,  # relative to the sweep folder
        "scenario": plan.scenario_json,
        "parameters": plan.names,
        "problem": {
            "num_vars": len(plan.names),
            "names": plan.names,
            "bounds": [list(b) for b in plan.bounds],
        },
        "design": spec.design.model_dump(mode="json"),
        "steps": plan.steps,
        "replicates": spec.replicates,
        "n_points": plan.n_points,
        "n_runs": plan.n_runs,
        "chunk_size": chunk_size,
        "n_chunks": math.ceil(plan.n_runs / chunk_size),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "code": code_stamp(),  # a resume with other code is refused (engine/cluster.py)
        "posterior": None
        if plan.posterior is None
        else {
            "path": plan.posterior.path,
            "particles": len(plan.posterior),
            "parameters": plan.posterior.names,
            "targets_hash": plan.posterior.meta.get("targets_hash"),
            "model_fingerprint": plan.posterior.meta.get("model_fingerprint"),
        },
        "provenance": provenance(out=out, scenario=plan.scenario_json),
        "points": None,  # row count, size and sha256 of points.parquet
        "chunks": {},  # chunk index -> records of its files, added as each is committed
    }


def _prepare_folder(plan: SweepPlan, out: Path, chunk_size: int | None) -> tuple[dict, set[int]]:
    """Check the folder against the plan (refuse another spec), create it, list done chunks."""
    if (out / "manifest.json").exists() or (out / "manifest.json").is_symlink():
        man = read_manifest(out)
        if man.get("spec_hash") != plan.spec_hash:
            old = man.get("spec")
            raise ConfigError(
                f"{out} holds a different sweep "
                f"('{old.get('name') if isinstance(old, dict) else '?'}', spec hash "
                f"{str(man.get('spec_hash'))[:12]} != {plan.spec_hash[:12]}): use another --out"
            )
        if chunk_size is not None and chunk_size != man["chunk_size"]:
            raise ConfigError(
                f"{out} was started with --chunk-size {man['chunk_size']}; resume with that "
                f"(or omit it), or use another --out"
            )
        code = man.get("code")
        why = mismatch(code, code_stamp()) if isinstance(code, dict) else None
        if why is not None:
            raise ConfigError(
                f"{out} was started by other code ({why}); its chunks would mix two models: "
                "remove the folder to start afresh, or use another --out"
            )
    else:
        if out.is_dir():  # a kill while the manifest was being written leaves only its temp
            for stale in out.glob(".manifest.json.tmp-*"):
                stale.unlink(missing_ok=True)
        if out.exists() and (not out.is_dir() or any(p.name != LOCK_NAME for p in out.iterdir())):
            raise ConfigError(f"{out} exists and is not a sweep folder: use another --out")
        man = _manifest(plan, chunk_size or default_chunk_size(plan.n_runs, _cells(plan)), out)
        out.mkdir(parents=True, exist_ok=True)
        write_manifest(out, man)
    why = points_problem(out, man)
    if why is not None:  # missing, truncated or altered: the points follow from the plan
        if man.get("points") is not None:
            store_log.warning("warning: %s: %s; rewriting it", out, why)
        _atomic_table(out / "points.parquet", pa.Table.from_pandas(plan.points_frame()))
        man["points"] = file_record(out / "points.parquet")
        write_manifest(out, man)
    for sub in ("runs", "trajectories"):
        (out / sub).mkdir(exist_ok=True)
        for stale in (out / sub).glob(".part-*.tmp-*"):
            stale.unlink(missing_ok=True)
    done, problems = scan_chunks(out, man)
    for problem in problems:
        if "is not recorded in the manifest" in problem:
            # a part whose chunk was still being written when the sweep stopped (Ctrl-C): its
            # chunk is not done, so it is computed again and the file replaced
            problem = problem.removesuffix("; ignored") + " (written after the last record)"
            redo = "; computing its chunk again"
        else:
            redo = "" if problem.endswith("; ignored") else "; computing it again"
        store_log.warning("warning: %s: %s%s", out, problem, redo)
    for key in [k for k in man["chunks"] if not (k.isdigit() and int(k) in done)]:
        del man["chunks"][key]
    return man, done


def _write_chunk(out: Path, c: int, runs: pa.Table, traj: pa.Table | None) -> dict[str, Any]:
    """Write chunk ``c``'s files (whole or not at all); returns their manifest records.
    No fsync: a file is used only once its recorded size and sha256 match (store.py)."""
    entry: dict[str, Any] = {}
    for sub, table in (("runs", runs), ("trajectories", traj)):
        if table is not None:
            data = _encode(table)
            atomic_bytes(out / sub / _part(c), data, sync=False)
            entry[sub] = bytes_record(data, table.num_rows)
    return entry


def run_and_write(task: ChunkTask) -> tuple[int, dict[str, Any], int]:
    """A local worker's job (a thread of this process; the chunk's files are its own, so two
    run at once safely): compute chunk ``task`` and write its files into ``task.out``;
    returns (chunk, its manifest records, runs)."""
    c, runs, traj = run_chunk(task)
    return c, _write_chunk(Path(task.out), c, runs, traj), runs.num_rows


# --------------------------------------------------------------------------- running


@dataclass
class SweepReport:
    out: Path
    n_runs: int
    n_chunks: int
    skipped: int  # chunks already done before this call
    computed: int
    seconds: float
    workers: int = 1
    workers_reason: str = ""


def choose_workers(
    n_runs: int, steps: int, n_chunks: int, cores: int | None = None
) -> tuple[int, str]:
    """Local workers (threads of this process) for ``n_runs`` runs of ``steps`` weeks in
    ``n_chunks`` chunks: one per :data:`MIN_SECONDS_PER_WORKER` of estimated work, at most
    one per core and per chunk. Returns (workers, why)."""
    cores = cores or os.cpu_count() or 1
    seconds = n_runs * steps / RATE_PER_PROCESS
    n = max(1, min(cores, n_chunks, int(seconds // MIN_SECONDS_PER_WORKER)))
    where = "1 worker (this process)" if n == 1 else f"{n} worker threads"
    return n, f"about {seconds:,.1f} s of work for one process on {cores} cores: {where}"


def run_sweep(
    spec: SweepSpec | SweepPlan | str | Path,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    quiet: bool = False,
    order: Iterable[int] | None = None,
) -> SweepReport:
    """Run (or resume) a sweep into ``out``; see the module doc for the folder's layout.

    ``order`` lists chunk indices in the order to run them (for tests of order invariance).
    """
    start = time.perf_counter()
    plan = spec if isinstance(spec, SweepPlan) else plan_sweep(spec)
    if workers is not None:  # the command line's rule (--workers), for the API's callers too
        checked_workers(workers)
    if chunk_size is not None:
        whole_number(chunk_size, "chunk_size", 1)
    out = check_output_dir(out, resume=True, marker="manifest.json", scratch=(LOCK_NAME,))
    if chunk_size is not None or not (out / "manifest.json").exists():  # a new folder's cut
        size = chunk_size or default_chunk_size(plan.n_runs, _cells(plan))
        check_chunk_count(plan.spec.name, plan.n_runs, size, chunk_size is not None, _cells(plan))
        if scheduler is None:  # before anything is written: one local process must hold it
            fit_memory(size, plan.steps, plan.spec.outputs.every, len(plan.scenario.actors),
                       workers or 1, asked=True)  # fmt: skip
    # before anything is written: reachable, has workers, every worker runs our code
    client = connect(scheduler) if scheduler is not None else None
    try:
        out.mkdir(parents=True, exist_ok=True)
        with writer_lock(out):
            return _run_locked(plan, out, chunk_size, workers, client, quiet, order, start)
    except SchedulerLost as exc:  # a lost scheduler, workers killed by a task: how to go on
        raise type(exc)(
            f"{exc}; every finished chunk is saved in {out}: run the same command again "
            "(with a working scheduler, or without --scheduler) to resume"
        ) from None
    finally:
        if client is not None:
            client.close()


def _run_locked(
    plan: SweepPlan, out: Path, chunk_size: int | None, workers: int | None, client: Any,
    quiet: bool, order: Iterable[int] | None, start: float,
) -> SweepReport:  # fmt: skip
    man, done = _prepare_folder(plan, out, chunk_size)
    if client is not None:  # the workers' stamps, per run of the command on a cluster
        stamps = check_workers(client, str(client.scheduler.address))
        man.setdefault("dask", []).append(
            {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **stamps}
        )
        write_manifest(out, man)
    cs, n_chunks = man["chunk_size"], man["n_chunks"]
    full = disk_problem(out, man, plan.n_runs)  # measured on what a resumed folder holds
    if full is not None:
        raise ConfigError(full)
    measured = bool(man["chunks"])
    todo = [c for c in (range(n_chunks) if order is None else order) if c not in done]
    skipped = len({c for c in done if c < n_chunks})
    progress = Progress(
        f"sweep {plan.spec.name}", plan.n_runs, min(plan.n_runs, skipped * cs), quiet=quiet
    )
    todo_runs = sum(min(cs, plan.n_runs - c * cs) for c in todo)
    asked = bool(workers)
    if client is not None:
        why = "on the dask cluster"
    elif workers:
        why = f"{workers} worker{'s' if workers > 1 else ''} as asked"
    else:
        workers, why = choose_workers(todo_runs, plan.steps, len(todo))
    if client is None and todo:  # as many local processes as hold a chunk each (or refused)
        workers = fit_memory(cs, plan.steps, plan.spec.outputs.every,
                             len(plan.scenario.actors), workers or 1, asked)  # fmt: skip
    tasks = _tasks(plan, cs, todo, folder="" if client is not None else str(out))
    results: Iterator[tuple[int, dict[str, Any], int]]
    if client is None:  # local worker threads write their chunks' files themselves
        results = run_tasks(run_and_write, tasks, workers=workers or 1)
    else:  # a cluster's workers may not see the folder: their tables come back here
        results = (
            (c, _write_chunk(out, c, runs, traj), runs.num_rows)
            for c, runs, traj in run_tasks(
                run_chunk, tasks, scheduler=client,
                key=lambda t: f"chunk-{t.spec_hash[:16]}-{t.index}",
            )
        )  # fmt: skip
    computed = 0
    try:
        for c, entry, rows in results:
            record_chunk(out, man, c, entry)
            computed += 1
            progress.update(rows)
            if not measured:  # a new sweep's first chunk says what the rest needs on disk
                measured, full = True, disk_problem(out, man, plan.n_runs)
                if full is not None:
                    raise ConfigError(full)
    finally:
        progress.close()
    fold_journal(out, man)
    return SweepReport(
        out, plan.n_runs, n_chunks, skipped, computed, time.perf_counter() - start,
        workers or 1, why,
    )  # fmt: skip


def read_runs(out: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All run rows of a sweep folder, sorted by (point, replicate); every chunk is checked
    against the manifest first (see :mod:`experiments.store`)."""
    files = verified_parts(out, "runs")
    if not files:
        raise ConfigError(f"{out}: no finished chunks yet")
    check_columns(files, columns, "runs")
    df = pd.concat([pq.read_table(f, columns=columns).to_pandas() for f in files])
    keys = [k for k in ("point", "replicate") if k in df.columns]
    return df.sort_values(keys).reset_index(drop=True) if keys else df.reset_index(drop=True)


def read_trajectories(out: str | Path, columns: list[str] | None = None) -> pd.DataFrame | None:
    files = verified_parts(out, "trajectories")
    if not files:
        return None
    check_columns(files, columns, "trajectories")
    df = pd.concat([pq.read_table(f, columns=columns).to_pandas() for f in files])
    keys = [k for k in ("point", "replicate", "step") if k in df.columns]
    return df.sort_values(keys).reset_index(drop=True)
