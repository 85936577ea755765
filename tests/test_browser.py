"""The classroom app in a real browser: headless Chromium, driven by Playwright.

Covers: the pictures after Reset (compared as pictures, not only text), two sessions at
once, Play stopping at the last step, a bad address, the comparison of two runs and a
three-player class game.

Run with ``make test-browser``, which installs Debian's chromium first. Where Chromium
is not installed the test is skipped, and the skip says why.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from sim.app.loadcheck import free_port, start_server, wait_ready
from tests.conftest import ROOT

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# the flags this machine needs (no sandbox as root; no background network traffic)
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = ROOT / "outputs" / "browser"


@pytest.fixture(scope="module")
def app_url():
    port = free_port()
    server = start_server(port, host="localhost")
    url = f"http://localhost:{port}/"
    try:
        wait_ready(url)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium is not installed at {CHROMIUM}: run `make test-browser`, "
            "which installs Debian's chromium package"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


def open_page(browser, url: str, width: int = 1366, height: int = 768):
    """A new session (its own browser context: its own tab and cookies)."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(url)
    expect(page.locator(".status-line")).to_contain_text("survival", timeout=90_000)
    return page


def step(page, k: int, unit: str = "step") -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.locator(".status-line")).to_contain_text(f"{unit} {k} ", timeout=30_000)


def picture(page, name: str) -> bytes:
    """The picture as the browser shows it (a screenshot of the element), once it has
    stopped changing (the new image may still be on its way on a loaded machine)."""
    shot = page.locator(f"img.{name}").screenshot()
    for _ in range(30):
        page.wait_for_timeout(400)
        again = page.locator(f"img.{name}").screenshot()
        if again == shot:
            return shot
        shot = again
    return shot


def pick(page, label: str, option: str) -> None:
    page.locator(".v-select").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def test_reset_redraws_every_picture(browser, app_url):
    """Step kuran_ten_lowered to step 7, pick syria_2012, Reset: the pictures are those
    of a fresh syria_2012 page, not the previous run's (the bug of issue 14)."""
    from playwright.sync_api import expect

    fresh = open_page(browser, app_url + "?scenario=syria_2012&seed=0")
    fresh_network, fresh_curves = (
        picture(fresh, "network-picture"),
        picture(fresh, "curves-picture"),
    )
    fresh.context.close()

    page = open_page(browser, app_url + "?scenario=kuran_ten_lowered&seed=0")
    for k in range(1, 8):
        step(page, k)
    before = picture(page, "network-picture"), picture(page, "curves-picture")
    pick(page, "Scenario", "syria_2012")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.locator(".status-line")).to_contain_text("week 0 ", timeout=60_000)
    after = picture(page, "network-picture"), picture(page, "curves-picture")
    assert after[0] != before[0] and after[1] != before[1]
    assert after == (fresh_network, fresh_curves), (
        "after Reset the pictures differ from a fresh page"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "after_reset.png"))
    # and a step redraws them again
    step(page, 1, "week")
    assert picture(page, "curves-picture") != after[1]
    page.context.close()


def test_two_sessions_at_once_are_independent(browser, app_url):
    first = open_page(browser, app_url + "?scenario=granovetter_riot")
    second = open_page(browser, app_url + "?scenario=granovetter_riot")
    for k in range(1, 4):
        step(first, k)
    assert "step 0 " in second.locator(".status-line").inner_text()
    step(second, 1)
    assert "step 3 " in first.locator(".status-line").inner_text()
    assert "step 1 " in second.locator(".status-line").inner_text()
    first.context.close()
    second.context.close()


def test_play_stops_at_the_scenarios_last_step(browser, app_url):
    from playwright.sync_api import expect

    page = open_page(browser, app_url + "?scenario=kuran_ten")  # 20 steps
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator(".status-line")).to_contain_text("step 20 ", timeout=60_000)
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible(timeout=10_000)
    page.wait_for_timeout(1500)
    assert "step 20 " in page.locator(".status-line").inner_text()
    page.context.close()


