"""The ensemble panel: many replicates of the inputs on screen, with or without the fitted
posterior, the previous ensemble kept beside the new one with their paired difference, and
the downloads.

The posterior switch is an input like any other: it is part of the link, of Undo, of the
staleness check (a result computed with it off is greyed once it is on) and of the download
names. When an ensemble is re-run, the one before stays on screen beside it, and each
outcome's difference (after - before) is printed with its 95% interval: paired replicate by
replicate when both ran the same seeds (same seed and size: the common case of flipping the
posterior switch), which removes the noise they share.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any, cast

import numpy as np
import solara
import solara.lab

from ..scenario.loading import ConfigError
from ..scenario.names import canonical_key
from ..scenario.resources import doc_file
from . import guards, serving
from .numbers import pct_text, pp_between, pp_bound
from .page_state import PageState, use_batch
from .panels import Card, busy_with_stop, stopped_status
from .session import (
    Result,
    Sim,
    ensemble_key,
    ensemble_views,
    intro_words,
    paired_difference,
    param_label,
    posterior_digest,
    posterior_words,
    shipped_posterior,
)
from .state import MAX_REPLICATES, ensemble_outcomes_csv, ensemble_replicates_csv
from .style import chart, export_stem, plain_text, svg_file
from .theme import METRIC_STYLE, commitment_word
from .views import OUTCOME_LABELS, bars_caption_html, fan_caption_html
from .widgets import PngButton, SortableTable

__all__ = [
    "EnsemblePanel",
    "calibration_report",
    "column_label",
    "comparable",
    "difference_table_html",
    "stopped_note",
]

POSTERIOR_HELP = (
    "The posterior is the set of parameter values that reproduce the 2016\u201318 record "
    "(fitted by sequential ABC to the record's dated facts; it is what the calibration "
    "learned, with its uncertainty). Switched on, each replicate draws its own fitted "
    "parameters from it, so the spread shows parameter uncertainty as well as chance; "
    "switched off, every replicate uses the scenario's values and only chance differs. "
    "The calibration report (fitted values, fit to the record, what it misses) is in "
    "docs/calibration/README.md; download it below."
)


#: Seconds between two counts of replicates done while an ensemble runs (``busy_note``).
PROGRESS_EVERY = 0.5


def stopped_note(reached: int, n: int) -> str:
    """What the panel says after its Stop: how far the run got, and that nothing of it is
    shown (a part of an ensemble would be read as the whole)."""
    got = f"after {reached:,} of {n:,} replicates" if reached else "before its first replicates"
    return (
        f"Stopped {got}; an ensemble stopped part-way shows nothing (the results below, if "
        "any, are the earlier ensemble's)."
    )


def calibration_report() -> Path:
    """The calibration report: the checkout's, or the copy an installed wheel carries."""
    return doc_file("docs/calibration/README.md")


def _replicates(n: int) -> str:
    return f"{n:,} replicate{'' if n == 1 else 's'}"


def comparable(before: Result, after: Result) -> bool:
    """Two ensembles whose outcome shares can be set side by side: the same scenario run for
    the same number of weeks (a share of runs in which something happened at least once
    grows with the run's length)."""
    return bool(
        before.get("scenario") == after.get("scenario")
        and before.get("weeks") == after.get("weeks")
    )


def _interval(r: dict[str, Any]) -> str:
    """A row's 95% interval in percentage points, "[\u22124.0, \u2212<0.1]" (unescaped)."""
    return f"[{pp_bound(r['lo'])}, {pp_bound(r['hi'])}]"


def difference_table_html(rows: list[dict[str, Any]], before: str, after: str) -> str:
    """Before, after and the difference in percentage points with its 95% interval."""
    if not rows:
        return ""
    paired = rows[0]["paired"]
    order = {k: i for i, k in enumerate(OUTCOME_LABELS)}  # the order of the outcome bars
    rows = sorted(rows, key=lambda r: order.get(r["outcome"], len(order)))
    body = "".join(
        f'<tr data-outcome="{escape(r["outcome"])}" data-effect="{r["effect"]:.4f}">'
        f"<th scope=row>{escape(OUTCOME_LABELS.get(r['outcome'], r['outcome']))}</th>"
        f"<td>{escape(pct_text(r['before']))}%</td><td>{escape(pct_text(r['after']))}%</td>"
        f"<td><b>{escape(pp_between(r['before'], r['after']))}</b> "
        f"{escape(_interval(r))}</td></tr>"
        for r in rows
    )
    shared = int(rows[0].get("shared", 0))
    how = (
        "paired replicate by replicate (both ran the same seeds)"
        if paired
        else f"unpaired: the two ensembles differ in size, though their first {shared:,} "
        "replicates ran the same seeds (the interval treats them as independent, so it is "
        "wider than it need be; the same number of replicates gives a paired difference)"
        if shared
        else "unpaired (the two ensembles ran different seeds)"
    )
    return (
        '<div class="cs-table-wrap" tabindex="0" role="group" aria-label="before and after">'
        '<table class="cs-table" id="ensemble-difference"><caption>Previous ensemble '
        f"({escape(before)}) against this one ({escape(after)}): difference in percentage "
        f"points with its 95% interval, {how}.</caption><thead><tr><th scope=col>Outcome</th>"
        "<th scope=col>Before</th><th scope=col>After</th><th scope=col>After \u2212 before "
        f"(pp, 95%)</th></tr></thead><tbody>{body}</tbody></table></div>"
    )


