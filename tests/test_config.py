"""Scenario schema: shipped configs validate, ``extends`` merges, bad input fails in one line."""

from __future__ import annotations

import copy
import math

import pytest
from conftest import CONFIGS, SCENARIOS

from coalition_sim.scenario.library import load_scenario
from coalition_sim.scenario.loading import ConfigError, read_scenario_data
from coalition_sim.scenario.names import apply_overrides, parameter_table, set_value
from coalition_sim.scenario.safe_paths import show
from coalition_sim.scenario.schema import Params, Role, Scenario


def assert_one_line(exc: pytest.ExceptionInfo[ConfigError], *needles: str) -> str:
    msg = str(exc.value)
    assert "\n" not in msg, f"message spans several lines: {msg!r}"
    assert "Traceback" not in msg
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"
    return msg


# --------------------------------------------------------------------------- shipped files


def test_configs_folder_holds_the_five_scenarios():
    assert sorted(p.stem for p in CONFIGS.glob("*.toml")) == sorted(SCENARIOS)


@pytest.mark.parametrize("name", SCENARIOS)
def test_shipped_scenario_validates(name):
    scn = load_scenario(CONFIGS / f"{name}.toml")
    assert isinstance(scn, Scenario)
    assert scn.name == name
    roles = [a.role for a in scn.actors]
    assert roles.count(Role.LEADER) == 1 and roles.count(Role.TARGET) == 1
    for actor in scn.actors:
        w = actor.interests
        assert math.isclose(w.security + w.economy + w.prestige + w.stability, 1.0)
    ids = set(scn.actor_ids)
    assert all(t.a in ids and t.b in ids for t in scn.ties)


def test_small_fixture_scenario_is_valid(write_scenario):
    scn = load_scenario(write_scenario())
    assert scn.actor_ids == ["USA", "DPRK", "ROK"]
    assert scn.params.fatigue.growth == 0.05
    # schema defaults fill what the file leaves out
    assert scn.params.fatigue.recovery == Params().fatigue.recovery


# --------------------------------------------------------------------------- extends


def test_extends_merges_actors_by_id_and_ties_by_pair(write_scenario):
    write_scenario(name="small.toml")
    child = write_scenario(
        name="child.toml",
        text="""\
extends = "small.toml"
name = "child"

[[actors]]
id = "ROK"
volatility = 0.7

[[actors]]
id = "JPN"
name = "Japan"
role = "member"
capability = 0.033

[[ties]]
a = "ROK"            # the USA-ROK tie, written the other way round
b = "USA"
strength = 0.3

[[ties]]
a = "USA"
b = "JPN"
type = "treaty_ally"

[params.fatigue]
recovery = 0.2
""",
    )
    scn = load_scenario(child)
    assert scn.name == "child"
    assert scn.actor_ids == ["USA", "DPRK", "ROK", "JPN"]
    rok = scn.actors[2]
    assert rok.volatility == 0.7  # overridden
    assert rok.name == "South Korea" and rok.role is Role.MEMBER  # inherited
    assert scn.actors[0].capability == 0.13  # untouched actor inherited whole
    assert len(scn.ties) == 4
    usa_rok = next(t for t in scn.ties if {t.a, t.b} == {"USA", "ROK"})
    assert usa_rok.strength == 0.3 and usa_rok.type.value == "treaty_ally"
    # parameter tables merge key by key
    assert scn.params.fatigue.recovery == 0.2
    assert scn.params.fatigue.growth == 0.05
    assert scn.steps == 10 and scn.seed == 5  # top-level keys inherited


def test_extends_inherits_events_unless_replaced(write_scenario):
    event = '\n[[events]]\ndate = 2018-02-01\nkind = "strategic_test"\n'
    write_scenario(name="small.toml", append=event)
    inherit = write_scenario(name="inherit.toml", text='extends = "small.toml"\nname = "i"\n')
    assert [e.kind.value for e in load_scenario(inherit).events] == ["strategic_test"]
    replace = write_scenario(
        name="replace.toml",
        text='extends = "small.toml"\nname = "r"\n'
        '[[events]]\ndate = 2018-03-01\nkind = "conventional_test"\n',
    )
    assert [e.kind.value for e in load_scenario(replace).events] == ["conventional_test"]


def test_shipped_regional_six_extends_baseline():
    base = load_scenario(CONFIGS / "baseline.toml")
    six = load_scenario(CONFIGS / "regional_six.toml")
    assert six.actor_ids == [*base.actor_ids, "JPN", "RUS"]
    assert six.actors[:4] == base.actors
    assert len(six.ties) == len(base.ties) + 6


