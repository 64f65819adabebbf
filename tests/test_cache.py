"""The compile cache of the core cannot go stale and heals (issue 20 item 3, issue 23 item 5).

numba checks a cached function against its own file only; the core stamps every function with
the hash of every source under ``core/`` (recursively) and the frozen codes, and frames each
cache file with a checksum. These tests fail loudly if that machinery is not in force.
"""

from __future__ import annotations

import functools
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import warnings
from pathlib import Path

import numba
import pytest
from numba.core.registry import CPUDispatcher

import coalition_sim.core as core_pkg
from coalition_sim.core import jit
from coalition_sim.core.rules import basics

ROOT = Path(__file__).resolve().parents[1]


def _core_dispatchers() -> list[tuple[str, CPUDispatcher]]:
    found = []
    for info in pkgutil.walk_packages(core_pkg.__path__, core_pkg.__name__ + "."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if isinstance(obj, CPUDispatcher) and obj.__module__ == module.__name__:
                found.append((f"{info.name}.{name}", obj))
    return found


def test_every_compiled_function_of_the_core_uses_the_stamped_checked_cache() -> None:
    found = _core_dispatchers()
    assert len(found) > 60, "expected every rule, phase and kernel of the core"
    missing = [name for name, disp in found if not jit.installed(disp)]
    assert not missing, (
        f"the core's compile cache is NOT installed for {missing[:5]}: numba's internals may "
        "have moved (see core/jit.py and docs/ARCHITECTURE.md 'Compile cache' for the fallback)"
    )


def test_the_stamp_covers_every_source_recursively(tmp_path: Path, monkeypatch) -> None:
    copy = tmp_path / "core"
    shutil.copytree(jit.CORE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(jit, "CORE", copy)
    names = {p.relative_to(copy).as_posix() for p in jit.sources()}
    assert {"kernels.py", "rules/coalition.py", "state.py", "codes.py"} <= names
    before = jit.stamp()
    (copy / "rules" / "world.py").write_text((copy / "rules" / "world.py").read_text() + "\n#\n")
    edited = jit.stamp()
    assert edited != before
    (copy / "rules" / "deeper").mkdir()
    (copy / "rules" / "deeper" / "new.py").write_text("X = 1\n")
    assert jit.stamp() != edited


_PROBE = textwrap.dedent(
    """
    import warnings
    warnings.simplefilter("error")
    from coalition_sim.core.rules import basics
    assert basics.clip01(1.5) == 1.0
    s = basics.clip01.stats
    print(sum(s.cache_hits.values()), sum(s.cache_misses.values()))
    """
)


def _probe(pkg_root: Path, cache: Path | None, **extra: str) -> tuple[int, int]:
    """Compile or load ``clip01`` in a new process running the package at ``pkg_root``, with
    ``NUMBA_CACHE_DIR=cache`` (None: unset) and ``extra`` environment variables."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(pkg_root), **extra)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, cwd=pkg_root
    )
    assert out.returncode == 0, out.stderr[-2000:]
    hits, misses = out.stdout.split()
    return int(hits), int(misses)


def test_a_changed_core_source_recompiles_in_a_new_process(tmp_path: Path) -> None:
    """Edit a file OTHER than the function's own (numba alone would keep the stale entry)."""
    pkg = tmp_path / "src"
    shutil.copytree(
        ROOT / "coalition_sim", pkg / "coalition_sim", ignore=shutil.ignore_patterns("__pycache__")
    )
    cache = tmp_path / "cache"
    assert _probe(pkg, cache) == (0, 1)  # compiled
    assert _probe(pkg, cache) == (1, 0)  # loaded from the cache
    world = pkg / "coalition_sim" / "core" / "rules" / "world.py"
    world.write_text(world.read_text() + "\n# an edit elsewhere in the core\n")
    assert _probe(pkg, cache) == (0, 1)  # recompiled: the stamp covers every core source
    assert _probe(pkg, cache) == (1, 0)


# --------------------------------------------------------------------------- where


def test_an_installed_copy_caches_in_the_user_folder_not_beside_its_sources(
    tmp_path: Path,
) -> None:
    """A copy of the package outside a checkout (as pip installs it) writes no cache file
    into its own folder (site-packages may be read-only; an uninstall left ~200 files behind),
    but into ``$XDG_CACHE_HOME/coalition-sim/numba/<stamp>/``, and loads it from there."""
    pkg = tmp_path / "site-packages"
    shutil.copytree(
        ROOT / "coalition_sim", pkg / "coalition_sim", ignore=shutil.ignore_patterns("__pycache__")
    )
    xdg = tmp_path / "xdg"
    assert _probe(pkg, None, XDG_CACHE_HOME=str(xdg)) == (0, 1)  # compiled
    assert _probe(pkg, None, XDG_CACHE_HOME=str(xdg)) == (1, 0)  # loaded from the cache
    assert not list(pkg.rglob("*.nb[ic]")), "cache files beside an installed copy's sources"
    (folder,) = (xdg / "coalition-sim" / "numba").iterdir()
    assert folder.name == jit.cache_key() and folder.name.startswith(jit.stamp().hex()[:16])
    assert list((folder / "core" / "rules").glob("basics.clip01-*.nbi"))


def _uncached_dispatcher(monkeypatch, tmp_path: Path):
    """A fresh ``clip01`` dispatcher as an installed copy builds it, with NUMBA_CACHE_DIR
    unset and a user cache folder that cannot be created (its parent is a file)."""
    monkeypatch.setattr(numba.config, "CACHE_DIR", "")
    monkeypatch.setattr(jit, "checkout_root", lambda: None)
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file" / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(jit, "_WARNED", [])
    return lambda: jit.compiled(basics.clip01.py_func)


def test_without_a_writable_user_folder_a_private_temporary_folder_serves(
    tmp_path: Path, monkeypatch
) -> None:
    """A service account whose home is not writable: the import crashed with numba's
    'no locator available'; now a 0700 folder of this user in the temporary directory."""
    fresh = _uncached_dispatcher(monkeypatch, tmp_path)
    first = fresh()
    assert first(0.25) == 0.25
    top = tmp_path / "tmp" / f"coalition-sim-{os.getuid()}"
    assert jit.temp_cache_dir() == top / "numba"
    assert top.stat().st_mode & 0o777 == 0o700
    assert Path(first._cache._cache_path).is_relative_to(top)
    again = fresh()
    assert again(0.5) == 0.5 and sum(again.stats.cache_hits.values()) == 1


def test_with_no_writable_folder_the_core_runs_uncached_and_says_so_once(
    tmp_path: Path, monkeypatch
) -> None:
    """A temporary folder of that name that others may write (or another user's) is never
    used: machine code could be planted there. The core then compiles in every process, with
    one warning naming NUMBA_CACHE_DIR, instead of failing at import."""
    fresh = _uncached_dispatcher(monkeypatch, tmp_path)
    shared = tmp_path / "tmp" / f"coalition-sim-{os.getuid()}"
    shared.mkdir()
    shared.chmod(0o777)
    with pytest.warns(jit.CacheUnavailableWarning, match="set NUMBA_CACHE_DIR"):
        disp = fresh()
    assert not jit.installed(disp) and disp(2.0) == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fresh()(0.5) == 0.5  # the warning is given once per process
    assert not list(shared.rglob("*.nb[ic]"))


# --------------------------------------------------------------------------- healing


def _truncate(b: bytes) -> bytes:
    return b[: len(b) // 2]


def _flip(b: bytes) -> bytes:
    i = len(b) - 7
    return b[:i] + bytes([b[i] ^ 0x10]) + b[i + 1 :]


DAMAGE = {
    "truncated": _truncate,
    "zero-length": lambda b: b"",
    "garbage": lambda b: os.urandom(len(b)),
    "bit flip": _flip,
}


@pytest.mark.parametrize("suffix", [".nbi", ".nbc"])
@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_cache_file_is_detected_warned_and_recompiled(
    tmp_path: Path, monkeypatch, suffix: str, damage: str
) -> None:
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))

    def fresh():  # a new dispatcher of the same rule: it reads the cache from disk
        return jit.compiled(basics.clip01.py_func)

    first = fresh()
    assert first(0.25) == 0.25
    files = list(tmp_path.rglob(f"*clip01*{suffix}"))
    assert len(files) == 1, files
    files[0].write_bytes(DAMAGE[damage](files[0].read_bytes()))

    damaged = fresh()
    with pytest.warns(jit.DamagedCacheWarning, match="clip01"):
        assert damaged(0.25) == 0.25  # recompiled, not a crash
    assert sum(damaged.stats.cache_misses.values()) == 1

    healed = fresh()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert healed(2.0) == 1.0
    assert sum(healed.stats.cache_hits.values()) == 1  # the rewritten entry loads again


def test_files_of_another_format_are_never_read(tmp_path: Path, monkeypatch) -> None:
    """Entries written by numba's own cache (or an older version of this package) have other
    names: they are ignored, not misread."""
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))
    plain = numba.njit(cache=True)(basics.clip01.py_func)
    assert plain(0.5) == 0.5
    ours = jit.compiled(basics.clip01.py_func)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ours(0.5) == 0.5
    assert sum(ours.stats.cache_misses.values()) == 1
    assert any(p.name.endswith(".cs.nbi") for p in tmp_path.rglob("*.nbi"))