@solara.component
def EnsemblePanel(ui: PageState):
    """Replicates of the current inputs; a result for other inputs is greyed, never shown
    as current."""
    sim = ui.sim
    # the size asked by the link, or by a session file loaded later (the panel is not mounted
    # again for it in the browser: its n = 15,000 over the budget was taken in silence, kept
    # in the address bar, and refused only by Run). A size within the budget is the field's;
    # one over it is said and forgotten (the link stops holding it), judged once per asking
    asked: int | None = ui.ensemble_n.value
    asked_n = solara.use_ref(500)  # the last size taken from a link or a file
    judged = solara.use_ref(cast("int | None", None))
    brought = solara.use_ref(False)  # a link or file asked for an ensemble (not its result)
    refused = ""
    if asked is not None and asked != judged.current:
        try:
            serving.check_request(sim.scenario, asked, f"{ui.asked_by()} n")
        except guards.Refused as exc:
            refused = f"{exc}. The field shows {asked_n.current:,}."
        else:
            asked_n.current = asked
            brought.current = True
    judged.current = asked
    n_text = solara.use_reactive(str(asked_n.current))
    error = solara.use_reactive("")

    def forget_refused_size() -> None:
        if refused:
            error.set(refused)
            ui.ensemble_n.set(None)
        elif asked is not None:
            error.set("")  # a size taken: an earlier file's or link's refusal is not its

    solara.use_effect(forget_refused_size, [asked])
    result = solara.use_reactive(cast(Result | None, None))
    previous = solara.use_reactive(cast(Result | None, None))
    clicked = solara.use_reactive(0)
    queued = solara.use_reactive(False)  # waiting for another page's request to finish
    done = solara.use_reactive((0, 0))  # replicates done of those asked, while it runs
    stop_ref = solara.use_ref(cast("threading.Event | None", None))  # the running one's Stop
    stopped = solara.use_reactive("")  # what the last Stop stopped
    batch = use_batch()
    _ = ui.version.value

    def compute() -> Result | None:
        if clicked.value == 0:
            return None
        try:
            n = guards.count(n_text.value, 1, MAX_REPLICATES, "Replicates")
            post = guards.flag(ui.posterior.value, "Parameter uncertainty")
            serving.check_request(ui.sim.scenario, n)
        except guards.Refused as exc:
            error.set(f"{exc}.")
            return None
        error.set("")
        done.set((0, 0))  # a render only if an earlier run stopped part-way
        stopped.set("")
        stop_ref.current = stop = threading.Event()
        said, reached = [time.monotonic()], [0]

        def on_slice(rows: int) -> None:
            reached[0] = rows
            # the count at most twice a second (each is a render of the panel, which would
            # slow the run it reports), never for the last slice (the result follows)
            if rows < n and time.monotonic() - said[0] >= PROGRESS_EVERY:
                said[0] = time.monotonic()
                done.set((rows, n))

        try:
            out = ensemble_views(
                ui.sim, n, posterior=post, session=solara.get_kernel_id(), on_wait=queued.set,
                on_slice=on_slice, stop=stop,
            )  # fmt: skip
            out = Result({**out, "run": clicked.value})  # the click it answers
        except serving.Cancelled:  # Stop, or the tab closed (nobody to show it to)
            if stop.is_set():
                stopped.set(stopped_note(reached[0], n))
            return None
        except (ConfigError, ValueError) as exc:
            error.set(
                f"The ensemble engine refused these inputs: {guards.public_message(str(exc))}"
            )
            return None
        with batch():  # one render of the page for the changes
            if result.value is not None:
                previous.set(result.value)
            result.set(out)
            done.set((0, 0))
            ui.last_ensemble.set(out)
            ui.ensemble_n.set(n)  # the link carries the size of the ensemble on screen
        return out

    task = solara.lab.use_task(compute, dependencies=[clicked.value])
    table = solara.use_memo(
        lambda: replicate_rows(result.value) if result.value is not None else ([], "[]"),
        [id(result.value)],
    )
    difference = solara.use_memo(
        lambda: (
            paired_difference(previous.value, result.value)
            if previous.value is not None and result.value is not None
            else []
        ),
        [id(previous.value), id(result.value)],
    )
    busy = task.pending or not ui.ready.value

    def stop_running() -> None:
        if stop_ref.current is not None:
            stop_ref.current.set()  # the run stops at its next slice (or leaves the queue)

    def run() -> None:
        # a click while the ensemble runs is ignored, not queued (the button stays enabled
        # while running so that the keyboard focus stays on it: a disabled button loses it)
        if not busy:
            clicked.set(clicked.value + 1)

    with Card("Ensemble"):
        solara.HTML(
            unsafe_innerHTML='<p class="cs-note">Many replicates of the current inputs '
            f"({escape(sim.inputs_label + intro_words(ui.posterior.value))}) through the "
            "vectorised ensemble engine. "
            f'<span id="ensemble-budget">{escape(serving.budget_note(sim.scenario))}</span></p>'
        )
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            # the field's message follows its text: a refusal of an earlier entry goes
            solara.InputText(
                "Replicates", value=n_text, continuous_update=True, dense=True,
                on_value=lambda _: error.set(""), error=error.value or False,
                classes=["cs-replicates"],
            )  # fmt: skip
            solara.Button(
                "Run replicates", on_click=run, color="primary", disabled=not ui.ready.value,
                attributes={"aria-disabled": "true" if busy else "false"},
                classes=["cs-run-ensemble"],
            )  # fmt: skip
            # the widget itself, new after each refusal (its key): a refused change left the
            # browser's position on it, which no render changes (the value rendered is the same)
            solara.v.Switch(
                label="Parameter uncertainty: draw fitted parameters from the posterior",
                v_model=ui.posterior.value, on_v_model=ui.set_posterior, class_="cs-posterior",
            ).key(f"posterior-{ui.posterior_refusals.value}")  # fmt: skip
            if task.pending:
                busy_with_stop(
                    serving.busy_note(queued.value, *done.value), stop_running, "ensemble"
                )
        if stopped.value and not task.pending:
            stopped_status("ensemble", stopped.value)
        if ui.posterior.value:
            solara.HTML(unsafe_innerHTML=posterior_note_html(sim.posterior_sha256, sim))
        if ui.posterior_error.value:
            solara.HTML(
                unsafe_innerHTML='<div class="cs-error" id="posterior-error" role="alert">'
                f"{escape(ui.posterior_error.value)}</div>"
            )
        with solara.Div(classes=["cs-posterior-help"]):
            solara.HTML(
                unsafe_innerHTML=f'<details class="cs-details" id="posterior-help"><summary>'
                f"What is the posterior?</summary><p class='cs-note'>{POSTERIOR_HELP}</p>"
                "</details>"
            )
            report = calibration_report()
            if report.is_file():
                solara.FileDownload(
                    lambda: report.read_text(encoding="utf-8"), "calibration-report.md",
                    label="Calibration report (Markdown)", mime_type="text/markdown",
                )  # fmt: skip
        res = result.value
        if res is None:
            if brought.current and not task.pending:  # an empty panel for a shared link
                who = "The session file" if ui.loads.value else "The link"
                solara.HTML(
                    unsafe_innerHTML='<p class="cs-note" id="ensemble-asked">'
                    f"{who} asks for an ensemble of {asked_n.current:,} replicates of these "
                    "inputs: press Run replicates to compute it (links and session files carry "
                    "inputs, not results).</p>"
                )
            return
        stale = res["inputs"] != ensemble_key(sim, ui.posterior.value)
        if stale:
            with solara.v.Html(tag="div", class_="cs-stale-note", attributes={"role": "status"}):
                solara.HTML(
                    unsafe_innerHTML='<span id="ensemble-stale">Out of date: these results '
                    f"are for {escape(res['label'])}. The inputs have changed since; re-run "
                    "for the current ones.</span>"
                )
                solara.Button(
                    "Re-run", on_click=run, disabled=not ui.ready.value, classes=["cs-rerun"],
                    outlined=True, attributes={"aria-disabled": "true" if busy else "false"},
                )  # fmt: skip
        prev = previous.value
        with solara.v.Html(
            tag="div", class_="cs-stale" if stale else "cs-fresh",
            attributes={"id": "ensemble-results", "aria-disabled": "true" if stale else "false"},
        ):  # fmt: skip
            solara.HTML(
                unsafe_innerHTML=(
                    f'<div class="cs-note" id="ensemble-summary" role="status" data-run="{res.get("run", 0)}">'
                    f"{_replicates(res['n'])} \u00d7 "
                    f"{res['weeks']} weeks of {escape(res['label'])} in {res['seconds']:.2f} s"
                    "</div>"
                )
            )
            solara.HTML(tag="h3", unsafe_innerHTML="How often each outcome happened")
            # the previous ensemble and this one side by side, in columns of one width, in
            # the order the difference table reads (before, after)
            with solara.Div(classes=["cs-pair"] if prev is not None else []):
                if prev is not None:
                    with solara.v.Html(
                        tag="div", class_="cs-previous", attributes={"id": "previous-ensemble"}
                    ):
                        solara.HTML(
                            tag="h4",
                            unsafe_innerHTML=f"Before: {_replicates(prev['n'])} of "
                            f"{escape(prev['label'])}",
                        )
                        solara.HTML(
                            unsafe_innerHTML=chart(
                                prev["bars"].replace('id="outcome-bars"', 'id="previous-bars"'),
                                "previous outcome bars",
                            )
                        )
                with solara.Div(classes=["cs-this"]):
                    if prev is not None:
                        solara.HTML(
                            tag="h4", unsafe_innerHTML="After (this ensemble): "
                            f"{_replicates(res['n'])}",
                        )  # fmt: skip
                    solara.HTML(unsafe_innerHTML=chart(res["bars"], "outcome bars"))
            solara.HTML(unsafe_innerHTML=res["bars_caption"])
            if prev is not None and comparable(prev, res):
                solara.HTML(
                    unsafe_innerHTML=difference_table_html(
                        difference,
                        f"{_replicates(prev['n'])} of {prev['label']}",
                        f"{_replicates(res['n'])} of {res['label']}",
                    )
                )
            elif prev is not None:
                solara.HTML(
                    unsafe_innerHTML='<p class="cs-note" id="ensemble-not-comparable">The '
                    f"previous ensemble ran {escape(prev['scenario'])} for "
                    f"{prev.get('weeks', '?')} weeks, this one {escape(res['scenario'])} for "
                    f"{res.get('weeks', '?')}: outcomes that happen at least once in a run are "
                    "not comparable across scenarios or run lengths, so no difference is "
                    "shown.</p>"
                )
            solara.HTML(tag="h3", unsafe_innerHTML="Spread over time")
            with solara.Div(classes=["cs-fans"]):
                for _metric, fan in res["fans"]:
                    solara.HTML(unsafe_innerHTML=chart(fan, f"fan chart {_metric}"))
            solara.HTML(unsafe_innerHTML=res["fans_caption"])
            head, rows_json = table
            SortableTable.element(
                details_id="replicates", summary="Per-replicate table (sortable: click a heading)",
                table_id="replicate-table", columns=head, rows_json=rows_json,
                caption=f"{min(res['n'], TABLE_ROWS):,} of {_replicates(res['n'])}: outcome "
                "flags and final values (all of them in the replicate CSV)",
            )  # fmt: skip
        EnsembleExports(res)


