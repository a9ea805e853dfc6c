"""Staying signed in, in a real browser against what `make run` serves (dashboard/serve.py, st.App):
the sign-in route sets an HttpOnly SameSite=Strict cookie; a reload and a new tab stay signed in; sign-out in
one tab ends the session in the other on its next action; a post from another site is refused."""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, SHOTS, serve, settle, sync_api

from indicators.accounts import open_accounts, user_sessions
from indicators.store.store import Store, observations

playwright_api = sync_api()
PASSWORD = "cookie test password"
COOKIE = "xinan_session"
SAVED_AT_UTC = dt.datetime(2026, 12, 3, 13, 5)  # 21:05 Beijing time

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Start `streamlit run dashboard/serve.py` (as `make run` does) with its own database."""
    db = tmp_path_factory.mktemp("cookie") / "xinan.db"
    url = f"sqlite:///{db}"
    accounts = open_accounts(url)
    accounts.add_user("wang.fang", "editor", themes=["health"], password=PASSWORD, display_name="王芳")
    with Store(url) as store:
        store.save("xinan_cells", "371623", "2024", 12, entered_by="wang.fang", source_ref="无棣县台账")
        # Set the stored time so the test knows what Beijing time to expect (the append-only trigger is
        # lifted for this one test edit; the app never rewrites a time).
        with store.engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER observations_no_update"))
            conn.execute(sa.update(observations).values(entered_at=SAVED_AT_UTC))
    with serve(url, "serve.py") as base:
        yield base, url


def _sidebar(pg: object) -> object:
    return pg.locator('[data-testid="stSidebar"]')


def _signed_in(pg: object) -> bool:
    return _sidebar(pg).get_by_text("已登录").count() == 1


def test_sign_in_survives_reload_and_new_tab_and_sign_out_reaches_the_other_tab(served) -> None:
    base, url = served
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1300, "height": 1000})
        first = context.new_page()
        first.goto(f"{base}/entry")
        settle(first)
        assert not _signed_in(first)
        first.screenshot(path=str(SHOTS / "cookie_signin.png"))
        _sidebar(first).get_by_role("textbox", name="用户名").fill("wang.fang")
        _sidebar(first).get_by_label("密码").fill(PASSWORD)
        _sidebar(first).get_by_role("button", name="登录").click()
        first.wait_for_url(f"{base}/entry**")
        settle(first)
        assert _signed_in(first)
        # People are shown by the name they are known by, not their login.
        assert _sidebar(first).get_by_text("王芳（录入）").count() == 1

        cookie = next(c for c in context.cookies() if c["name"] == COOKIE)
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        # Page scripts cannot read it, and the database holds only its hash.
        assert COOKIE not in first.evaluate("document.cookie")
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            hashes = conn.execute(sa.select(user_sessions.c.token_hash)).scalars().all()
        engine.dispose()
        assert hashes == [hashlib.sha256(cookie["value"].encode()).hexdigest()]

        first.reload()
        settle(first)
        assert _signed_in(first)
        second = context.new_page()
        second.goto(f"{base}/history")
        settle(second)
        assert _signed_in(second)
        first.screenshot(path=str(SHOTS / "cookie_signed_in.png"))

        _sidebar(second).get_by_role("button", name="退出登录").click()
        second.wait_for_url(f"{base}/history**")
        settle(second)
        assert not _signed_in(second)
        assert COOKIE not in {c["name"] for c in context.cookies()}

        # The first tab still runs on its old connection; its next action finds the session ended.
        _sidebar(first).get_by_text("English").click()
        # Wait for the rerun's result, not a fixed time: the page relabels in English when it is done.
        first.wait_for_selector("text=needs a sign-in", timeout=60_000)
        settle(first)
        first.wait_for_selector("text=Your session has expired or was ended in another tab", timeout=30_000)
        assert _sidebar(first).get_by_text("Signed in").count() == 0
        first.screenshot(path=str(SHOTS / "cookie_other_tab_after_sign_out.png"))
        browser.close()


def test_a_wrong_password_shows_the_reason_in_chinese_and_sets_no_cookie(served) -> None:
    base, _ = served
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{base}/account/sign-in?next=/overview")
        page.get_by_label("用户名").fill("wang.fang")
        page.get_by_label("密码").fill("not the password")
        page.get_by_role("button", name="登录").click()
        page.wait_for_selector("text=用户名或密码错误")
        assert COOKIE not in {c["name"] for c in context.cookies()}
        page.screenshot(path=str(SHOTS / "cookie_signin_wrong.png"))
        browser.close()


def test_a_post_from_another_site_is_refused(served) -> None:
    base, _ = served
    body = urllib.parse.urlencode({"username": "wang.fang", "password": PASSWORD}).encode()
    request = urllib.request.Request(
        f"{base}/account/sign-in", data=body, headers={"Origin": "https://evil.example"}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(request, timeout=30)
    assert err.value.code == 403
    assert err.value.headers.get("Set-Cookie") is None


def test_the_history_page_shows_beijing_time_and_the_display_name(served) -> None:
    base, _ = served
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{base}/history")
        settle(page)
        # The grid fills its accessible copy after it is mounted; wait for the rows, not a fixed time.
        page.wait_for_function(
            "() => (document.querySelector('[data-testid=\"stDataFrame\"]')?.textContent || '')"
            ".includes('北京时间')",
            timeout=30_000,
        )
        page.screenshot(path=str(SHOTS / "history_beijing.png"))
        # The table is a canvas grid; its cells are read from the accessible copy Streamlit keeps.
        text = page.locator('[data-testid="stDataFrame"]').text_content() or ""
        browser.close()
    assert "2026-12-03 21:05（北京时间）" in text and "王芳" in text


def _age_sessions(url: str, minutes: float) -> None:
    # As if nobody had used the session for this long (the database decides when it ends).
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.update(user_sessions).values(
                last_seen_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=minutes)
            )
        )
    engine.dispose()


def _sign_in_here(page: object, base: str, path: str) -> None:
    _sidebar(page).get_by_role("textbox", name="用户名").fill("wang.fang")
    _sidebar(page).get_by_label("密码").fill(PASSWORD)
    _sidebar(page).get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(f"{base}{path}**")
    settle(page)


def test_an_idle_session_is_warned_then_ends_and_the_typed_form_comes_back_after_sign_in(served) -> None:
    base, url = served
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1300, "height": 1100}).new_page()
        page.goto(f"{base}/entry")
        settle(page)
        _sign_in_here(page, base, "/entry")
        form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="保存"))
        form.get_by_role("textbox", name="数值（单位：").fill("42")
        form.get_by_role("textbox", name="来源说明").fill("草稿：卫健委台账")

        # 27 minutes idle: the sidebar timer (every 30 s, not counted as use) warns before the end.
        _age_sessions(url, 27)
        page.wait_for_selector("text=分钟后将自动退出登录", timeout=60_000)
        page.screenshot(path=str(SHOTS / "idle_warning.png"))
        # The warning's button is a real action: it keeps the session.
        _sidebar(page).get_by_role("button", name="继续使用").click()
        page.wait_for_selector("text=分钟后将自动退出登录", state="detached", timeout=60_000)
        assert _signed_in(page)

        # Past the idle limit the session ends; saving now stores nothing and keeps what was typed.
        _age_sessions(url, 31)
        page.get_by_role("button", name="保存").click()
        page.wait_for_selector("text=登录已过期或已在其他页面退出", timeout=60_000)
        settle(page)
        assert not _signed_in(page)
        with Store(url) as store:
            assert store.changes_frame(entered_by="wang.fang")["source_ref"].tolist() == ["无棣县台账"]

        _sign_in_here(page, base, "/entry")
        page.wait_for_selector("text=已恢复您上次登录结束时未保存的填写内容", timeout=30_000)
        form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="保存"))
        assert form.get_by_role("textbox", name="数值（单位：").input_value() == "42"
        assert form.get_by_role("textbox", name="来源说明").input_value() == "草稿：卫健委台账"
        page.screenshot(path=str(SHOTS / "draft_restored.png"))
        browser.close()
