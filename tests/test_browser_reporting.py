"""One reporting round in a real browser: a department editor submits three values (one flagged as far from
its history and confirmed with a reason), a reviewer sees the flag and the reason in the queue, returns one
value with a reason and approves two, the editor sees the reason and resubmits, the reviewer approves, locks
the period, a further save is refused naming the lock, and /reporting shows the department at 100 %."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, rerun, serve, settle, sync_api

from indicators.accounts import open_accounts
from indicators.catalogue import load_catalogue
from indicators.cli.main import main as cli_main
from indicators.paths import PROJECT_DIR
from indicators.store import rounds
from indicators.store.store import Store

playwright_api = sync_api()
SHOTS = PROJECT_DIR / "artifacts" / "screenshots" / "reporting"
PASSWORD = "reporting round password"
EDITOR, REVIEWER = "yibao.editor", "shen.reviewer"
# 市医保局 owes three yearly values at the city (no county figures): the whole round fits in one page.
VALUES = {
    "基本医疗保险参保率": "93.1",
    "村（社区）医保服务站点覆盖率": "88",
    "居民医保政策范围内住院费用报销比例": "70.2",
}
RETURNED = "村（社区）医保服务站点覆盖率"
REASON = "覆盖率口径应为已建站点数/村（社区）总数，请核实"
# Enrolment was 95.6–96.2 % in 2021–2024 (approved); 93.1 for 2025 is far from that history: the form asks
# for a reason, and the reviewer reads it in the queue beside the value.
FLAGGED = "基本医疗保险参保率"
HISTORY = {"2021": 95.6, "2022": 95.8, "2023": 96.0, "2024": 96.2}
FLAG_REASON = "2025年起分母改用常住人口新口径，参保率下降属口径变化，已与市统计局核实"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the app on a database set up by `init` with a department editor and a reviewer."""
    db = tmp_path_factory.mktemp("round") / "xinan.db"
    url = f"sqlite:///{db}"
    assert cli_main(["init", "--db", url]) == 0
    accounts = open_accounts(url)
    accounts.add_user(EDITOR, "editor", departments=["medical_insurance"], password=PASSWORD)
    accounts.add_user(REVIEWER, "reviewer", password=PASSWORD)
    with Store(url, load_catalogue()) as store:
        cells = []
        for period, value in HISTORY.items():
            store.save("basic_medical_insurance_enrollment", "371600", period, value, entered_by=EDITOR)
            cells.append((("basic_medical_insurance_enrollment", "371600", period), 1))
        rounds.review(store, cells, "approve", by=REVIEWER)
    with serve(url, "app.py") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """One chromium; each person gets their own context (their own session)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _person(browser: object, server: str, name: str, path: str) -> object:
    pg = browser.new_context(viewport={"width": 1440, "height": 1300}).new_page()
    pg.goto(f"{server}/{path}")
    settle(pg)
    sidebar = pg.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("textbox", name="用户名").fill(name)
    sidebar.get_by_role("textbox", name="密码").fill(PASSWORD)
    sidebar.get_by_role("button", name="登录", exact=True).click()
    pg.wait_for_selector("text=已登录", timeout=30_000)
    settle(pg)
    return pg


def _go(pg: object, link: str) -> None:
    # A sidebar link keeps the signed-in session (a new page load would start a new one).
    pg.locator('[data-testid="stSidebar"]').get_by_role("link", name=link).click()
    settle(pg)


def _choose(pg: object, label: str, option: str) -> None:
    box = pg.get_by_role("combobox", name=label)
    box.click()
    box.fill(option)
    pg.get_by_role("option", name=option).first.click()
    settle(pg)


def _choose_cell(pg: object, indicator: str) -> None:
    _choose(pg, "指标", indicator)
    # The page may not have started the choice's run when _settle looks, and that run empties the value
    # field (a new cell starts empty): wait until the run has drawn the chosen cell, then until it ends.
    pg.get_by_text(re.compile(f"· {re.escape(indicator)} ·")).first.wait_for(timeout=60_000)
    settle(pg)


def _no_exception(pg: object) -> None:
    assert pg.locator('[data-testid="stException"]').count() == 0


def _enter(pg: object, indicator: str, value: str, reason: str = "") -> None:
    _choose_cell(pg, indicator)
    form = pg.locator('[data-testid="stForm"]').filter(has=pg.get_by_role("button", name="保存到"))
    form.get_by_role("textbox", name="数值（单位：").fill(value)
    if reason:  # a correction (also after a return) says why
        form.get_by_role("textbox", name="修改原因").fill(reason)
    with rerun(pg):
        pg.get_by_role("button", name="保存到").click()


def _confirm_flagged(pg: object, reason: str) -> None:
    # The value is far from its history: nothing is stored until a reason is given and confirmed.
    pg.get_by_text("请确认后保存").wait_for(timeout=60_000)
    assert pg.get_by_text("与历史相差很大").count() == 1
    assert pg.get_by_text("已保存").count() == 0
    pg.screenshot(path=str(SHOTS / "1a_editor_flagged.png"), full_page=True)
    pg.get_by_role("textbox", name="确认原因（必填）").fill(reason)
    with rerun(pg):
        pg.get_by_role("button", name="确认保存到 滨州市 · 2025").click()


def _queue_row(pg: object, indicator: str) -> str:
    """Return the text of the queue row of an indicator (the grid's accessible table, row by row)."""
    # The queue is drawn on a canvas; the canvas holds a table of the cells for screen readers (not
    # "visible" to playwright, hence attached and text_content).
    cell = pg.locator('td[role="gridcell"]', has_text=re.compile(f"^{re.escape(indicator)}$"))
    row = pg.locator('tr[role="row"]').filter(has=cell).first
    row.wait_for(state="attached", timeout=30_000)
    return " | ".join(row.locator("td").all_text_contents())


def _review_tab(pg: object) -> None:
    _go(pg, "报送情况")
    _open_tab(pg, "审核")


def _open_tab(pg: object, name: str) -> None:
    # Only the open tab is drawn: choosing another one runs the page again, which draws it.
    tab = pg.get_by_role("tab", name=name)
    if tab.get_attribute("aria-selected") == "true":
        return
    with rerun(pg):
        tab.click()


def _pick(pg: object, names: list[str]) -> None:
    box = pg.get_by_role("combobox", name="选择要审核的数据（可多选）")
    for name in names:
        box.click()
        pg.get_by_role("option").filter(has_text=name).first.click()
    pg.keyboard.press("Escape")
    # Close the options list (it stays open, showing "No results", when every option is chosen).
    pg.locator('[data-testid="stMain"] h1').click()


def test_one_reporting_round(server: str, browser: object) -> None:
    editor = _person(browser, server, EDITOR, "entry")
    _no_exception(editor)
    # Scoped to 市医保局: the entry page offers the one theme holding its indicators.
    assert editor.get_by_text("未报送").count() + editor.get_by_text("逾期未报").count() >= 1
    for name, value in VALUES.items():
        _enter(editor, name, value)
        if name == FLAGGED:
            _confirm_flagged(editor, FLAG_REASON)
        editor.wait_for_selector("text=已保存", timeout=60_000)
        # The message of the save before may still show: wait for this cell's own state.
        editor.get_by_text("已报送，待审核").first.wait_for(timeout=60_000)
        _no_exception(editor)
    assert editor.get_by_text("已报送，待审核").count() >= 1
    editor.screenshot(path=str(SHOTS / "1_editor_submitted.png"), full_page=True)

    reviewer = _person(browser, server, REVIEWER, "overview")
    _review_tab(reviewer)
    reviewer.get_by_text("待审核 3 项").first.wait_for(timeout=30_000)  # the page may still be drawing
    assert reviewer.get_by_text("待审核 3 项").count() == 1
    # The flagged value carries its flag and the editor's reason in its row, beside the value.
    flagged_row = _queue_row(reviewer, FLAGGED)
    assert "⚠ 93.1 %" in flagged_row and "与历史相差很大" in flagged_row, flagged_row
    assert FLAG_REASON in flagged_row, flagged_row
    assert "⚠" not in _queue_row(reviewer, RETURNED)
    reviewer.screenshot(path=str(SHOTS / "2a_review_queue_flag.png"), full_page=True)
    _pick(reviewer, [RETURNED])
    reviewer.get_by_role("textbox", name="退回原因").fill(REASON)
    reviewer.get_by_role("button", name="退回", exact=True).click()
    settle(reviewer)
    reviewer.wait_for_selector("text=已退回 1 项", timeout=30_000)
    _pick(reviewer, [n for n in VALUES if n != RETURNED])
    reviewer.screenshot(path=str(SHOTS / "2_review_queue.png"), full_page=True)
    reviewer.get_by_role("button", name="审核通过", exact=True).click()
    settle(reviewer)
    reviewer.wait_for_selector("text=已审核通过 2 项", timeout=30_000)

    # The editor opens the returned value again: the reason is shown where they enter.
    _go(editor, "数据录入")
    _choose_cell(editor, RETURNED)
    editor.get_by_text(REASON).first.wait_for(timeout=30_000)  # the page may still be drawing
    # The value typed for the last indicator (70.2) is not carried over to this one.
    playwright_api.expect(editor.get_by_role("textbox", name="数值（单位：")).to_have_value(
        "", timeout=30_000
    )
    assert editor.get_by_text("已保存").count() == 0
    assert editor.get_by_text(REASON).count() == 1
    editor.screenshot(path=str(SHOTS / "3_editor_sees_return.png"), full_page=True)
    # Resubmitting is a correction: without a reason it is refused before anything is stored.
    _enter(editor, RETURNED, "86.4")
    editor.get_by_text("修改时请填写修改原因").first.wait_for(timeout=60_000)
    assert editor.get_by_text("退回后已重新报送").count() == 0
    _enter(editor, RETURNED, "86.4", "按退回意见改为已建站点数/村（社区）总数")
    # The message of the first save may still show: wait for the state this save makes.
    editor.wait_for_selector("text=退回后已重新报送", timeout=60_000)
    assert editor.get_by_text("退回后已重新报送").count() == 1

    _review_tab(reviewer)
    reviewer.get_by_text("待审核 1 项").first.wait_for(timeout=30_000)  # the page may still be drawing
    assert reviewer.get_by_text("待审核 1 项").count() == 1
    _pick(reviewer, [RETURNED])
    reviewer.get_by_role("button", name="审核通过", exact=True).click()
    settle(reviewer)
    reviewer.wait_for_selector("text=已审核通过 1 项", timeout=30_000)

    _open_tab(reviewer, "锁定期次")
    lock_form = reviewer.locator('[data-testid="stForm"]').filter(
        has=reviewer.get_by_role("button", name="锁定期次")
    )
    lock_form.get_by_role("textbox", name="期次（如 2024 或 2025Q1）").fill("2025")
    lock_form.get_by_role("textbox", name="原因（解锁时必填）").fill("2025年度考核")
    lock_form.get_by_role("button", name="锁定期次").click()
    settle(reviewer)
    reviewer.wait_for_selector(f"text=已由 {REVIEWER} 于", timeout=30_000)
    reviewer.screenshot(path=str(SHOTS / "4_locked.png"), full_page=True)

    # The locked year offers no save: the entry page names the lock, who set it and when, instead.
    _go(editor, "数据录入")
    _choose_cell(editor, RETURNED)
    editor.wait_for_selector(f"text=已由 {REVIEWER} 于", timeout=30_000)
    assert editor.get_by_text("该期次已锁定，不能保存或撤回").count() == 1
    assert editor.get_by_role("button", name="保存到").count() == 0
    assert editor.get_by_text("已保存").count() == 0
    editor.screenshot(path=str(SHOTS / "5_save_refused_locked.png"), full_page=True)

    _go(reviewer, "报送情况")
    _choose(reviewer, "责任单位", "市医保局")
    reviewer.keyboard.press("Escape")
    _open_tab(reviewer, "报送进度")
    metrics = reviewer.locator('[data-testid="stMetric"]').all_inner_texts()
    assert any("通过率" in m and "100%" in m for m in metrics), metrics
    assert any("应报" in m and "3" in m for m in metrics), metrics
    _no_exception(reviewer)
    reviewer.screenshot(path=str(SHOTS / "6_reporting_100.png"), full_page=True)
