"""Small browser widgets the page needs and Solara lacks (Vue templates, no build step).

* :class:`NativeSelect`: a labelled native ``<select>`` (Vuetify's select nests interactive
  elements, which screen readers and axe-core reject);
* :class:`ScenarioFileInput`: a labelled, keyboard-operable file input that sends the file's text;
* :class:`UrlSync`: keeps the address bar's query string equal to the state on screen.
"""

from __future__ import annotations

from typing import Any

import ipyvuetify
import traitlets

from .state import MAX_UPLOAD_BYTES

__all__ = ["NativeSelect", "ScenarioFileInput", "UrlSync"]


class UrlSync(ipyvuetify.VuetifyTemplate):
    """Keeps the address bar's query string equal to ``query`` (history.replaceState).

    Also declares the page's language and lets people zoom (the framework's page template
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
  },
  watch: { query() { this.apply(); } },
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


class NativeSelect(ipyvuetify.VuetifyTemplate):
    """A labelled native ``<select>``: keyboard- and screen-reader-friendly everywhere."""

    template = traitlets.Unicode(
        """
<template>
  <div class="cs-select">
    <label :for="input_id">{{ label }}</label>
    <select :id="input_id" :class="select_class" @change="value = $event.target.value">
      <option v-for="o in options" :key="o" :value="o" :selected="o === value">{{ o }}</option>
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
    value = traitlets.Unicode("").tag(sync=True)


class ScenarioFileInput(ipyvuetify.VuetifyTemplate):
    """A labelled, keyboard-operable ``<input type=file>`` that sends the chosen file's text."""

    template = traitlets.Unicode(
        """
<template>
  <div class="cs-file">
    <label :for="input_id">{{ label }}</label>
    <input :id="input_id" type="file" accept=".toml,text/plain,application/toml"
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
      f.text().then(text => {
        this.load_file({name: f.name, size: f.size, text: text});
        input.value = '';
      });
    }
  }
}
</script>"""
    ).tag(sync=True)
    label = traitlets.Unicode("Load a scenario file (.toml)").tag(sync=True)
    input_id = traitlets.Unicode("cs-load-file").tag(sync=True)
    describedby = traitlets.Unicode("load-error").tag(sync=True)
    max_bytes = traitlets.Int(MAX_UPLOAD_BYTES).tag(sync=True)
    handler = traitlets.Any(None, allow_none=True)

    def vue_load_file(self, data: dict[str, Any]) -> None:
        if self.handler is not None:
            self.handler(data)
