"""Small browser widgets the page needs and Solara lacks (Vue templates, no build step).

* :class:`NativeSelect`: a labelled native ``<select>`` (Vuetify's select nests interactive
  elements, which screen readers and axe-core reject);
* :class:`ScenarioFileInput`: a labelled, keyboard-operable file input that sends the file's text;
* :class:`NumberField`: a labelled native number field beside a slider: type a value, Enter;
* :class:`UrlSync`: keeps the address bar's query string equal to the state on screen.
"""

from __future__ import annotations

from typing import Any

import ipyvuetify
import traitlets

from .state import MAX_UPLOAD_BYTES

__all__ = [
    "NativeSelect",
    "NumberField",
    "PngButton",
    "ScenarioFileInput",
    "SortableTable",
    "UrlSync",
]


class UrlSync(ipyvuetify.VuetifyTemplate):
    """Keeps the address bar's query string equal to ``query`` (history.replaceState).

    While ``guard`` is set (the page holds pinned runs, which no link brings back), leaving
    the page asks first (the browser's own prompt). Also closes the phone drawer on Escape
    wherever the focus is, declares the page's
    language and lets people zoom (the framework's page template
    has no ``lang`` and disables pinch zoom), both needed by screen readers and low vision.
    """

    template = traitlets.Unicode(
        """
<template><span style="display:none"></span></template>
<script>
module.exports = {
  mounted() {
    document.documentElement.lang = 'en';
    const vp = document.querySelector('meta[name=viewport]');
    if (vp) vp.setAttribute('content', 'width=device-width, initial-scale=1');
    this.apply();
    // the framework's "busy" bar has no accessible name (axe: aria-progressbar-name)
    const name = () => document.querySelectorAll('.v-progress-linear:not([aria-label])')
      .forEach(e => e.setAttribute('aria-label', 'The page is working'));
    name();
    if (!window.__csNamer) {
      window.__csNamer = new MutationObserver(name);
      window.__csNamer.observe(document.body, {childList: true, subtree: true});
    }
    // Escape closes the phone drawer wherever the focus is (a listener on the drawer itself
    // stopped working once the focus had left it)
    if (!window.__csEscape) {
      window.__csEscape = true;
      document.addEventListener('keydown', (e) => {
        if (e.key !== 'Escape') return;
        const open = document.querySelector('.cs-menu[aria-expanded="true"]');
        if (open) { open.click(); open.focus(); }
      }, true);  // capture: a widget that swallows Escape cannot keep the drawer open
    }
    // leaving the page (Back, reload, closing the tab) asks first while it holds what a link
    // cannot bring back (pinned runs): the browser's own prompt
    window.__csGuard = !!this.guard;
    if (!window.__csLeave) {
      window.__csLeave = true;
      window.addEventListener('beforeunload', (e) => {
        if (!window.__csGuard) return;
        e.preventDefault();
        e.returnValue = '';
      });
    }
  },
  watch: {
    query() { this.apply(); },
    guard() { window.__csGuard = !!this.guard; }
  },
  methods: {
    apply() {
      if (this.query === null || this.query === undefined) return;
      const want = window.location.pathname + (this.query ? '?' + this.query : '')
        + window.location.hash;
      const now = window.location.pathname + window.location.search + window.location.hash;
      if (want !== now) window.history.replaceState(window.history.state, '', want);
    }
  }
}
</script>"""
    ).tag(sync=True)
    query = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    guard = traitlets.Bool(False).tag(sync=True)


class NativeSelect(ipyvuetify.VuetifyTemplate):
    """A labelled native ``<select>``: keyboard- and screen-reader-friendly everywhere."""

    template = traitlets.Unicode(
        """
<template>
  <div class="cs-select">
    <label :for="input_id">{{ label }}</label>
    <select :id="input_id" :class="select_class" @change="value = $event.target.value">
      <option v-for="(o, k) in options" :key="o" :value="o" :selected="o === value">{{
        labels.length === options.length ? labels[k] : o }}</option>
    </select>
  </div>
</template>
<script>
module.exports = {};
</script>"""
    ).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    input_id = traitlets.Unicode("").tag(sync=True)
    select_class = traitlets.Unicode("").tag(sync=True)
    options = traitlets.List(traitlets.Unicode()).tag(sync=True)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)  # shown; options are sent
    value = traitlets.Unicode("").tag(sync=True)


