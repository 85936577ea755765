"""The classroom app: a live scenario on the network of officials (Solara).

    make app                      # prints the address, e.g. http://localhost:8765
    .venv/bin/solara run sim/app/page.py

Each browser tab is its own session with its own model, built when the tab opens (from
the address: ``?scenario=kuran_ten&seed=3&danger_weight_factor=2``). Reset rebuilds it
and redraws every picture; Play stops at the scenario's last step, when Pause is pressed
or when the tab closes. The weights' sliders act on the next step; the scenario, seed,
expectations and timing need Reset. Three tabs: the run, two runs compared, and the
class game (:mod:`sim.app.game`).

The page is written with Solara directly rather than Mesa's SolaraViz: SolaraViz 3.3
builds one model when the module is imported (shared by every tab until a Reset),
redraws only when its step counter changes (so not after a Reset), shows its own play
and render intervals, and redraws every figure from scratch (2.4 s a step on syria_2012).
"""

from __future__ import annotations

import contextlib
import functools
import io
import threading
import time
from pathlib import Path

import solara
import yaml

from sim.app.classroom import (
    FACTOR_HIGH,
    FACTOR_LOW,
    FACTOR_STEP,
    SCENARIOS,
    SLIDERS,
    SWITCHES,
    ClassroomModel,
    Settings,
    SettingsError,
    check_factor,
    check_seed,
    parse_settings,
)
from sim.app.connection import page_connected
from sim.app.keys import KeyboardShortcuts, action_of
from sim.app.pictures import CurvesPicture, NetworkPicture, side_by_side

#: seconds between two steps on Play, by the speed picker's name
SPEEDS = {"fast (0.1 s a step)": 0.1, "normal (0.3 s)": 0.3, "slow (1 s)": 1.0}
LESSONS = yaml.safe_load((Path(__file__).with_name("lessons.yaml")).read_text(encoding="utf-8"))

CSS = """
.v-application .status-line {font-size: 1.25rem; font-weight: bold;}
.picture img, img.picture {width: 100%; height: auto;}
.message-box {font-size: 1.1rem;}
.v-slider__thumb-label {font-size: 0.9rem;}
.v-label, .v-select__selection, .v-btn {font-size: 1rem !important;}
"""


#: the step-0 pictures by address (bounded): a class opening one address draws them once
_FIRST_PICTURES: dict[str, tuple[bytes, bytes]] = {}
_FIRST_LOCK = threading.Lock()


def _remember(key: str, pictures: tuple[bytes, bytes]) -> None:
    with _FIRST_LOCK:
        if len(_FIRST_PICTURES) >= 64:
            _FIRST_PICTURES.pop(next(iter(_FIRST_PICTURES)))
        _FIRST_PICTURES[key] = pictures


class Session:
    """One browser tab's run: the settings, the model, its pictures (PNG bytes)."""

    def __init__(self, settings: Settings) -> None:
        self.lock = threading.RLock()
        self.settings = settings
        self.generation = 0
        self.network: NetworkPicture | None = None
        self.curves: CurvesPicture | None = None
        self.reset(settings)

    def reset(self, settings: Settings) -> None:
        model = settings.build()  # raises on a bad value: the old run stays
        with self.lock:
            self.settings, self.model = settings, model
            self.generation += 1
            key = settings.query()
            cached = _FIRST_PICTURES.get(key)
            if cached is None:
                self.draw()
                _remember(key, (self.network_png, self.curves_png))
            else:
                # a fresh run's pictures depend on its settings only: many pages opening
                # the same address share them; the figures are built at the first step
                self.network = self.curves = None
                self.network_png, self.curves_png = cached

    def draw(self) -> None:
        if self.network is None or self.network.model is not self.model:
            self.network = NetworkPicture(self.model)
            self.curves = CurvesPicture(self.model)
        self.network_png = self.network.render()
        self.curves_png = self.curves.render()

    def event_legend(self) -> list[str]:
        return self.curves.event_legend() if self.curves is not None else []

    def step(self) -> bool:
        """One step and a redraw; False at the scenario's last step (nothing done)."""
        with self.lock:
            if self.model.finished:
                return False
            self.model.step()
            self.draw()
            return True

    # --- what the export buttons give --------------------------------------------------
    def png(self) -> bytes:
        with self.lock:
            if self.network is None:
                self.draw()
            return side_by_side([self.network.render("png"), self.curves.render("png")])

    def gif(self, every: int | None = None) -> bytes:
        """The run so far, replayed from step 0 with the same slider changes, as a GIF."""
        with self.lock:
            settings, history, upto = self.settings, list(self.model.factor_history), self.model.t
        return replay_gif(settings, history, upto, every)