def posterior_note_html(drawn: str, sim: Sim | None = None) -> str:
    """Which posterior file the switch draws from (its short digest, as in the downloads'
    names) and which parameters it draws; a fitted parameter set on the page (``sim``'s
    values), which keeps that value in every replicate, is named (it was not drawn, and the
    page did not say so); and, if the file was rewritten since the run on screen drew its
    particle, that the run is of the old file (the same link drew 0.945 before and 0.670
    after a refit)."""
    now = posterior_digest()
    try:
        names = [str(n) for n in shipped_posterior().names]
    except (ConfigError, OSError):  # the switch's refusal says why
        names = []
    note = f"Draws from {posterior_words(now)}"
    note += f": {len(names)} fitted parameters ({', '.join(names)})." if names else "."
    own = {canonical_key(k): k for k in (sim.values if sim is not None else {})}
    kept = [own[canonical_key(n)] for n in names if canonical_key(n) in own]
    if sim is not None and kept:
        words = ", ".join(f"{param_label(k, sim.scenario)} ({k})" for k in kept)
        keeps = "keeps its value" if len(kept) == 1 else "keep their values"
        note += f" Set on the page, so not drawn: {words} {keeps} in every replicate."
    if drawn and drawn != now:
        note += (
            f" The run on screen drew its particle from {posterior_words(drawn)}, since "
            "rewritten: switch the posterior off and on to draw from the file as it is now."
        )
    return f'<p class="cs-note" id="posterior-file" role="status">{escape(note)}</p>'