class ScenarioFileInput(ipyvuetify.VuetifyTemplate):
    """A labelled, keyboard-operable ``<input type=file>`` that sends the chosen file's text."""

    template = traitlets.Unicode(
        """
<template>
  <div class="cs-file">
    <label :for="input_id">{{ label }}</label>
    <input :id="input_id" type="file" :accept="accept"
      :aria-describedby="describedby" @change="pick" />
  </div>
</template>
<script>
module.exports = {
  methods: {
    pick(e) {
      const input = e.target;
      const f = input.files && input.files[0];
      if (!f) return;
      if (f.size > this.max_bytes) {
        this.load_file({name: f.name, size: f.size, text: null});
        input.value = '';
        return;
      }
      // decoded strictly: a file that is not UTF-8 text is said to be so (Blob.text() would
      // put replacement characters in and the page would judge garbage)
      f.arrayBuffer().then(buf => {
        let text = null, utf8 = true;
        try { text = new TextDecoder('utf-8', {fatal: true}).decode(buf); }
        catch (err) { utf8 = false; }
        this.load_file({name: f.name, size: f.size, text: text, utf8: utf8});
        input.value = '';
      });
    }
  }
}
</script>"""
    ).tag(sync=True)
    label = traitlets.Unicode("Load a scenario file (.toml)").tag(sync=True)
    accept = traitlets.Unicode(".toml,text/plain,application/toml").tag(sync=True)
    input_id = traitlets.Unicode("cs-load-file").tag(sync=True)
    describedby = traitlets.Unicode("load-error").tag(sync=True)
    max_bytes = traitlets.Int(MAX_UPLOAD_BYTES).tag(sync=True)
    handler = traitlets.Any(None, allow_none=True)

    def vue_load_file(self, data: dict[str, Any]) -> None:
        if self.handler is not None:
            self.handler(data)


class NumberField(ipyvuetify.VuetifyTemplate):
    """A native ``<input type=number>`` with an accessible name, sending the typed text.

    The text goes to ``handler`` on Enter or when the field loses focus (not per keystroke),
    and the page validates it (range, grid) and says why it refused; the field shows the
    running model's value again after any refusal. Text equal to ``value`` is not sent (an
    Enter then a blur would send it twice) unless ``refused`` is set: while the page shows a
    refusal of this field, re-entering the value it holds (or Enter again) is sent, so that
    the page can take it and drop the refusal.
    """

    template = traitlets.Unicode(
        """
<template>
  <input type="number" :class="input_class" :value="value" :min="min" :max="max" :step="step"
    :aria-label="label" :title="label" inputmode="decimal"
    @change="send($event)" @keydown.enter="send($event)" @keydown="comma($event)"
    @paste="pasted($event)" />
</template>
<script>
const BAD_INPUT = "\\u0000";
const COMMA = "\\u0001";
module.exports = {
  methods: {
    // the browser drops a comma from a number field without a word ('1,5' reads as 15):
    // refuse it as it is typed or pasted; typed, the field remembers it until a deletion, so
    // the digits typed after it ('1,5' shows as 15) are refused on Enter too, not taken
    comma(e) {
      if (e.key === "Backspace" || e.key === "Delete") delete e.target.dataset.comma;
      if (e.key !== ",") return;
      e.preventDefault();
      e.target.dataset.comma = "1";
      this.submit(COMMA);
    },
    pasted(e) {
      const text = e.clipboardData ? e.clipboardData.getData("text") : "";
      if (!text.includes(",")) return;
      e.preventDefault();
      this.submit(COMMA);
    },
    send(e) {
      if (e.target.dataset.comma) {
        delete e.target.dataset.comma;
        this.submit(COMMA);
        e.target.value = this.value;
        return;
      }
      // the browser hands over '' for text it cannot read as a number: say which it was
      const bad = e.target.validity && e.target.validity.badInput;
      const text = bad ? BAD_INPUT : e.target.value;
      if (String(text) === String(this.value) && !this.refused) return;
      this.submit(text);
      e.target.value = this.value;
    }
  }
}
</script>"""
    ).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    input_class = traitlets.Unicode("cs-number").tag(sync=True)
    value = traitlets.Unicode("").tag(sync=True)
    min = traitlets.Float(0.0).tag(sync=True)
    max = traitlets.Float(1.0).tag(sync=True)
    step = traitlets.Float(0.01).tag(sync=True)
    #: the page shows a refusal of this field: the value it holds, entered again, is sent
    refused = traitlets.Bool(False).tag(sync=True)
    handler = traitlets.Any(None, allow_none=True)

    def vue_submit(self, text: str) -> None:
        if self.handler is not None:
            self.handler(str(text))


