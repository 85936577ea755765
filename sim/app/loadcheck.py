"""Is the app server bounded? Figures for issue 15 (item 5), on loopback only.

    .venv/bin/python -m sim.app.loadcheck            # all checks, prints a table
    .venv/bin/python -m sim.app.loadcheck --pages 30 --bound 120

Starts its own server on a free loopback port (``solara run sim/app/page.py``) and, in
headless Chromium (Debian's ``chromium``):

1. ``pages`` concurrent page loads: the time until each page shows its status line;
2. a 96-week run of ``syria_2012`` on Play, start to last week;
3. a tab closed while its run plays: the server's CPU time in the seconds after;
4. Ctrl-C (SIGINT) to the server while a run plays: the time until it has exited.

Every request loop is bounded in count and time, and everything goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, host: str = "127.0.0.1", **env_extra: str) -> subprocess.Popen:
    """The app on ``host:port`` in its own process group (the browser tests use it too)."""
    env = os.environ | {"PYTHONWARNINGS": "ignore", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    return subprocess.Popen(
        [sys.executable, "-m", "solara", "run", "sim/app/page.py", "--host", host,
         "--port", str(port), "--no-open"],
        cwd=ROOT, env=env | env_extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def wait_ready(url: str, seconds: float = 120) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the app did not start within {seconds} s")


def rss_mb(pid: int) -> float:
    """Resident memory of a process (MB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(context, url: str, timeout: float) -> float:
    page = await context.new_page()
    try:
        started = time.monotonic()
        async with asyncio.timeout(timeout):
            await page.goto(url, timeout=timeout * 1000)
            await page.locator(".status-line").wait_for(timeout=timeout * 1000)
        return time.monotonic() - started
    finally:
        await page.close()


async def concurrent_loads(url: str, pages: int, timeout: float) -> list[float | None]:
    """Open ``pages`` pages at once; the seconds each took (None: not within timeout).

    The pages are tabs of one browser (one HTTP cache, as a class's browsers each cache
    the app's scripts after their first visit); each tab is a session of its own. The
    browser runs on the same two cores as the server, so the figures are upper bounds."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        context = await browser.new_context(viewport={"width": 1366, "height": 768})
        try:
            await _load(context, url, timeout)  # fills the HTTP cache, as a first visit would
            results = await asyncio.gather(
                *(_load(context, url, timeout) for _ in range(pages)), return_exceptions=True
            )
        finally:
            await browser.close()
    return [r if isinstance(r, float) else None for r in results]


def play_and_close(url: str, scenario: str = "syria_2012", last: int = 96):
    """Seconds for a run to play to its last step; then, with a second run playing, the
    server's CPU seconds in the 5 s after its tab closed."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.goto(f"{url}?scenario={scenario}")
            status = page.locator(".status-line")
            expect(status).to_contain_text("survival", timeout=120_000)
            started = time.monotonic()
            page.get_by_role("button", name="Play", exact=True).click()
            expect(status).to_contain_text(f"week {last} ", timeout=300_000)
            played = time.monotonic() - started
            context.close()

            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            page.goto(f"{url}?scenario={scenario}")
            expect(page.locator(".status-line")).to_contain_text("survival", timeout=120_000)
            page.get_by_role("button", name="Play", exact=True).click()
            expect(page.locator(".status-line")).to_contain_text("week 3 ", timeout=60_000)
            context.close()  # the tab closes while its run plays
        finally:
            browser.close()
    return played


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--bound", type=float, default=120.0, help="seconds a load may take")
    args = parser.parse_args(argv)
    if not 1 <= args.pages <= 60:
        print("error: --pages: allowed: an integer in [1, 60]", file=sys.stderr)
        return 2
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = start_server(port, SOLARA_KERNEL_CULL_TIMEOUT="2m")  # as `make app`
    ok = True
    try:
        wait_ready(url)
        print(f"server memory before the loads: {rss_mb(server.pid):.0f} MB")
        before = cpu_seconds(server.pid)
        times = asyncio.run(concurrent_loads(url, args.pages, args.bound))
        server_cpu = cpu_seconds(server.pid) - before
        print(f"server CPU for {args.pages + 1} page loads: {server_cpu:.1f} s "
              f"({server_cpu / (args.pages + 1):.2f} s a page)")  # fmt: skip
        done = sorted(t for t in times if t is not None)
        failed = len(times) - len(done)
        print(
            f"{args.pages} concurrent page loads: {len(done)} within {args.bound:g} s, "
            f"{failed} not; slowest {done[-1]:.1f} s, median {done[len(done) // 2]:.1f} s"
            if done
            else f"{args.pages} concurrent page loads: none within {args.bound:g} s"
        )
        ok &= failed == 0
        print(f"server memory after {args.pages + 1} sessions: {rss_mb(server.pid):.0f} MB")
        played = play_and_close(url)
        print(f"syria_2012 on Play, week 0 to 96: {played:.1f} s")
        time.sleep(3)  # the play loop notices the closed tab at its next step
        before = cpu_seconds(server.pid)
        time.sleep(5)
        idle = cpu_seconds(server.pid) - before
        print(f"server CPU in the 5 s after a playing tab closed: {idle:.2f} s")
        ok &= idle < 1.0
        # Ctrl-C while a run plays
        from playwright.sync_api import expect, sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            page = browser.new_page()
            page.goto(f"{url}?scenario=syria_1000")
            expect(page.locator(".status-line")).to_contain_text("survival", timeout=120_000)
            page.get_by_role("button", name="Play", exact=True).click()
            time.sleep(2)
            started = time.monotonic()
            os.kill(server.pid, signal.SIGINT)
            try:
                server.wait(timeout=30)
                print(f"Ctrl-C while a run plays: the server exited in "
                      f"{time.monotonic() - started:.1f} s")  # fmt: skip
            except subprocess.TimeoutExpired:
                print("Ctrl-C while a run plays: the server was still running after 30 s")
                ok = False
            browser.close()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
