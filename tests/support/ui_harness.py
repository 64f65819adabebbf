"""Start the UI server on a free loopback port and drive it with Debian's Chromium.

Shared by ``tests/test_ui.py`` and ``benchmarks/bench_ui.py``. Needs the ``playwright``
Python package (dev group; its driver ships in the wheel) and a ``chromium`` on PATH
(Debian: ``apt-get install chromium``); no browser is ever downloaded.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from coalition_sim.ui.server import server_command, server_env

__all__ = ["CHROMIUM_ARGS", "browser", "free_port", "js_click_until", "serve"]

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serve(
    timeout: float = 60.0, log: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Run ``python -m solara run coalition_sim.ui.app`` on a free port; yield its URL.
    ``env``: extra environment variables for the server (e.g. the warm-up hold)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    out = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        server_command("127.0.0.1", port),
        cwd=ROOT,
        env={**server_env(), **(env or {})},
        stdout=out,
        stderr=out,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"UI server exited with status {proc.returncode}")
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"UI server did not answer on {url}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    """A headless Debian Chromium driven by Playwright (``executable_path`` = ``chromium``)."""
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise RuntimeError("chromium not found: apt-get install -y chromium chromium-driver")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


#: In the page: click ``selector``, then wait frame by frame until ``probe()`` (a JS
#: expression) differs from its value before the click; returns milliseconds (-1 on timeout).
_CLICK_UNTIL = """
async ([selector, probe, timeoutMs]) => {
  const read = new Function('return (' + probe + ')');
  const before = read();
  const t0 = performance.now();
  document.querySelector(selector).click();
  while (read() === before) {
    if (performance.now() - t0 > timeoutMs) return -1;
    await new Promise(r => requestAnimationFrame(r));
  }
  return performance.now() - t0;
}
"""


def js_click_until(page: Any, selector: str, probe: str, timeout_ms: float = 10000) -> float:
    """Click latency measured in the browser: click -> the probed on-screen value changes."""
    return float(page.evaluate(_CLICK_UNTIL, [selector, probe, timeout_ms]))
