"""Two app servers (dashboard/serve.py, as deployed) behind Debian's nginx (deploy/nginx/xinan.conf), one
PostgreSQL: a value saved in a real browser through nginx is seen on both servers, and the websocket works
through the proxy; a sign-in on one server is a sign-in on the other (the HttpOnly session cookie, whose
hash is in the shared database), a value saved through the second is seen through the first, and a
sign-out on one ends the session on the other."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import SCRIPT_DONE_JS, free_port, sync_api, wait_healthy
from ci_env import running_in_ci

from indicators.accounts import open_accounts
from indicators.paths import PROJECT_DIR
from indicators.store.generate import load_generated
from indicators.store.health import health

SHOTS = PROJECT_DIR / "artifacts" / "screenshots"

playwright_api = sync_api()
NGINX = Path("/usr/sbin/nginx")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PASSWORD = "two servers test password"
USER, DISPLAY = "two.servers", "双服务器测试员"
SAVED_VALUE = "77.31"
SECOND_VALUE = "77.46"
COOKIE = "xinan_session"

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
            sys.executable, "-m", "streamlit", "run", str(PROJECT_DIR / "dashboard" / "serve.py"),
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
    open_accounts(db_url).add_user(
        USER, "editor", themes=["safety", "health"], password=PASSWORD, display_name=DISPLAY
    )
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


def settle(pg: object) -> None:
    # The script run has finished (no fixed sleep): the same condition as the other browser tests.
    pg.wait_for_selector('[data-testid="stMain"] h1', timeout=90_000)
    pg.wait_for_function(SCRIPT_DONE_JS, timeout=90_000)


def _sidebar(pg: object) -> object:
    return pg.locator('[data-testid="stSidebar"]')


def _signed_in(pg: object) -> bool:
    """Return True when the sidebar says who is signed in (by display name) and offers sign-out."""
    sidebar = _sidebar(pg)
    return (
        sidebar.get_by_text("已登录").count() == 1
        and sidebar.get_by_text(f"{DISPLAY}（录入）").count() == 1
        and sidebar.get_by_role("button", name="退出登录").count() == 1
    )


def _sign_in(pg: object, base: str) -> None:
    # The sidebar's form posts to /account/sign-in, which sets the cookie and redirects back.
    _sidebar(pg).get_by_role("textbox", name="用户名").fill(USER)
    _sidebar(pg).get_by_label("密码").fill(PASSWORD)
    _sidebar(pg).get_by_role("button", name="登录").click()
    pg.wait_for_url(f"{base}/entry**")
    pg.get_by_text("已登录").first.wait_for(timeout=60_000)
    settle(pg)


def _save(pg: object, value: str) -> None:
    form = pg.locator('[data-testid="stForm"]').filter(has=pg.get_by_role("button", name="保存到"))
    form.get_by_role("textbox", name="数值（单位：").fill(value)
    form.get_by_role("textbox", name="来源说明").fill("双服务器测试")
    form.get_by_role("textbox", name="修改原因").fill("双服务器测试：更正")  # the cell may hold a value
    pg.get_by_role("button", name="保存到").click()
    # The value may be far from the cell's history: then the page asks for a reason before storing it.
    pg.get_by_text("已保存").or_(pg.get_by_text("请确认后保存")).first.wait_for(timeout=60_000)
    if pg.get_by_text("请确认后保存").count():
        pg.get_by_role("textbox", name="确认原因（必填）").fill("双服务器测试：数值核实无误")
        pg.get_by_role("button", name="确认保存到").click()
    pg.wait_for_selector("text=已保存", timeout=60_000)


def _shows_value(pg: object, value: str) -> bool:
    """Wait until the page shows the stored value (the entry page's 当前值 line reads 'value unit · …')."""
    pg.locator('[data-testid="stMain"]').get_by_text(value).first.wait_for(timeout=60_000)
    return True


def test_a_value_saved_through_nginx_is_seen_on_both_servers(cluster: dict) -> None:
    before = health(cluster["db_url"]).data_version
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1400})
        # Through nginx: the page, the sign-in route and the websocket.
        page.goto(f"{cluster['proxy']}/entry")
        settle(page)
        _sign_in(page, cluster["proxy"])
        assert _signed_in(page)
        _save(page, SAVED_VALUE)
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
            settle(other)
            # The value awaits review: the working view (含待审核数据) shows it.
            other.locator('[data-testid="stSidebar"]').get_by_text("含待审核数据").click()
            other.wait_for_selector("text=工作视图", timeout=60_000)
            settle(other)
            assert SAVED_VALUE in other.locator('[data-testid="stMetricValue"]').first.inner_text()
            other.close()
        browser.close()
    # The websocket went through nginx (101 Switching Protocols), not around it.
    assert re.search(r'"GET /_stcore/stream HTTP/1.1" 101 ', cluster["access_log"].read_text())


def test_a_sign_in_on_one_server_holds_on_the_other_until_signed_out_on_either(cluster: dict) -> None:
    server_a, server_b = cluster["direct"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # One browser: cookies belong to the host, not the port, so 127.0.0.1:A and :B share them, as
        # two servers behind one proxy name do.
        context = browser.new_context(viewport={"width": 1440, "height": 1400})
        on_a = context.new_page()
        on_a.goto(f"{server_a}/entry")
        settle(on_a)
        assert not _signed_in(on_a)
        _sign_in(on_a, server_a)
        assert _signed_in(on_a)
        cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
        assert cookie["httpOnly"] is True

        # Server B never saw this sign-in; it finds the session in the shared database.
        on_b = context.new_page()
        on_b.goto(f"{server_b}/entry")
        settle(on_b)
        assert _signed_in(on_b)
        assert on_b.get_by_role("button", name="保存到").count() == 1  # the entry form is open to the user
        _save(on_b, SECOND_VALUE)
        assert _shows_value(on_b, SECOND_VALUE)
        on_b.screenshot(path=str(SHOTS / "two_servers_saved_on_b.png"), full_page=True)

        # Server A, on a reload, reads what B stored, and is still signed in.
        on_a.reload()
        settle(on_a)
        assert _signed_in(on_a)
        assert _shows_value(on_a, SECOND_VALUE)

        # Another browser holding the same session token (e.g. a second device's copy) is signed in on A …
        elsewhere = browser.new_context(viewport={"width": 1440, "height": 1400})
        elsewhere.add_cookies([cookie])
        copy_on_a = elsewhere.new_page()
        copy_on_a.goto(f"{server_a}/entry")
        settle(copy_on_a)
        assert _signed_in(copy_on_a)

        # … until the user signs out on B: the session ends in the database, not just in this browser.
        _sidebar(on_b).get_by_role("button", name="退出登录").click()
        on_b.wait_for_url(f"{server_b}/entry**")
        settle(on_b)
        assert not _signed_in(on_b)
        assert COOKIE not in {c["name"] for c in context.cookies()}
        on_a.reload()
        settle(on_a)
        assert not _signed_in(on_a)
        copy_on_a.reload()
        settle(copy_on_a)
        assert not _signed_in(copy_on_a)
        assert copy_on_a.get_by_role("button", name="保存到").count() == 0
        copy_on_a.screenshot(path=str(SHOTS / "two_servers_signed_out_on_a.png"), full_page=True)
        browser.close()
