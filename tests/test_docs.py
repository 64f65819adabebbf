"""docs/ODD.md must not go stale: the parameter table is the schema's, and every parameter,
event kind and outcome flag of the code is described in the text."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from support import docrefs

from coalition_sim.cli import main as cli
from coalition_sim.core.events import EVENT_KINDS, OUTCOMES
from coalition_sim.core.state import STATE_TABLE, markdown_table
from coalition_sim.scenario.names import parameter_table

ODD = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
START, END = "<!-- params:start -->", "<!-- params:end -->"


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


def _split(text: str) -> tuple[str, str]:
    """(generated parameter table, the rest of the document)."""
    assert text.count(START) == 1, f"docs/ODD.md needs exactly one {START} line"
    assert text.count(END) == 1, f"docs/ODD.md needs exactly one {END} line"
    before, _, tail = text.partition(START)
    table, _, after = tail.partition(END)
    return table, before + after


def _mentioned(name: str, text: str) -> bool:
    """``name`` occurs as a whole word (not as part of a longer identifier)."""
    return re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text) is not None


def test_parameter_table_matches_the_schema(odd: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["params", "--markdown"]) == 0
    expected = capsys.readouterr().out.strip()
    table, _ = _split(odd)
    assert table.strip() == expected, (
        "the parameter table in docs/ODD.md is stale: paste the output of "
        "`python run.py params --markdown` between the params markers"
    )


def test_state_table_is_the_generated_one(odd: str) -> None:
    start, end = "<!-- state:start -->", "<!-- state:end -->"
    assert odd.count(start) == 1 and odd.count(end) == 1, "docs/ODD.md needs the state markers"
    table = odd.partition(start)[2].partition(end)[0]
    assert table.strip() == markdown_table(), (
        "the state table in docs/ODD.md is stale: paste the output of "
        "`python -c 'from coalition_sim.core.state import markdown_table; print(markdown_table())'`"
        " between the state markers"
    )
    assert len(STATE_TABLE) == table.count("\n| `") - 1  # one row per variable, plus metrics


def test_every_parameter_is_described_in_the_text(odd: str) -> None:
    _, prose = _split(odd)
    names = [row["name"] for row in parameter_table()]
    assert names
    missing = [name for name in names if not _mentioned(name, prose)]
    assert not missing, f"parameters not described in docs/ODD.md outside the table: {missing}"


@pytest.mark.parametrize(("what", "names"), [("EVENT_KINDS", EVENT_KINDS), ("OUTCOMES", OUTCOMES)])
def test_every_event_kind_and_outcome_is_documented(
    odd: str, what: str, names: tuple[str, ...]
) -> None:
    assert names
    missing = [name for name in names if not _mentioned(name, odd)]
    assert not missing, f"{what} names missing from docs/ODD.md: {missing}"


# --------------------------------------------------------------------------- ARCHITECTURE.md

ARCH = ODD.with_name("ARCHITECTURE.md")
PKG = ODD.parent.parent / "coalition_sim"


def _anchor(title: str) -> str:
    return re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")


def _named(cell: str, root: Path) -> list[tuple[Path, str]]:
    """(file, name) pairs from a cell like "`a.py`: `f`, `g`; `b.py`: `h`"."""
    pairs = []
    for part in cell.split(";"):
        path, _, names = part.partition(":")
        file = root / path.strip().strip("`")
        pairs += [(file, n.strip().strip("`")) for n in names.split(",") if n.strip()]
        if not names.strip():
            pairs.append((file, ""))
    return pairs


def test_architecture_rule_table_points_at_real_sections_code_and_tests() -> None:
    text = ARCH.read_text(encoding="utf-8")
    anchors = {_anchor(h.lstrip("#")) for h in ODD.read_text().splitlines() if h.startswith("#")}
    rows = [r for r in text.splitlines() if r.startswith("| [")]
    assert len(rows) >= 10
    for row in rows:
        section, code, tests = (c.strip() for c in row.strip("|").split("|"))
        anchor = re.search(r"\(ODD\.md#([^)]+)\)", section)
        assert anchor and anchor.group(1) in anchors, f"no ODD section for {section}"
        for file, name in _named(code, PKG):
            assert file.is_file(), f"{file} does not exist"
            short = name.rsplit(".", 1)[-1]
            if short:
                assert re.search(rf"^\s*def {short}\(", file.read_text(), re.M), f"{name} in {file}"
        for file, name in _named(tests, ODD.parent.parent):
            assert re.search(rf"^def {name}\(", file.read_text(), re.M), f"{name} in {file}"


def test_architecture_names_every_module_of_the_package() -> None:
    text = ARCH.read_text(encoding="utf-8")
    modules = sorted(
        p.relative_to(PKG).as_posix() for p in PKG.rglob("*.py") if p.name != "__init__.py"
    )
    missing = [m for m in modules if f"`{m}`" not in text]
    assert not missing, f"modules missing from docs/ARCHITECTURE.md: {missing}"


#: Modules of one job (issue 20: 'no module over 700 lines in the package').
MODULE_LINES = 700


def test_no_module_of_the_package_is_longer_than_the_limit() -> None:
    sizes = {
        p.relative_to(PKG).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in PKG.rglob("*.py")
    }
    assert len(sizes) > 50  # the whole package was read
    long = {m: n for m, n in sizes.items() if n > MODULE_LINES}
    assert not long, f"modules over {MODULE_LINES} lines (split them by job): {long}"


# --------------------------------------------------------------------------- drift (issue 21)
# Every code reference of the four documents (README, ODD, ARCHITECTURE, the performance log)
# resolves against the code, and every command line parses with the real parser. Failures name
# FILE:LINE and the reference, so drift that appears when branches merge can be fixed where it
# is.

DOCS = ("README.md", "docs/ODD.md", "docs/ARCHITECTURE.md", "docs/performance.md")


def _problems_of_references(doc: str) -> list[str]:
    names = docrefs._parameter_names()
    out = []
    for ref in docrefs.references(docrefs.ROOT / doc):
        if ref.kind == "block":
            continue
        text, problem = ref.text, None
        if ref.kind == "link" or docrefs._is_repo_path(text):
            problem = docrefs.check_path(ref, text)
        elif docrefs._DOTTED.match(text):
            if text.split(".")[0] in docrefs.PARAM_ROOTS:
                problem = docrefs.check_param(text, names)
            else:
                problem = docrefs.check_name(text)
        if problem:
            out.append(f"{ref.doc}:{ref.line}: `{text}`: {problem}")
    return out


@pytest.mark.parametrize("doc", DOCS)
def test_every_code_reference_resolves(doc: str) -> None:
    problems = _problems_of_references(doc)
    assert not problems, "stale references:\n" + "\n".join(problems)


def test_the_reference_checker_catches_stale_names() -> None:
    """The checker itself: each kind of stale reference is caught, each live one passes."""
    ref = docrefs.Ref("README.md", 1, "", "span")
    assert docrefs.check_path(ref, "coalition_sim/paired.py")
    assert docrefs.check_path(ref, "coalition_sim/experiments/paired.py") is None
    assert docrefs.check_path(ref, "outputs/anything/at/all.csv") is None
    assert docrefs.check_name("dynamics.step")
    assert docrefs.check_name("core.week.nothing_here")
    assert docrefs.check_name("core.week.advance") is None
    assert docrefs.check_name("rules.fatigue_update") is None  # a module that is a package
    assert docrefs.check_name("coalition_sim.engine.ensemble.run_ensemble") is None
    assert docrefs.check_name("mesa.batch_run") is None
    assert docrefs.check_name("mesa.no_such_thing")
    assert docrefs.check_name("model.events_frame()") is None
    assert docrefs.check_name("summary.json") is None
    names = docrefs._parameter_names()
    assert docrefs.check_param("params.fatigue.growth", names) is None
    assert docrefs.check_param("actors.ROK.mediation", names) is None
    assert docrefs.check_param("params.fatigue.growht", names)


def _commands(doc: str) -> list[tuple[docrefs.Ref, bool]]:
    """(reference, whole line?) of every coalition-sim command line in ``doc``: fenced lines
    are whole command lines; inline spans may carry placeholders like ``[--seed S]``."""
    refs = list(docrefs.references(docrefs.ROOT / doc))
    blocks = [r for r in refs if r.kind == "block" and r.lang in ("bash", "sh", "console", "")]
    out = [(r, True) for r in docrefs.joined_block_lines(blocks)]
    return out + [(r, False) for r in refs if r.kind == "span"]


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("doc", DOCS)
def test_every_command_line_parses(doc: str) -> None:
    subs = _subparsers()
    make_targets = set(re.findall(r"^([\w\-]+):", (docrefs.ROOT / "Makefile").read_text(), re.M))
    problems, seen = [], 0
    for ref, whole in _commands(doc):
        where = f"{ref.doc}:{ref.line}: `{ref.text.strip()}`"
        target = docrefs.make_target(ref.text)
        if target is not None:
            seen += 1
            if target not in make_targets:
                problems.append(f"{where}: no Makefile target '{target}'")
            continue
        argv = docrefs.command_of(ref.text)
        if argv is None:
            continue
        seen += 1
        sub = argv[0] if argv and not argv[0].startswith("-") else "run"
        if sub not in subs:
            problems.append(f"{where}: no subcommand '{sub}' (have: {', '.join(subs)})")
            continue
        if whole:
            try:
                cli.build_parser().parse_args(argv)
            except (cli.UsageError, SystemExit) as exc:
                problems.append(f"{where}: does not parse ({exc})")
        else:
            known = set(subs[sub]._option_string_actions)
            flags = re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", " ".join(argv[1:]))
            problems += [f"{where}: '{sub}' has no option {f}" for f in flags if f not in known]
    if doc == "README.md":
        assert seen >= 10, f"only {seen} command lines found in README.md"
    assert not problems, "stale command lines:\n" + "\n".join(problems)


def test_every_readme_subcommand_help_runs(capsys: pytest.CaptureFixture[str]) -> None:
    used = set()
    for ref, _ in _commands("README.md"):
        argv = docrefs.command_of(ref.text)
        if argv:
            used.add(argv[0] if not argv[0].startswith("-") else "run")
    assert {"run", "sweep", "calibrate", "compare"} <= used
    for sub in sorted(used):
        with pytest.raises(SystemExit) as done:
            cli.main([sub, "--help"])
        assert done.value.code == 0, sub
        assert "usage:" in capsys.readouterr().out, sub


@pytest.mark.parametrize("doc", DOCS)
def test_every_import_in_a_python_block_resolves(doc: str) -> None:
    """``from coalition_sim.x import y`` in the documents' Python blocks: module and names exist
    (the blocks themselves run in the wheel test, tests/test_package.py)."""
    import ast
    import importlib

    refs = [r for r in docrefs.references(docrefs.ROOT / doc) if r.kind == "block"]
    problems, found = [], 0
    blocks: dict[tuple[str, int], list[docrefs.Ref]] = {}
    for r in refs:
        if r.lang == "python":
            start = next(
                (k for k in blocks if k[1] <= r.line and k[1] + len(blocks[k]) == r.line), None
            )
            blocks.setdefault(start or (r.doc, r.line), []).append(r)
    for (_, first), lines in blocks.items():
        tree = ast.parse("\n".join(r.text for r in lines))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            where = f"{doc}:{first + node.lineno - 1}"
            found += 1
            try:
                module = importlib.import_module(node.module)
            except ImportError as exc:
                problems.append(f"{where}: `from {node.module} import ...`: {exc}")
                continue
            problems += [
                f"{where}: `{node.module}` has no name `{a.name}`"
                for a in node.names
                if not hasattr(module, a.name)
            ]
    if doc == "README.md":
        assert found >= 3, f"only {found} imports found in README.md's Python blocks"
    assert not problems, "stale imports:\n" + "\n".join(problems)
