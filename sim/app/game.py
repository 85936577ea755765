"""The class game: students are the officials (NetLogo's HubNet, for this model).

The instructor opens a game on a scenario and gets a short code; students join from their
own browsers (the same app's "Class game" tab) with that code and a display name. Each is
dealt an official of the scenario (role, tribe, private disaffection, preparation time,
privileges, exposure, trust in an amnesty) and each round chooses to stay loyal, to start
preparing (moving family and money out, unseen; the secret police may catch him), or,
once prepared, to defect. Computer officials, who follow the model's own rule, fill the
rest, and play for any student who disconnects. A round is a few of the scenario's steps
(the whole scenario in ``rounds`` rounds). At the end the instructor's screen shows each
player's score under the model's terms (:func:`payoff`).

Two versions: ``hidden`` (a player sees only what an official of the model sees: the
visible defections and the regime's survival) and ``public`` (every classmate's move is
shown as it is made, preparations included), so a class can see herding after visible
moves.

Bounds: at most :data:`MAX_GAMES` games at once, :data:`MAX_PLAYERS` players a game;
joins after the start are refused; a player acts only through the token his own session
holds (nobody can act for another); a name is display text only, cut to 24 printable
characters; a code is checked against the open games and never reaches a file or Hydra.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

import numpy as np
import solara

from sim.app.classroom import SCENARIOS, ClassroomModel, SettingsError, check_scenario
from sim.app.connection import page_connected
from sim.core import rule
from sim.core.state import State

MAX_GAMES = 20
MAX_PLAYERS = 60
#: seconds without a sign of life after which the computer plays for a student
DISCONNECTED_AFTER = 8.0
#: a game is forgotten this long after its last move (seconds)
GAME_LIFETIME = 4 * 3600
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 5
VERSIONS = ("hidden", "public")
CHOICES = {"stay": "stay loyal", "prepare": "start preparing", "defect": "defect now"}


class GameError(ValueError):
    """A refused join or move, with the message the player sees."""


@dataclass
class Player:
    name: str
    official_id: int
    token: str
    choice: str = "stay"
    last_seen: float = field(default_factory=time.monotonic)
    moves: list[tuple[int, str]] = field(default_factory=list)

    def connected(self, now: float | None = None) -> bool:
        return ((now or time.monotonic()) - self.last_seen) < DISCONNECTED_AFTER


def clean_name(name: str) -> str:
    """Display text only: printable characters, at most 24, never empty."""
    text = "".join(c for c in str(name) if c.isprintable() and c not in "<>`*_[]#|\\")
    text = " ".join(text.split())[:24]
    if not text:
        raise GameError("Type a name (letters and digits; at most 24 characters).")
    return text


def clean_code(code: str) -> str:
    text = str(code).strip().upper()[: CODE_LENGTH + 2]
    if len(text) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in text):
        raise GameError(f"A game code is {CODE_LENGTH} letters and digits, as the screen shows.")
    return text


class Game:
    """One class game: the model, the players, the rounds."""

    def __init__(
        self, scenario: str = "syria_2012", seed: int = 0, version: str = "hidden",
        rounds: int = 12,
    ) -> None:  # fmt: skip
        self.scenario = check_scenario(scenario)
        if version not in VERSIONS:
            raise GameError(f"version={version!r}: one of {', '.join(VERSIONS)}")
        self.version = version
        self.model = ClassroomModel(scenario, seed)
        self.rounds = max(1, min(int(rounds), self.model.spec_steps))
        self.steps_per_round = max(1, self.model.spec_steps // self.rounds)
        self.code = ""
        self.instructor_token = secrets.token_urlsafe(16)
        self.players: dict[str, Player] = {}  # by token
        self.by_official: dict[int, Player] = {}
        self.round = 0
        self.started = False
        self.lock = threading.RLock()
        self.version_counter = 0  # bumped on every change: pages poll it
        self.touched = time.monotonic()
        self.log: list[str] = []
        # officials a student may be dealt: free (not scripted), spread over the roles
        free = np.flatnonzero(np.asarray(self.model.world.free))
        rng = np.random.default_rng(seed + 1)
        roles = np.asarray(self.model.world.role)[free]
        order = []
        pools = [list(rng.permutation(free[roles == r])) for r in np.unique(roles)]
        while any(pools):
            for pool in pools:
                if pool:
                    order.append(int(pool.pop()))
        self._deal = order

    # --- joining ---------------------------------------------------------------------------
    def join(self, name: str) -> Player:
        with self.lock:
            name = clean_name(name)
            if self.started:
                raise GameError("This game has started: joins are closed. Ask for the next one.")
            if len(self.players) >= MAX_PLAYERS:
                raise GameError(f"This game is full ({MAX_PLAYERS} players).")
            if not self._deal:
                raise GameError("This game is full: every official of the scenario is dealt.")
            taken = {p.name for p in self.players.values()}
            base, k = name, 2
            while name in taken:
                name = f"{base[:21]} {k}"
                k += 1
            official = self._deal.pop(0)
            player = Player(name, official, secrets.token_urlsafe(16))
            self.players[player.token] = player
            self.by_official[official] = player
            self.model.officials[official].decide = self._decider(self.model.officials[official])
            self._changed(f"{name} joined")
            return player

    def player(self, token: str) -> Player:
        player = self.players.get(token)
        if player is None:
            raise GameError("You are not in this game.")
        return player

    def _changed(self, line: str | None = None) -> None:
        self.version_counter += 1
        self.touched = time.monotonic()
        if line:
            self.log.append(line)

    # --- playing -----------------------------------------------------------------------------
    def choices(self, token: str) -> list[str]:
        """The moves open to the player now."""
        player = self.player(token)
        official = self.model.officials[player.official_id]
        if self.finished or not self.started:
            return []
        if official.state is State.LOYAL:
            return ["stay", "prepare"]
        if official.state is State.PREPARING:
            return ["stay", "defect"] if official.preparation_left <= 1 else ["stay"]
        return []

    def choose(self, token: str, choice: str) -> None:
        with self.lock:
            player = self.player(token)  # only the holder of a token moves its official
            if choice not in self.choices(token):
                raise GameError(f"'{CHOICES.get(choice, '?')}' is not open to you now.")
            player.choice = choice
            player.moves.append((self.round, choice))
            player.last_seen = time.monotonic()
            if self.version == "public":
                self._changed(f"round {self.round}: {player.name} chose to {CHOICES[choice]}")
            else:
                self._changed()

    def heartbeat(self, token: str) -> None:
        player = self.players.get(token)
        if player is not None:
            was = player.connected()
            player.last_seen = time.monotonic()
            if not was:
                self._changed(f"{player.name} is back")

    def start(self, token: str) -> None:
        with self.lock:
            self._instructor(token)
            if not self.started:
                self.started = True
                self.round = 1
                self._changed("the game started")

    def next_round(self, token: str) -> None:
        """Play the round's steps: students' officials by their choices, the rest by rule."""
        with self.lock:
            self._instructor(token)
            if not self.started or self.finished:
                return
            for _ in range(self.steps_per_round):
                if self.model.finished:
                    break
                self.model.step()
            for player in self.players.values():
                if player.choice == "prepare":
                    player.choice = "stay"  # preparing goes on by itself; waiting holds him
                elif player.choice == "defect":
                    player.choice = "stay"
            self.round += 1
            self._changed(f"round {self.round - 1} played: {self.model.summary()}")

    def pictures(self) -> tuple[bytes, bytes]:
        """The network and the curves at the current step (drawn once a round)."""
        from sim.app.pictures import CurvesPicture, NetworkPicture

        with self.lock:
            if getattr(self, "_pictures_at", None) != self.model.t:
                if getattr(self, "_figures", None) is None:
                    self._figures = NetworkPicture(self.model), CurvesPicture(self.model)
                self._pictures = tuple(f.render() for f in self._figures)
                self._pictures_at = self.model.t
            return self._pictures

    def _instructor(self, token: str) -> None:
        if not secrets.compare_digest(token, self.instructor_token):
            raise GameError("Only the instructor's page runs the game.")

    @property
    def finished(self) -> bool:
        return self.started and (self.round > self.rounds or self.model.finished)

    def _decider(self, official):
        """The decide method of a student's official (ODD 7.2-7.3 with the student's choice
        in place of the threshold rule); the computer plays (the model's rule) while he is
        disconnected."""
        rule_decide = official.decide
        game = self

        def decide() -> None:
            player = game.by_official[official.official_id]
            if not player.connected():
                rule_decide()
                return
            model = official.model
            state = official.state
            official.next_state, official.next_preparation_left = state, official.preparation_left
            if state is State.LOYAL and player.choice == "prepare":
                official.next_state, official.next_preparation_left = rule.begin_preparing(
                    official.preparation_time
                )
            elif state is State.PREPARING:
                next_state, left = rule.prepare(
                    model.params, official.preparation_left, model.uniform(official),
                    official.observe(),
                )  # fmt: skip
                if next_state == State.DEFECTED and player.choice != "defect":
                    next_state, left = State.PREPARING, 1  # ready, and waiting: still at risk
                official.next_state, official.next_preparation_left = next_state, left
            elif state is State.ARRESTED:
                rule_decide()

        return decide

    # --- what the screens show -------------------------------------------------------------
    def card(self, token: str) -> dict[str, str]:
        """What the player privately knows about his official, and what he sees."""
        player = self.player(token)
        o = self.model.officials[player.official_id]
        seen = o.observe()
        state = o.state.label
        if o.state is State.PREPARING:
            state = (
                "prepared: you can defect now"
                if o.preparation_left <= 1
                else f"preparing ({o.preparation_left} weeks to go)"
            )
        return {
            "you are": f"{o.role.replace('_', ' ')}, {o.tribe.replace('_', ' ')} tribe",
            "your state": state,
            "private disaffection x": f"{o.disaffection:.2f}",
            "privileges W (what loyalty pays)": f"{o.privileges:.2f}",
            "exposure X (retribution if caught loyal)": f"{o.exposure:.2f}",
            "trust in an amnesty τ": f"{o.amnesty_trust:.2f}",
            "weeks needed to prepare k": str(o.preparation_time),
            "neighbours who defected": f"{seen.peer_share:.0%}",
            "your tribe who defected": f"{seen.tribe_share:.0%}",
            "rebellion at home": f"{seen.rebellion:.2f}",
            "regime's survival p": f"{seen.survival:.2f}",
        }

    def classmates(self) -> list[tuple[str, str]]:
        """Each player's name and state as the class may see it: in the public version
        every move (preparations too); in the hidden version only visible defections."""
        rows = []
        for player in self.players.values():
            state = self.model.officials[player.official_id].state
            if self.version == "hidden" and state is State.PREPARING:
                state = State.LOYAL  # unseen
            who = "" if player.connected() else " (computer playing)"
            text = state.label
            if self.version == "public" and player.moves and player.moves[-1][0] == self.round:
                text += f" · this round: {CHOICES[player.moves[-1][1]]}"
            rows.append((player.name + who, text))
        return rows

    def scores(self) -> list[tuple[str, str, str, float]]:
        """Each player's name, role, fate and score (best first)."""
        rows = []
        for player in self.players.values():
            o = self.model.officials[player.official_id]
            fate, score = payoff(self.model, player.official_id)
            rows.append((player.name, o.role.replace("_", " "), fate, score))
        return sorted(rows, key=lambda r: -r[3])


def payoff(model: ClassroomModel, official_id: int) -> tuple[str, float]:
    """An official's score at the end, in the terms of the model's rule (ODD 7.2), with p
    the regime's survival at the end (p_D when his defection became public):

    - loyal: privileges w_priv·W_i·p, less the retribution w_ret·X_i·(1 − p) a loyalist
      faces if the regime falls;
    - defected: his disaffection a·x_i, the credit c_early·p_D − c_late·(1 − p_D) of
      his timing, less the punishment K·p of his family if the regime survives and the
      retribution the amnesty does not spare, w_ret·(1 − τ_i)·X_i·(1 − p);
    - arrested: the punishment −K, and no privileges.
    """
    w, o = model.params, model.officials[official_id]
    p = model.survival
    state = o.state
    if state is State.DEFECTED:
        when = o.defection_step or 0
        p_then = float(model.datacollector.model_vars["perceived_survival"][min(when, model.t)])
        score = (
            w.disaffection_weight * o.disaffection
            + rule.credit(p_then, w.defector_credit, w.late_defector_contempt)
            - w.defector_punishment * p
            - w.retribution_weight * (1 - o.amnesty_trust) * o.exposure * (1 - p)
        )
        return f"defected in week {when}", float(score)
    if state is State.ARRESTED:
        return "arrested", -float(w.defector_punishment)
    score = w.privilege_weight * o.privileges * p - w.retribution_weight * o.exposure * (1 - p)
    return ("loyal" if state is State.LOYAL else "still preparing"), float(score)


# --- the registry of open games (one per server process) --------------------------------------
_GAMES: dict[str, Game] = {}
_LOCK = threading.Lock()


def open_game(scenario: str, seed: int, version: str, rounds: int) -> Game:
    with _LOCK:
        now = time.monotonic()
        for code in [c for c, g in _GAMES.items() if now - g.touched > GAME_LIFETIME]:
            del _GAMES[code]
        if len(_GAMES) >= MAX_GAMES:
            raise GameError(f"{MAX_GAMES} games are open on this server: close one first.")
        game = Game(scenario, seed, version, rounds)
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        while code in _GAMES:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        game.code = code
        _GAMES[code] = game
        return game


def find_game(code: str) -> Game:
    code = clean_code(code)
    game = _GAMES.get(code)
    if game is None:
        raise GameError(f"No open game has the code {code}.")
    return game


def close_game(game: Game) -> None:
    with _LOCK:
        _GAMES.pop(game.code, None)


# --- the tab ---------------------------------------------------------------------------------
def _poll(game: Game | None, token: str | None, bump, cancel: threading.Event) -> None:
    """Follow the game from this page: redraw when it changes; say we are still here."""
    seen = None
    while game is not None and not cancel.is_set() and page_connected():
        if token:
            game.heartbeat(token)
        now = time.monotonic()
        state = (game.version_counter, tuple(p.connected(now) for p in game.players.values()))
        if state != seen:
            seen = state
            bump()
        cancel.wait(1.0)


@solara.component
def GameTab():
    role, set_role = solara.use_state("")  # "", "instructor", "player"
    game, set_game = solara.use_state(None)
    token, set_token = solara.use_state("")
    message, set_message = solara.use_state("")
    tick, set_tick = solara.use_state(0)  # passed down: a child redraws when it changes

    def bump():
        set_tick(lambda t: t + 1)

    solara.use_thread(
        lambda cancel: _poll(game, token, bump, cancel),
        dependencies=[game, token],
        intrusive_cancel=False,
    )
    if message:
        solara.Error(message, classes=["message-box", "game-message"])
    if not role:
        Lobby(set_role, set_game, set_token, set_message)
    elif role == "instructor":
        InstructorView(game, token, set_message, tick)
    else:
        PlayerView(game, token, set_message, tick)


@solara.component
def Lobby(set_role, set_game, set_token, set_message):
    scenario, set_scenario = solara.use_state("syria_2012")
    version, set_version = solara.use_state("public")
    rounds, set_rounds = solara.use_state(12)
    code, set_code = solara.use_state("")
    name, set_name = solara.use_state("")

    def do_open():
        try:
            game = open_game(scenario, 0, version, rounds)
        except (GameError, SettingsError, ValueError) as e:
            set_message(str(e))
            return
        set_message("")
        set_game(game)
        set_token(game.instructor_token)
        set_role("instructor")

    def do_join():
        try:
            game = find_game(code)
            player = game.join(name)
        except GameError as e:
            set_message(str(e))
            return
        set_message("")
        set_game(game)
        set_token(player.token)
        set_role("player")

    with solara.Columns([1, 1]):
        with solara.Card("Students: join a game"):
            solara.InputText("Game code", value=code, on_value=set_code, continuous_update=True)
            solara.InputText("Your name", value=name, on_value=set_name, continuous_update=True)
            solara.Button("Join", on_click=do_join, color="primary", classes=["join-button"])
        with solara.Card("Instructor: open a game"):
            solara.Select("Scenario", values=SCENARIOS, value=scenario, on_value=set_scenario)
            solara.Select("Version", values=list(VERSIONS), value=version, on_value=set_version)
            solara.SliderInt("Rounds", value=rounds, min=4, max=30, on_value=set_rounds)
            solara.Markdown(
                "*hidden*: a student sees only what an official of the model sees (visible "
                "defections, the regime's survival). *public*: every classmate's move is "
                "shown as it is made."
            )
            solara.Button("Open a game", on_click=do_open, color="primary",
                          classes=["open-game-button"])  # fmt: skip


@solara.component
def InstructorView(game: Game, token: str, set_message, tick: int):
    def act(f):
        def run():
            try:
                f(token)
            except GameError as e:
                set_message(str(e))

        return run

    solara.Text(f"Game code: {game.code}", classes=["game-code"], style={"font-size": "2.5rem"})
    solara.Text(
        f"{game.scenario}, {game.version} version · {len(game.players)} of {MAX_PLAYERS} "
        f"players · round {min(game.round, game.rounds)} of {game.rounds}"
        + (" · finished" if game.finished else ""),
        classes=["game-status"],
    )
    with solara.Row():
        if not game.started:
            solara.Button("Start the game", on_click=act(game.start), color="primary",
                          classes=["start-game-button"])  # fmt: skip
        elif not game.finished:
            solara.Button("Play the round", on_click=act(game.next_round), color="primary",
                          classes=["next-round-button"])  # fmt: skip
    solara.Text(game.model.status(), classes=["status-line", "game-status-line"])
    if game.finished:
        rows = "\n".join(
            f"| {name} | {role} | {fate} | {score:+.2f} |"
            for name, role, fate, score in game.scores()
        )
        with solara.Column(classes=["game-scores"]):
            solara.Markdown(
                "### Scores under the model's terms\n\n| player | official | fate | score |\n"
                "|---|---|---|---|\n" + rows
            )
        solara.Markdown(
            "Loyal: privileges W·p less retribution X·(1 − p) if the regime falls. Defected: "
            "disaffection x, credit for timing (early: credit, late: contempt), less "
            "punishment K·p and the retribution an amnesty does not spare. Arrested: −K. "
            "(p: the regime's survival at the end.)"
        )
    if game.started:
        network, curves = game.pictures()
        with solara.Columns([1, 1]):
            solara.Image(network, width="100%", format="jpeg", classes=["picture"])
            solara.Image(curves, width="100%", format="jpeg", classes=["picture"])
    with solara.Columns([1, 1]):
        with solara.Column():
            solara.Markdown("**Players** (name: state)")
            for name, state in game.classmates():
                solara.Text(f"{name}: {state}", classes=["game-player"])
        with solara.Column():
            solara.Markdown("**What happened**")
            for line in game.log[-12:][::-1]:
                solara.Text(line)


@solara.component
def PlayerView(game: Game, token: str, set_message, tick: int):
    def choose(choice):
        def run():
            try:
                game.choose(token, choice)
            except GameError as e:
                set_message(str(e))

        return run

    player = game.player(token)
    solara.Text(
        f"{player.name} · game {game.code} ({game.version}) · round "
        f"{min(game.round, game.rounds)} of "
        f"{game.rounds}" + (" · finished" if game.finished else ""),
        classes=["game-status"],
    )
    if not game.started:
        solara.Text("Waiting for the instructor to start the game...", classes=["game-wait"])
    with solara.Card("Your official (private)"):
        for key, value in game.card(token).items():
            solara.Text(f"{key}: {value}", classes=["card-line"])
    choices = game.choices(token)
    if choices:
        solara.Text(
            f"Your move this round: {CHOICES[player.choice]} (change it until the round is played)",
            classes=["game-choice"],
        )
        with solara.Row():
            for choice in choices:
                solara.Button(CHOICES[choice], on_click=choose(choice),
                              classes=[f"choice-{choice}"])  # fmt: skip
    if game.finished:
        fate, score = payoff(game.model, player.official_id)
        solara.Text(f"The end: you {fate}. Your score: {score:+.2f}", classes=["game-end"])
    solara.Text(game.model.status(), classes=["status-line"])
    if game.version == "public":
        solara.Markdown("**Your classmates' moves** (public version)")
        for name, state in game.classmates():
            solara.Text(f"{name}: {state}", classes=["game-player"])
