"""Every value the page receives from a widget is checked before use (issue 23, item 1).

A browser client can send any value for any widget (the console: ``__vue__.value = ...``). On
main the scenario menu's value reached the scenario loader, so a visitor could make the server
open any path and tell file states apart from the messages; a bogus Compare lever gave a
traceback with server paths. These tests render the real page in-process (no browser: the
widgets are set the way a client's message sets them) and check the refusals.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import solara
from conftest import CONFIGS, SMALL_TOML

from coalition_sim.ui import app, guards
from coalition_sim.ui.widgets import NativeSelect, ScenarioFileInput


def _page(check: Callable[[Any], None]) -> None:
    """Render the page (its tasks need a running event loop) and hand the render context on."""

    async def main() -> None:
        _box, rc = solara.render(app.Page(), handle_error=False)
        try:
            check(rc)
        finally:
            rc.close()

    asyncio.run(main())


def _shown(rc: Any, element_id: str) -> list[str]:
    """The text of the page's HTML blocks that carry ``element_id``."""
    return [
        w.unsafe_innerHTML
        for w in rc.find(solara.widgets.HTML).widgets
        if f'id="{element_id}"' in (w.unsafe_innerHTML or "")
    ]


# --------------------------------------------------------------------------- the scenario menu


def test_scenario_menu_value_outside_the_menu_opens_no_file(tmp_path: Path) -> None:
    """The hole: any server path given as the menu's value was loaded, and the messages told
    'no such file', 'is a directory' and 'malformed TOML' apart (a file-system probe), and a
    scenario-shaped TOML anywhere on the server loaded (then downloadable through Export)."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "bad.toml").write_text("name = [unclosed\n")
    (tmp_path / "secret.toml").write_text(SMALL_TOML.replace('"small"', '"server-secret"'))
    probes = [
        str(tmp_path / "missing.toml"),  # no such file
        str(tmp_path / "folder"),  # is a directory
        str(tmp_path / "bad.toml"),  # malformed TOML
        str(tmp_path / "secret.toml"),  # a valid scenario outside configs/
        str(tmp_path / "secret"),
        "../configs/baseline",
        "/etc/passwd",
        str(CONFIGS / "baseline.toml"),  # even the shipped file, by path rather than name
    ]

    def check(rc: Any) -> None:
        menu = rc.find(NativeSelect, select_class="cs-scenario").widget
        before = menu.value
        messages = set()
        for probe in probes:
            menu.value = probe
            shown = _shown(rc, "load-error")
            assert len(shown) == 1, (probe, shown)
            messages.add(shown[0])
            assert str(tmp_path) not in shown[0] and "/etc" not in shown[0]
            menu.value = before  # back to a menu entry
        assert len(messages) == 1, messages  # the same words whatever the path points at
        assert "not one of the menu" in messages.pop()
        # the running model is still the menu's scenario, not the file on the server
        labels = [w.unsafe_innerHTML for w in rc.find(solara.widgets.HTML).widgets]
        assert not any("server-secret" in (text or "") for text in labels)

    _page(check)


def test_menu_scenario_that_fails_names_no_server_path(tmp_path: Path, monkeypatch) -> None:
    """A menu entry whose file the schema refuses: the message names the scenario's key, not
    the folder it lives in on the server."""
    for name in ("baseline", "summit_2018"):
        (tmp_path / f"{name}.toml").write_bytes((CONFIGS / f"{name}.toml").read_bytes())
    (tmp_path / "zz_broken.toml").write_text(SMALL_TOML.replace("steps = 10", "steps = -3"))
    monkeypatch.setenv("COALITION_SIM_CONFIGS", str(tmp_path))

    def check(rc: Any) -> None:
        menu = rc.find(NativeSelect, select_class="cs-scenario").widget
        assert "zz_broken" in menu.options
        menu.value = "zz_broken"
        (shown,) = _shown(rc, "load-error")
        assert "zz_broken.toml: key" in shown and str(tmp_path) not in shown and "/tmp" not in shown

    _page(check)


# --------------------------------------------------------------------------- other widgets


def test_compare_lever_outside_the_menu_is_refused_without_traceback() -> None:
    def check(rc: Any) -> None:
        lever = rc.find(NativeSelect, select_class="cs-compare-lever").widget
        good = lever.value
        for bogus in ("/etc/passwd", "actors.USA.nonexistent", "", "params.fatigue.growth"):
            lever.value = bogus  # raised KeyError (a traceback page) on main
            (shown,) = _shown(rc, "compare-error")
            assert "not one of the menu" in shown and "/" not in shown.replace("</div>", "")
        lever.value = good
        assert _shown(rc, "compare-error") == []

    _page(check)


def test_upload_messages_of_the_wrong_shape_are_refused() -> None:
    def check(rc: Any) -> None:
        upload = rc.find(ScenarioFileInput, input_id="cs-load-file").widget
        # text as a huge number: bytes(n) would have allocated n bytes on the server
        for data in ({"name": "x.toml", "text": 10**12}, ["not", "a", "file"], None):
            upload.vue_load_file(data)
            (shown,) = _shown(rc, "load-error")
            assert "Refused" in shown
        upload.vue_load_file({"name": "big.toml", "text": "#" * 2_000_000, "size": 1})
        (shown,) = _shown(rc, "load-error")
        assert "at most" in shown  # the size the client claims is not trusted

    _page(check)


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, True, "0.5", None, [0.5], 10**400, -0.01, 1.01]
)
def test_a_slider_value_outside_its_range_or_not_a_number_is_refused(value: object) -> None:
    with pytest.raises(guards.Refused, match="must be a number from 0 to 1"):
        guards.number(value, 0.0, 1.0, "Sanctions fatigue growth")


def test_slider_values_inside_the_range_pass() -> None:
    assert guards.number(0, 0.0, 1.0, "x") == 0.0
    assert guards.number(7, 1, 30, "speed", integer=True) == 7
    with pytest.raises(guards.Refused):
        guards.number(7.5, 1, 30, "speed", integer=True)
    with pytest.raises(guards.Refused):
        guards.number(0, 1, 30, "speed", integer=True)  # the play loop divided by it


@pytest.mark.parametrize("text", ["0", "20001", "-1", "1e3", "", " ", "\u0661\u0662", 12, None])
def test_counts_are_whole_numbers_in_bounds(text: object) -> None:
    with pytest.raises(guards.Refused, match="Replicates must be a whole number from 1 to 20,000"):
        guards.count(text, 1, 20000, "Replicates")
    assert guards.count(" 500 ", 1, 20000, "Replicates") == 500


def test_choices_and_flags() -> None:
    assert guards.choice("a", ["a", "b"], "lever") == "a"
    for bad in ("c", None, 1, ["a"]):
        with pytest.raises(guards.Refused, match="that lever is not one of the menu's entries"):
            guards.choice(bad, ["a", "b"], "lever")
    assert guards.scenario_base("file: x", ["baseline"], {"file: x": 1}) == 1
    assert guards.scenario_base("baseline", ["baseline"], {}) == "baseline"
    assert guards.flag(True, "switch") is True
    with pytest.raises(guards.Refused):
        guards.flag("yes", "switch")


def test_public_message_drops_server_paths() -> None:
    root = str(Path(app.__file__).resolve().parents[2])
    msg = guards.public_message(f"{root}/configs/x.toml: key 'steps' must be >= 1")
    assert msg == "configs/x.toml: key 'steps' must be >= 1"
    msg = guards.public_message("/srv/data/private/y.toml: cannot read: no such file")
    assert msg == "y.toml: cannot read: no such file"
    assert guards.public_message("key 'a/b' must be 1/2") == "key 'a/b' must be 1/2"


def test_an_upload_nested_deeply_is_one_line_refusal() -> None:
    """A 1.8 kB upload nested 900 deep failed silently (RecursionError in the server log)."""
    from coalition_sim.scenario.errors import ConfigError
    from coalition_sim.ui.state import scenario_from_text

    for text in ("a = " + "[" * 900 + "]" * 900, "a = " + "[" * 40 + "]" * 40):
        with pytest.raises(ConfigError, match="nested too deeply"):
            scenario_from_text("deep.toml", text)


def test_an_upload_the_browser_could_not_decode_as_utf8_says_so() -> None:
    """The file input decodes strictly (TextDecoder, fatal): a binary or UTF-16 file arrives
    as ``utf8: false`` and is refused for what it is, as on the command line."""
    with pytest.raises(guards.Refused, match=r"^bin\.toml: not UTF-8 text$"):
        guards.upload({"name": "bin.toml", "size": 2, "text": None, "utf8": False}, 1000)
    assert guards.upload({"name": "a.toml", "text": "x = 1", "utf8": True}, 1000) == (
        "a.toml", "x = 1",
    )  # fmt: skip


def test_every_size_refusal_groups_its_thousands_as_the_page_does():
    """ "a session file may be at most 1000000 bytes" while the page writes "5,000,000"
    elsewhere: every refusal writes its numbers through numbers.whole."""
    from coalition_sim.scenario.loading import ConfigError
    from coalition_sim.ui.numbers import whole
    from coalition_sim.ui.runs import read_session
    from coalition_sim.ui.state import MAX_UPLOAD_BYTES, scenario_from_text

    assert whole(1_000_000) == "1,000,000" and whole(500) == "500"
    big = "x" * (MAX_UPLOAD_BYTES + 1)
    with pytest.raises(
        ConfigError, match="1,000,001 bytes; a session file may be at most 1,000,000 bytes"
    ):
        read_session("s.json", big, ["baseline"])
    with pytest.raises(
        ConfigError, match="1,000,001 bytes; a scenario file may be at most 1,000,000 bytes"
    ):
        scenario_from_text("s.toml", big)
    with pytest.raises(guards.Refused, match="from 1 to 20,000, not '30000'"):
        guards.count("30000", 1, 20_000, "Replicates")


def test_an_empty_upload_is_said_to_be_empty() -> None:
    def check(rc: Any) -> None:
        upload = rc.find(ScenarioFileInput, input_id="cs-load-file").widget
        upload.vue_load_file({"name": "blank.toml", "text": "", "utf8": True})
        (shown,) = _shown(rc, "load-error")
        assert "blank.toml: no keys (an empty file, or comments only)" in shown, shown
        assert "missing required key" not in shown

    _page(check)


def test_the_compare_panel_states_its_budget_before_it_is_reached() -> None:
    """The Ensemble panel stated its limit; Compare's (both arms counted) was learnt only by
    asking for too many replicates and being refused."""

    def check(rc: Any) -> None:
        (shown,) = _shown(rc, "compare-budget")
        assert (
            "At most 6,009 replicates per arm for this scenario: each request is limited to "
            "5,000,000 replicate-weeks-actors (104 weeks \u00d7 4 actors \u00d7 2 arms here)."
        ) in shown, shown

    _page(check)
