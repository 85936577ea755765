"""The classroom app renders and steps headless (solara's test renderer), for every
scenario; each page has its own model; the pictures follow Reset; bad values give a
message and leave the run unchanged; the address reproduces a run; exports work."""

from __future__ import annotations

import csv
import io

import ipyvuetify as v
import ipywidgets as widgets
import pytest
import solara
import yaml

from sim.app.classroom import (
    SCENARIOS,
    SLIDERS,
    ClassroomModel,
    Settings,
    SettingsError,
    check_seed,
    parse_settings,
)
from sim.app.page import Page, replay_gif
from tests.conftest import SCENARIOS as SCENARIO_FILES


@pytest.fixture
def render():
    """Render pages; close them after the test."""
    contexts = []

    def _render():
        _, rc = solara.render(solara.AppLayout(children=[Page()]), handle_error=False)
        contexts.append(rc)
        return rc

    yield _render
    for rc in contexts:
        rc.close()


def status(rc) -> str:
    return rc.find(class_="status-line").widget.children[0]


def pictures(rc) -> dict[str, bytes]:
    return {w._dom_classes[-1]: w.value for w in rc.find(widgets.Image).widgets}


def click(rc, name: str) -> None:
    rc.find(v.Btn, children=[name]).widget.click()


def test_the_scenario_picker_offers_exactly_the_scenario_files(render):
    rc = render()
    picker = rc.find(v.Select, label="Scenario").widget
    assert picker.items == SCENARIO_FILES and picker.v_model == "syria_2012"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_builds_steps_and_draws(scenario):
    from sim.app.page import Session

    session = Session(Settings(scenario))
    first = session.network_png, session.curves_png
    for _ in range(2):
        session.step()
    assert session.model.t == min(2, session.model.spec_steps)
    assert session.curves_png != first[1]


def test_each_page_has_its_own_model(render):
    first, second = render(), render()
    for _ in range(3):
        click(first, "Step")
    assert status(first).startswith("week 3 ") and status(second).startswith("week 0 ")


def test_reset_redraws_the_pictures(render):
    rc = render()
    fresh = pictures(rc)
    rc.find(v.Select, label="Scenario").widget.v_model = "kuran_ten_lowered"
    click(rc, "Reset")
    for _ in range(7):
        click(rc, "Step")
    stepped = pictures(rc)
    assert status(rc).startswith("step 7 ")
    rc.find(v.Select, label="Scenario").widget.v_model = "syria_2012"
    click(rc, "Reset")
    assert status(rc).startswith("week 0 ")
    after = pictures(rc)
    assert after == fresh and after != stepped


def test_step_stops_at_the_scenarios_last_step(render):
    rc = render()
    rc.find(v.Select, label="Scenario").widget.v_model = "kuran_ten"  # 20 steps
    click(rc, "Reset")
    for _ in range(25):
        click(rc, "Step")
    assert status(rc).startswith("step 20 ")
    assert "last step" in rc.find(v.Alert).widgets[-1].children[0]


def test_a_cascade_shows_in_the_status_line(render):
    rc = render()
    rc.find(v.Select, label="Scenario").widget.v_model = "granovetter_riot"
    click(rc, "Reset")
    for _ in range(5):
        click(rc, "Step")
    assert "defected 5%" in status(rc)


def test_a_bad_seed_gives_a_message_and_leaves_the_run(render):
    rc = render()
    click(rc, "Step")
    for bad in ("abc", "-1", "1e3", "99999999999999999999"):
        rc.find(v.TextField, label="Seed (a whole number)").widget.v_model = bad
        click(rc, "Reset")
        message = rc.find(v.Alert).widgets[-1].children[0]
        assert f"seed={bad!r} is not allowed" in message
        assert status(rc).startswith("week 1 ")


def test_sliders_act_on_the_next_step_without_reset(render):
    rc = render()
    click(rc, "Step")
    rc.find(v.Slider, label="danger × 1.0").widget.v_model = 2.0
    assert rc.find(v.Slider, label="danger × 2.0").widget
    click(rc, "Step")
    assert status(rc).startswith("week 2 ")  # no Reset happened