def ensemble_stem(res: Mapping[str, Any]) -> str:
    """Downloads named after the inputs: the scenario's name, the size, the digest of the
    scenario with the page's values, the seed and the posterior file's short digest if the
    replicates drew from it (two ensembles that differ only in it no longer share a name)."""
    inputs = res["inputs"].rsplit(":", 1)[0]
    sha = res.get("posterior_sha256") or ""
    return export_stem("ensemble", res.get("scenario") or "", inputs, sha, res["n"])


@solara.component
def EnsembleExports(res: Result):
    """The ensemble's downloads, named by :func:`ensemble_stem`."""
    stem = ensemble_stem(res)

    with solara.Div(classes=["cs-exports"]):
        solara.FileDownload(
            lambda: ensemble_outcomes_csv(res), f"{stem}-outcomes.csv",
            label="Outcome table (CSV)", mime_type="text/csv",
        )  # fmt: skip
        solara.FileDownload(
            lambda: ensemble_replicates_csv(res), f"{stem}-replicates.csv",
            label="Replicate table (CSV)", mime_type="text/csv",
        )  # fmt: skip
        caption = f"coalition-sim ensemble: {_replicates(res['n'])} of {res['label']}."
        # each file also says how to read it (the page's caption beside the chart)
        bars = f"{caption} {plain_text(bars_caption_html(int(res['n'])))}"
        fans = f"{caption} {plain_text(fan_caption_html())}"
        solara.FileDownload(
            lambda: svg_file(res["bars"], bars), f"{stem}-outcomes.svg",
            label="Outcome bars (SVG)", mime_type="image/svg+xml",
        )  # fmt: skip
        PngButton.element(
            svg_id="outcome-bars", filename=f"{stem}-outcomes.png", label="Outcome bars (PNG)",
            caption=bars,
        )  # fmt: skip
        for metric, fan in res["fans"]:
            solara.FileDownload(
                lambda fan=fan: svg_file(fan, fans), f"{stem}-fan-{metric}.svg",
                label=f"Fan chart: {metric.replace('_', ' ')} (SVG)", mime_type="image/svg+xml",
            )  # fmt: skip
            PngButton.element(
                svg_id=f"fan-{metric}", filename=f"{stem}-fan-{metric}.png",
                label=f"Fan chart: {metric.replace('_', ' ')} (PNG)", caption=fans,
            )  # fmt: skip


