"""Reading scenario files: TOML, ``extends`` chains, and one-line error wording.

Every problem in a scenario file becomes a :class:`ConfigError` whose message is one line
naming the file, the dotted key (as ``--set`` spells it) and what is allowed.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from .errors import ConfigError  # defined in the lowest module, re-exported here
from .safe_paths import (
    check_extends_name,
    parse_toml_bytes,
    read_input_bytes,
    read_toml_file,
    show,
)
from .schema import Scenario, field_range

__all__ = [
    "ChainLink",
    "ConfigError",
    "chain_unchanged",
    "extend_scenario_data",
    "extends_path",
    "first_error",
    "read_scenario_data",
    "read_toml",
    "validate_scenario",
]


def _loc(loc: tuple[Any, ...], data: Any = None) -> str:
    """A dotted key as ``--set`` spells it; actors are named by id where the input has one."""
    out, node = "", data
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            out += f".{ident}" if isinstance(ident, str) and out == "actors" else f"[{part}]"
            node = item
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


def _models_in(ann: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (``list[Actor]``, ``Params | None``, ...)."""
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return [ann]
    return [m for arg in get_args(ann) for m in _models_in(arg)]


def _keyed(ann: Any) -> bool:
    """Whether a field's annotation is a mapping (its next location part is a key)."""
    return get_origin(ann) in (dict, Mapping) or any(_keyed(a) for a in get_args(ann))


def _model_at(model: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model whose keys the location ``loc`` addresses inside ``model`` (list indexes and
    mapping keys are stepped over), None where the location leaves the models."""
    node: type[BaseModel] = model
    key_next = False
    for part in loc:
        if key_next or isinstance(part, int):
            key_next = False
            continue
        field = node.model_fields.get(part)
        found = _models_in(field.annotation) if field is not None else []
        if field is None or len(found) != 1:
            return None
        key_next, node = _keyed(field.annotation), found[0]
    return node


def _field_bounds(
    loc: tuple[Any, ...], model: type[BaseModel] = Scenario
) -> tuple[Any, Any] | None:
    """The schema's (min, max) for the field at ``loc``, if it has them."""
    named = list(loc)
    while named and isinstance(named[-1], int):  # an item of a list field: the field's bounds
        named.pop()
    holder = _model_at(model, named[:-1]) if named else None
    field = holder.model_fields.get(named[-1]) if holder is not None else None
    if field is None:
        return None
    lo, hi = field_range(field)
    return (lo, hi) if lo is not None or hi is not None else None


def _unknown_key_hint(loc: tuple[Any, ...], key: str, model: type[BaseModel] | None) -> str:
    """What is allowed where an unknown key stands: the nearest key, else the keys there.
    (A scenario file's typo got no hint while the same typo in ``--set`` got one.)"""
    holder = _model_at(model, loc[:-1]) if model is not None and loc else None
    if holder is None or not isinstance(loc[-1], str):
        return ""
    allowed = list(holder.model_fields)
    if holder is Scenario and len(loc) == 1:
        allowed.append("extends")  # read before the schema sees the file
    prefix = key[: len(key) - len(loc[-1])]  # 'params.fatigue.' (actors by id, as in the key)
    close = difflib.get_close_matches(loc[-1], allowed, n=1)
    if close:
        return f" (did you mean '{prefix}{close[0]}'?)"
    if holder is Scenario and len(loc) == 1:
        return ""  # a scenario's top-level keys are in every shipped file (and --set's too)
    where = f" in '{prefix.rstrip('.')}'" if prefix else ""
    if len(allowed) <= 16:
        return f" (allowed{where}: {', '.join(allowed)})"
    return f" (none of the {len(allowed)} keys allowed{where} is close)"


def _brief(value: Any, limit: int = 60) -> str:
    """A short repr of an input value for a one-line message (never the whole input)."""
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)"
    if isinstance(value, dict):
        return f"a table of {len(value)} key(s)"
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 15]}...' ({len(text)} characters)"


def _clip(text: str, limit: int) -> str:
    """One line of at most about ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else f"{text[: limit - 25]}... ({len(text)} characters)"


class _Brief:
    """Wraps an input value so that ``{got!r}`` in a message prints :func:`_brief` of it."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        value = self.value
        return "true" if value is True else "false" if value is False else _brief(value)


