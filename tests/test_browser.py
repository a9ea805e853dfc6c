"""A real browser opens every page by its URL path, saves a value through the entry form and sees it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from indicators.accounts import open_accounts
from indicators.paths import PROJECT_DIR
from indicators.store.generate import load_generated

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
GENERATED_ROWS = 40_000
SAVED_VALUE = "42.42"
SHOTS = PROJECT_DIR / "artifacts" / "screenshots"
PASSWORD = "browser test password"
PAGES = ("overview", "theme", "indicator", "places", "entry", "import", "sources", "history", "reporting")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `streamlit run dashboard/app.py` on a free port with its own temporary database."""
    db = tmp_path_factory.mktemp("browser") / "xinan.db"
    # A small generated data set so every chart and table has something to draw.
    load_generated(f"sqlite:///{db}", GENERATED_ROWS)
    accounts = open_accounts(f"sqlite:///{db}")
    # The entry page opens on the first theme; browser.test may write there, health.only only in 健康.
    accounts.add_user("browser.test", "editor", themes=["safety", "health"], password=PASSWORD)
    accounts.add_user("health.only", "editor", themes=["health"], password=PASSWORD)
    accounts.add_user("viewer.test", "viewer", password=PASSWORD)
    port = _free_port()
    env = dict(os.environ, XINAN_DB_URL=f"sqlite:///{db}")
    env.pop("XINAN_REQUIRE_LOGIN", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_DIR / "dashboard" / "app.py"),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[object]:
    """A chromium page with a window wide enough for the tables."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1440, "height": 1400}, device_scale_factor=1)
        yield pg
        browser.close()


def _settle(pg: object) -> None:
    # Streamlit draws after the websocket delivers; wait until nothing is running any more.
    pg.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
    # Plotly draws after Streamlit reports done; a screenshot before that shows empty boxes.
    pg.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=\"stPlotlyChart\"]')]"
        ".every(el => el.querySelector('.main-svg'))",
        timeout=60_000,
    )
    pg.wait_for_timeout(800)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_opens_by_its_url_without_an_error(server: str, page: object, path: str) -> None:
    page.goto(f"{server}/{path}")
    _settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator("h1").count() >= 1
    page.screenshot(path=str(SHOTS / f"{path}.png"), full_page=True)


def _sign_in(pg: object, name: str) -> None:
    # Signing in lives in this browser session: navigate afterwards with links, not a new page load.
    sidebar = pg.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("textbox", name="用户名").fill(name)
    sidebar.get_by_role("textbox", name="密码").fill(PASSWORD)
    sidebar.get_by_role("button", name="登录", exact=True).click()
    pg.wait_for_selector("text=已登录", timeout=30_000)
    _settle(pg)


def _entry_form(pg: object) -> object:
    return pg.locator('[data-testid="stForm"]').filter(has=pg.get_by_role("button", name="保存"))


def test_without_sign_in_the_entry_page_shows_no_form(server: str, page: object) -> None:
    page.goto(f"{server}/entry")
    _settle(page)
    assert page.get_by_text("录入和导入需要登录").count() == 1
    assert _entry_form(page).count() == 0
    assert page.get_by_role("textbox", name="用户名").count() == 1
    page.screenshot(path=str(SHOTS / "entry_signed_out.png"), full_page=True)


def test_viewer_signed_in_gets_no_entry_form(server: str, page: object) -> None:
    page.goto(f"{server}/entry")
    _settle(page)
    _sign_in(page, "viewer.test")
    assert page.get_by_text("是查看账号").count() == 1
    assert _entry_form(page).count() == 0


def test_editor_is_offered_only_the_assigned_theme(server: str, page: object) -> None:
    page.goto(f"{server}/entry")
    _settle(page)
    _sign_in(page, "health.only")
    assert _entry_form(page).count() == 1
    theme = page.get_by_role("combobox", name="主题")
    theme.click()
    options = page.get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    assert [o.strip() for o in options] == ["健康"]
    assert page.get_by_text("录入人：health.only").count() == 1
    page.screenshot(path=str(SHOTS / "entry_health_only.png"), full_page=True)


def test_a_value_saved_in_the_entry_form_shows_on_the_indicator_page(server: str, page: object) -> None:
    page.goto(f"{server}/entry")
    _settle(page)
    _sign_in(page, "browser.test")
    page.wait_for_selector('[data-testid="stForm"] textarea', timeout=30_000)
    page.screenshot(path=str(SHOTS / "entry.png"), full_page=True)
    form = _entry_form(page)
    form.get_by_role("textbox", name="数值（单位：").fill(SAVED_VALUE)
    form.get_by_role("textbox", name="来源说明").fill("浏览器测试 2024")
    page.get_by_role("button", name="保存到").click()
    _settle(page)
    # 42.42 may be far from the generated history: then the page asks for a reason before storing it.
    page.get_by_text("已保存").or_(page.get_by_text("请确认后保存")).first.wait_for(timeout=30_000)
    if page.get_by_text("请确认后保存").count():
        page.get_by_role("textbox", name="确认原因（必填）").fill("浏览器测试：数值核实无误")
        page.get_by_role("button", name="确认保存到").click()
        _settle(page)
    page.wait_for_selector("text=已保存", timeout=30_000)
    assert page.get_by_text(SAVED_VALUE).count() >= 1
    # The stored revision names the signed-in editor.
    assert page.get_by_text("browser.test").count() >= 1
    page.screenshot(path=str(SHOTS / "entry_saved.png"), full_page=True)
    page.get_by_text("在指标页查看").click()
    page.wait_for_url("**/indicator**")
    # The first open after a write scores the new data; the page is done when its charts are drawn.
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    _settle(page)
    assert "/indicator" in page.url
    # Tables draw on a canvas; the latest-value metric is text. The new value awaits review: charts and
    # scores show approved values until the working-view switch includes it.
    latest = page.locator('[data-testid="stMetricValue"]').first
    assert SAVED_VALUE not in latest.inner_text()
    page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"] label').click()
    page.wait_for_selector("text=工作视图：包含待审核数据", timeout=30_000)
    # The first run in the working view scores the data again: wait for it to be drawn.
    page.wait_for_function(
        "v => document.querySelector('[data-testid=\"stMetricValue\"]').innerText.includes(v)",
        arg=SAVED_VALUE,
        timeout=60_000,
    )
    _settle(page)
    page.screenshot(path=str(SHOTS / "indicator_after_save.png"), full_page=True)
    latest = page.locator('[data-testid="stMetricValue"]').first
    assert SAVED_VALUE in latest.inner_text()


def test_the_saved_value_can_be_withdrawn_with_a_reason(server: str, page: object) -> None:
    # Still signed in from the test before; a sidebar link keeps the session (a new page load would not).
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="数据录入").click()
    page.wait_for_url("**/entry**")
    _settle(page)
    page.wait_for_selector(f"text={SAVED_VALUE}", timeout=30_000)
    page.get_by_text("撤回此数值").click()
    retract = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="撤回"))
    retract.get_by_role("textbox", name="修改原因").fill("浏览器测试：录错了")
    retract.get_by_role("button", name="撤回").click()
    page.wait_for_selector("text=已撤回", timeout=30_000)
    _settle(page)
    page.wait_for_selector("text=该时期尚无数值", timeout=30_000)
    page.screenshot(path=str(SHOTS / "entry_withdrawn.png"), full_page=True)


def test_english_switch_changes_the_labels(server: str, page: object) -> None:
    page.goto(f"{server}/overview?lang=en")
    _settle(page)
    assert page.get_by_role("heading", name="Overview").count() >= 1
    page.screenshot(path=str(SHOTS / "overview_en.png"), full_page=True)


def teardown_module() -> None:
    """Copy the screenshots the README shows."""
    docs = PROJECT_DIR / "docs" / "screenshots"
    for name in ("overview", "indicator_after_save", "entry"):
        src = SHOTS / f"{name}.png"
        if src.exists() and os.environ.get("XINAN_UPDATE_DOC_SCREENSHOTS"):
            docs.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, docs / f"{name}.png")
