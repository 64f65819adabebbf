"""Point summaries of a fit as scenario files (rejection and sequential fits alike)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..scenario import resources
from ..scenario.library import load_scenario
from ..scenario.loading import ConfigError

__all__ = ["write_point_scenario"]


def _toml_value(v: float) -> str:
    return repr(round(float(v), 6))


def _extends_value(path: Path, base: Path) -> str:
    """How ``path`` names ``base``: the path relative to it, except for a shipped scenario in
    an installed copy, named as the loader finds it from anywhere (``history/start_2016.toml``):
    a relative path into ``site-packages`` broke once the environment was moved or rebuilt,
    or the file was shared."""
    shipped = resources.config_dir().resolve()
    target = Path(base).resolve()
    if resources.checkout_root() is None and target.is_relative_to(shipped):
        return target.relative_to(shipped).as_posix()
    return os.path.relpath(base, path.parent)


def write_point_scenario(path: Path, base: Path, name: str, summary: dict[str, Any],
                         priors: dict[str, Any], header: list[str], description: str) -> Path:  # fmt: skip
    """A scenario that ``extends`` ``base`` and sets the posterior medians (intervals in
    comments); validated by loading it, written atomically."""
    rel = _extends_value(path, base)
    lines = [*(f"# {h}" for h in header), f'extends = "{rel}"', f'name = "{name}"',
             f'description = "{description}"', ""]  # fmt: skip
    groups: dict[str, list[str]] = {}
    actors: dict[str, list[str]] = {}
    for key, s in summary.items():
        pr = priors[key]
        note = (f"  # 90% interval [{s['q05']:.4g}, {s['q95']:.4g}]; "
                f"prior [{pr['low']:g}, {pr['high']:g}]")  # fmt: skip
        parts = key.split(".")
        line = f"{parts[2]} = {_toml_value(s['median'])}{note}"
        (groups if parts[0] == "params" else actors).setdefault(parts[1], []).append(line)
    for aid, items in actors.items():
        lines += ["[[actors]]", f'id = "{aid}"', *items, ""]
    for g, items in groups.items():
        lines += [f"[params.{g}]", *items, ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    try:
        load_scenario(tmp)
    except ConfigError:
        tmp.unlink()
        raise
    tmp.replace(path)
    return path