def test_shipped_summit_2018_overrides_baseline_actor_fields():
    base = load_scenario(CONFIGS / "baseline.toml")
    s18 = load_scenario(CONFIGS / "summit_2018.toml")
    usa_b, usa_s = base.actors[0], s18.actors[0]
    assert usa_s.standing == 0.38 and usa_s.reference == 0.55
    assert usa_s.capability == usa_b.capability and usa_s.volatility == usa_b.volatility
    assert s18.ties == base.ties


# --------------------------------------------------------------------------- bad input


BAD_CASES = {
    "unknown top-level key": (
        {"steps = 10": "steps = 10\nstpes = 3"},
        "",
        ["unknown key", "stpes"],
    ),
    "unknown key in a params group": (
        {"growth = 0.05": "growht = 0.05"},
        "",
        ["unknown key", "params.fatigue.growht", "(did you mean 'params.fatigue.growth'?)"],
    ),
    "unknown params group": (
        {},
        "\n[params.fatigu]\ngrowth = 0.1\n",
        ["unknown key", "params.fatigu", "(did you mean 'params.fatigue'?)"],
    ),
    "unknown key in an actor": (
        {"volatility = 0.2": "volatilty = 0.2"},
        "",
        ["unknown key", "actors.ROK.volatilty", "(did you mean 'actors.ROK.volatility'?)"],
    ),
    "unknown key near no allowed one: the keys allowed there": (
        {"growth = 0.05": "growth = 0.05\nzzz = 1"},
        "",
        ["unknown key 'params.fatigue.zzz'", "allowed in 'params.fatigue': growth, recovery"],
    ),
    "wrong type at top level": ({"steps = 10": 'steps = "ten"'}, "", ["steps", "'ten'"]),
    "wrong type in an actor": (
        {"capability = 0.02": 'capability = "high"'},
        "",
        ["actors.ROK.capability", "'high'"],
    ),
    "wrong type for a role": (
        {'role = "member"': 'role = "ally"'},
        "",
        ["actors.ROK.role", "ally"],
    ),
    "value above its range": (
        {"volatility = 0.2": "volatility = 1.5"},
        "",
        ["actors.ROK.volatility", "1.5", "out of range", "allowed [0, 1]"],
    ),
    "value below its range": (
        {"growth = 0.05": "growth = -0.1"},
        "",
        ["params.fatigue.growth", "-0.1", "out of range", "allowed [0, 1]"],
    ),
    "edge naming an unknown actor": (
        {'a = "USA"\nb = "ROK"': 'a = "USA"\nb = "JPN"'},
        "",
        ["ties[0]", "unknown actor", "JPN"],
    ),
    "duplicate actor ids": ({'id = "ROK"': 'id = "DPRK"'}, "", ["duplicate actor id", "DPRK"]),
    "no leader": ({'role = "leader"': 'role = "member"'}, "", ["role", "'leader'", "found 0"]),
    "two targets": ({'role = "member"': 'role = "target"'}, "", ["role", "'target'", "found 2"]),
    "interest weights not summing to 1": (
        {"stability = 0.1 }": "stability = 0.2 }"},
        "",
        ["actors.USA.interests", "sum to 1", "1.1"],
    ),
    "malformed TOML": ({}, "\n[[actors]\n", ["malformed TOML", "line"]),
    "coalition without capability": (
        {"capability = 0.13": "capability = 0.0", "capability = 0.02": "capability = 0.0"},
        "",
        ["capability"],
    ),
}


@pytest.mark.parametrize("case", list(BAD_CASES), ids=list(BAD_CASES))
def test_bad_scenario_gives_one_line_config_error(write_scenario, case):
    replace, append, needles = BAD_CASES[case]
    path = write_scenario(replace=replace, append=append)
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(exc, show(path), *needles)


def test_initial_fatigue_is_a_partner_state_never_the_targets():
    from coalition_sim.scenario.library import resolve_scenario
    from coalition_sim.scenario.names import with_values

    base = resolve_scenario("baseline")
    assert all(a.fatigue == 0.0 for a in base.actors)  # every scenario without it: fresh
    tired = with_values(base, {"actors.ROK.fatigue": 0.3})
    assert [a.fatigue for a in tired.actors if a.id == "ROK"] == [0.3]
    with pytest.raises(ConfigError) as exc:
        with_values(base, {"actors.DPRK.fatigue": 0.2})
    assert_one_line(exc, "actors.DPRK.fatigue", "allowed: 0")
    with pytest.raises(ConfigError) as exc:
        with_values(base, {"actors.ROK.fatigue": 1.5})
    assert_one_line(exc, "fatigue")


def test_scenario_without_a_coalition_member(write_scenario):
    path = write_scenario(
        text="""\
name = "pair"
[[actors]]
id = "USA"
name = "United States"
role = "leader"
capability = 0.13
[[actors]]
id = "DPRK"
name = "North Korea"
role = "target"
""",
    )
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(exc, show(path), "role", "'member'")


