"""Progress for long work: tqdm with an ETA on a terminal, a plain line every ~10 s in logs."""

from __future__ import annotations

import sys
import time

__all__ = ["Progress"]


class Progress:
    """Count ``total`` units of work (``done`` of them finished before we started)."""

    def __init__(
        self, label: str, total: int, done: int = 0, unit: str = "run", quiet: bool = False
    ) -> None:
        self.label, self.unit, self.quiet = label, unit, quiet
        self.total, self.done, self.start_done = total, done, done
        self.t0 = self.last = time.monotonic()
        self.bar = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=done, unit=unit, desc=label, smoothing=0.1)
        elif not quiet:
            self._log(f"{label}: {total - done} of {total} {unit}s to do")

    @staticmethod
    def _log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if self.quiet or (now - self.last < 10.0 and self.done < self.total):
            return
        self.last = now
        rate = (self.done - self.start_done) / max(now - self.t0, 1e-9)
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        pct = 100 * self.done / max(self.total, 1)
        self._log(
            f"{self.label}: {self.done}/{self.total} {self.unit}s ({pct:.0f}%), "
            f"{rate:,.1f} {self.unit}s/s, ETA {eta:.0f} s"
        )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
