"""Checks on every value the page receives from a widget, before the value is used.

Why (issue 23): a browser client can send any value for any widget, not only the ones the
widget offers (``document.querySelector('.cs-select').__vue__.value = '/etc/passwd'`` from the
console). On main the scenario menu's value went straight to the scenario loader, so a visitor
could make the server open any path, tell "no such file", "is a directory" and "malformed
TOML" apart from the messages, and download any scenario-shaped TOML through Export; a bogus
Compare lever replaced the page with a traceback showing server paths.

The rule: a value is checked against the widget's own allowed set (the menu's entries, the
lever names, a slider's range, a count's bounds) before anything is read or computed. A refusal
is a one-line :class:`Refused` that names no server path and says the same thing whatever the
value points at on the server; :func:`public_message` strips server paths from the messages of
refusals that come from deeper down (a menu scenario that fails to load, a schema error).

One small pure function per widget kind; the page's components call them at the place the
value arrives (``ui/app.py``, ``ui/compare_panel.py``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Collection, Mapping
from pathlib import Path

from ..scenario.errors import ConfigError
from ..scenario.safe_paths import project_root
from .numbers import whole

__all__ = [
    "BAD_INPUT",
    "COMMA",
    "MAX_UPLOAD_NAME",
    "Refused",
    "choice",
    "count",
    "flag",
    "number",
    "public_message",
    "scenario_base",
    "typed",
    "upload",
]

#: Longest uploaded file name kept (a file name on Linux is at most 255 bytes).
MAX_UPLOAD_NAME = 255


class Refused(ConfigError):
    """A widget value outside the widget's allowed set (one line, no server path)."""


#: What a number field sends for text the browser could not read as a number (it hands
#: over no text at all then, so there is nothing to quote): see ``widgets.NumberField``.
BAD_INPUT = "\x00"
#: What a number field sends when a comma is typed or pasted into it: the browser would drop
#: the comma without a word ('1,5' read as 15), so the field refuses it instead.
COMMA = "\x01"


def typed(text: str) -> str:
    """What a number field held, for a refusal: the text, quoted; words if it was empty or
    held letters (or a number too large) the browser could not read."""
    if text == BAD_INPUT:
        return "letters or a number the browser could not read"
    if text == COMMA:
        return "a comma (write decimals with a point, 1.5, and thousands without a separator)"
    text = text.strip()
    return repr(text) if text else "an empty field"


def choice(value: object, allowed: Collection[str], what: str) -> str:
    """``value`` if it is one of a menu's entries; otherwise :class:`Refused`.

    The message does not repeat the value and is the same for every value outside the menu,
    so it tells nothing about what the value names on the server.
    """
    if isinstance(value, str) and value in allowed:
        return value
    raise Refused(f"that {what} is not one of the menu's entries")


def scenario_base[T](key: object, names: Collection[str], uploaded: Mapping[str, T]) -> str | T:
    """What the scenario menu's ``key`` stands for: an uploaded scenario (by its menu key) or
    the name of a scenario in ``configs/``; :class:`Refused` for anything else (a path)."""
    key = choice(key, [*names, *uploaded], "scenario")
    return uploaded.get(key, key)


def number(value: object, lo: float, hi: float, what: str, *, integer: bool = False) -> float | int:
    """A slider's value if it is a finite number (not a bool) in ``[lo, hi]`` (a whole number
    if ``integer``); :class:`Refused` otherwise."""
    x = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            x = float(value)
        except OverflowError:  # an int beyond the float range
            x = None
    if x is None or not math.isfinite(x) or (integer and x != math.floor(x)) or not lo <= x <= hi:
        kind = "a whole number" if integer else "a number"
        raise Refused(f"{what} must be {kind} from {lo:g} to {hi:g}")
    return int(x) if integer else x


def count(text: object, lo: int, hi: int, what: str) -> int:
    """A whole number typed into a text field, in ``[lo, hi]``; :class:`Refused` otherwise.
    Thousands may be grouped as the page writes them ("12,019", "2 000")."""
    raw = text.strip() if isinstance(text, str) else ""
    if re.fullmatch(r"\d{1,3}([, ]\d{3})+", raw):
        raw = re.sub(r"[, ]", "", raw)
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12 or not lo <= int(raw) <= hi:
        shown = text if isinstance(text, str) and len(text) <= 40 else "this value"
        raise Refused(
            f"{what} must be a whole number from {whole(lo)} to {whole(hi)}, not {shown!r}"
        )
    return int(raw)


def flag(value: object, what: str) -> bool:
    """A switch's value: a bool; :class:`Refused` otherwise."""
    if isinstance(value, bool):
        return value
    raise Refused(f"{what} must be on or off")


def upload(data: object, max_bytes: int) -> tuple[str, str | None]:
    """The (file name, text) the file input sends; text None when the file was too large.

    The client builds this message, so its shape is checked: a mapping with a string name
    (shortened to :data:`MAX_UPLOAD_NAME` characters, no control characters) and a string
    text of at most ``max_bytes`` UTF-8 bytes, or no text. ``utf8: false`` (the browser could
    not decode the file strictly as UTF-8) is refused as "not UTF-8 text", as a file on the
    command line is.
    """
    if not isinstance(data, Mapping):
        raise Refused("the file input sent something that is not a file")
    raw_name = data.get("name")
    name = raw_name if isinstance(raw_name, str) and raw_name.strip() else "uploaded file"
    name = re.sub(r"[\x00-\x1f\x7f]", "?", name)[:MAX_UPLOAD_NAME]
    if data.get("utf8") is False:
        raise Refused(f"{name}: not UTF-8 text")
    text = data.get("text")
    if text is None:
        return name, None
    if not isinstance(text, str):
        raise Refused(f"{name}: the file input sent something that is not text")
    if len(text) > max_bytes or len(text.encode("utf-8", "surrogatepass")) > max_bytes:
        return name, None
    return name, text


def _server_roots() -> list[str]:
    roots = {str(project_root()), str(Path.home()), os.getcwd()}
    env = os.environ.get("COALITION_SIM_CONFIGS")
    if env:
        roots.add(str(Path(env).resolve()))
        roots.add(env)
    return sorted((r for r in roots if len(r) > 1), key=len, reverse=True)


_ABSOLUTE = re.compile(r"(?<![\w.])/(?:[^\s/:'\"]+/)+([^\s/:'\"]+)")


def public_message(message: str) -> str:
    """A refusal's text with server paths removed: the project folder (and home, current
    folder, scenario folder) dropped, any other absolute path reduced to its last name."""
    text = str(message)
    for root in _server_roots():
        text = text.replace(root + os.sep, "").replace(root, "")
    return _ABSOLUTE.sub(lambda m: m.group(1), text)
