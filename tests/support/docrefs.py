"""Code references in the Markdown documents, and whether each still resolves (issue 21).

Read by ``tests/test_docs.py``. A reference is an inline code span or a line of a fenced code
block; what it looks like decides how it is checked:

- a file path (``coalition_sim/engine/ensemble.py``, ``configs/sweeps/``, ``docs/img/ui.png``,
  or ``scenario/schema.py`` relative to the package) must exist; so must a relative Markdown
  link target. Generated outputs (``outputs/...``, ``out/...``) and placeholders are skipped;
- a dotted code name (``core.week.advance``, ``coalition_sim.core.week.outcomes``,
  ``CoalitionModel.step``, ``mesa.batch_run``) must import and resolve attribute by attribute;
- a dotted parameter name (``params.fatigue.growth``, ``actors.ROK.mediation``,
  ``clock.pandemic_weeks``) must be in the schema's parameter table;
- a command line (``python run.py sweep demo_grid --out out/demo``, ``coalition-sim ...``) must
  parse with the real argument parser, and its subcommand's ``--help`` must run; ``make X``
  must be a Makefile target.

Every problem is reported as ``FILE:LINE: `text`: what is wrong`` so drift found after a merge
can be fixed where it is.
"""

from __future__ import annotations

import functools
import importlib
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "coalition_sim"
SUBPACKAGES = tuple(
    p.name for p in sorted(PKG.iterdir()) if p.is_dir() and (p / "__init__.py").is_file()
)
#: Folders of the repository a path may start with.
TOP = ("coalition_sim", "configs", "docs", "tests", "benchmarks", ".ci")
#: Generated or user-chosen locations: not part of the repository.
GENERATED = ("outputs/", "out/", "outputs", "/tmp/", "~/", "DIR", "OUT")
#: Common aliases of libraries named in the documents.
ALIASES = {"np": "numpy", "pd": "pandas", "nx": "networkx", "xr": "xarray"}
LIBRARIES = {
    "numpy", "pandas", "networkx", "xarray", "mesa", "scipy", "SALib", "numba", "pydantic",
    "dask", "distributed", "solara", "ema_workbench", "sklearn", "pyarrow", "importlib",
}  # fmt: skip
PARAM_ROOTS = ("params", "actors", "clock")
#: Variable names the documents use for instances, and the class each stands for.
INSTANCES = {"model": "CoalitionModel", "scn": "Scenario"}
#: Extensions of data and output files named alone (``trajectory.csv``): outputs, not checked.
FILE_EXTENSIONS = {
    "csv", "json", "png", "svg", "parquet", "toml", "md", "lock", "txt", "cff", "html", "yaml",
    "yml", "nbi", "nbc", "whl",
}  # fmt: skip

_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?$")
_PATHLIKE = re.compile(r"^[\w.\-]+(?:/[\w.\-]*)+$")


@dataclass(frozen=True)
class Ref:
    doc: str  # path relative to the repository
    line: int
    text: str
    kind: str  # "span", "block" (a line of a fenced block), "link"
    lang: str = ""  # the fenced block's language


def references(path: Path) -> Iterator[Ref]:
    """Every inline code span, fenced-block line and relative link of a Markdown file."""
    doc = path.relative_to(ROOT).as_posix()
    fence: str | None = None
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("```"):
            fence = stripped[3:].strip() if fence is None else None
            continue
        if fence is not None:
            yield Ref(doc, no, line, "block", fence)
            continue
        for m in _SPAN.finditer(line):
            yield Ref(doc, no, m.group(1).strip(), "span")
        for m in _LINK.finditer(line):
            target = m.group(1)
            if "://" not in target and not target.startswith("mailto:"):
                yield Ref(doc, no, target, "link")


# --------------------------------------------------------------------------- paths


def _placeholder(text: str) -> bool:
    return bool(re.search(r"<[^>]*>|\.\.\.|\*|\{|\}|\[|\]", text)) or any(
        part.isupper() and len(part) > 1 for part in re.split(r"[/._\-]", text)
    )


def check_path(ref: Ref, text: str) -> str | None:
    """None if ``text`` names an existing file or folder (or is generated); else the problem."""
    clean = text.rstrip("/").removeprefix("./")
    if not clean or clean.startswith(GENERATED) or _placeholder(clean):
        return None
    doc_dir = (ROOT / ref.doc).parent
    bases = [ROOT, PKG, doc_dir]
    if any((b / clean).exists() for b in bases):
        return None
    return (
        f"no such file or folder (looked under ., coalition_sim/ and {doc_dir.relative_to(ROOT)}/)"
    )


def _is_repo_path(text: str) -> bool:
    if not _PATHLIKE.match(text) or "/" not in text:
        return False
    first = text.removeprefix("./").split("/", 1)[0]
    return first in TOP or first in SUBPACKAGES


# --------------------------------------------------------------------------- names


def _resolve(module: str, attrs: list[str]) -> str | None:
    """Import the longest importable prefix of module.attrs, then getattr the rest."""
    parts = [module, *attrs]
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(name)
        except ImportError:
            continue
        for k, attr in enumerate(parts[cut:], cut):
            if hasattr(obj, attr):
                obj = getattr(obj, attr)
                continue
            if isinstance(obj, type) and attr in _fields(obj):  # an instance field
                return None
            return f"'{'.'.join(parts[:k])}' has no attribute '{attr}'"
        return None
    return f"no module '{module}'"