def replay_gif(
    settings: Settings, history, upto: int, every: int | None = None, duration: int = 250
) -> bytes:
    """A run from step 0 to ``upto`` (slider changes ``history``: (step, factors)), one
    frame every ``every`` steps (default: about 40 frames), ``duration`` ms a frame."""
    from PIL import Image

    model = settings.build()
    every = every or max(1, upto // 40)
    network, curves = NetworkPicture(model, 6, 5.6), CurvesPicture(model, None, 6, 5.6)
    changes = {t: f for t, f in history}
    frames = []
    while True:
        if model.t in changes:
            model.set_factors(**changes[model.t])
        if model.t % every == 0 or model.t == upto:
            joined = side_by_side([network.render("png"), curves.render("png")])
            frames.append(Image.open(io.BytesIO(joined)).convert("P", palette=Image.ADAPTIVE))
        if model.t >= upto:
            break
        model.step()
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="gif",
        save_all=True,
        append_images=frames[1:],
        duration=duration,
        loop=0,
    )
    return buffer.getvalue()


def compare_runs(a: Settings, b: Settings) -> tuple[bytes, list[str]]:
    """Both runs to their last step, their curves on one chart, and a line on each."""
    model_a, model_b = a.build(), b.build()
    for model in (model_a, model_b):
        while not model.finished:
            model.step()
    picture = CurvesPicture(model_a, model_b, width=7.5, height=6.4)
    lines = []
    for name, model, settings in (("A", model_a, a), ("B", model_b, b)):
        half = next((r["step"] for r in model.timeseries() if r["share_defected"] >= 0.5), None)
        lines.append(
            f"{name}: {settings.scenario}, seed {settings.seed}"
            f"{', ' + model.params_text() if model.params_text() else ''}: "
            f"{model.current('share_defected'):.0%} defected at the end, "
            f"half defected {'at step ' + str(half) if half is not None else 'never'}, "
            f"final survival {model.survival:.2f}"
        )
    return picture.render("png"), lines


def push_address(router, settings: Settings) -> None:
    """Put the run's settings in the browser's address, so the address reproduces it."""
    with contextlib.suppress(Exception):  # the test renderer has no browser address
        router.push(f"?{settings.query()}")


@solara.component
def Message(text: str, kind: str = "error"):
    if text:
        solara.Warning(text, classes=["message-box"]) if kind == "warning" else solara.Error(
            text, classes=["message-box"]
        )


