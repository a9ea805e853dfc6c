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
