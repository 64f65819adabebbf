"""Provenance of an output: which code, libraries, command and scenario made it, and when.

Why: a result that cannot be traced to the code that made it cannot be checked or repeated.
Every output (a run's ``summary.json``, a sweep's ``manifest.json``, a calibration's
``fit.json``) carries a ``provenance`` table from :func:`provenance`. Paths in it are written
relative to the output folder, so a folder can be moved or shared without leaking the
machine's layout. Lowest layer: imports only :mod:`.resources` (where the checkout is).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import platform
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from .resources import checkout_root

__all__ = [
    "command_text",
    "git_state",
    "package_version",
    "program_name",
    "provenance",
    "relative_argv",
    "report_stamp",
    "scenario_hash",
]

#: Libraries whose versions can change results (numbers, files or the design of a sweep).
KEY_LIBRARIES = (
    "numpy",
    "numba",
    "pandas",
    "pyarrow",
    "pydantic",
    "mesa",
    "networkx",
    "scipy",
    "SALib",
)


def package_version() -> str | None:
    """``coalition_sim.__version__`` (THE version: pyproject reads it too), read from the
    already imported root package (a static import of the root would pull every layer into
    this lowest one; the import contract forbids it), else the installed metadata."""
    root = sys.modules.get(__name__.split(".")[0])
    version = getattr(root, "__version__", None)
    if version is None:
        try:
            version = metadata.version("coalition-sim")
        except metadata.PackageNotFoundError:
            return None
    return str(version)


@functools.cache
def git_state() -> dict[str, Any]:
    """Commit of the source tree and whether it had uncommitted changes (None outside git, and
    for an installed copy: a virtual environment inside some other repository is not ours)."""
    root = checkout_root()
    if root is None:
        return {"commit": None, "dirty": None}

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(root), *args],
                capture_output=True, text=True, timeout=10, check=False,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def program_name(argv0: str | None = None) -> str:
    """The program as the user invoked it: ``run.py`` in a checkout (``python run.py ...``),
    else ``coalition-sim`` (the installed command; also ``python -m``). Why: provenance and
    reports that said ``run.py`` for an installed copy named a file the user does not have."""
    name = Path(sys.argv[0] if argv0 is None else argv0).name
    return "run.py" if name == "run.py" else "coalition-sim"


def command_text(argv: list[str]) -> str:
    """A recorded command line (``[program, *arguments]``) as a user would type it again,
    quoted for a POSIX shell: ``python run.py ...`` for the checkout's script."""
    if not argv:
        return ""
    head = ["python", "run.py"] if argv[0] == "run.py" else [argv[0]]
    return shlex.join([*head, *argv[1:]])


def report_stamp() -> str:
    """Which code wrote a report, for its first lines: the package version always, and the
    git commit when run from a checkout (an installed copy has none, and says so)."""
    commit = git_state()["commit"]
    where = f"commit {commit[:12]}" if commit else "installed copy, no git commit"
    return f"coalition-sim {package_version() or 'unknown'}, {where}"


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in KEY_LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def relative_argv(argv: list[str], out: str | Path | None) -> list[str]:
    """The command line with its paths made relative to the output folder ``out`` (the
    folder itself stays as typed when it was given as a relative path).

    A path is an absolute argument, or a relative one that contains a separator and exists
    (or is ``out`` itself); names such as ``baseline`` and numbers stay as typed.
    """
    if out is None:
        return list(argv)
    base = Path(out).resolve()
    fixed = []
    for arg in argv:
        key, eq, value = arg.partition("=") if arg.startswith("--") else ("", "", arg)
        if value and not os.path.isabs(value) and Path(value).resolve() == base:
            fixed.append(arg)  # the output folder as typed ('.' relative to itself says nothing)
            continue
        is_path = os.path.isabs(value) or (
            os.sep in value and (os.path.exists(value) or Path(value).resolve() == base)
        )
        if is_path and "\x00" not in value:
            value = os.path.relpath(Path(value).resolve(), base)
        fixed.append(f"{key}{eq}{value}")
    return fixed


def scenario_hash(data: Any) -> str:
    """sha256 of a resolved scenario (a pydantic model or its JSON dump), canonical JSON."""
    if hasattr(data, "model_dump"):
        data = data.model_dump(mode="json")
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def provenance(
    *,
    out: str | Path | None = None,
    scenario: Any = None,
    started: dt.datetime | None = None,
    argv: list[str] | None = None,
) -> dict[str, Any]:
    """The provenance table: package version, git commit and dirty flag, Python and library
    versions, the command line (paths relative to ``out``), the resolved scenario's hash and
    the start time (UTC)."""
    started = started or dt.datetime.now(dt.UTC)
    cmd = sys.argv if argv is None else argv
    return {
        "package": "coalition-sim",
        "version": package_version(),
        "git": git_state(),
        "python": platform.python_version(),
        "libraries": _versions(),
        "command": relative_argv([Path(cmd[0]).name, *cmd[1:]] if cmd else [], out),
        "scenario_sha256": None if scenario is None else scenario_hash(scenario),
        "started": started.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
