"""The argument fuzzer in CI (issue 23, item 7): a few hundred command lines drawn from every
subcommand's own argparse definition with hostile values (``tests/fuzz_args.py``); each is
refused in one short line, runs, or is a valid long command stopped by the time budget -
never a traceback, a multi-line or an over-long message, or a hang."""

from __future__ import annotations

import pytest
from fuzz_args import census

pytestmark = pytest.mark.timeout(300)

PER_COMMAND = 15


def test_every_command_line_is_refused_cleanly_or_runs(monkeypatch):
    monkeypatch.setattr("fuzz_args.BUDGET_S", 1.0)
    monkeypatch.setattr("fuzz_args.SHOW", True)  # a failure's report names its command lines
    counts = census(PER_COMMAND)
    assert len(counts) >= 12  # every subcommand but ui
    bad = {name: dict(c) for name, c in counts.items()
           if set(c) - {"refused", "ran", "budget"}}  # fmt: skip
    assert not bad, bad
    total = sum(sum(c.values()) for c in counts.values())
    refused = sum(c["refused"] for c in counts.values())
    assert total >= 150 and refused >= total // 2  # the pool reaches the refusals
    assert sum(c["ran"] for c in counts.values()) >= 10  # and accepted command lines