def _describe(
    err: Mapping[str, Any], data: Any = None, model: type[BaseModel] | None = None
) -> str:
    kind = err["type"]
    key = _clip(_loc(err["loc"], data), 80)
    got = _Brief(err.get("input"))
    if kind == "extra_forbidden":
        return f"unknown key '{key}'{_unknown_key_hint(tuple(err['loc']), key, model)}"
    if kind == "missing":
        return f"missing required key '{key}'"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        bounds = _field_bounds(err["loc"], model or Scenario)
        allowed = f"allowed [{bounds[0]}, {bounds[1]}]" if bounds else err["msg"].lower()
        return f"key '{key}' = {got!r} is out of range ({allowed})"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        # pydantic says "a valid dictionary or instance of Inputs": a class name is no help
        return (
            f"key '{key}' must be a set of keys and values (a table in TOML, an object in "
            f"JSON), not {got!r}"
        )
    if kind == "enum" or kind == "literal_error":
        return f"key '{key}' = {got!r}: {_lower_first(err['msg'])}"
    if kind == "value_error":
        msg = _clip(err["msg"].removeprefix("Value error, "), 200)
        return f"{msg}" if not err["loc"] else f"key '{key}': {msg}"
    return f"key '{key}' = {got!r}: {_lower_first(err['msg'])}"


def _lower_first(msg: str) -> str:
    """Pydantic's message with its first letter in lower case, the rest as written (a
    pattern such as '^[A-Z][A-Z0-9_]{1,15}$' must not be lowered)."""
    return msg[:1].lower() + msg[1:]


def first_error(
    exc: ValidationError, data: Any = None, model: type[BaseModel] | None = None
) -> str:
    """The first of a validation's errors in one line (and how many more there are).
    ``model``: the model validated, so that an unknown key is answered with what is allowed
    there and a range is read off the right schema."""
    # an unknown key first: a misspelt key also leaves its field missing, and its hint
    # names the key meant ('extend' for 'extends' was refused as "missing key 'name'")
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    first = _describe(errors[0], data, model)
    return first + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")


#: The project's other TOML files, told by keys no scenario has: given where a scenario
#: belongs (``run --config configs/sweeps/demo_grid.toml``) they were refused as "unknown key
#: 'scenario' (and 5 more)".
_OTHER_FILES = (
    ({"design", "parameters"}, "a sweep spec", "sweep FILE --out DIR"),
    ({"uncertainties", "policies"}, "a study spec", "study FILE"),
    ({"statistics", "priors"}, "a calibration target file", "calibrate FILE"),
    ({"statistics"}, "a held-out record", "validate holdout --holdout FILE"),
    ({"ablations"}, "an ablation file", "validate --ablations FILE"),
)


