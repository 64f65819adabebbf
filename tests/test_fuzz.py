"""Config fuzzer (issue 15): every mutant of a shipped scenario is refused in one line or runs.

300 seeded mutants (see ``fuzz_configs.py`` for the operators and the outcome classes) in
about 10 s. Before issue 15 the same 300 cases gave 256 refused, 18 ran, 21 verbose refusals
(up to 5.7 kB, echoing the input) and 5 tracebacks (TypeError, ValueError); now only the two
wanted classes occur.
"""

from __future__ import annotations

from collections import Counter

import pytest
from fuzz_configs import census

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]

CASES = 300


def test_every_mutant_is_refused_cleanly_or_runs_sanely(tmp_path):
    counts: Counter[str] = census(CASES, seed=0, folder=tmp_path / "configs")
    assert sum(counts.values()) == CASES
    assert set(counts) <= {"refused", "ran"}, dict(counts)
    assert counts["ran"] >= 5 and counts["refused"] >= 200  # the mutator reaches both sides


def test_a_second_seed_too(tmp_path):
    counts = census(60, seed=1, folder=tmp_path / "configs")
    assert set(counts) <= {"refused", "ran"}, dict(counts)
