"""The browser's Compare panel: two lever settings side by side on the same random futures.

Arm A and arm B are the page's current scenario (with the values set in the sidebar) and
seed, differing only in the levers chosen here; both run the same replicate seeds through the
ensemble engine (``experiments.compare``: common random numbers), so each bar is a paired
effect B - A with its 95% interval (Newcombe for yes/no outcomes). 500 replicates of both arms
take about 1.5 s on one core.

Plugged into the page as one entry of ``app.EXTRA_PANELS``; nothing else in the page
depends on it.
"""

from __future__ import annotations

import time
from html import escape
from typing import Any, cast

import pandas as pd
import solara

from ..experiments.compare import Policy, compare
from ..scenario.levers import CATALOGUE, Role
from ..scenario.loading import ConfigError
from ..scenario.schema import Scenario
from . import guards, serving
from .views import _FONT, OUTCOME_LABELS
from .widgets import NativeSelect

__all__ = ["ComparePanel", "compare_views", "effect_bars_svg", "lever_choices"]

MAX_REPLICATES = 20_000


def lever_choices(scn: Scenario) -> dict[str, tuple[float, float, float, str]]:
    """Concrete levers of a scenario: dotted name -> (current value, min, max, label)."""
    from ..scenario.names import parameter_specs

    specs = parameter_specs(scn)
    roles = {a.id: a.role.value for a in scn.actors}
    out: dict[str, tuple[float, float, float, str]] = {}
    for generic, tag in CATALOGUE.items():
        if tag.role is not Role.LEVER:
            continue
        if generic.startswith("actors.<ID>."):
            field = generic.removeprefix("actors.<ID>.")
            for actor in scn.actors:
                if tag.decider in ("", actor.id, roles[actor.id]):
                    name = f"actors.{actor.id}.{field}"
                    s = specs[name]
                    out[name] = (s.default, s.lo, s.hi, f"{actor.id}: {tag.label}")
        elif generic in specs:
            s = specs[generic]
            out[generic] = (s.default, s.lo, s.hi, tag.label)
    return out


def effect_bars_svg(table: pd.DataFrame) -> str:
    """Yes/no outcomes: P under A and B, and the paired effect B - A with its interval."""
    rows = table[table["kind"] == "probability"].reset_index(drop=True)
    order = [k for k in OUTCOME_LABELS if k in set(rows["outcome"])]
    rows = rows.set_index("outcome").loc[order].reset_index()
    row_h, lx, mid, half = 24, 170, 420, 150  # effect axis: mid +/- half for +/- 1
    width = mid + half + 20
    span = float(max(0.05, rows[["lo", "hi"]].abs().to_numpy().max() * 1.1))
    x_of = lambda v: mid + half * float(v) / span  # noqa: E731
    height = row_h * len(rows) + 34
    out = [
        f'<svg id="compare-bars" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} '
        f'{height}" width="100%" style="max-width:{width}px;{_FONT}" role="img" '
        f'aria-label="paired effects of B against A">',
        f'<text x="{lx + 30}" y="12" font-size="11" text-anchor="middle" fill="#5d6d7e">A</text>',
        f'<text x="{lx + 95}" y="12" font-size="11" text-anchor="middle" fill="#5d6d7e">B</text>',
        f'<text x="{mid}" y="12" font-size="11" text-anchor="middle" fill="#5d6d7e">'
        f"effect B \u2212 A (95% interval), axis \u00b1{span:.2f}</text>",
        f'<line x1="{mid}" y1="18" x2="{mid}" y2="{height - 8}" stroke="#7f8c8d" '
        f'stroke-width="1"/>',
    ]
    for k, (_, r) in enumerate(rows.iterrows()):
        y = 22 + row_h * k
        clear = bool(r["excludes_zero"])
        colour = ("#c0392b" if r["effect"] > 0 else "#2e86c1") if clear else "#95a5a6"
        x0, x1 = sorted((x_of(0.0), x_of(r["effect"])))
        out.append(
            f'<g class="effect" data-outcome="{r["outcome"]}" data-effect="{r["effect"]:.4f}" '
            f'data-lo="{r["lo"]:.4f}" data-hi="{r["hi"]:.4f}">'
            f'<text x="{lx - 8}" y="{y + 14}" font-size="12" text-anchor="end" fill="#1b2631">'
            f"{escape(OUTCOME_LABELS.get(r['outcome'], r['outcome']))}</text>"
            f'<text x="{lx + 30}" y="{y + 14}" font-size="12" text-anchor="middle" '
            f'fill="#1b2631">{100 * r["reference_value"]:.0f}%</text>'
            f'<text x="{lx + 95}" y="{y + 14}" font-size="12" text-anchor="middle" '
            f'fill="#1b2631">{100 * r["value"]:.0f}%</text>'
            f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 0.5):.1f}" height="12" '
            f'fill="{colour}" opacity="0.75"/>'
            f'<line x1="{x_of(r["lo"]):.1f}" y1="{y + 10}" x2="{x_of(r["hi"]):.1f}" '
            f'y2="{y + 10}" stroke="#1b2631" stroke-width="1.5"/>'
            f'<line x1="{x_of(r["lo"]):.1f}" y1="{y + 5}" x2="{x_of(r["lo"]):.1f}" y2="{y + 15}" '
            f'stroke="#1b2631"/><line x1="{x_of(r["hi"]):.1f}" y1="{y + 5}" '
            f'x2="{x_of(r["hi"]):.1f}" y2="{y + 15}" stroke="#1b2631"/></g>'
        )
    out.append("</svg>")
    return "".join(out)


