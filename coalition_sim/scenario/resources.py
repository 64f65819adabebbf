"""Where the shipped files live: THE resolver of the configuration folder and the checkout.

Why: the scenarios, sweep specs, studies, calibration targets and the committed posterior are
data the package needs to run its own examples. In a source checkout they are the project's
``configs/`` (edited in place, under git); in an installed wheel they are a copy shipped as
package data (``coalition_sim/_data/configs``, put there by hatch's ``force-include``) and
read with :mod:`importlib.resources`. Search order for a file named relative to the folder
(``summit_2018.toml``, ``sweeps/demo_grid.toml``):

1. the user folder ``$XDG_CONFIG_HOME/coalition-sim`` (default ``~/.config/coalition-sim``),
   if it exists: a file there wins over the shipped one of the same name;
2. ``$COALITION_SIM_CONFIGS`` if set (it replaces the shipped folder), else the checkout's
   ``configs/`` when the package runs from one, else the packaged copy.

Commands that write into the source tree (``calibrate --write-configs``, refreshing
``docs/``) call :func:`require_checkout` first and refuse clearly in an installed copy.
Lowest layer: imports nothing from the package but the error type.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
from importlib import resources
from pathlib import Path

from .errors import ConfigError

__all__ = [
    "PACKAGE_DIR",
    "checkout_root",
    "config_dir",
    "config_dirs",
    "config_file",
    "config_path",
    "doc_file",
    "packaged_configs",
    "require_checkout",
    "user_config_dir",
]

#: The installed or checked-out ``coalition_sim`` package folder.
PACKAGE_DIR = Path(__file__).resolve().parent.parent
#: Where the wheel carries the configuration folder (pyproject: tool.hatch...force-include).
PACKAGED = ("_data", "configs")
_NAME_LINE = 'name = "coalition-sim"'


@functools.cache
def checkout_root() -> Path | None:
    """The source checkout the package runs from (the folder above the package holding this
    project's ``pyproject.toml`` and ``configs/``), or None for an installed copy.

    Only the package's own parent is looked at: an installed copy inside some other project's
    virtual environment must not mistake that project for this one."""
    root = PACKAGE_DIR.parent
    meta = root / "pyproject.toml"
    try:
        named = _NAME_LINE in meta.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if named and (root / "configs").is_dir() else None


_KEEP = contextlib.ExitStack()
atexit.register(_KEEP.close)


@functools.cache
def packaged_configs() -> Path | None:
    """The configuration folder shipped inside the installed package, as a real folder (a
    zipped install is extracted once for the life of the process), or None if absent."""
    res = resources.files("coalition_sim").joinpath(*PACKAGED)
    if not res.is_dir():
        return None
    if isinstance(res, Path):
        return res
    return Path(_KEEP.enter_context(resources.as_file(res)))


def user_config_dir() -> Path:
    """``$XDG_CONFIG_HOME/coalition-sim`` (default ``~/.config/coalition-sim``)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "coalition-sim"


def config_dir() -> Path:
    """The scenario folder: ``$COALITION_SIM_CONFIGS``, else a checkout's ``configs/``,
    else the copy shipped in the package."""
    env = os.environ.get("COALITION_SIM_CONFIGS")
    if env:
        return Path(env)
    root = checkout_root()
    if root is not None:
        return root / "configs"
    return packaged_configs() or PACKAGE_DIR.joinpath(*PACKAGED)


def config_dirs() -> list[Path]:
    """Folders searched for a named file, first match wins: the user folder (if it exists),
    then :func:`config_dir`."""
    user = user_config_dir()
    return [user, config_dir()] if user.is_dir() else [config_dir()]


def config_file(*parts: str) -> Path:
    """``parts`` (e.g. ``"sweeps", "demo_grid.toml"``) in the first folder of
    :func:`config_dirs` that has it; the shipped folder's path if none has it (so the
    error names where it was expected)."""
    for folder in config_dirs():
        path = folder.joinpath(*parts)
        if path.exists():
            return path
    return config_dir().joinpath(*parts)


def config_path(path: str | Path) -> Path:
    """``path`` as given if it exists (or is absolute); a relative path that does not exist is
    looked up with :func:`config_file`: ``configs/...`` (the README's examples, typed outside
    a checkout) under its folder, any other name, such as ``sweeps/demo_grid.toml``, as the
    README says, in the user folder and then ``configs/``. Not found anywhere: as given, so
    the error names what was typed."""
    p = Path(path)
    if p.exists() or p.is_absolute() or not p.parts:
        return p
    if len(p.parts) >= 2 and p.parts[0] == "configs":
        return config_file(*p.parts[1:])
    found = config_file(*p.parts)
    return found if found.exists() else p


#: Documents the code reads at run time, carried by the wheel under ``_data/docs`` (pyproject:
#: tool.hatch...force-include): an installed copy has no checkout to read them from. The page
#: offers the first three for download; ``validate`` reads the committed fit's generations
#: from ``fit.json`` (its report lost that table in an installed copy).
SHIPPED_DOCS = (
    "README.md",
    "docs/ODD.md",
    "docs/calibration/README.md",
    "docs/calibration/fit.json",
)


def doc_file(rel: str) -> Path:
    """One of :data:`SHIPPED_DOCS`: the checkout's file when running from one, else the copy
    the wheel carries (the page's download buttons vanished in an installed copy). Any other
    name is a programming error: the wheel would not carry it."""
    if rel not in SHIPPED_DOCS:
        raise ValueError(f"{rel!r} is not one of SHIPPED_DOCS (pyproject: force-include it)")
    root = checkout_root()
    return (root / rel) if root is not None else PACKAGE_DIR.joinpath("_data", "docs", rel)


def require_checkout(what: str) -> Path:
    """The checkout's root, or a one-line ConfigError saying ``what`` needs one."""
    root = checkout_root()
    if root is None:
        raise ConfigError(
            f"{what} writes into the project's source tree, and this is an installed copy "
            f"({PACKAGE_DIR}); run it from a git checkout of coalition-sim, or write elsewhere "
            "with --out"
        )
    return root
