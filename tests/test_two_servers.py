"""Two app servers behind Debian's nginx (deploy/nginx/xinan.conf), one PostgreSQL: a value saved in a
real browser through nginx is seen on both servers, and the websocket works through the proxy."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import free_port, wait_healthy
from ci_env import running_in_ci

from indicators.accounts import open_accounts
from indicators.paths import PROJECT_DIR
from indicators.store.generate import load_generated
from indicators.store.health import health

playwright_api = pytest.importorskip("playwright.sync_api")
NGINX = Path("/usr/sbin/nginx")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PASSWORD = "two servers test password"
SAVED_VALUE = "77.31"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (NGINX.exists() and Path(CHROMIUM).exists()) and not running_in_ci(),
        reason="needs Debian's nginx and chromium (make system-deps)",
    ),
]


def _streamlit(port: int, db_url: str) -> subprocess.Popen:
    env = dict(os.environ, XINAN_DB_URL=db_url)
    env.pop("XINAN_REQUIRE_LOGIN", None)
    return subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(PROJECT_DIR / "dashboard" / "app.py"),
            "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=PROJECT_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def nginx_config(site: str, ports: tuple[int, int], listen: int, root: Path) -> str:
    """Return a whole nginx.conf serving the shipped site with the test's ports and a private prefix."""
    upstreams = re.findall(r"server 127\.0\.0\.1:\d+", site)
    assert len(upstreams) == 2, "the shipped site lists two app servers"
    for old, port in zip(upstreams, ports, strict=True):
        site = site.replace(old, f"server 127.0.0.1:{port}", 1)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    return (
        f"pid {root}/nginx.pid;\nerror_log {root}/error.log;\ndaemon off;\nworker_processes 1;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n  access_log {root}/access.log;\n  client_body_temp_path {root}/body;\n"
        f"  proxy_temp_path {root}/proxy;\n  fastcgi_temp_path {root}/fastcgi;\n"
        f"  uwsgi_temp_path {root}/uwsgi;\n  scgi_temp_path {root}/scgi;\n{site}\n}}\n"
    )


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[dict]:
    """A PostgreSQL database, two Streamlit servers on it, and nginx in front (ip_hash)."""
    from pg_server import create_database, drop_database

    server = request.getfixturevalue("pg_server")
    name = f"two_{uuid.uuid4().hex[:10]}"
    db_url = create_database(server, name)
    load_generated(db_url, 3_000)
    open_accounts(db_url).add_user("two.servers", "editor", themes=["safety", "health"], password=PASSWORD)
    root = tmp_path_factory.mktemp("nginx")
    ports = (free_port(), free_port())
    listen = free_port()
    conf = root / "nginx.conf"
    site = (PROJECT_DIR / "deploy" / "nginx" / "xinan.conf").read_text(encoding="utf-8")
    conf.write_text(nginx_config(site, ports, listen, root), encoding="utf-8")
    check = subprocess.run([str(NGINX), "-t", "-c", str(conf), "-p", str(root), "-e", str(root / "error.log")], capture_output=True, text=True)  # fmt: skip
    assert check.returncode == 0, check.stderr
    procs = [_streamlit(port, db_url) for port in ports]
    procs.append(subprocess.Popen([str(NGINX), "-c", str(conf), "-p", str(root), "-e", str(root / "error.log")]))  # fmt: skip
    try:
        for port, proc in zip(ports, procs, strict=False):
            wait_healthy(f"http://127.0.0.1:{port}", proc, seconds=90)
        wait_healthy(f"http://127.0.0.1:{listen}", procs[-1], seconds=90)
        yield {
            "db_url": db_url,
            "direct": [f"http://127.0.0.1:{p}" for p in ports],
            "proxy": f"http://127.0.0.1:{listen}",
            "access_log": root / "access.log",
        }
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        drop_database(server, name)


def _settle(pg: object) -> None:
    pg.wait_for_selector('[data-testid="stMain"] h1', timeout=90_000)
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000)
    pg.wait_for_timeout(500)


def test_a_value_saved_through_nginx_is_seen_on_both_servers(cluster: dict) -> None:
    before = health(cluster["db_url"]).data_version
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1400})
        # Through nginx: the page and its websocket.
        page.goto(f"{cluster['proxy']}/entry")
        _settle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        sidebar.get_by_role("textbox", name="用户名").fill("two.servers")
        sidebar.get_by_role("textbox", name="密码").fill(PASSWORD)
        sidebar.get_by_role("button", name="登录", exact=True).click()
        page.wait_for_selector("text=已登录", timeout=30_000)
        _settle(page)
        form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="保存到"))
        form.get_by_role("textbox", name="数值（单位：").fill(SAVED_VALUE)
        form.get_by_role("textbox", name="来源说明").fill("双服务器测试")
        page.get_by_role("button", name="保存到").click()
        # The value may be far from the cell's history: then the page asks for a reason before storing it.
        page.get_by_text("已保存").or_(page.get_by_text("请确认后保存")).first.wait_for(timeout=60_000)
        if page.get_by_text("请确认后保存").count():
            page.get_by_role("textbox", name="确认原因（必填）").fill("双服务器测试：数值核实无误")
            page.get_by_role("button", name="确认保存到").click()
        page.wait_for_selector("text=已保存", timeout=60_000)
        page.get_by_text("在指标页查看").click()
        page.wait_for_url("**/indicator**")
        path = page.url.split("/", 3)[3]
        after = health(cluster["db_url"]).data_version
        assert after is not None and before is not None and after > before
        # Each server on its own (no proxy) shows the saved value: both read the one database.
        for base in cluster["direct"]:
            other = browser.new_page(viewport={"width": 1440, "height": 1400})
            other.goto(f"{base}/{path}")
            other.wait_for_selector('[data-testid="stMetricValue"]', timeout=90_000)
            _settle(other)
            # The value awaits review: the working view (含待审核数据) shows it.
            other.locator('[data-testid="stSidebar"]').get_by_text("含待审核数据").click()
            other.wait_for_selector("text=工作视图", timeout=60_000)
            _settle(other)
            assert SAVED_VALUE in other.locator('[data-testid="stMetricValue"]').first.inner_text()
            other.close()
        browser.close()
    # The websocket went through nginx (101 Switching Protocols), not around it.
    assert re.search(r'"GET /_stcore/stream HTTP/1.1" 101 ', cluster["access_log"].read_text())
