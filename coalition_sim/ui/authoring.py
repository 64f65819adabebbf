"""Authoring without Solara: add an actor (e.g. Japan) with its ties to the scenario on
screen, validated by the scenario schema like any file.

The page's actor editor calls :func:`add_actor`; the result is a new scenario in the page's
menu ("<name> + <id>"), exportable as a full TOML file or as ``extends`` + changed keys.
"""

from __future__ import annotations

import re
from typing import Any

from ..scenario.loading import ConfigError, validate_scenario
from ..scenario.schema import ACTOR_ID, Scenario, TieType

__all__ = ["SUGGESTED_ACTORS", "TIE_TYPES", "add_actor", "free_actor"]

#: The tie types an editor may choose, as the schema spells them.
TIE_TYPES = tuple(t.value for t in TieType)

#: The ids (and names) the editor offers, in order: the first not already in the scenario.
SUGGESTED_ACTORS = (
    ("JPN", "Japan"), ("AUS", "Australia"), ("CAN", "Canada"), ("GBR", "United Kingdom"),
    ("IND", "India"), ("FRA", "France"), ("DEU", "Germany"),
)  # fmt: skip


def free_actor(ids: list[str] | tuple[str, ...] | set[str]) -> tuple[str, str]:
    """An id and name the editor can offer for a scenario whose actors are ``ids``: the first
    of :data:`SUGGESTED_ACTORS` not among them (``regional_six`` has JPN: it was offered and
    then refused as already an actor), else ``NEW_1``, ``NEW_2``..."""
    taken = set(ids)
    for actor_id, name in SUGGESTED_ACTORS:
        if actor_id not in taken:
            return actor_id, name
    k = 1
    while f"NEW_{k}" in taken:
        k += 1
    return f"NEW_{k}", f"New actor {k}"


def add_actor(
    scn: Scenario,
    *,
    actor_id: str,
    name: str,
    capability: float,
    commitment: float,
    ties: dict[str, tuple[str, float]],
) -> Scenario:
    """``scn`` with one more member actor and its ties (other actor id -> (type, strength)).

    Every other field of the actor takes the schema default. The schema judges the result
    (id pattern, ranges, known tie types, ties between known actors); a refusal is a
    :class:`ConfigError` naming the key. An id already in the scenario is refused here.
    """
    if not re.match(ACTOR_ID, actor_id):  # in words, not the schema's pattern
        shown = repr(actor_id[:20]) if actor_id else "nothing"
        raise ConfigError(
            "actor editor: key 'id': an id is 2 to 16 characters, a capital letter and then "
            f"capitals, digits or _ (JPN, AUS_2), not {shown}"
        )
    if not name.strip():  # a blank name would show as a blank legend entry and tooltip
        raise ConfigError(
            "actor editor: key 'name': give the new actor a name (e.g. Japan), not an empty field"
        )
    ids = [a.id for a in scn.actors]
    if actor_id in ids:
        raise ConfigError(f"actor editor: key 'id': {actor_id!r} is already an actor of {scn.name}")
    if not ties:
        raise ConfigError("actor editor: key 'ties': give the new actor at least one tie")
    data: dict[str, Any] = scn.model_dump(mode="python", exclude_none=True)
    data["name"] = f"{scn.name} + {actor_id}"
    data["actors"].append(
        {
            "id": actor_id,
            "name": name.strip(),
            "role": "member",
            "capability": capability,
            "commitment": commitment,
        }
    )
    for other, (kind, strength) in ties.items():
        data["ties"].append({"a": other, "b": actor_id, "type": kind, "strength": strength})
    return validate_scenario(data, "actor editor")
