"""A round as it really mixes, in a real browser: an import and a form save made on the pages and a figure
taken from a report wait together; the reviewer's queue opens (it crashed sorting the import's time beside
the form's), lists all three with who entered them, and counts each only once approved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, rerun, serve, sync_api
from test_browser_reporting import (
    _choose,
    _choose_cell,
    _go,
    _no_exception,
    _open_tab,
    _person,
    _pick,
    _queue_row,
)

from indicators.accounts import open_accounts
from indicators.articles.documents import add_document
from indicators.articles.proposals import propose, save_fields
from indicators.catalogue import load_catalogue
from indicators.cli.main import main as cli_main
from indicators.guarded import GuardedStore
from indicators.paths import PROJECT_DIR
from indicators.store import rounds
from indicators.store.store import Store

playwright_api = sync_api()
SHOTS = PROJECT_DIR / "artifacts" / "screenshots" / "reporting"
PASSWORD = "reporting round password"
EDITOR, REVIEWER = "minzheng.editor", "shen.reviewer"
HOMES, VISITS = "elderly_home_retrofits", "home_care_service_visits"
REPORT = "惠民县2024年养老服务工作总结\n2024年，惠民县累计提供居家上门服务3.2万人次。"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The app on a database set up by `init`, with a 市民政局 editor and a reviewer."""
    db = tmp_path_factory.mktemp("mix") / "xinan.db"
    url = f"sqlite:///{db}"
    assert cli_main(["init", "--db", url]) == 0
    accounts = open_accounts(url)
    accounts.add_user(
        EDITOR, "editor", departments=["civil_affairs"], password=PASSWORD, display_name="王民政"
    )
    accounts.add_user(REVIEWER, "reviewer", password=PASSWORD, display_name="沈审核")
    with serve(url, "app.py") as base:
        yield base, url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _take_report_figure(url: str) -> None:
    """Take the report's 3.2万人次 onto its indicator as the 来源 page's 采用 does (the editor's own account)."""
    with Store(url, load_catalogue()) as store:
        user = open_accounts(url).active_user(EDITOR)
        document = add_document(store, REPORT, title="惠民县2024年养老服务工作总结", added_by=user.name)
        proposal = next(
            p
            for p in propose(document.text, store.catalogue, title=document.title)
            if p.finding.value == 32000
        )
        GuardedStore(store, user).save(
            VISITS, "371621", "2024", 32000, **save_fields(document.id, document.title, proposal)
        )


def test_an_import_a_form_save_and_a_report_figure_wait_together_and_the_queue_works(
    server, browser, tmp_path
):
    base, url = server
    editor = _person(browser, base, EDITOR, "import")
    sheet = tmp_path / "county.csv"
    sheet.write_text(
        f"indicator_id,place_code,period,value,unit\n{HOMES},371623,2024,700,户\n", encoding="utf-8"
    )
    editor.locator('input[type="file"]').set_input_files(str(sheet))
    editor.get_by_role("button", name="确认导入 1 条").wait_for(timeout=60_000)
    with rerun(editor):
        editor.get_by_role("button", name="确认导入 1 条").click()
    editor.get_by_text("已导入 1 条", exact=False).first.wait_for(timeout=60_000)
    assert editor.get_by_text("审核通过后才计入").count() >= 1  # the import says what happens next

    _go(editor, "数据录入")  # a sidebar link: a new page load would be a new, signed-out session
    _choose(editor, "主题", "人居")
    _choose_cell(editor, "适老化改造户数")
    _choose(editor, "时期（年）", "2024")
    assert "2024" in editor.get_by_role("button", name="保存到").inner_text()
    form = editor.locator('[data-testid="stForm"]').filter(has=editor.get_by_role("button", name="保存到"))
    # The city's 2024 holds the article's 1.5万: correcting it says why, and keeps the article as source.
    form.get_by_role("textbox", name="数值（单位：").fill("16800")
    form.get_by_role("textbox", name="修改原因").fill("按年报更正")
    with rerun(editor):
        editor.get_by_role("button", name="保存到").click()
    editor.get_by_text("已保存，状态为“已报送，待审核”").wait_for(timeout=60_000)
    _no_exception(editor)
    _take_report_figure(url)

    reviewer = _person(browser, base, REVIEWER, "reporting?tab=review")
    _open_tab(reviewer, "审核")
    _choose(reviewer, "报送年度", "2024")
    reviewer.get_by_text("待审核 3 项").first.wait_for(timeout=60_000)
    _no_exception(reviewer)
    rows = {name: _queue_row(reviewer, name) for name in ("适老化改造户数", "居家上门服务人次")}
    assert "王民政" in rows["适老化改造户数"] and EDITOR not in rows["适老化改造户数"]
    assert "32,000" in rows["居家上门服务人次"] or "3.2万" in rows["居家上门服务人次"]
    reviewer.screenshot(path=str(SHOTS / "7_queue_import_form_document.png"), full_page=True)
    with Store(url, load_catalogue()) as store:
        approved = store.current_frame(approved_only=True)
        assert approved[approved["entered_by"] == EDITOR].empty  # none of the three counts yet
    _pick(reviewer, ["适老化改造户数", "适老化改造户数", "居家上门服务人次"])
    with rerun(reviewer):
        reviewer.get_by_role("button", name="审核通过", exact=True).click()
    reviewer.get_by_text("已审核通过 3 项").wait_for(timeout=60_000)
    _no_exception(reviewer)
    with Store(url, load_catalogue()) as store:
        states = rounds.state_frame(store)
        mine = states[states["entered_by"] == EDITOR]
        assert sorted(mine["state"]) == ["approved"] * 3
        approved = store.current_frame(approved_only=True)
        assert {
            (r.place_code, r.period) for r in approved[approved["entered_by"] == EDITOR].itertuples()
        } == {
            ("371623", "2024"),
            ("371600", "2024"),
            ("371621", "2024"),
        }
