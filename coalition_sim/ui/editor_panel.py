"""The actor editor: add a member actor (e.g. Japan) with its ties to the scenario on
screen; the schema validates the result, which becomes a new entry of the scenario menu
(exportable, undoable). The data side is :mod:`.authoring`."""

from __future__ import annotations

import functools
from html import escape

import solara

from ..scenario.loading import ConfigError
from . import guards
from .authoring import TIE_TYPES, add_actor, free_actor
from .page_state import EDITED_PREFIX, PageState
from .panels import Card
from .widgets import NativeSelect

__all__ = ["ActorEditor"]

NO_TIE = "no tie"
#: The strength a tie to an actor without a preset strength starts at (shown and read alike).
DEFAULT_STRENGTH = "0.5"


@solara.component
def ActorEditor(ui: PageState):
    _ = ui.version.value
    scn = ui.sim.scenario
    others = [a.id for a in scn.actors]
    # an id the scenario does not have yet, offered again if the scenario changes under an
    # untouched offer (JPN was offered on regional_six, which has JPN, and Add refused it)
    offer = free_actor(others)
    offered = solara.use_ref(offer)
    actor_id = solara.use_reactive(offered.current[0])
    name = solara.use_reactive(offered.current[1])
    untouched = actor_id.value == offered.current[0]
    if offered.current != offer and untouched and offered.current[0] in others:
        actor_id.set(offer[0])
        if name.value == offered.current[1]:
            name.set(offer[1])
        offered.current = offer
    capability = solara.use_reactive("0.033")
    commitment = solara.use_reactive("0.85")
    kinds = solara.use_reactive({"USA": "treaty_ally", "ROK": "partner", "DPRK": "adversary"})
    strengths = solara.use_reactive({"USA": "0.85", "ROK": "0.4", "DPRK": "0.2"})

    def strength_of(other: str) -> str:
        """The strength field's text: what it shows is what Add reads (an actor without a
        preset strength, such as the PRC, shows and gets 0.5)."""
        return strengths.value.get(other, DEFAULT_STRENGTH)

    message = solara.use_reactive("")

    def set_kind(other: str, value: str) -> None:
        kinds.set({**kinds.value, other: value})

    def set_strength(other: str, value: str | None) -> None:
        strengths.set({**strengths.value, other: value or ""})

    def add() -> None:
        cut = len(name.value.strip()) > 60  # said when added (a name was cut in silence)
        try:
            cap = guards.number(_float(capability.value), 0, 1, "Capability")
            com = guards.number(_float(commitment.value), 0, 1, "Commitment")
            ties = {}
            for other in others:
                kind = kinds.value.get(other, NO_TIE)
                if kind == NO_TIE:
                    continue
                kind = guards.choice(kind, TIE_TYPES, "tie type")
                ties[other] = (
                    kind,
                    float(
                        guards.number(_float(strength_of(other)), 0, 1, f"Tie strength to {other}")
                    ),
                )
            # the scenario without the page's values or a posterior draw, with the run's seed;
            # the page's values are carried over as page values (they win over a draw, as on
            # any scenario) and the new scenario draws its own particle when the switch is on
            new = add_actor(
                ui.scenario_on_screen(page_values=False), actor_id=actor_id.value.strip(),
                name=name.value.strip()[:60],
                capability=float(cap), commitment=float(com), ties=ties,
            )  # fmt: skip
        except ConfigError as exc:  # guards.Refused is one
            message.set(f"Refused: {guards.public_message(str(exc))}. Nothing was changed.")
            return
        key = f"{EDITED_PREFIX}{new.name}"
        before = ui.uploaded.value
        ui.uploaded.set({**before, key: new})
        msg = ui.switch(key, values=ui.sim.values)
        if msg:  # refused: no menu entry for a scenario the page cannot run
            ui.uploaded.set(before)
        message.set(
            f"Refused: {msg}. Nothing was changed."
            if msg
            else f"Added {new.actors[-1].name}: now '{new.name}'."
            + (" Its name was cut to 60 characters." if cut else "")
        )
        if not msg:  # the added actor's id is taken now: the next one needs its own
            actor_id.set("")
            name.set("")

    with Card("Add an actor", id="card-editor"):
        solara.HTML(
            unsafe_innerHTML='<p class="cs-note">A new member of the coalition with its ties to '
            f"the actors of {escape(scn.name)}; the scenario schema checks it. The result is a "
            "new entry of the scenario menu (Undo brings the old one back; export it as TOML).</p>"
        )
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.InputText(
                "Id (2-16 capitals, digits or _, e.g. JPN)",
                value=actor_id,
                classes=["cs-ed-id"],
                continuous_update=True,
            )
            solara.InputText(
                "Actor name", value=name, classes=["cs-ed-name"], continuous_update=True
            )
            # every field sends as typed: a change of a tie menu re-renders the editor, which
            # put back a capability typed but not yet sent
            solara.InputText(
                "Capability (CINC share, 0-1)", value=capability, classes=["cs-ed-cap"],
                continuous_update=True,
            )  # fmt: skip
            solara.InputText(
                "Commitment (0-1)",
                value=commitment,
                classes=["cs-ed-commit"],
                continuous_update=True,
            )
        for other in others:
            with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-end"}):
                NativeSelect.element(
                    label=f"Tie to {other}", input_id=f"cs-ed-tie-{other}",
                    select_class=f"cs-ed-tie-{other}", options=[NO_TIE, *TIE_TYPES],
                    labels=[NO_TIE, *(t.replace("_", " ") for t in TIE_TYPES)],  # as the legend
                    value=kinds.value.get(other, NO_TIE),
                    on_value=functools.partial(set_kind, other),
                )  # fmt: skip
                # no tie, no strength: the field is off (a strength typed there was dropped
                # in silence by Add)
                tied = kinds.value.get(other, NO_TIE) != NO_TIE
                solara.InputText(
                    f"Strength to {other} (0-1)" if tied else f"Strength to {other}: no tie",
                    value=strength_of(other), on_value=functools.partial(set_strength, other),
                    classes=[f"cs-ed-strength-{other}"], continuous_update=True,
                    disabled=not tied,
                )  # fmt: skip
        solara.Button("Add the actor", on_click=add, color="primary", classes=["cs-ed-add"])
        if message.value:  # a refusal reads as one (red, announced at once), news as a note
            kind = (
                'cs-error" role="alert'
                if message.value.startswith("Refused")
                else 'cs-note" role="status'
            )
            solara.HTML(
                unsafe_innerHTML=f'<div class="{kind}" id="editor-message">'
                f"{escape(message.value)}</div>"
            )


def _float(text: object) -> object:
    """A typed number as a float (or the text itself, which the guard then refuses)."""
    try:
        return float(str(text).strip())
    except ValueError:
        return text
