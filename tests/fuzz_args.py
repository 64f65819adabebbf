"""An argument fuzzer over every subcommand of the command line (issue 23, item 7).

Hypothesis draws, for one subcommand at a time, a command line from the subcommand's own
argparse definition: each option it declares (and each positional) appears or not, and takes
a value from a pool of careless and hostile values - numbers out of range, text for numbers,
NaN, huge integers, empty strings, NUL bytes, a 5,000-character name, ``..``, system paths,
a FIFO, ``/dev/zero``, a folder, a malformed TOML file, a binary file - with a few valid
values so that accepted command lines occur too. Each case runs ``main(argv)`` in process,
in a scratch folder, with a time budget, and is filed in one class:

* ``refused``  - exit status 2 and one ``error:`` line of at most 400 characters;
* ``ran``      - exit status 0 or 1 (1: a suite that ran and reports failures);
* ``budget``   - still working when the budget ran out (a valid, long command; stopped);
* ``verbose``  - refused with a long or multi-line message;
* ``crash:X``  - an exception X escaping the program (a traceback for the user).

``python tests/fuzz_args.py N`` prints the census of N cases per subcommand (seed fixed,
``derandomize``); ``tests/test_fuzz_args.py`` runs a few hundred in CI and allows only the
first three classes. The ``ui`` subcommand is left out (a valid call starts a server).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

#: The checkout whose package is fuzzed (``FUZZ_ROOT``: another one, e.g. an export of main,
#: for a before/after census with the same cases).
ROOT = Path(os.environ.get("FUZZ_ROOT") or Path(__file__).resolve().parent.parent)
MAX_MESSAGE = 400
BUDGET_S = 2.0
SHOW = bool(os.environ.get("FUZZ_SHOW"))  # print the command lines of other classes
SKIP = {"ui"}  # a valid call serves the page until stopped

NUMBERS = [
    "0", "-1", "1", "2", "3", "7", "1.5", "1e3", "nan", "inf", "-inf", "1000000000000",
    "99999999999999999999999", "-99999999999999999999", "", " ", "abc", "0x10", "1_000",
    "\u0661\u0662", "2**63", "9223372036854775808",
]  # fmt: skip
TEXTS = [
    "", " ", "baseline", "summit_2018", "a\x00b", "A" * 5000, "../../etc/passwd", "/etc/passwd",
    "/", ".", "..", "/dev/null", "<script>alert(1)</script>", "name:lever=1", "a=b", "=",
    "params.fatigue.growth=0.1", "params.fatigue.growth=nan", "x" * 300, "-", "--",
]  # fmt: skip


class Budget(BaseException):
    """The case's time budget ran out (a BaseException: the program cannot swallow it)."""