def test_set_factors_changes_the_weights_from_the_next_step():
    base = ClassroomModel("syria_2012")
    model = ClassroomModel("syria_2012")
    model.step()
    model.set_factors(danger_weight_factor=2.0)
    assert model.params.danger_weight == 2 * base.params.danger_weight
    assert model.factor_history[-1] == (1, {**model.factors})
    with pytest.raises(SettingsError):
        model.set_factors(danger_weight_factor=float("nan"))


def test_sliders_scale_the_scenarios_weights():
    base = ClassroomModel("syria_2012")
    scaled = ClassroomModel(
        "syria_2012",
        danger_weight_factor=2.0,
        detection_probability_factor=3.0,
        late_defector_contempt_factor=0.0,
    )
    assert scaled.params.danger_weight == 2 * base.params.danger_weight
    assert scaled.params.late_defector_contempt == 0.0
    assert scaled.params.detection_probability == pytest.approx(3 * 0.03)
    assert scaled.params.peer_weight == base.params.peer_weight


def test_expectations_and_timing_switch():
    model = ClassroomModel("syria_2012", expectations="adaptive", timing="stopping")
    assert (model.run.model.expectations, model.run.model.timing) == ("adaptive", "stopping")
    assert ClassroomModel.scenario_switches("door_closing") == {
        "expectations": "extrapolative",
        "timing": "stopping",
    }
    with pytest.raises(ValueError, match="timing='soon'"):
        ClassroomModel("syria_2012", timing="soon")


def test_the_address_round_trips_and_refuses_bad_values():
    settings = Settings("kuran_ten", 7, "adaptive", None, {"danger_weight_factor": 2.0})
    again, errors = parse_settings(settings.query())
    assert again == settings and errors == []
    bad, errors = parse_settings(
        "scenario=../sweep/smoke&seed=-1&danger_weight_factor=inf&timing=x&evil=1"
    )
    assert bad == Settings()
    assert len(errors) == 5 and all("is not allowed" in e for e in errors)
    assert parse_settings("seed=" + "9" * 5000)[1] == [
        "the address is too long: nothing in it was used"
    ]


@pytest.mark.parametrize("seed", [0, "12", 2**63 - 1])
def test_good_seeds_are_accepted(seed):
    assert check_seed(seed) == int(seed)


def test_the_same_address_gives_the_same_run():
    one, two = Settings("syria_2012", 3).build(), Settings("syria_2012", 3).build()
    for _ in range(30):
        one.step()
        two.step()
    assert one.timeseries_csv() == two.timeseries_csv()


def test_exports_timeseries_config_and_gif():
    from PIL import Image

    model = Settings("granovetter_riot", 0).build()
    for _ in range(4):
        model.step()
    model.set_factors(danger_weight_factor=2.0)
    rows = list(csv.DictReader(io.StringIO(model.timeseries_csv())))
    assert len(rows) == 5 and rows[-1]["share_defected"] == "0.04"
    record = yaml.safe_load(model.config_yaml())
    assert record["seed"] == 0 and record["app"]["scenario"] == "granovetter_riot"
    assert record["app"]["slider_changes"][-1]["step"] == 4
    gif = replay_gif(Settings("granovetter_riot", 0), model.factor_history, 4, every=1)
    with Image.open(io.BytesIO(gif)) as image:
        assert image.n_frames == 5 and image.size[0] > image.size[1]


def test_the_event_feed_names_the_documented_officials():
    model = ClassroomModel("syria_2012")
    for _ in range(69):
        model.step()
    feed = "\n".join(model.named_feed(limit=400))
    assert "ambassador to Iraq, head of an eastern tribe defected (scheduled" in feed
    assert "Republican Guard general was arrested (scheduled" in feed
    assert model.summary().startswith("Week 69:")


def test_comparing_two_runs():
    from sim.app.page import compare_runs

    png, lines = compare_runs(Settings("granovetter_riot"), Settings("granovetter_riot_variant"))
    assert png[:4] == b"\x89PNG"
    assert "100% defected" in lines[0] and "1% defected" in lines[1]


