"""``python run.py ui [--host 127.0.0.1] [--port 8765]``: the interactive simulation in a browser."""

from __future__ import annotations

import argparse
import os
import sys

from ..ui.server import DEFAULT_HOST, DEFAULT_PORT, server_command, server_env
from ..ui.warmup import expected_seconds

__all__ = ["register"]


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


def cmd_ui(args: argparse.Namespace) -> int:
    print(f"coalition-sim UI on http://{args.host}:{args.port}/  (Ctrl-C to stop)", flush=True)
    print(
        "The server prepares the model as it starts (compiled once per machine and cached on "
        f"disk: ~{expected_seconds():.0f} s the first time, about a second after); the page shows "
        "its progress and wakes its buttons when it is ready.",
        flush=True,
    )
    cmd = server_command(args.host, args.port)
    os.execve(sys.executable, cmd, server_env())
    return 0  # pragma: no cover - execve does not return