def validate_scenario(data: dict[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a scenario mapping; raise :class:`ConfigError` with a one-line message."""
    if not data:  # an empty file was refused as "missing required key 'name' (and 1 more)"
        raise ConfigError(
            f"{show(source)}: no keys (an empty file, or comments only); a scenario needs at "
            'least extends = "baseline" (or another shipped scenario), or name and actors'
        )
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        for keys, what, use in _OTHER_FILES:
            if keys <= set(data) and "actors" not in data:
                raise ConfigError(
                    f"{show(source)}: {what}, not a scenario (use it with '{use}')"
                ) from None
        raise ConfigError(f"{show(source)}: {first_error(exc, data, Scenario)}") from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file; missing, unreadable, oversized, non-regular and malformed files
    become a one-line :class:`ConfigError` (see :mod:`safe_paths`)."""
    return read_toml_file(path)


def _merge_lists(base: list[Any], top: list[Any], key: Any) -> list[Any]:
    def safe_key(item: Any) -> Any:  # malformed items never match; the schema refuses them
        try:
            found = key(item) if isinstance(item, dict) else None
            hash(found)
        except TypeError:
            return None
        return found

    out = [dict(item) if isinstance(item, dict) else item for item in base]
    where = {safe_key(item): k for k, item in enumerate(out) if safe_key(item) is not None}
    for item in top:
        k = where.get(safe_key(item)) if safe_key(item) is not None else None
        if k is None:
            out.append(item)
        else:
            out[k] = _merge(out[k], item)
    return out


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``top`` over ``base``: tables key by key, actors by id, ties by pair."""
    out = dict(base)
    for k, v in top.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        elif k == "actors" and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = _merge_lists(out[k], v, lambda t: t.get("id"))
        elif k == "ties" and isinstance(v, list) and isinstance(out.get(k), list):
            out[k] = _merge_lists(out[k], v, lambda t: frozenset((t.get("a"), t.get("b"))))
        else:
            out[k] = v
    return out


def extend_scenario_data(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario mapping ``top`` read over the ``base`` it extends, by the rules of
    ``extends``: tables merged key by key, actors by id, ties by pair, every other key
    replaced; ``events`` inherited from ``base`` unless ``top`` gives its own list. ``top``
    must not hold ``extends`` itself (resolve the parent first); the inputs are not changed."""
    merged = _merge(dict(base), dict(top))
    if "events" not in top:
        merged["events"] = base.get("events", [])
    return merged


#: What one file of an ``extends`` chain contributed to a load: its bytes as parsed and the
#: checked ``extends`` name it gave (None for the last file). A list of them, top file first,
#: is all a loaded scenario depends on besides where the top file is.
ChainLink = tuple[bytes, str | None]


def extends_path(path: Path, parent: str) -> Path:
    """The file ``parent`` (an ``extends`` value, already checked) names: next to ``path``
    first; a name found nowhere there (a file name, or a shipped scenario's name such as
    ``history/start_2018.toml``; never ``..``) is a shipped scenario's, looked up as a named
    scenario is (the user folder, then the shipped ``configs/``; ``.toml`` may be left off).
    So a scenario of one's own, anywhere, may say ``extends = "baseline.toml"`` or
    ``"history/start_2018.toml"`` (as the page's compact export writes), and a shipped
    scenario copied into the user folder still finds its shipped parent."""
    try:
        near = (path.parent / parent).resolve()
    except (OSError, RuntimeError):
        raise ConfigError(
            f"{show(path)}: key 'extends': cannot resolve {parent!r} (a symlink loop?)"
        ) from None
    named = Path(parent)
    if near.exists() or named.is_absolute() or ".." in named.parts:
        return near
    from .resources import config_dirs

    for name in (parent, f"{parent}.toml") if not parent.endswith(".toml") else (parent,):
        for folder in config_dirs():
            if (folder / name).is_file():
                return (folder / name).resolve()
    raise ConfigError(
        f"{show(path)}: key 'extends' = {parent!r}: no such file next to it, nor a shipped "
        "scenario of that name"
    )


def read_scenario_data(
    path: str | Path, _seen: tuple[Path, ...] = (), record: list[ChainLink] | None = None
) -> dict[str, Any]:
    """Raw scenario mapping, following ``extends = "other.toml"`` (relative to the file).

    ``record``: if given, one :data:`ChainLink` per file read is appended to it, top file
    first, with the very bytes that were parsed (so a cache keyed by them can never hold
    what another version of a file would give; see :func:`chain_unchanged`)."""
    path = Path(path)
    raw = read_input_bytes(path)  # read_toml's own two steps, keeping the bytes
    data = parse_toml_bytes(raw, show(path))
    parent = data.pop("extends", None)
    if parent is None:
        if record is not None:
            record.append((raw, None))
        return data
    parent = check_extends_name(parent, path, len(_seen))
    base_path = extends_path(path, parent)
    try:
        here = path.resolve()
    except (OSError, RuntimeError):
        raise ConfigError(
            f"{show(path)}: key 'extends': cannot resolve {parent!r} (a symlink loop?)"
        ) from None
    if base_path in _seen or base_path == here:
        raise ConfigError(f"{show(path)}: key 'extends' makes a cycle through {base_path.name}")
    if record is not None:
        record.append((raw, parent))
    base = read_scenario_data(base_path, (*_seen, here), record)
    return extend_scenario_data(base, data)


def chain_unchanged(path: str | Path, record: Sequence[ChainLink]) -> bool:
    """Whether reading ``path`` now would read exactly the bytes of ``record`` (a
    :func:`read_scenario_data` record), file by file along its ``extends`` chain.

    Equal bytes give equal ``extends`` names, so the chain is followed by the record's names
    and the same path rules; any file that is now missing, unreadable, different or a
    repeat of an earlier one answers False (the caller then loads the usual way, which
    raises the usual error). Nothing is parsed: the check costs a read of each file."""
    here = Path(path)
    seen: list[Path] = []
    for k, (raw, parent) in enumerate(record):
        try:
            if read_input_bytes(here) != raw:
                return False
            if parent is None:
                return k == len(record) - 1
            seen.append(here.resolve())
            here = extends_path(here, parent)
        except (ConfigError, OSError, RuntimeError):
            return False
        if here in seen:
            return False
    return False