@solara.component
def RunTab(session: Session, tick: int, bump, messages: list[str], set_messages):
    settings = session.settings
    scenario, set_scenario = solara.use_state(settings.scenario)
    seed_text, set_seed_text = solara.use_state(str(settings.seed))
    switches, set_switches = solara.use_state(
        {k: getattr(settings, k) or getattr(session.model.run.model, k) for k in SWITCHES}
    )
    playing, set_playing = solara.use_state(False)
    speed, set_speed = solara.use_state(next(iter(SPEEDS)))
    router = solara.use_router()

    def do_reset():
        set_playing(False)
        try:
            seed = check_seed(seed_text)
            new = session.settings.with_(
                scenario=scenario,
                seed=seed,
                factors={k: v for k, v in session.model.factors.items() if v != 1.0},
                **switches,
            )
            session.reset(new)
        except (SettingsError, ValueError) as e:
            set_messages([f"Not applied, the run is unchanged: {e}"])
            return
        set_messages([])
        push_address(router, new)
        bump()

    def do_step():
        if not session.step():
            set_messages(["The scenario's last step is reached: press Reset to run it again."])
        bump()

    def pick_scenario(name: str):
        set_scenario(name)
        own = ClassroomModel.scenario_switches(name)
        set_switches(own)

    def play(cancel: threading.Event):
        if not playing:
            return
        interval = SPEEDS[speed]
        while not cancel.is_set():
            started = time.monotonic()
            if not page_connected() or not session.step():
                break
            bump()
            cancel.wait(max(0.0, interval - (time.monotonic() - started)))
        if not cancel.is_set():
            set_playing(False)

    solara.use_thread(play, dependencies=[playing, session.generation], intrusive_cancel=False)

    def on_factor(keyword: str, value: float):
        try:
            with session.lock:
                session.model.set_factors(**{keyword: check_factor(keyword, value)})
                session.settings = session.settings.with_(
                    factors={k: v for k, v in session.model.factors.items() if v != 1.0}
                )
        except SettingsError as e:
            set_messages([f"Not applied: {e}"])
            return
        push_address(router, session.settings)
        bump()

    def on_key(pressed: str):
        action = action_of(pressed)
        if action == "play":
            set_playing(not playing)
        elif action == "step" and not playing:
            do_step()
        elif action == "reset":
            do_reset()

    KeyboardShortcuts.element(on_pressed=on_key)
    model = session.model
    with solara.Columns([1, 3.4]):
        with solara.Column(classes=["controls"]):
            solara.Markdown("### The run")
            solara.Select("Scenario", values=SCENARIOS, value=scenario, on_value=pick_scenario)
            solara.InputText(
                "Seed (a whole number)", value=seed_text, on_value=set_seed_text,
                continuous_update=True, classes=["seed-box"],
            )  # fmt: skip
            for name, values in SWITCHES.items():
                solara.Select(
                    name.capitalize(),
                    values=list(values),
                    value=switches[name],
                    on_value=lambda v, name=name: set_switches({**switches, name: v}),
                )
            solara.Button(
                "Reset", on_click=do_reset, color="primary", block=True, classes=["reset-button"]
            )
            solara.Text(
                "Scenario, seed, expectations and timing take effect on Reset.",
                style={"font-size": "0.85rem", "color": "#555"},
            )
            with solara.Row():
                solara.Button("Step", on_click=do_step, disabled=playing, classes=["step-button"])
                solara.Button(
                    "Pause" if playing else "Play",
                    on_click=lambda: set_playing(not playing),
                    classes=["play-button"],
                    color="success" if not playing else "warning",
                )
            solara.Select("Speed of Play", values=list(SPEEDS), value=speed, on_value=set_speed)
            solara.Text(
                "Keys: Space plays or pauses, S or → steps, R resets.",
                style={"font-size": "0.85rem", "color": "#555"},
            )
            solara.Markdown(
                "### Weights (act on the next step)\n"
                "A factor on the scenario's own value: × 1 = as the scenario has it."
            )
            for keyword, (parameter, label) in SLIDERS.items():
                factor = session.model.factors[keyword]
                base = getattr(session.model.base_model, parameter)
                solara.SliderFloat(
                    f"{label} × {factor:.1f}" + (" (0 here: no effect)" if base == 0 else ""),
                    value=factor,
                    min=FACTOR_LOW,
                    max=FACTOR_HIGH,
                    step=FACTOR_STEP,
                    thumb_label=True,
                    on_value=lambda v, k=keyword: on_factor(k, v),
                )

        with solara.Column():
            for text in messages:
                Message(text)
            solara.Text(model.status(), classes=["status-line"])
            with solara.Columns([1, 1]):
                solara.Image(
                    session.network_png,
                    width="100%",
                    format="jpeg",
                    classes=["picture", "network-picture"],
                )
                solara.Image(
                    session.curves_png,
                    width="100%",
                    format="jpeg",
                    classes=["picture", "curves-picture"],
                )
            solara.Text(model.summary(), classes=["summary-line"])
            events = session.event_legend()
            named = model.named_feed()
            if events or named:
                with solara.Columns([1, 1]):
                    solara.Markdown(
                        "**Scheduled events on the curves**\n\n"
                        + "\n".join(f"- {e}" for e in events)
                        if events
                        else ""
                    )
                    solara.Markdown(
                        "**Named officials and scheduled moves (newest first)**\n\n"
                        + "\n".join(f"- {line}" for line in named)
                        if named
                        else ""
                    )
            lesson = LESSONS.get(model.scenario, {})
            with solara.Card(model.scenario_title, classes=["lesson-panel"]):
                solara.Markdown(model.description or "")
                if lesson.get("try"):
                    solara.Markdown(
                        "**Things to try**\n\n" + "\n".join(f"- {t}" for t in lesson["try"])
                    )
            with solara.Card("Keep this run"):
                solara.Markdown(
                    f"This page's address reproduces the run: `?{session.settings.query()}`"
                    + (
                        " (slider changes made during the run are recorded in config.yaml)"
                        if len(model.factor_history) > 1
                        else ""
                    )
                )
                stem = f"{model.scenario}_seed{model.seed}_t{model.t}"
                with solara.Row():
                    solara.FileDownload(
                        lambda: model.timeseries_csv(),
                        f"{stem}_timeseries.csv",
                        label="timeseries.csv",
                    )
                    solara.FileDownload(lambda: model.config_yaml(), f"{stem}_config.yaml",
                                        label="config.yaml")  # fmt: skip
                    solara.FileDownload(session.png, f"{stem}.png", label="picture (PNG)")
                    solara.FileDownload(session.gif, f"{stem}.gif", label="animation (GIF)")


