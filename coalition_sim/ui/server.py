"""``python run.py ui [--host 127.0.0.1] [--port 8765]``: the interactive simulation in a browser.

Starts Solara's server on the app in :mod:`coalition_sim.ui.app`, fully offline: the Vue/Vuetify
bundles come from the installed ``solara-assets`` package (no CDN), and Solara's telemetry is
switched off.
"""

from __future__ import annotations

import os
import sys

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "server_command", "server_env"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for an offline server: no telemetry, assets from solara-assets, no
    framework badge, and the model warm-up started as soon as the server imports the app."""
    env = dict(os.environ if base is None else base)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env.setdefault("SOLARA_THEME_LOADER", "solara")
    # no "This website runs on Solara" badge: it covered buttons on a phone
    env["SOLARA_THEME_SHOW_BANNER"] = "False"
    env["COALITION_UI_WARMUP"] = "1"  # warm the compiled model when the app is imported
    return env


def server_command(host: str, port: int) -> list[str]:
    """The command that serves the app (used by the CLI, the tests and the benchmark)."""
    return [
        sys.executable, "-m", "solara", "run", "coalition_sim.ui.app:Page",
        "--host", host, "--port", str(port), "--production", "--no-open",
        "--log-level", "warning",
    ]  # fmt: skip
