"""The three tests of a mechanism (``validation.verdict``): known answers on made-up figures."""

from __future__ import annotations

from types import SimpleNamespace

from coalition_sim.validation.verdict import verdict_lines, verdicts


def _ablation(name, total, rows_pass):
    return SimpleNamespace(
        ablation=SimpleNamespace(name=name), change={"total": total}, rows_pass=rows_pass
    )


FULL = {1: True, 2: True, 3: False}
SIGS = [{"row": 1, "share": 0.9}, {"row": 2, "share": 0.3}, {"row": 3, "share": 0.0}]


def test_each_test_can_fail_and_only_a_group_passing_all_is_real():
    abl = [
        _ablation("real", (1.0, 0.5, 1.5), {1: False, 2: True, 3: False}),
        _ablation("weak_row", (1.0, 0.5, 1.5), {1: True, 2: False, 3: False}),
        _ablation("no_row", (1.0, 0.5, 1.5), {1: True, 2: True, 3: False}),
        _ablation("costly", (-2.0, -2.5, -1.5), {1: False, 2: True, 3: False}),
        _ablation("fails_out", (1.0, 0.5, 1.5), {1: False, 2: True, 3: False}),
    ]
    held = {
        "real": {"A": (0.3, 0.1, 0.5), "B": (0.2, 0.05, 0.4)},
        "weak_row": {"A": (0.3, 0.1, 0.5), "B": (0.2, 0.05, 0.4)},
        "no_row": {"A": (0.3, 0.1, 0.5), "B": (0.2, 0.05, 0.4)},
        "costly": {"A": (0.3, 0.1, 0.5), "B": (0.2, 0.05, 0.4)},
        "fails_out": {"A": (0.3, 0.1, 0.5), "B": (-0.2, -0.4, -0.1)},
    }
    vs = {v.name: v for v in verdicts(abl, FULL, SIGS, held)}
    assert vs["real"].real and vs["real"].rows == (1,)
    # row 3 fails in the full model already: losing it does not count as needing the group
    assert vs["weak_row"].rows == (2,) and not vs["weak_row"].signature
    assert vs["no_row"].rows == () and not vs["no_row"].real
    assert not vs["costly"].fit and vs["costly"].signature
    assert vs["fails_out"].fit and not vs["fails_out"].survives
    assert not vs["fails_out"].uncontradicted and not vs["fails_out"].standing
    assert vs["real"].standing and not vs["costly"].standing
    text = "\n".join(verdict_lines(list(vs.values()), ["A", "B"]))
    assert "Meeting all three tests: real." in text
    assert (
        "Read leniently (tests 1 and 2, and no held-out window forecast better without it): real."
        in text
    )
    assert "**better without**: -2.00 [-2.50, -1.50]" in text
    assert "no (no row needs it)" in text and "no (2)" in text


def test_no_held_out_figures_means_the_third_test_is_not_passed():
    abl = [_ablation("real", (1.0, 0.5, 1.5), {1: False, 2: True, 3: False})]
    (v,) = verdicts(abl, FULL, SIGS, {})
    assert v.signature and v.fit and not v.survives and not v.real
    assert "None of the 1 groups meets all three tests" in "\n".join(verdict_lines([v], []))


def test_a_window_within_the_noise_fails_the_strict_reading_only():
    abl = [_ablation("quiet", (1.0, 0.5, 1.5), {1: False, 2: True, 3: False})]
    (v,) = verdicts(abl, FULL, SIGS, {"quiet": {"A": (0.3, 0.1, 0.5), "B": (0.0, -0.1, 0.1)}})
    assert not v.survives and not v.real  # strict: B is not forecast worse without it
    assert v.uncontradicted and v.standing  # lenient: B is not forecast better without it either