def compare_views(
    scn: Scenario, seed: int, arm_a: dict[str, float], arm_b: dict[str, float], n: int
) -> dict[str, Any]:
    """Run both arms on the same seeds and draw the effect bars."""
    start = time.perf_counter()
    res = compare(
        [Policy("A", arm_a), Policy("B", arm_b)], scn, replicates=n, seed=seed, n_boot=500
    )
    label = lambda arm: ", ".join(f"{k} = {v:.3g}" for k, v in arm.items()) or "scenario"  # noqa: E731
    return {
        "table": res.table,
        "svg": effect_bars_svg(res.table),
        "arms": f"A: {label(arm_a)}; B: {label(arm_b)}",
        "seconds": time.perf_counter() - start,
        "n": n,
    }


@solara.component
def ComparePanel(sim_ref: Any, version: solara.Reactive[int]):
    _ = version.value
    scn: Scenario = sim_ref.current.scenario
    seed: int = sim_ref.current.seed
    choices = solara.use_memo(lambda: lever_choices(scn), [scn])
    names = list(choices)
    default = "actors.USA.hedging" if "actors.USA.hedging" in choices else names[0]
    lever = solara.use_reactive(default)
    if lever.value not in choices:
        lever.set(default)
    current, lo, hi, _label = choices[lever.value]
    a_val = solara.use_reactive(current)
    b_val = solara.use_reactive(hi if current < (lo + hi) / 2 else lo)
    n_text = solara.use_reactive("500")
    error = solara.use_reactive("")
    result = solara.use_reactive(cast("dict[str, Any] | None", None))
    clicked = solara.use_reactive(0)

    def on_lever(name: str) -> None:
        try:
            name = guards.choice(name, choices, "lever")
        except guards.Refused as exc:
            error.set(f"{exc}.")
            return
        error.set("")
        lever.set(name)
        cur, lo_, hi_, _ = choices[name]
        a_val.set(cur)
        b_val.set(hi_ if cur < (lo_ + hi_) / 2 else lo_)

    def compute() -> dict[str, Any] | None:
        if clicked.value == 0:
            return None
        try:
            n = guards.count(n_text.value, 1, MAX_REPLICATES, "Replicates")
            name = guards.choice(lever.value, choices, "lever")
            a = guards.number(a_val.value, lo, hi, "A")
            b = guards.number(b_val.value, lo, hi, "B")
            serving.check_request(sim_ref.current.scenario, n, arms=2)
        except guards.Refused as exc:
            error.set(f"{exc}.")
            return None
        error.set("")
        try:
            with serving.heavy(solara.get_kernel_id()):
                out = compare_views(
                    sim_ref.current.scenario, sim_ref.current.seed, {name: a}, {name: b}, n
                )
        except (ConfigError, ValueError) as exc:
            error.set(f"The comparison was refused: {guards.public_message(str(exc))}")
            return None
        result.set(out)
        return out

    task = solara.lab.use_task(compute, dependencies=[clicked.value])
    step = (hi - lo) / 100.0
    with solara.Card(
        "Compare",
        subtitle=f"two settings of one lever on the same {scn.name} futures (seed {seed}): "
        "paired effects with 95% intervals",
        margin=0,
        classes=["mt-3", "cs-compare"],
    ):
        NativeSelect.element(
            label="Lever", input_id="cs-compare-lever", select_class="cs-compare-lever",
            options=names, value=lever.value, on_value=on_lever,
        )  # fmt: skip
        with solara.Columns([1, 1]):
            with solara.Div(classes=["cs-compare-a"]):
                solara.SliderFloat(f"A: {a_val.value:.3g}", value=a_val, min=lo, max=hi, step=step)
            with solara.Div(classes=["cs-compare-b"]):
                solara.SliderFloat(f"B: {b_val.value:.3g}", value=b_val, min=lo, max=hi, step=step)
        with solara.Row(style={"align-items": "center"}):
            solara.InputText("Replicates", value=n_text, continuous_update=True, dense=True)
            solara.Button(
                "Compare", on_click=lambda: clicked.set(clicked.value + 1), color="primary",
                disabled=task.pending, classes=["cs-run-compare"],
            )  # fmt: skip
            if task.pending:
                solara.Text("running\u2026", classes=["cs-note"])
        if error.value:
            solara.HTML(
                unsafe_innerHTML=f'<div class="cs-error" id="compare-error">{escape(error.value)}'
                "</div>"
            )
        res = result.value
        if res is not None:
            solara.HTML(
                unsafe_innerHTML=(
                    f'<div class="cs-note" id="compare-summary">{res["n"]} replicates per arm, '
                    f"same seeds in both, in {res['seconds']:.2f} s ({escape(res['arms'])}). "
                    "Bars: paired effect B \u2212 A; "
                    "whiskers: 95% Newcombe interval; grey: the interval includes zero.</div>"
                )
            )
            solara.HTML(unsafe_innerHTML=res["svg"])
