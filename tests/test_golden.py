"""Behaviour pinned by output fingerprints (see ``tests/golden/record.py``).

Every scenario in ``configs/`` (two seeds), one sweep dataset and a small calibration fit
must give the recorded bytes. A refactor must leave this green; a change of model
behaviour made on purpose regenerates ``tests/golden/hashes.json`` and ``columns.json`` in
the same commit (``python tests/golden/record.py --write``). A changed fingerprint is
explained: which file, which column, how far; a change within the documented last-bit
tolerance (``record.RTOL``, relative 1e-9 on every column profile) is accepted.
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
    profiles = json.loads(record.COLUMNS.read_text()) if record.COLUMNS.exists() else {}
    actual = record.compute()
    assert set(actual) == set(expected), "the set of fingerprinted outputs changed"
    report = []
    for key in sorted(k for k in expected if actual[k] != expected[k]):
        within, lines = record.explain(profiles.get(key), record.PROFILES.get(key))
        if not within:
            report.append(f"{key}:\n    " + "\n    ".join(lines[:8]))
    assert not report, "outputs changed (regenerate only for an intended change):\n" + "\n".join(
        report[:10]
    )


def test_explain_names_the_column_and_how_far() -> None:
    import pandas as pd

    old = record.profile(pd.DataFrame({"step": [0, 1], "cohesion": [0.5, 0.25], "m": ["a", "b"]}))
    same = record.profile(
        pd.DataFrame({"step": [0, 1], "cohesion": [0.5, 0.25 + 1e-17], "m": ["a", "b"]})
    )
    far = record.profile(pd.DataFrame({"step": [0, 1], "cohesion": [0.5, 0.3], "m": ["a", "c"]}))
    assert record.explain(old, same) == (True, [])
    within, lines = record.explain(old, far)
    assert not within
    assert any("'cohesion'" in line and "0.25 -> 0.3" in line for line in lines), lines
    assert any("'m'" in line and "not numeric" in line for line in lines), lines
    last_bit = record.profile(pd.DataFrame({"x": [0.1 + 0.2]}))
    assert record.explain(record.profile(pd.DataFrame({"x": [0.3]})), last_bit)[0]
