"""The page's look: one style sheet, safe download names and the chart wrapper.

Kept apart from the components (:mod:`coalition_sim.ui.app` and its panels) so that the
layout rules (the 900 px drawer break, the 1280 px row break, the readable minimum sizes)
live in one place.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from html import escape, unescape

from ..scenario.safe_paths import posterior_tag

__all__ = ["CSS", "chart", "export_stem", "file_name", "plain_text", "svg_file"]

CSS = """
.cs-app { min-height:100vh; background:#fff; color:#1b2631; }
/* text from a scenario file or a person (a description, a name, a note) may hold a word of
   thousands of letters: it breaks anywhere instead of widening the page (35,000 px) */
.cs-status, .cs-description, .cs-note, .cs-error, .cs-caption, .cs-pin-text, .cs-ev-details,
.cs-card h3, .cs-card h4 { overflow-wrap:anywhere; }
.v-btn[aria-disabled="true"] { opacity:.65; cursor:progress; }
.cs-bar { position:sticky; top:0; z-index:30; height:56px; display:flex; align-items:center;
  gap:10px; padding:0 12px; background:#17324d; color:#fff; }
.cs-bar h1 { font-size:18px; line-height:1.2; margin:0; font-weight:600; }
.cs-bar .cs-menu { display:none; }
.cs-body { display:flex; align-items:flex-start; }
.cs-controls { flex:0 0 340px; width:340px; box-sizing:border-box; position:sticky; top:56px;
  height:calc(100vh - 56px); overflow-y:auto; padding:8px 14px 24px; background:#fff;
  border-right:1px solid #d5d8dc; }
.cs-main { flex:1 1 auto; min-width:0; padding:12px; box-sizing:border-box; }
.cs-scrim { display:none; }
.cs-row { display:grid; grid-template-columns:minmax(0,5fr) minmax(0,7fr); gap:12px; }
@media (max-width:1279.98px) { .cs-row { grid-template-columns:minmax(0,1fr); } }
.cs-pair { display:grid; grid-template-columns:minmax(0,1fr) minmax(0,1fr); gap:12px; }
@media (max-width:1279.98px) { .cs-pair { grid-template-columns:minmax(0,1fr); } }
@media (max-width:899.98px) {
  .cs-bar .cs-menu { display:inline-flex; }
  .cs-bar h1 { font-size:16px; }
  .cs-controls { position:fixed; top:56px; left:0; bottom:0; height:auto; z-index:25;
    width:min(340px, 88vw); box-shadow:0 8px 24px rgba(0,0,0,.3); visibility:hidden;
    transform:translateX(-105%); transition:transform .15s ease-out, visibility .15s; }
  .cs-controls.cs-open { visibility:visible; transform:none; }
  .cs-scrim.cs-open { display:block; position:fixed; top:56px; left:0; right:0; bottom:0;
    z-index:20; background:rgba(0,0,0,.35); }
  .cs-main { padding:8px; }
  .cs-main .cs-card { padding:8px 6px; }
}
.cs-card { border:1px solid #d5d8dc; border-radius:6px; padding:10px 12px; margin:0 0 12px;
  background:#fff; min-width:0; }
.cs-card h2 { font-size:17px; margin:0 0 6px; font-weight:600; }
.cs-card h3 { font-size:15px; margin:8px 0 4px; font-weight:600; }
.cs-chart { overflow-x:auto; }
.cs-controls h2 { font-size:15px; margin:14px 0 4px; font-weight:600; }
.cs-badges { display:flex; flex-wrap:wrap; gap:8px; margin:4px 0 8px; }
.cs-badge { display:inline-flex; border:1.5px solid; border-radius:14px; overflow:hidden;
  font-size:13px; line-height:22px; }
.cs-badge-label { padding:0 8px; background:#fff; color:#1b2631; }
.cs-badge-value { padding:0 10px; color:#fff; font-weight:600; }
.cs-status { font-size:15px; color:#1b2631; margin:0 0 4px; }
.cs-status b { font-size:17px; }
.cs-timeline { max-height:300px; overflow-y:auto; font-size:13px; }
.cs-timeline.cs-chrono { max-height:none; }
.cs-description { margin:0 0 6px; color:#34495e; font-size:14px; }
.cs-badge:focus-visible { outline:3px solid #b35c00; }
.cs-about dt { font-weight:600; margin-top:4px; } .cs-about dd { margin:0 0 2px 12px; }
.cs-timeline table { border-collapse:collapse; width:100%; }
.cs-timeline td { padding:2px 8px 2px 0; border-bottom:1px solid #f0f0f0; vertical-align:top; }
.cs-ev-date { white-space:nowrap; color:#1b2631; font-variant-numeric:tabular-nums; }
.cs-ev-week { white-space:nowrap; color:#4d5656; }
.cs-ev-actor { font-weight:600; }
.cs-ev-details { color:#4d5656; }
.cs-ev-strategic_test td, .cs-ev-coalition_fracture td, .cs-ev-military_crisis td,
.cs-ev-summit_held td, .cs-ev-agreement td { font-weight:600; }
.cs-empty, .cs-more { color:#4d5656; padding:4px 0; }
.cs-fans { display:grid; grid-template-columns:repeat(auto-fit, minmax(320px, 1fr)); gap:12px; }
.cs-error { color:#a93226; font-size:13px; margin:2px 0 6px; }
.cs-note { color:#4d5656; font-size:13px; }
.cs-caption { color:#34495e; font-size:13px; margin:6px 0 0; line-height:1.4; }
.cs-legend { display:flex; flex-wrap:wrap; gap:4px 14px; align-items:center; font-size:13px;
  color:#1b2631; margin-top:4px; }
.cs-leg { display:inline-flex; align-items:center; gap:4px; }
.cs-ramp { display:inline-block; width:80px; height:10px; border:1px solid #888; }
.cs-stale { opacity:.45; filter:grayscale(1); }
.cs-stale-note { background:#fef5e7; border:1px solid #7d5200; border-radius:4px;
  padding:6px 10px; margin:6px 0; font-size:14px; }
.cs-exports { display:flex; flex-wrap:wrap; gap:6px; margin:4px 0; }
.cs-exports .v-btn { text-transform:none; letter-spacing:normal; white-space:normal;
  height:auto !important; min-height:32px; padding:4px 10px !important; }
.cs-exports .v-btn__content { white-space:normal; text-align:left; }
.cs-select { display:flex; flex-direction:column; gap:4px; font-size:14px; margin:4px 0 8px; }
.cs-select select { font-size:16px; padding:6px 8px; border:1px solid #5d6d7e; border-radius:4px;
  background:#fff; color:#1b2631; appearance:auto; }
.cs-file { display:flex; flex-direction:column; gap:4px; font-size:14px; margin:4px 0; }
.cs-file input { font-size:14px; max-width:100%; }
.cs-details summary { cursor:pointer; font-size:14px; }
.cs-details table { font-size:12px; border-collapse:collapse; }
.cs-details td { padding:1px 6px 1px 0; vertical-align:top; }
.cs-app :focus-visible, .cs-app .v-slider__thumb-container:focus-within .v-slider__thumb {
  outline:3px solid #b35c00 !important; outline-offset:2px; }
.cs-knob { display:flex; flex-wrap:wrap; align-items:flex-end; gap:0 6px; margin-top:2px; }
.cs-knob-info { margin-bottom:10px; font-size:13px; color:#34495e; }
.cs-knob-info summary { cursor:pointer; list-style:none; width:26px; height:26px;
  line-height:24px; text-align:center; border:1px solid #5d6d7e; border-radius:13px; }
.cs-knob-info summary::-webkit-details-marker { display:none; }
.cs-knob-info[open] { flex:1 0 100%; order:3; } .cs-knob-info p { margin:4px 0 0; }
/* the slider takes the room the field and its ? leave (basis 0): every knob is one row of
   slider, field, ? (a short label's slider kept the field beside it but sent ? to a line
   of its own, a long one's sent the field below: three layouts down one column) */
.cs-knob-slider { flex:1 1 0; min-width:0; }
/* a slider's label is text only: a click on it must not move the slider (it set the minimum) */
.cs-knob .v-label, .cs-speed .v-label { pointer-events:none; user-select:text; }
/* the label on its own line above a full-width track (a long label left a 0 px track) */
.cs-knob .v-input__slot, .cs-speed .v-input__slot { flex-wrap:wrap; }
.cs-knob .v-input__slot > .v-label, .cs-speed .v-input__slot > .v-label {
  flex:1 0 100%; max-width:100%; white-space:normal; margin:0 0 2px; height:auto !important;
  line-height:1.3 !important; }
.cs-number { width:4.6em; font-size:15px; padding:4px 6px; border:1px solid #5d6d7e;
  border-radius:4px; margin-bottom:10px; background:#fff; color:#1b2631; }
.cs-undo-row { margin:8px 0 0; }
.cs-warmup { background:#eaf2f8; border:1px solid #1f618d; border-radius:4px; padding:6px 10px;
  margin:0 0 8px; font-size:14px; }
/* Solara's "This website runs on Solara" badge sat over the page's buttons on a phone */
#app div[style*="bottom: 0px"][style*="right: 0px"][style*="position: absolute"] {
  display:none !important; }
.cs-card h4 { font-size:14px; margin:6px 0 2px; font-weight:600; }
.cs-table-wrap { overflow-x:auto; margin:8px 0; }
#replicates .cs-table-wrap { max-height:420px; overflow-y:auto; }
#replicates .cs-table thead th { position:sticky; top:0; background:#fff; }
.cs-table { border-collapse:collapse; font-size:13px; font-variant-numeric:tabular-nums; }
.cs-table caption { text-align:left; color:#34495e; padding:2px 0 6px; caption-side:top; }
.cs-table th, .cs-table td { padding:3px 10px 3px 0; border-bottom:1px solid #e5e8e8;
  text-align:left; vertical-align:top; }
.cs-table th[scope=row] { font-weight:500; }
.cs-png, .cs-sort { font:inherit; cursor:pointer; background:#fff; color:#1b2631; }
.cs-png { font-size:14px; border:1px solid #1f618d; border-radius:4px; min-height:32px;
  padding:4px 10px; color:#17324d; }
.cs-sort { border:0; padding:0; font-weight:600; text-align:left; }
.cs-pin-text { flex:1 1 240px; font-size:14px; }
.cs-skip { position:absolute; left:-9999px; }
.cs-skip:focus { left:12px; top:8px; z-index:40; background:#fff; color:#17324d; padding:4px 8px; }
"""


def file_name(*parts: object) -> str:
    """A safe download file name from scenario name, seed, etc."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(str(p) for p in parts))


def export_stem(kind: str, scenario: str, inputs: str, posterior: str, *extra: object) -> str:
    """The start of every download's name: what it is (``run``, ``ensemble``, ``compare``),
    the scenario's name, ``extra`` parts, the digest of the scenario with the page's values,
    the seed and ``fixed`` or ``posterior-<sha8>``; ``inputs`` is a result's ``digest:seed``,
    ``posterior`` the sha256 of the posterior file drawn from ("" for fixed parameters). Two
    downloads of other inputs never share a name (the scenario's name alone did: a run with
    overrides, without and with the posterior were all ``summit_2018-seed11-...``; the switch
    alone did not tell results of a rewritten posterior file from the old one's)."""
    digest, seed = inputs.split(":")
    named = [scenario] if scenario else []
    mode = posterior_tag(posterior) if posterior else "fixed"
    return file_name(kind, *named, *extra, digest, f"seed{seed}", mode)


def chart(svg: str, name: str) -> str:
    """A chart in a wrapper that scrolls sideways if the screen is narrower than the chart's
    smallest readable size; focusable, so the scrolling works from the keyboard too."""
    return (
        f'<div class="cs-chart" tabindex="0" role="group" aria-label="{escape(name)} '
        f'(scrolls sideways on a narrow screen)">{svg}</div>'
    )


def plain_text(html: str) -> str:
    """A caption of the page (HTML) as one line of text, for a chart's exported file."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r" ([,.;:)])", r"\1", text)  # '<b>defiance</b>: how' -> 'defiance: how'


def svg_file(markup: str, caption: str = "", legend: Sequence[tuple[str, str, str]] = ()) -> str:
    """An SVG view as a stand-alone file (XML declaration, trailing newline). With
    ``caption`` (the inputs it shows, in words) and ``legend`` ((colour, dash, label) per
    line), both are drawn under the chart, so the file says what it is away from the page
    (the page's own legend and caption are HTML beside the chart)."""
    if caption or legend:
        markup = framed_svg(markup, caption, legend)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + markup + "\n"


def framed_svg(markup: str, caption: str, legend: Sequence[tuple[str, str, str]] = ()) -> str:
    """``markup`` (an ``<svg>`` with a viewBox) with legend rows and caption lines below it."""
    m = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', markup)
    w, h = (float(m.group(1)), float(m.group(2))) if m else (800.0, 400.0)
    rows, y = [], h + 18.0
    x = 8.0
    for colour, dash, label in legend:
        width = 34 + 6.5 * len(label)
        if x + width > w:
            x, y = 8.0, y + 18.0
        stroke = f' stroke-dasharray="{dash}"' if dash else ""
        rows.append(
            f'<line x1="{x:g}" y1="{y - 4:g}" x2="{x + 22:g}" y2="{y - 4:g}" stroke="{colour}" '
            f'stroke-width="3"{stroke}/><text x="{x + 28:g}" y="{y:g}" font-size="12" '
            f'fill="#1b2631">{escape(label)}</text>'
        )
        x += width
    if legend:
        y += 20.0
    for line in textwrap.wrap(caption, max(40, int(w / 6.6))):
        rows.append(f'<text x="8" y="{y:g}" font-size="12" fill="#4d5656">{escape(line)}</text>')
        y += 16.0
    total = y + 4.0
    inner = re.sub(r"^<svg", f'<svg x="0" y="0" width="{w:g}" height="{h:g}"', markup, count=1)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {total:g}" '
        f'width="{w:g}" height="{total:g}" font-family="sans-serif">'
        f'<rect width="100%" height="100%" fill="#fff"/>{inner}{"".join(rows)}</svg>'
    )
