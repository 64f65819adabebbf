"""docs/ODD.md must not go stale: the parameter table is the schema's, and every parameter,
event kind and outcome flag of the code is described in the text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

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