#: Rows the sortable per-replicate table shows (the CSV download has them all).
TABLE_ROWS = 1000


def column_label(column: str, roles: dict[str, str]) -> str:
    """A per-replicate column in the page's words: an outcome as the bars name it, a metric
    as the legends do ("US isolation"), ``commitment_<ID>`` as the graph says it ("DPRK
    defiance": the target's commitment is its defiance); not "commitment DPRK"."""
    if column in OUTCOME_LABELS:
        return OUTCOME_LABELS[column]
    if column in METRIC_STYLE:
        return METRIC_STYLE[column][1]
    if column.startswith("commitment_"):
        actor = column.removeprefix("commitment_")
        return f"{actor} {commitment_word(roles.get(actor, ''))}"
    return column.replace("_", " ")


def replicate_rows(res: Result) -> tuple[list[str], str]:
    """The per-replicate table: its column names and its rows as one JSON array (replicate,
    seed, yes/no outcomes, final metrics to 3 d.p., a missing value as null); column by column
    with numpy (cell by cell it took seconds for 500 replicates)."""
    final = res["final"].iloc[:TABLE_ROWS]
    cols = [c for c in final.columns if c != "row"]
    roles = res.get("roles", {})
    head = ["replicate", "seed"] + [column_label(c, roles) for c in cols]
    n = len(final)
    columns: list[list[Any]] = [list(range(n)), [str(int(x)) for x in res["seeds"][:n]]]
    particles = res.get("particles")
    if particles is not None:  # the particle each replicate drew, as the CSV has it
        head.insert(2, "posterior particle")
        columns.append([int(k) for k in particles[:n]])
    for c in cols:
        arr = final[c].to_numpy()
        if arr.dtype == bool:
            columns.append(np.where(arr, "yes", "no").tolist())
        else:
            x = np.round(arr.astype(float), 3)
            columns.append([v if math.isfinite(v) else None for v in x.tolist()])
    return head, json.dumps([list(row) for row in zip(*columns, strict=True)], allow_nan=False)