# --------------------------------------------------------------------------- concurrency


def test_entries_compiled_by_two_processes_in_two_orders_never_share_a_data_file(
    tmp_path: Path, monkeypatch
) -> None:
    """Two processes compile a rule for two signatures into one folder, each from an empty
    index (numba would name both data files ``.1.nbc``); the index of the first lands last.
    Its entry must still load the first signature's code, not the second's."""
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))

    def fresh():  # a new dispatcher of the same rule: a process that reads the cache afresh
        return jit.compiled(basics.clip01.py_func)

    assert fresh()(0.25) == 0.25  # "process 1": float64
    (index,) = tmp_path.rglob("*clip01*.nbi")
    first_index = index.read_bytes()
    index.unlink()  # "process 2" has not seen process 1's index yet
    assert fresh()(7) == 1.0  # int64
    data = sorted(p.name for p in tmp_path.rglob("*clip01*.nbc"))
    assert len(data) == 2, data  # one file per key
    index.write_bytes(first_index)  # process 1's index write lands last
    loaded = fresh()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert loaded(0.25) == 0.25  # the float64 code, from the cache
    assert sum(loaded.stats.cache_hits.values()) == 1


def test_data_files_no_index_names_are_pruned_once_old(tmp_path: Path, monkeypatch) -> None:
    """The code of an edited function (a new key, so a new file name) is no longer named by
    its index: the next save removes it once it is older than ``PRUNE_AGE_S`` (a younger one
    may be another process's, about to be named). Named files stay."""
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(tmp_path))

    def fresh():
        return jit.compiled(basics.clip01.py_func)

    assert fresh()(0.25) == 0.25
    (named,) = tmp_path.rglob("*clip01*.nbc")
    base = named.name.rsplit(".", 2)[0]
    old, young = (
        named.with_name(f"{base}.0123456789abcdef.nbc"),
        named.with_name(f"{base}.fedcba9876543210.nbc"),
    )
    other = named.with_name("another_function.0123456789abcdef.nbc")
    for path in (old, young, other):
        path.write_bytes(b"orphan")
    long_ago = time.time() - jit.PRUNE_AGE_S - 60
    os.utime(old, (long_ago, long_ago))
    os.utime(other, (long_ago, long_ago))
    os.utime(named, (long_ago, long_ago))  # old, but named by the index: kept
    assert fresh()(7) == 1.0  # a second signature: a save, which prunes
    left = {p.name for p in tmp_path.rglob("*.nbc")}
    assert old.name not in left
    assert {named.name, young.name, other.name} <= left
    assert len([n for n in left if n.startswith(base) and n != young.name]) == 2
    loaded = fresh()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert loaded(0.25) == 0.25 and loaded(7) == 1.0
    assert sum(loaded.stats.cache_hits.values()) == 2