def _fields(cls: type) -> set[str]:
    """Instance fields a class declares (annotations, dataclass and pydantic fields)."""
    names: set[str] = set()
    for klass in cls.__mro__:
        names |= set(getattr(klass, "__annotations__", {}))
    names |= set(getattr(cls, "model_fields", {}))
    return names


def _module_homes() -> dict[str, list[str]]:
    """Short module name -> full dotted names (``week`` -> ``coalition_sim.core.week``)."""
    homes: dict[str, list[str]] = {}
    for p in PKG.rglob("*.py"):
        parts = p.relative_to(PKG).with_suffix("").parts
        if p.name == "__init__.py":  # a package: named by its folder (``core.rules``)
            parts = parts[:-1]
            if not parts:
                continue
        homes.setdefault(parts[-1], []).append(".".join(("coalition_sim", *parts)))
    return homes


_HOMES = _module_homes()


def _parameter_names() -> set[str]:
    from coalition_sim.scenario.names import parameter_table

    return {row["name"] for row in parameter_table()}


def check_param(text: str, names: set[str]) -> str | None:
    parts = text.split(".")
    generic = ".".join(["actors", "<ID>", *parts[2:]]) if parts[0] == "actors" else text
    if text in names or generic in names:
        return None
    if parts[0] == "actors" and len(parts) == 2:  # actors.<ID> itself
        return None
    # a group of parameters (``params.fatigue``) is fine if any parameter is in it
    if any(n.startswith(text + ".") or n.startswith(generic + ".") for n in names):
        return None
    return "no such parameter in the schema (see `python run.py params`)"


@functools.cache
def _definers() -> dict[str, list[str]]:
    """Top-level name -> modules of the package defining it (``State`` -> core.week)."""
    out: dict[str, list[str]] = {}
    for fulls in _HOMES.values():
        for full in fulls:
            module = importlib.import_module(full)
            for attr in vars(module):
                if not attr.startswith("__"):
                    out.setdefault(attr, []).append(full)
    return out


def check_name(text: str) -> str | None:
    """None if a dotted code name resolves; the problem otherwise. Names: ``coalition_sim.x``,
    a subpackage (``core.week.advance``), a module without its package (``week.advance``), a
    top-level name or class of the package (``CoalitionModel.step``, ``State.counts``), a
    library (``mesa.batch_run``), an instance of a known class (``model.events_frame()``).
    A file name (``summary.json``) is an output, not a name."""
    import coalition_sim

    name = text.removesuffix("()")
    head, *rest = name.split(".")
    if rest and rest[-1] in FILE_EXTENSIONS and "(" not in text:
        return None
    if rest == ["py"]:
        found = list(ROOT.glob(name)) + list(PKG.rglob(name))
        return None if found else "no such Python file in the repository"
    if head in INSTANCES:
        head = INSTANCES[head]
    if head == "coalition_sim":
        return _resolve("coalition_sim", rest)
    if head in SUBPACKAGES:
        return _resolve(f"coalition_sim.{head}", rest)
    if head in coalition_sim.__all__:
        return _resolve("coalition_sim", [head, *rest])
    if head in ALIASES or head in LIBRARIES:
        return _resolve(ALIASES.get(head, head), rest)
    if head in _HOMES:  # a module named without its package: ``week.advance``
        problems = [_resolve(full, rest) for full in _HOMES[head]]
        return None if None in problems else problems[0]
    if head in _definers():
        problems = [_resolve(full, [head, *rest]) for full in _definers()[head]]
        return None if None in problems else problems[0]
    return f"'{head}' is no module, class or top-level name of the package or a library it uses"


# --------------------------------------------------------------------------- commands

_PROGRAMS = ("python run.py", ".venv/bin/python run.py", "coalition-sim", "python -m coalition_sim")


def command_of(text: str) -> list[str] | None:
    """The argument list after the program, if ``text`` is a coalition-sim command line."""
    line = text.split(" #", 1)[0].strip()
    line = re.sub(r"^(?:\$\s+)?(?:[A-Z_]+=\S+\s+)*", "", line)  # prompt, VAR=value prefixes
    for prog in _PROGRAMS:
        if line == prog or line.startswith(prog + " "):
            try:
                return shlex.split(line[len(prog) :])
            except ValueError:
                return None
    return None


def make_target(text: str) -> str | None:
    m = re.match(r"^make\s+([\w\-]+)", text.strip())
    return m.group(1) if m else None


def joined_block_lines(refs: list[Ref]) -> Iterator[Ref]:
    """Fenced-block lines with backslash continuations joined into one logical line."""
    buf: list[str] = []
    first: Ref | None = None
    for ref in refs:
        if first is None:
            first = ref
        text = ref.text.rstrip()
        if text.endswith("\\"):
            buf.append(text[:-1])
            continue
        buf.append(text)
        yield Ref(first.doc, first.line, " ".join(s.strip() for s in buf), "block", first.lang)
        buf, first = [], None