def test_a_typo_never_passes_even_next_to_valid_keys(write_scenario):
    # the correct key is also present: the typo must still be rejected, not ignored
    path = write_scenario(replace={"growth = 0.05": "growth = 0.05\ngrowht = 0.2"})
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(exc, "growht")


def test_a_misspelt_extends_is_named_not_the_keys_it_left_missing(tmp_path):
    """``extend = "baseline"`` was refused as "missing required key 'name' (and 2 more)": a
    typo leaves its field missing too, and the unknown key (with its hint) is what to say."""
    path = tmp_path / "mine.toml"
    path.write_text('extend = "baseline"\n')
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(exc, show(path), "unknown key 'extend' (did you mean 'extends'?)")


@pytest.mark.parametrize(
    ("name", "says"),
    [("sweeps/demo_grid.toml", "a sweep spec, not a scenario (use it with 'sweep FILE --out DIR')"),
     ("studies/coalition_fracture.toml", "a study spec, not a scenario (use it with 'study FILE')"),
     ("calibration/targets.toml", "a calibration target file, not a scenario"),
     ("validation/holdout.toml", "a held-out record, not a scenario"),
     ("validation/ablations.toml", "an ablation file, not a scenario")],
)  # fmt: skip
def test_another_kind_of_project_file_is_named_as_such(name, says):
    """``run --config configs/sweeps/demo_grid.toml`` was refused as "unknown key 'scenario'
    (and 5 more)": the file is a sweep spec, and the refusal now says so and where it goes."""
    with pytest.raises(ConfigError) as exc:
        load_scenario(CONFIGS / name)
    assert_one_line(exc, name, says)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(exc, show(path), "no such file")


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_scenario(tmp_path)
    assert_one_line(exc, str(tmp_path), "directory")


def test_extends_missing_parent(write_scenario, tmp_path):
    path = write_scenario(name="child.toml", text='extends = "gone.toml"\nname = "c"\n')
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(exc, "key 'extends' = 'gone.toml'", "no such file next to it")
    assert show(path) in str(exc.value)  # the file that says it, not the one it names


def test_a_scenario_anywhere_may_extend_a_shipped_one_by_name(write_scenario, tmp_path):
    """``extends = "baseline.toml"`` (or ``"baseline"``) from a file outside configs/ finds
    the shipped scenario when no such file lies next to it; a file next to it still wins."""
    for parent in ("baseline.toml", "baseline"):
        path = write_scenario(
            name="mine.toml", text=f'extends = "{parent}"\nname = "mine"\nsteps = 12\n'
        )
        scn = load_scenario(path)
        assert (scn.name, scn.steps) == ("mine", 12)
        assert len(scn.actors) == len(load_scenario("baseline").actors)
    write_scenario(name="baseline.toml", text='extends = "summit_2018.toml"\nname = "near"\n')
    path = write_scenario(name="mine.toml", text='extends = "baseline.toml"\nsteps = 12\n')
    assert load_scenario(path).name == "near"  # the file next to it


def test_a_scenario_anywhere_may_extend_a_shipped_history_scenario_by_its_name(write_scenario):
    """``extends = "history/start_2018.toml"`` (what the page's compact export and a fit in an
    installed copy write) was looked for only next to the file: "cannot read: no such file".
    A name with ``..`` is never looked up among the shipped scenarios."""
    shipped = load_scenario("history/start_2018").model_dump(exclude={"name"})
    for parent in ("history/start_2018.toml", "history/start_2018"):
        path = write_scenario(name="mine.toml", text=f'extends = "{parent}"\nname = "mine"\n')
        scn = load_scenario(path)
        assert scn.name == "mine" and scn.model_dump(exclude={"name"}) == shipped
    path = write_scenario(name="up.toml", text='extends = "../history/start_2018.toml"\n')
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(exc, "no such file")
    path = write_scenario(name="gone.toml", text='extends = "history/gone.toml"\nname = "g"\n')
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(exc, "key 'extends' = 'history/gone.toml'", "nor a shipped scenario")


def test_extends_cycle(write_scenario):
    write_scenario(name="a.toml", text='extends = "b.toml"\nname = "a"\n')
    b = write_scenario(name="b.toml", text='extends = "a.toml"\nname = "b"\n')
    with pytest.raises(ConfigError) as exc:
        load_scenario(b)
    assert_one_line(exc, "extends", "cycle")


def test_extends_self(write_scenario):
    path = write_scenario(name="s.toml", text='extends = "s.toml"\nname = "s"\n')
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(exc, show(path), "extends", "cycle")


def test_extends_must_be_a_string(write_scenario):
    path = write_scenario(name="x.toml", text='extends = 3\nname = "x"\n')
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(exc, show(path), "extends")


# --------------------------------------------------------------------------- overrides