@solara.component
def CompareTab(session: Session):
    a = session.settings
    contrast = LESSONS.get(a.scenario, {}).get("contrast", a.scenario)
    scenario_b, set_scenario_b = solara.use_state(contrast)
    switches_b, set_switches_b = solara.use_state(ClassroomModel.scenario_switches(contrast))
    result, set_result = solara.use_state(None)

    def run_both():
        b = Settings(scenario_b, a.seed, factors=dict(a.factors), **switches_b)
        set_result(compare_runs(a, b))

    solara.Markdown(
        f"**A** is the run of the first tab ({a.scenario}, seed {a.seed}). Pick **B**: "
        "another scenario, or the same one with other expectations or timing. Both use "
        "the same seed and sliders, and run to their last step."
    )
    with solara.Row():
        solara.Select(
            "Scenario B", values=SCENARIOS, value=scenario_b,
            on_value=lambda v: (set_scenario_b(v),
                                set_switches_b(ClassroomModel.scenario_switches(v))),
        )  # fmt: skip
        for name, values in SWITCHES.items():
            solara.Select(
                f"B: {name}",
                values=list(values),
                value=switches_b[name],
                on_value=lambda v, name=name: set_switches_b({**switches_b, name: v}),
            )
        solara.Button("Run A and B", on_click=run_both, color="primary", classes=["compare-button"])
    if result is not None:
        png, lines = result
        with solara.Columns([3, 2]):
            solara.Image(png, width="100%", classes=["picture", "compare-picture"])
            with solara.Column():
                for line in lines:
                    solara.Text(line, classes=["compare-line"], style={"font-size": "1.1rem"})
                solara.Markdown(
                    "Solid: A; dashed: B. Top: the share of officials who defected; bottom: "
                    "how many defected, and the regime's perceived survival (right axis)."
                )


@solara.component
def Page():
    router = solara.use_router()
    settings, start_errors = solara.use_memo(lambda: parse_settings(router.search), [])
    session = solara.use_memo(lambda: Session(settings), [])
    tick, set_tick = solara.use_state(0)
    messages, set_messages = solara.use_state(list(start_errors))

    def bump():
        set_tick(lambda t: t + 1)

    solara.Style(CSS)
    solara.Title("Defection tipping points: the classroom app")
    with solara.AppBar():
        solara.Text("Defection tipping points", style={"font-size": "1.3rem"})
    from sim.app.game import GameTab

    with solara.lab.Tabs(lazy=True):
        with solara.lab.Tab("Run a scenario"):
            RunTab(session, tick, bump, messages, set_messages)
        with solara.lab.Tab("Compare two runs"):
            CompareTab(session)
        with solara.lab.Tab("Class game"):
            GameTab()


@functools.cache
def _warm() -> None:
    """Compile the model's code and draw once per server, before the first visitor waits."""
    Session(Settings("kuran_ten")).step()
    Settings().build()  # composes and caches the default scenario


_warm()
page = Page