class _FakeHelper:
    def __init__(self, returncode: int, calls: list[str]) -> None:
        self.returncode, self.calls = returncode, calls

    def communicate(self) -> tuple[bytes, bytes]:
        self.calls.append("wait for the helper")
        return b"", b"Traceback ...\nImportError: no module named coalition_sim\n"


PARTS = ("ensemble", "mesa", "mesa-rows", "mesa-roles")


@pytest.mark.parametrize("helper_rc", [0, 1])
def test_the_warm_up_compiles_the_mesa_phases_beside_the_kernel(monkeypatch, helper_rc) -> None:
    """The ensemble kernel compiles here while the helper compiles the Mesa phases; then the
    Mesa phases run here (loaded from the cache, or compiled here with a warning if the helper
    failed)."""
    from coalition_sim.core import warmup

    calls: list[str] = []
    monkeypatch.setattr(
        warmup, "_parts", lambda: {k: functools.partial(calls.append, k) for k in PARTS}
    )
    monkeypatch.setattr(warmup, "_helper", lambda part, entries: _FakeHelper(helper_rc, calls))
    stages: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warmup.warm_up(lambda stage, done, total: stages.append(stage))
    assert calls == ["ensemble", "wait for the helper", "mesa"]
    assert "beside it" in stages[0] and stages[-1] == "ready"
    failed = [w for w in caught if "helper process failed" in str(w.message)]
    assert len(failed) == (1 if helper_rc else 0)
    if helper_rc:
        assert "ImportError: no module named coalition_sim" in str(failed[0].message)


