"""Serving the dashboard for real-browser tests: a free port, `streamlit run`, health wait, clean stop."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from ci_env import running_in_ci

from indicators.paths import PROJECT_DIR


def sync_api():
    """Return playwright's sync API; skipped where it is not installed, a failure in CI (it must run there)."""
    if running_in_ci():
        import playwright.sync_api

        return playwright.sync_api
    return pytest.importorskip("playwright.sync_api")


def free_port() -> int:
    """Return a loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    """Wait until Streamlit answers its health check; raise if the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not become healthy in {seconds} s")


@contextmanager
def serve(db_url: str, script: str = "app.py") -> Iterator[str]:
    """Run `streamlit run dashboard/<script>` on its own port and database; yield its base URL."""
    env = dict(os.environ, XINAN_DB_URL=db_url)
    env.pop("XINAN_REQUIRE_LOGIN", None)
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(PROJECT_DIR / "dashboard" / script)]
    options = ["--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    proc = subprocess.Popen(
        [*command, *options, "--server.fileWatcherType", "none"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# Debian's chromium, started as the machine allows (root, no GPU, no network but loopback).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = PROJECT_DIR / "artifacts" / "screenshots"


SCRIPT_DONE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid^="stSkeleton"], [data-testid="stAppSkeleton"]');
}"""
# Counts finished runs in this document, so a click can wait for the run it started (not an earlier one).
COUNT_RUNS_JS = """() => {
  if (window.__xaRuns === undefined) {
    window.__xaRuns = 0;
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => {
      if (app.getAttribute('data-test-script-state') === 'notRunning') window.__xaRuns += 1;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  }
  return window.__xaRuns;
}"""


def settle(pg: object) -> None:
    """Wait until the script run has finished and every chart is drawn."""
    pg.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    pg.wait_for_function(SCRIPT_DONE_JS, timeout=60_000)
    # Plotly draws after Streamlit reports done; a screenshot before that shows empty boxes.
    pg.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".every(el => el.querySelector('.main-svg'))",
        timeout=60_000,
    )


@contextmanager
def rerun(pg: object) -> Iterator[None]:
    """Wait, after the block's click or upload, for the script run it started to finish."""
    pg.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    before = pg.evaluate(COUNT_RUNS_JS)
    yield
    # A new document (navigation) has no counter yet; its own run is waited for by _settle.
    pg.wait_for_function(
        "(n) => window.__xaRuns === undefined || window.__xaRuns > n", arg=before, timeout=60_000
    )
    settle(pg)
