"""The classroom app renders and steps headless (solara's test renderer), for every
scenario; its controls are the model's constructor keywords; the GIF export works."""

from __future__ import annotations

import inspect

import ipyvuetify as v
import pytest
import solara

from sim.app.classroom import SCENARIOS, ClassroomModel
from sim.app.page import MODEL_PARAMS, make_page
from tests.conftest import SCENARIOS as SCENARIO_FILES


@pytest.fixture
def render():
    """Render pages; close them after the test (Mesa's update counter is global, so a
    page left open would redraw on every later step of any other page)."""
    contexts = []

    def _render(scenario: str):
        _, rc = solara.render(solara.AppLayout(children=[make_page(scenario)]), handle_error=False)
        contexts.append(rc)
        return rc

    yield _render
    for rc in contexts:
        rc.close()


def status(rc) -> str:
    return rc.find(class_="status-line").widget.children[0]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_page_renders_and_steps_for_every_scenario(render, scenario):
    rc = render(scenario)
    assert status(rc).startswith(("step 0 ", "week 0 "))
    step = rc.find(v.Btn, children=["Step"])
    for _ in range(3):
        step.widget.click()
    assert status(rc).startswith(("step 3 ", "week 3 "))
    picker = rc.find(v.Select, label="Scenario").widget
    assert picker.items == SCENARIO_FILES and picker.v_model == scenario


def test_a_cascade_shows_in_the_status_line(render):
    rc = render("granovetter_riot")
    step = rc.find(v.Btn, children=["Step"])
    for _ in range(5):
        step.widget.click()
    assert "defected 5%" in status(rc)


def test_picking_a_scenario_then_reset_switches_the_model(render):
    rc = render("syria_2012")
    assert status(rc).startswith("week 0 ")
    rc.find(v.Select, label="Scenario").widget.v_model = "kuran_ten_lowered"
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert status(rc).startswith("step 0 ")
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "defected 10%" in status(rc)


def test_every_control_is_a_constructor_keyword():
    """SolaraViz rebuilds the model from its keywords: a control that is not one would
    be silently ignored."""
    keywords = set(inspect.signature(ClassroomModel.__init__).parameters) - {"self"}
    assert set(MODEL_PARAMS) == keywords


def test_sliders_scale_the_scenarios_weights():
    base = ClassroomModel("syria_2012")
    scaled = ClassroomModel(
        "syria_2012",
        danger_weight_factor=2.0,
        detection_probability_factor=100.0,
        late_defector_contempt_factor=0.0,
    )
    assert scaled.params.danger_weight == 2 * base.params.danger_weight
    assert scaled.params.late_defector_contempt == 0.0
    assert scaled.params.detection_probability == 1.0  # a probability stays one
    assert scaled.params.peer_weight == base.params.peer_weight


def test_the_event_feed_names_the_documented_officials():
    model = ClassroomModel("syria_2012")
    for _ in range(69):
        model.step()
    feed = "\n".join(model.feed(limit=400))
    assert "ambassador to Iraq, head of an eastern tribe defected (scheduled" in feed
    assert "Republican Guard general was arrested (scheduled" in feed


def test_a_run_exports_to_an_animated_gif(tmp_path):
    from PIL import Image

    from sim.app.gif import export_gif

    out = export_gif("granovetter_riot_variant", 0, tmp_path / "riot.gif", every=1, steps=4)
    with Image.open(out) as gif:
        assert gif.n_frames == 5 and gif.size[0] > gif.size[1]  # network and curves side by side
    assert not list(tmp_path.glob(".*partial*"))