def test_a_bad_address_shows_a_message_and_the_default_run(browser, app_url):
    page = open_page(browser, app_url + "?scenario=../sweep/smoke&seed=-1&danger_weight_factor=inf")
    text = page.locator(".message-box").all_inner_texts()
    joined = " ".join(text)
    assert "scenario='../sweep/smoke' is not allowed" in joined
    assert "seed='-1' is not allowed" in joined
    assert "danger_weight_factor='inf' is not allowed" in joined
    assert "week 0 " in page.locator(".status-line").inner_text()  # the default, syria_2012
    assert "Traceback" not in page.locator("body").inner_text()
    page.context.close()


def test_a_bad_seed_on_the_page_leaves_the_run_unchanged(browser, app_url):
    from playwright.sync_api import expect

    page = open_page(browser, app_url + "?scenario=granovetter_riot")
    step(page, 1)
    box = page.get_by_label("Seed (a whole number)")
    box.fill("abc")
    page.get_by_role("button", name="Reset", exact=True).click()
    expect(page.locator(".message-box")).to_contain_text("seed='abc' is not allowed")
    assert "step 1 " in page.locator(".status-line").inner_text()
    page.context.close()


def test_two_runs_side_by_side(browser, app_url):
    from playwright.sync_api import expect

    page = open_page(browser, app_url + "?scenario=granovetter_riot")
    page.get_by_role("tab", name="Compare two runs").click()
    page.get_by_role("button", name="Run A and B", exact=True).click()
    lines = page.locator(".compare-line")
    expect(lines).to_have_count(2, timeout=60_000)
    a, b = lines.all_inner_texts()
    assert a.startswith("A: granovetter_riot,") and "100% defected" in a
    assert b.startswith("B: granovetter_riot_variant,") and "1% defected" in b
    assert page.locator("img.compare-picture").screenshot()
    page.context.close()


