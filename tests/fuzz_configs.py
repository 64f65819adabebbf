"""A seeded mutator over the shipped scenario files, and a judge of what the program does.

Each case is one shipped config with a few text-level mutations (a value replaced by a hostile
one, a line dropped or doubled, an unknown key, a flood of actors, a truncation). The judge runs
``check-config`` in process and, when it passes, a short model run, and files the case in one
outcome class:

* ``refused``  - exit status 2 and one short ``error:`` line (the wanted answer to bad input);
* ``ran``      - accepted, and a run gives finite numbers (the wanted answer to good input);
* ``nan``      - accepted, but the run produced NaN or infinity;
* ``verbose``  - refused, but with a long or multi-line message;
* ``crash:X``  - any exception X escaping the program (a traceback for the user).

``python tests/fuzz_configs.py N`` prints the counts for N cases (seed 0), for the note in
``docs/robustness.md``; ``tests/test_fuzz.py`` asserts that only the first two classes occur.
"""

from __future__ import annotations

import contextlib
import io
import math
import random
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "configs"
MAX_MESSAGE = 400  # characters in a refusal line
RUN_WEEKS = 30  # weeks simulated per accepted mutant (the date range is checked in full)

HOSTILE = [
    "true", "false", "-1", "0", "1", "2", "0.5", "1.5", "-0.0", "1e308", "-1e308", "1e-320",
    "nan", "inf", "-inf", "+inf", "9223372036854775808", "-9223372036854775809",
    "99999999999999999999999", "5201", "65", '""', '"x"', '"leader"', '"target"', '"member"',
    '"<img src=x onerror=alert(1)>"', '"../../../etc/passwd"', '"/tmp/abs"', '"\\u0000"',
    "[]", "[1, 2]", "{}", '{ a = 1 }', "9999-06-01", "9999-12-31", "0001-01-01",
    "2018-02-30", "1970-01-01T00:00:00Z", "12:00:00", '"' + "A" * 5000 + '"',
    "[" * 60 + "]" * 60, "{ a = " * 30 + "1" + " }" * 30,
]  # fmt: skip

_ASSIGN = re.compile(r"^(\s*[A-Za-z0-9_.\"-]+\s*=\s*)(.+?)(\s*#.*)?$")

ACTOR_BLOCK = """
[[actors]]
id = "X{k}"
name = "Extra {k}"
role = "member"
capability = 0.01
"""


def shipped() -> list[Path]:
    """The scenario files a mutant starts from (sweep specs and targets are not scenarios)."""
    return sorted(CONFIGS.glob("*.toml")) + sorted((CONFIGS / "history").glob("*.toml"))


def mutate(text: str, rng: random.Random) -> str:
    """One to three mutations of a config's text."""
    lines = text.splitlines()
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        assigns = [k for k, line in enumerate(lines) if _ASSIGN.match(line)]
        if op < 0.55 and assigns:
            k = rng.choice(assigns)
            m = _ASSIGN.match(lines[k])
            assert m is not None
            lines[k] = m.group(1) + rng.choice(HOSTILE)
        elif op < 0.65 and lines:
            del lines[rng.randrange(len(lines))]
        elif op < 0.72 and lines:
            k = rng.randrange(len(lines))
            lines.insert(k, lines[k])
        elif op < 0.80:
            key = rng.choice(["bogus", "params.bogus", "clock.bogus", "steps", "seed", "name"])
            lines.insert(0, f"{key} = {rng.choice(HOSTILE)}")
        elif op < 0.86:
            n = rng.choice([1, 3, 61, 70])
            lines.extend("".join(ACTOR_BLOCK.format(k=k) for k in range(n)).splitlines())
        elif op < 0.92:
            blob = "\n".join(lines)
            lines = blob[: rng.randrange(len(blob) + 1)].splitlines()
        elif op < 0.96 and lines:
            k = rng.randrange(len(lines))
            lines[k] = lines[k].replace("=", rng.choice(["==", "", "= =", "=\x00"]), 1)
        else:
            lines.insert(rng.randrange(len(lines) + 1), rng.choice(["[params]", "[[events]]",
                                                                     "[clock]", "[[ties]]"]))  # fmt: skip
    return "\n".join(lines) + "\n"


def make_cases(n: int, seed: int, folder: Path) -> list[Path]:
    """Write ``n`` mutants into ``folder`` (a copy of configs/, so ``extends`` resolves)."""
    shutil.copytree(CONFIGS, folder, dirs_exist_ok=True)
    rng = random.Random(seed)
    sources = shipped()
    out = []
    for k in range(n):
        src = rng.choice(sources)
        rel = src.relative_to(CONFIGS)
        path = folder / rel.parent / f"mutant_{k:04d}.toml"
        path.write_text(mutate(src.read_text(), rng))
        out.append(path)
    return out


def judge(path: Path) -> str:
    """The outcome class of one mutant (see the module doc)."""
    from coalition_sim.abm.model import CoalitionModel
    from coalition_sim.cli.main import main
    from coalition_sim.scenario.library import load_scenario

    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main(["check-config", str(path)])
    except BaseException as exc:
        return f"crash:{type(exc).__name__}"
    msg = err.getvalue()
    if status == 2:
        one_line = len(msg.splitlines()) == 1 and msg.startswith("error:")
        return "refused" if one_line and len(msg) <= MAX_MESSAGE else "verbose"
    if status != 0:
        return f"crash:exit{status}"
    try:
        scn = load_scenario(path)
        scn.date_of(scn.steps)  # what the full run would reach
        model = CoalitionModel(scn, rng=scn.seed).run(min(scn.steps, RUN_WEEKS))
        final = model.summary()["final"]
    except BaseException as exc:
        return f"crash:{type(exc).__name__}"
    numbers = [v for v in final.values() if isinstance(v, float)]
    return "ran" if all(math.isfinite(v) for v in numbers) else "nan"


def census(n: int, seed: int, folder: Path) -> Counter[str]:
    return Counter(judge(p) for p in make_cases(n, seed, folder))


if __name__ == "__main__":
    import tempfile

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    with tempfile.TemporaryDirectory() as tmp:
        print(dict(census(count, 0, Path(tmp) / "configs").most_common()))