def test_every_slider_is_a_declared_parameter():
    from sim.core.parameters import MODEL

    assert {k.removesuffix("_factor") for k in SLIDERS} == {p.name for p in MODEL if p.slider}


def test_a_run_exports_to_an_animated_gif_from_the_command_line(tmp_path):
    from PIL import Image

    from sim.app.gif import export_gif

    out = export_gif("granovetter_riot_variant", 0, tmp_path / "riot.gif", every=1, steps=4)
    with Image.open(out) as gif:
        assert gif.n_frames == 5 and gif.size[0] > gif.size[1]  # network and curves side by side
    assert not list(tmp_path.glob(".*partial*"))


# --- the class game -------------------------------------------------------------------------
@pytest.fixture
def game():
    from sim.app.game import close_game, open_game

    g = open_game("syria_2012", 0, "hidden", 12)
    yield g
    close_game(g)


def test_a_game_deals_distinct_free_officials_and_refuses_late_joins(game):
    from sim.app.game import GameError

    players = [game.join(name) for name in ("Ann", "Bob", "Ann")]
    assert [p.name for p in players] == ["Ann", "Bob", "Ann 2"]
    ids = [p.official_id for p in players]
    assert len(set(ids)) == 3 and all(game.model.world.free[i] for i in ids)
    assert len({p.token for p in players}) == 3
    game.start(game.instructor_token)
    with pytest.raises(GameError, match="joins are closed"):
        game.join("Late")


def test_nobody_acts_for_another_player(game):
    from sim.app.game import GameError

    player = game.join("Ann")
    game.start(game.instructor_token)
    with pytest.raises(GameError, match="not in this game"):
        game.choose("a-guessed-token", "prepare")
    with pytest.raises(GameError, match="Only the instructor"):
        game.next_round(player.token)
    with pytest.raises(GameError, match="not open to you"):
        game.choose(player.token, "defect")  # not prepared yet


def test_a_game_is_bounded():
    from sim.app import game as g

    one = g.open_game("kuran_ten", 0, "public", 4)
    try:
        for k in range(len(one._deal)):
            one.join(f"p{k}")
        with pytest.raises(g.GameError, match="full"):
            one.join("one too many")
    finally:
        g.close_game(one)
    with pytest.raises(g.GameError, match="code"):
        g.find_game("../../etc/passwd")
    assert g.clean_name("<script>alert(1)</script> **x**") == "scriptalert(1)/script x"


def test_a_player_who_prepares_then_defects(game):
    player = game.join("Ann")
    game.start(game.instructor_token)
    game.choose(player.token, "prepare")
    official = game.model.officials[player.official_id]
    for _ in range(3):
        if "defect" in game.choices(player.token):
            game.choose(player.token, "defect")
        game.next_round(game.instructor_token)
    assert official.state.label in ("defected", "arrested")


def test_a_disconnected_player_is_played_by_the_computer(game):
    """Same seed, a student who never moves and is disconnected from the start: his
    official follows the model's rule, so the game's run equals the plain run."""
    player = game.join("Ann")
    player.last_seen -= 3600
    game.start(game.instructor_token)
    for _ in range(game.rounds):
        game.next_round(game.instructor_token)
    plain = ClassroomModel("syria_2012", 0)
    while plain.t < game.model.t:
        plain.step()
    assert plain.timeseries_csv() == game.model.timeseries_csv()
    assert game.finished and [row[0] for row in game.scores()] == ["Ann"]


def test_the_payoff_follows_the_models_terms():
    from sim.app.game import payoff

    model = ClassroomModel("syria_2012", 0)
    i = next(k for k, o in enumerate(model.officials) if not o.scripted)
    o, w, p = model.officials[i], model.params, model.survival
    fate, score = payoff(model, i)
    assert fate == "loyal"
    assert score == pytest.approx(
        w.privilege_weight * o.privileges * p - w.retribution_weight * o.exposure * (1 - p)
    )


def test_every_scenario_has_a_lesson_whose_contrast_exists():
    from sim.app.page import LESSONS

    assert set(LESSONS) == set(SCENARIOS)
    for name, lesson in LESSONS.items():
        assert lesson["contrast"] in SCENARIOS, name
        assert lesson["try"], name