def test_screenshots_at_projector_sizes(browser, app_url):
    """The README's screenshots (docs/app-1366x768.png, docs/app-1920x1080.png)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 768), (1920, 1080)):
        page = open_page(browser, app_url + "?scenario=syria_2012", width, height)
        for k in range(1, 4):
            step(page, k, "week")
        page.wait_for_timeout(1500)  # every picture of the step has arrived
        page.screenshot(path=str(SHOTS / f"app-{width}x{height}.png"))
        page.context.close()
        assert (SHOTS / f"app-{width}x{height}.png").stat().st_size > 10_000


def test_a_class_game_with_three_players(browser, app_url):
    """The instructor opens a public game; three students join with its code, each is
    dealt an official and moves; a late join is refused; a student who leaves is played
    by the computer; the end screen shows every player's score."""
    from playwright.sync_api import expect

    instructor = open_page(browser, app_url)
    instructor.get_by_role("tab", name="Class game").click()
    instructor.locator(".v-select").filter(has_text="Version").first.click()
    instructor.get_by_role("option", name="public", exact=True).click()
    instructor.get_by_role("button", name="Open a game", exact=True).click()
    code_text = instructor.locator(".game-code")
    expect(code_text).to_contain_text("Game code: ", timeout=60_000)
    code = code_text.inner_text().split(": ")[1].strip()

    students = []
    for name in ("Amal", "Basel", "Dana"):
        page = open_page(browser, app_url)
        page.get_by_role("tab", name="Class game").click()
        page.get_by_label("Game code").fill(code.lower())
        page.get_by_label("Your name").fill(name)
        page.get_by_role("button", name="Join", exact=True).click()
        expect(page.locator(".game-status")).to_contain_text(f"{name} · game {code}")
        expect(page.locator(".card-line").first).to_contain_text("you are: ")
        students.append(page)
    expect(instructor.locator(".game-status")).to_contain_text("3 of 60 players", timeout=10_000)

    instructor.get_by_role("button", name="Start the game", exact=True).click()
    late = open_page(browser, app_url)
    late.get_by_role("tab", name="Class game").click()
    late.get_by_label("Game code").fill(code)
    late.get_by_label("Your name").fill("Late")
    late.get_by_role("button", name="Join", exact=True).click()
    expect(late.locator(".game-message")).to_contain_text("joins are closed")
    late.context.close()

    # Amal prepares; in the public version her classmates see it at once
    expect(students[0].get_by_role("button", name="start preparing")).to_be_visible(timeout=10_000)
    students[0].get_by_role("button", name="start preparing").click()
    expect(students[1].locator(".game-player").filter(has_text="Amal")).to_contain_text(
        "this round: start preparing", timeout=10_000
    )
    # Dana leaves: the computer plays for her
    students[2].context.close()
    expect(instructor.locator(".game-player").filter(has_text="Dana")).to_contain_text(
        "computer playing", timeout=30_000
    )
    for k in range(1, 13):
        instructor.get_by_role("button", name="Play the round", exact=True).click()
        expect(instructor.locator(".game-status")).to_contain_text(
            f"round {min(k + 1, 12)} of" + (" 12 · finished" if k == 12 else ""),
            timeout=30_000,
        )
    expect(instructor.locator(".game-status")).to_contain_text("finished", timeout=30_000)
    scores = instructor.locator(".game-scores").inner_text()
    for name in ("Amal", "Basel", "Dana"):
        assert name in scores
    expect(students[0].locator(".game-end")).to_contain_text("Your score", timeout=10_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    instructor.screenshot(path=str(SHOTS / "game-end.png"), full_page=True)
    for page in (instructor, *students[:2]):
        page.context.close()


def test_the_server_stays_bounded(browser):
    """Issue 15, item 5: a run that plays stops when its tab closes (the server's CPU
    falls to nothing); 30 concurrent page loads all complete; Ctrl-C (SIGINT) stops the
    server while a run plays. Loopback only; every wait is bounded."""
    import asyncio
    import concurrent.futures

    from playwright.sync_api import expect

    from sim.app.loadcheck import concurrent_loads, cpu_seconds

    port = free_port()
    server = start_server(port, host="localhost")
    url = f"http://localhost:{port}/"
    try:
        wait_ready(url)
        page = open_page(browser, url + "?scenario=syria_1000")
        page.get_by_role("button", name="Play", exact=True).click()
        expect(page.locator(".status-line")).to_contain_text("week 3 ", timeout=60_000)
        page.context.close()
        time.sleep(4)  # the play loop sees the closed tab at its next step
        before = cpu_seconds(server.pid)
        time.sleep(5)
        assert cpu_seconds(server.pid) - before < 1.0, (
            "the server kept working after the tab closed"
        )

        bound = 240.0  # seconds; measured figures: python -m sim.app.loadcheck
        # a thread of its own: the sync Playwright above runs an event loop in this one
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            times = pool.submit(asyncio.run, concurrent_loads(url, 30, bound)).result()
        assert all(t is not None for t in times), f"loads not done within {bound} s: {times}"
        print(f"30 concurrent loads: slowest {max(times):.1f} s")

        page = open_page(browser, url + "?scenario=syria_1000")
        page.get_by_role("button", name="Play", exact=True).click()
        expect(page.locator(".status-line")).to_contain_text("week 2 ", timeout=60_000)
        os.kill(server.pid, signal.SIGINT)
        server.wait(timeout=30)  # raises if Ctrl-C did not stop it
        page.context.close()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def test_keyboard_shortcuts(browser, app_url):
    """S or → steps, R resets, Space plays and pauses (not while typing in a field)."""
    from playwright.sync_api import expect

    page = open_page(browser, app_url + "?scenario=granovetter_riot")
    status = page.locator(".status-line")
    box = page.get_by_label("Seed (a whole number)")
    box.press("s")  # typing in a field: no step
    page.wait_for_timeout(1000)
    assert "step 0 " in status.inner_text()
    box.fill("0")
    status.click()
    page.keyboard.press("s")
    expect(status).to_contain_text("step 1 ", timeout=20_000)
    page.keyboard.press("ArrowRight")
    expect(status).to_contain_text("step 2 ", timeout=20_000)
    page.keyboard.press("r")
    expect(status).to_contain_text("step 0 ", timeout=20_000)
    page.keyboard.press(" ")
    expect(status).to_contain_text("step 3 ", timeout=20_000)
    page.keyboard.press(" ")
    page.wait_for_timeout(1500)
    paused = status.inner_text()
    page.wait_for_timeout(1500)
    assert status.inner_text() == paused
    page.context.close()
