"""Behaviour pinned by output fingerprints (see ``tests/golden/record.py``).

Every scenario in ``configs/`` (two seeds), one sweep dataset and a small calibration fit
must give the recorded bytes. A refactor must leave this green; a change of model
behaviour made on purpose regenerates ``tests/golden/hashes.json`` in the same commit.
"""

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))
import record

pytestmark = pytest.mark.slow


def test_outputs_match_recorded_fingerprints() -> None:
    expected = json.loads(record.HASHES.read_text())
    actual = record.compute()
    changed = sorted(k for k in expected if actual.get(k) != expected[k])
    assert set(actual) == set(expected), "the set of fingerprinted outputs changed"
    assert not changed, f"outputs changed: {changed[:10]}"
