"""The classroom app in a real browser: headless Chromium, driven by Playwright.

Run with ``make test-browser``, which installs Debian's chromium first. Where Chromium
is not installed the test is skipped, and the skip says why.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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
SCREENSHOT = ROOT / "outputs" / "browser" / "app.png"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url():
    port = free_port()
    env = os.environ | {"PYTHONWARNINGS": "ignore", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "solara",
            "run",
            "sim/app/page.py",
            "--host",
            "localhost",
            "--port",
            str(port),
            "--no-open",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://localhost:{port}/"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(url, timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start within 90 s")
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def test_pick_a_scenario_step_and_watch_the_share_change(app_url):
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"Chromium is not installed at {CHROMIUM}: run `make test-browser`, "
            "which installs Debian's chromium package"
        )
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(app_url)
            status = page.locator(".status-line")
            expect(status).to_contain_text("perceived regime survival", timeout=90_000)
            assert "week 0" in status.inner_text()  # the default scenario, syria_2012

            page.locator(".v-select").filter(has_text="Scenario").first.click()
            page.get_by_role("option", name="granovetter_riot", exact=True).click()
            page.get_by_role("button", name="Reset", exact=True).click()  # applies the choice
            expect(status).to_contain_text("step 0 · defected 0%", timeout=30_000)

            shares = [status.inner_text()]
            for k in range(1, 6):
                page.get_by_role("button", name="Step", exact=True).click()
                expect(status).to_contain_text(f"step {k} ·", timeout=30_000)
                shares.append(status.inner_text())
            assert "defected 5%" in shares[-1], shares
            assert len(set(shares)) == len(shares), "the displayed share did not change"
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 10_000
    print(f"screenshot: {SCREENSHOT}")