class PngButton(ipyvuetify.VuetifyTemplate):
    """Download a chart on the page as a PNG (for slides), drawn in the browser from its SVG
    at twice its size on a white background: no server round trip, no extra package."""

    template = traitlets.Unicode(
        """
<template>
  <button type="button" :class="button_class" @click="save">{{ label }}</button>
</template>
<script>
module.exports = {
  methods: {
    save() {
      const svg = document.getElementById(this.svg_id);
      if (!svg) return;
      const box = svg.viewBox && svg.viewBox.baseVal;
      const w = Math.round((box && box.width) || svg.getBoundingClientRect().width);
      const h = Math.round((box && box.height) || svg.getBoundingClientRect().height);
      const copy = svg.cloneNode(true);
      copy.setAttribute('width', w); copy.setAttribute('height', h);
      copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
      const text = new XMLSerializer().serializeToString(copy);
      const img = new Image();
      img.onload = () => {
        // the legend and the caption (what the chart shows) under it, as the SVG download has
        const m = document.createElement('canvas').getContext('2d');
        m.font = '12px sans-serif';
        let x = 8, y = h + 18;
        const items = [];
        for (const [colour, dash, label] of (this.legend || [])) {
          const width = 46 + m.measureText(label).width;
          if (x + width > w) { x = 8; y += 18; }
          items.push([x, y, colour, dash, label]); x += width;
        }
        if (items.length) y += 20;
        const lines = [];
        let line = '';
        for (const word of (this.caption || '').split(' ')) {
          const t = line ? line + ' ' + word : word;
          if (line && m.measureText(t).width > w - 16) { lines.push(line); line = word; }
          else line = t;
        }
        if (line) lines.push(line);
        const total = (items.length || lines.length) ? y + 16 * lines.length + 4 : h;
        const c = document.createElement('canvas');
        c.width = 2 * w; c.height = 2 * Math.ceil(total);
        const g = c.getContext('2d');
        g.fillStyle = '#fff'; g.fillRect(0, 0, c.width, c.height);
        g.drawImage(img, 0, 0, 2 * w, 2 * h);
        g.scale(2, 2); g.font = '12px sans-serif';
        for (const [lx, ly, colour, dash, label] of items) {
          g.strokeStyle = colour; g.lineWidth = 3;
          g.setLineDash(dash ? dash.split(/[ ,]+/).map(Number) : []);
          g.beginPath(); g.moveTo(lx, ly - 4); g.lineTo(lx + 22, ly - 4); g.stroke();
          g.setLineDash([]); g.fillStyle = '#1b2631'; g.fillText(label, lx + 28, ly);
        }
        g.fillStyle = '#4d5656';
        for (const l of lines) { g.fillText(l, 8, y); y += 16; }
        c.toBlob(b => {
          const a = document.createElement('a');
          a.href = URL.createObjectURL(b); a.download = this.filename;
          document.body.appendChild(a); a.click(); a.remove();
          setTimeout(() => URL.revokeObjectURL(a.href), 5000);
        }, 'image/png');
      };
      img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(text);
    }
  }
}
</script>"""
    ).tag(sync=True)
    svg_id = traitlets.Unicode("").tag(sync=True)
    filename = traitlets.Unicode("chart.png").tag(sync=True)
    label = traitlets.Unicode("Chart (PNG)").tag(sync=True)
    #: the inputs the chart shows, in words, drawn under it (``style.svg_file`` does the same)
    caption = traitlets.Unicode("").tag(sync=True)
    #: [colour, dash, label] per line of the chart, drawn under it as its legend
    legend: traitlets.List[list[str]] = traitlets.List([]).tag(sync=True)
    button_class = traitlets.Unicode("cs-png v-btn v-btn--outlined").tag(sync=True)


class SortableTable(ipyvuetify.VuetifyTemplate):
    """A table in a closed ``<details>`` (``summary`` its line), sorted in the browser by a
    click (or Enter) on a column header; the header says how it is sorted (``aria-sort``).

    The rows come as one JSON text (``rows_json``), not a list of lists: the page's renderer
    walks every list in an element's arguments looking for child elements (several times per
    render), which for 500 replicates x 20 columns cost more than the ensemble itself. The
    rows are drawn only while the details are open."""

    template = traitlets.Unicode(
        """
<template>
  <details class="cs-details" :id="details_id" @toggle="open = $event.target.open">
    <summary>{{ summary }}</summary>
    <div v-if="open" class="cs-table-wrap" tabindex="0" role="group" :aria-label="caption">
      <table class="cs-table" :id="table_id">
        <caption>{{ caption }}</caption>
        <thead><tr>
          <th v-for="(c, k) in columns" :key="c" scope="col"
            :aria-sort="k === by ? (asc ? 'ascending' : 'descending') : 'none'">
            <button type="button" class="cs-sort" @click="sort(k)">{{ c }}{{
              k === by ? (asc ? ' \u25b2' : ' \u25bc') : '' }}</button>
          </th>
        </tr></thead>
        <tbody><tr v-for="(r, i) in sorted" :key="i">
          <td v-for="(v, k) in r" :key="k">{{ v === null ? '' : v }}</td>
        </tr></tbody>
      </table>
    </div>
  </details>
</template>
<script>
module.exports = {
  data() { return { by: 0, asc: true, open: false }; },
  computed: {
    rows() { return this.rows_json ? JSON.parse(this.rows_json) : []; },
    sorted() {
      const k = this.by, s = this.asc ? 1 : -1;
      return [...this.rows].sort((a, b) => {
        const x = a[k], y = b[k];
        const nx = parseFloat(x), ny = parseFloat(y);
        if (!isNaN(nx) && !isNaN(ny)) return s * (nx - ny);
        return s * String(x).localeCompare(String(y));
      });
    }
  },
  methods: {
    sort(k) { if (k === this.by) { this.asc = !this.asc; } else { this.by = k; this.asc = true; } }
  }
}
</script>"""
    ).tag(sync=True)
    details_id = traitlets.Unicode("").tag(sync=True)
    summary = traitlets.Unicode("").tag(sync=True)
    table_id = traitlets.Unicode("").tag(sync=True)
    caption = traitlets.Unicode("").tag(sync=True)
    columns = traitlets.List(traitlets.Unicode()).tag(sync=True)
    rows_json = traitlets.Unicode("[]").tag(sync=True)  # a JSON array of rows (lists)