def test_overrides_set_params_actors_and_top_level(write_scenario):
    path = write_scenario()
    scn = load_scenario(
        path, ["params.fatigue.growth=0.2", "actors.ROK.volatility=0.4", "steps=7", "seed=9"]
    )
    assert scn.params.fatigue.growth == 0.2
    assert scn.actors[2].volatility == 0.4
    assert (scn.steps, scn.seed) == (7, 9)
    # an override creates a parameter group the file does not mention
    scn = load_scenario(path, ["params.tension.decay=0.5"])
    assert scn.params.tension.decay == 0.5


def test_apply_overrides_does_not_mutate_its_input(write_scenario):
    data = read_scenario_data(write_scenario())
    before = copy.deepcopy(data)
    out = apply_overrides(data, ["params.fatigue.growth=0.3"], source="x")
    assert data == before
    assert out["params"]["fatigue"]["growth"] == 0.3


def test_override_unknown_key_is_rejected(write_scenario):
    path = write_scenario()
    with pytest.raises(ConfigError) as exc:
        load_scenario(path, ["params.fatigue.growht=0.1"])
    assert_one_line(exc, show(path), "params.fatigue.growht")


def test_override_unknown_group_is_rejected(write_scenario):
    data = read_scenario_data(write_scenario())
    with pytest.raises(ConfigError) as exc:
        apply_overrides(data, ["params.nogroup.x=1"], source="SRC")
    assert_one_line(exc, "SRC", "params.nogroup.x", "nogroup")


def test_override_unknown_actor_is_rejected(write_scenario):
    data = read_scenario_data(write_scenario())
    with pytest.raises(ConfigError) as exc:
        apply_overrides(data, ["actors.JPN.volatility=0.3"], source="SRC")
    assert_one_line(exc, "SRC", "actors.JPN.volatility", "'JPN'")


@pytest.mark.parametrize("item", ["novalue", "params.fatigue.growth", "=0.3", "steps.x=1"])
def test_malformed_override_item_is_rejected(write_scenario, item):
    data = read_scenario_data(write_scenario())
    with pytest.raises(ConfigError) as exc:
        apply_overrides(data, [item], source="SRC")
    assert_one_line(exc, "SRC")


def test_override_out_of_range_value_is_rejected(write_scenario):
    path = write_scenario()
    with pytest.raises(ConfigError) as exc:
        load_scenario(path, ["actors.ROK.volatility=2"])
    assert_one_line(exc, show(path), "actors.ROK.volatility", "out of range")


def test_set_value_creates_groups_only_where_the_schema_has_them():
    data = {"actors": [{"id": "USA"}]}
    set_value(data, "params.fatigue.growth", 0.1, "s")
    set_value(data, "actors.USA.interests.economy", 0.5, "s")
    assert data["params"] == {"fatigue": {"growth": 0.1}}
    assert data["actors"][0]["interests"] == {"economy": 0.5}
    with pytest.raises(ConfigError):
        set_value(data, "nothing.here", 1, "s")


# --------------------------------------------------------------------------- documentation


def test_parameter_table_rows_are_documented_and_consistent():
    rows = parameter_table()
    names = [r["name"] for r in rows]
    assert len(names) == len(set(names))
    assert len(rows) > 50
    for name in (
        "params.fatigue.growth",
        "params.prospect.loss_aversion",
        "clock.election_horizon",
    ):
        assert name in names
    assert any(n.startswith("actors.<ID>.") for n in names)
    unranged = set()
    for r in rows:
        assert r["meaning"].strip(), r["name"]
        assert r["source"].strip(), r["name"]
        if r["min"] is None or r["max"] is None:
            unranged.add(r["name"])
            continue
        assert r["min"] <= r["default"] <= r["max"], r
    # only the calendar's date fields have no numeric range
    assert unranged == {"clock.us_elections", "clock.pandemic_start"}


def test_parameter_table_defaults_match_the_schema():
    scn = Scenario.model_validate(
        {
            "name": "d",
            "actors": [
                {"id": "AA", "name": "a", "role": "leader"},
                {"id": "BB", "name": "b", "role": "target"},
                {"id": "CC", "name": "c", "role": "member"},
            ],
        }
    )
    for r in parameter_table():
        parts = r["name"].split(".")
        if parts[0] != "params":
            continue
        assert getattr(getattr(scn.params, parts[1]), parts[2]) == r["default"], r["name"]


@pytest.mark.parametrize("text", ["", "\n  \n# only comments\n"])
def test_an_empty_scenario_file_is_said_to_be_empty(tmp_path, text):
    """An empty file (a blank upload on the page, an unsaved editor buffer) was refused as
    "missing required key 'name' (and 1 more)", naming one key and hiding the other."""
    path = tmp_path / "empty.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    assert_one_line(
        exc, show(path), "no keys (an empty file, or comments only)", 'extends = "baseline"'
    )
