"""``python run.py ui [--host 127.0.0.1] [--port 8765]``: the interactive simulation in a browser."""

from __future__ import annotations

import argparse
import errno
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
    ui.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT}; 0: any free port)"
    )
    ui.set_defaults(handler=cmd_ui)


def _check_listen(host: str, port: int) -> int:
    """Bind ``host:port`` once and let it go, before the banner and the server; returns the
    port bound (for ``--port 0``, the free port the system chose, which the server then gets:
    the banner said "http://127.0.0.1:0/").

    Why: a port in use or a host that is not this machine's printed "UI on http://..." and
    then uvicorn's error, exit 3; now it is one line naming the argument, exit 2. The socket
    is opened as uvicorn opens it (SO_REUSEADDR), so a port in TIME_WAIT is not refused."""
    import socket

    from ..scenario.loading import ConfigError

    try:
        family, kind, proto, _, addr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigError(
            f"--host {host!r:.80}: not an address or host name of this machine "
            f"({getattr(exc, 'strerror', None) or exc}); e.g. 127.0.0.1 or 0.0.0.0"
        ) from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            which = f"--port {port}" if exc.errno == errno.EADDRINUSE else f"--host {host!r:.80}"
            raise ConfigError(
                f"{which}: cannot listen on {host}:{port} ({exc.strerror or exc}); "
                + (
                    "stop what uses it or choose another --port (0 = any free port)"
                    if exc.errno == errno.EADDRINUSE
                    else "give an address of this machine, e.g. 127.0.0.1 or 0.0.0.0"
                )
            ) from None
        return int(sock.getsockname()[1])


def cmd_ui(args: argparse.Namespace) -> int:
    port = _check_listen(args.host, args.port)
    print(f"coalition-sim UI on http://{args.host}:{port}/  (Ctrl-C to stop)", flush=True)
    print(
        "The server prepares the model as it starts (compiled once per machine and cached on "
        f"disk: ~{expected_seconds():.0f} s the first time, about a second after); the page shows "
        "its progress and wakes its buttons when it is ready.",
        flush=True,
    )
    cmd = server_command(args.host, port)
    os.execve(sys.executable, cmd, server_env())
    return 0  # pragma: no cover - execve does not return