@contextlib.contextmanager
def _budget(seconds: float) -> Iterator[None]:
    def expire(_sig: int, _frame: Any) -> None:
        raise Budget

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def fixtures(folder: Path) -> dict[str, str]:
    """Files the path pool points at, made once in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    fifo = folder / "fifo.toml"
    if not fifo.exists():
        os.mkfifo(fifo)
    (folder / "bad.toml").write_text("name = [unclosed\n")
    (folder / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "deep.toml").write_text("a = " + "[" * 900 + "]" * 900 + "\n")
    (folder / "empty.csv").write_text("")
    (folder / "text.csv").write_text("params.fatigue.growth\nabc\n")
    (folder / "a_folder").mkdir(exist_ok=True)
    return {
        "fifo": str(fifo), "bad": str(folder / "bad.toml"), "binary": str(folder / "binary.bin"),
        "deep": str(folder / "deep.toml"), "empty": str(folder / "empty.csv"),
        "text": str(folder / "text.csv"), "folder": str(folder / "a_folder"),
        "config": str(ROOT / "configs" / "summit_2018.toml"), "zero": "/dev/zero",
        "missing": str(folder / "missing.toml"), "long": str(folder / ("n" * 300)),
    }  # fmt: skip


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {k: v for k, v in action.choices.items() if k not in SKIP}
    return {}


def _values(action: argparse.Action, paths: dict[str, str]) -> st.SearchStrategy[str]:
    pool = list(NUMBERS) if action.type not in (None, str) else []
    pool += TEXTS + list(paths.values())
    if action.choices:
        pool += [str(c) for c in action.choices]
    return st.sampled_from(pool)


@st.composite
def command_line(
    draw: Any, name: str, sub: argparse.ArgumentParser, paths: dict[str, str]
) -> list[str]:
    """One command line for subcommand ``name`` from its own argparse definition."""
    argv = [name]
    for action in sub._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:  # a positional
            if action.nargs == "?" and draw(st.booleans()):
                continue
            argv.append(draw(_values(action, paths)))
            continue
        if draw(st.integers(0, 3)) != 0:  # each option in about one case in four
            continue
        flag = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:
            argv.append(flag)
        else:
            argv += [flag, draw(_values(action, paths))]
    if draw(st.integers(0, 9)) == 0:
        argv.append(draw(st.sampled_from(["--bogus", "-x", "--out", "extra"])))
    return argv


def judge(argv: list[str], cwd: Path) -> str:
    """Run ``main(argv)`` in ``cwd`` and file the outcome in one class."""
    from coalition_sim.cli.main import main

    err, out = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out), _budget(BUDGET_S):
            try:
                status = main(argv)
            except SystemExit as exc:  # --help, or argparse before the handler
                status = exc.code if isinstance(exc.code, int) else 2
    except Budget:
        return "budget"
    except Exception as exc:
        return f"crash:{type(exc).__name__}"
    finally:
        os.chdir(here)
    text = err.getvalue().strip()
    if status == 2:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        if len(lines) == 1 and lines[0].startswith("error: ") and len(lines[0]) <= MAX_MESSAGE:
            return "refused"
        return "verbose"
    if status in (0, 1):
        return "ran"
    return f"exit:{status}"


WARM = (
    "coalition_sim.abm.model", "coalition_sim.engine.ensemble", "coalition_sim.engine.posterior",
    "coalition_sim.experiments.analysis", "coalition_sim.experiments.discovery",
    "coalition_sim.experiments.study", "coalition_sim.experiments.compare",
    "coalition_sim.experiments.signatures", "coalition_sim.experiments.sweep",
    "coalition_sim.calibration.fit", "coalition_sim.calibration.report", "matplotlib.pyplot",
)  # fmt: skip


def warm_up() -> None:
    """Import what the handlers import lazily and load the compiled core once, so that no
    case spends its budget on an import (a budget running out inside an import would leave a
    half-imported module behind and spoil later cases)."""
    import importlib

    for name in WARM:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    from coalition_sim.engine.ensemble import run_ensemble

    run_ensemble("summit_2018", 2, seed=1, steps=3)


def census(cases: int, only: list[str] | None = None) -> dict[str, Counter[str]]:
    """``cases`` command lines per subcommand, classified: counts per subcommand. The draws
    are reproducible (hypothesis ``derandomize``: the same cases on every call)."""
    from coalition_sim.cli.main import build_parser

    warm_up()
    subs = _subparsers(build_parser())
    result: dict[str, Counter[str]] = {}
    with tempfile.TemporaryDirectory(prefix="fuzz-args-") as tmp:
        tmpdir = Path(tmp)
        paths = fixtures(tmpdir / "files")
        for name, sub in sorted(subs.items()):
            if only and name not in only:
                continue
            counts: Counter[str] = Counter()
            work = tmpdir / "work" / name
            work.mkdir(parents=True)

            @settings(
                max_examples=cases, database=None, derandomize=True, deadline=None,
                phases=[Phase.generate], suppress_health_check=list(HealthCheck),
            )  # fmt: skip
            @given(command_line(name, sub, paths))
            def one(argv: list[str]) -> None:
                kind = judge(argv, work)  # noqa: B023 - run at once, in this loop
                counts[kind] += 1  # noqa: B023
                if SHOW and kind not in ("refused", "ran"):
                    print(f"  {kind}: {[a[:60] for a in argv]}", file=sys.stderr)

            one()
            result[name] = counts
    return result


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    res = census(n)
    total: Counter[str] = Counter()
    for name, counts in res.items():
        total.update(counts)
        print(f"{name:<20} {dict(counts)}")
    print(f"{'all':<20} {sum(total.values())} cases: {dict(total)}")