def test_the_model_run_compiles_its_halves_side_by_side(monkeypatch) -> None:
    """``python run.py run`` on a cold cache: the Mesa rows here, the roles in the helper."""
    from coalition_sim.core import warmup

    calls: list[str] = []
    monkeypatch.setattr(
        warmup, "_parts", lambda: {k: functools.partial(calls.append, k) for k in PARTS}
    )
    asked: list[str] = []

    def helper(part, entries):
        asked.append(part)
        assert set(entries) == set(warmup._MESA)  # the ensemble kernel is not waited for
        return _FakeHelper(0, calls)

    monkeypatch.setattr(warmup, "_helper", helper)
    warmup.warm_up_model()
    assert asked == ["mesa-roles"]
    assert calls == ["mesa-rows", "wait for the helper", "mesa-roles"]


def test_a_new_model_prepares_the_core_first_unless_a_warm_up_runs(monkeypatch, capsys) -> None:
    """``CoalitionModel(...)`` on a cold cache compiles the Mesa kernels up front, half in a
    helper process, saying so (not silently inside its first week); a page server's warm-up
    running in another thread already does, so then the model leaves it to that."""
    from coalition_sim.abm.model import CoalitionModel
    from coalition_sim.core import warmup

    calls: list[str] = []
    monkeypatch.setattr(warmup, "needs_compile", lambda entries=warmup._ENTRY: True)
    monkeypatch.setattr(warmup, "warm_up_model", lambda *a, **k: calls.append("model") or 12.0)
    CoalitionModel("baseline", steps=2)
    assert calls == ["model"]
    err = capsys.readouterr().err
    assert "preparing the model" in err and "model ready (compiled in 12 s)" in err
    warmup._running(+1)
    try:
        CoalitionModel("baseline", steps=2)
    finally:
        warmup._running(-1)
    assert calls == ["model"]
    assert capsys.readouterr().err == ""


def test_the_first_ensemble_says_it_compiles_before_any_worker_starts(monkeypatch, capsys):
    """``run_ensemble``, a sweep's local workers, a comparison: on a cold cache the ensemble
    kernel is compiled in this process first, saying so (the workers then load it); nothing
    is said or done when it is cached, nor while a warm-up runs."""
    from coalition_sim.core import warmup
    from coalition_sim.engine.ensemble import run_ensemble
    from coalition_sim.engine.runner import run_tasks

    cold = {"now": True}
    asked: list[tuple] = []

    def needs(entries=warmup._ENTRY):
        asked.append(tuple(entries))
        return cold["now"]

    parts = warmup._parts()
    calls: list[str] = []
    monkeypatch.setattr(warmup, "needs_compile", needs)
    monkeypatch.setattr(
        warmup, "_parts", lambda: {**parts, "ensemble": lambda: calls.append("ensemble")}
    )
    assert list(run_tasks(abs, [-1, -2], workers=1)) == [1, 2]
    assert calls == ["ensemble"] and asked[-1] == warmup._ENSEMBLE
    err = capsys.readouterr().err
    assert "preparing the ensemble engine" in err and "ensemble engine ready" in err
    cold["now"] = False
    run_ensemble("summit_2018", 3, seed=1, steps=2)
    assert calls == ["ensemble"] and capsys.readouterr().err == ""
    cold["now"] = True
    warmup._running(+1)
    try:
        run_ensemble("summit_2018", 3, seed=1, steps=2)
    finally:
        warmup._running(-1)
    assert calls == ["ensemble"] and capsys.readouterr().err == ""


@pytest.mark.parametrize("part", ["mesa-rows", "mesa-roles"])
def test_a_helper_part_runs_from_the_command_line(part: str) -> None:
    """``python -m coalition_sim.core.warmup --part P`` (what the helper runs) exits 0 and
    prints nothing (here from the warm cache of the test session)."""
    out = subprocess.run(
        [sys.executable, "-m", "coalition_sim.core.warmup", "--part", part],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout == ""
