"""``python run.py ui [--host 127.0.0.1] [--port 8765]``: the interactive simulation in a browser.

Starts Solara's server on the app in :mod:`coalition_sim.app`, fully offline: the Vue/Vuetify
bundles come from the installed ``solara-assets`` package (no CDN), and Solara's telemetry is
switched off.
"""

from __future__ import annotations

import argparse
import os
import sys

__all__ = ["register", "server_command", "server_env"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be in [0, 65535] (0 = any free port), got {value}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    ui = sub.add_parser("ui", help="start the interactive simulation in the browser (Solara)")
    ui.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on ({DEFAULT_HOST})")
    ui.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    ui.set_defaults(handler=cmd_ui)


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for an offline server: no telemetry, assets from solara-assets."""
    env = dict(os.environ if base is None else base)
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env.setdefault("SOLARA_THEME_LOADER", "solara")
    return env


def server_command(host: str, port: int) -> list[str]:
    """The command that serves the app (used by the CLI, the tests and the benchmark)."""
    return [
        sys.executable, "-m", "solara", "run", "coalition_sim.app:Page",
        "--host", host, "--port", str(port), "--production", "--no-open",
        "--log-level", "warning",
    ]  # fmt: skip


def cmd_ui(args: argparse.Namespace) -> int:
    print(f"coalition-sim UI on http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    cmd = server_command(args.host, args.port)
    os.execve(sys.executable, cmd, server_env())
    return 0  # pragma: no cover - execve does not return
