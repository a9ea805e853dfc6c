"""A real browser adds a report on the 来源 page, accepts two figures, corrects one and skips one."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, SHOTS, rerun, serve, settle, sync_api
from test_browser import PASSWORD, _sign_in

from indicators.access import User
from indicators.accounts import open_accounts
from indicators.guarded import GuardedStore
from indicators.initdb import initialise
from indicators.store.store import Store

playwright_api = sync_api()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]

REPORT_LINES = [
    "惠民县2024年养老服务工作总结",
    "2024年，惠民县完成适老化改造1200户，累计提供居家上门服务3.2万人次，建成长者食堂25个。",
    "全县注册志愿者达到4.6万人。",
]


def _report_docx() -> bytes:
    import docx

    document = docx.Document()
    for line in REPORT_LINES:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """`streamlit run` on a free port with a database made by `init` (the seeds and their figures)."""
    folder = tmp_path_factory.mktemp("documents_browser")
    url_db = f"sqlite:///{folder / 'xinan.db'}"
    with Store(url_db) as store:
        initialise(store)
    open_accounts(url_db).add_user("report.editor", "editor", themes=["habitat"], password=PASSWORD)
    report = folder / "huimin_2024_report.docx"
    report.write_bytes(_report_docx())
    with serve(url_db, "app.py") as url:
        yield url, str(report), url_db


@pytest.fixture(scope="module")
def page(server: tuple[str, str, str]) -> Iterator[object]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_page(viewport={"width": 1440, "height": 1400}, device_scale_factor=1)
        yield pg
        browser.close()


def _proposal(pg: object, figure: str) -> object:
    # Each proposal box shows its sentence with its own figure marked.
    return pg.locator('[class*="st-key-proposal_"]').filter(has=pg.locator("mark.xa-fed", has_text=figure))


def test_a_report_is_added_reviewed_and_its_figures_land_on_their_indicators(server, page) -> None:
    url, report, url_db = server
    page.goto(f"{url}/sources")
    settle(page)
    _sign_in(page, "report.editor")
    page.get_by_text("添加文件").click()
    page.locator('input[type="file"]').set_input_files(report)
    page.wait_for_selector("text=report.docx", timeout=30_000)
    page.get_by_role("textbox", name="发布单位").fill("惠民县民政局")
    page.get_by_role("button", name="添加并审核数字").click()
    page.wait_for_selector("text=已添加《惠民县2024年养老服务工作总结》", timeout=60_000)
    settle(page)
    page.screenshot(path=str(SHOTS / "sources_review.png"), full_page=True)

    first = _proposal(page, "1200户")
    assert first.get_by_role("combobox", name="指标").input_value() == "适老化改造户数（户）"
    assert first.get_by_role("combobox", name="地区").input_value() == "惠民县"
    first.get_by_role("button", name="采用").click()
    page.wait_for_selector("text=已保存到“适老化改造户数”", timeout=60_000)
    settle(page)
    _proposal(page, "3.2万人次").get_by_role("button", name="采用").click()
    page.wait_for_selector("text=已保存到“居家上门服务人次”", timeout=60_000)
    settle(page)
    # Correct one: the report's 25 canteens were 26 by year end (the editor knows better).
    canteens = _proposal(page, "25个")
    assert canteens.get_by_role("combobox", name="指标").input_value() == "长者食堂数量（个）"
    canteens.get_by_role("textbox", name="数值（个）").fill("26")
    with rerun(page):
        canteens.get_by_role("textbox", name="数值（个）").press("Enter")
    _proposal(page, "25个").get_by_role("button", name="采用").click()
    page.wait_for_selector("text=已保存到“长者食堂数量”", timeout=60_000)
    settle(page)
    with rerun(page):
        _proposal(page, "4.6万人").get_by_role("button", name="跳过").click()
    _proposal(page, "4.6万人").wait_for(state="detached", timeout=60_000)
    settle(page)
    assert _proposal(page, "4.6万人").count() == 0
    page.screenshot(path=str(SHOTS / "sources_reviewed.png"), full_page=True)

    # The document is on the 来源 page with its figures marked: three fed, one skipped.
    page.get_by_role("textbox", name="搜索").fill("惠民县民政局")
    with rerun(page):
        page.get_by_role("textbox", name="搜索").press("Enter")
    expander = page.locator('[data-testid="stExpander"]').filter(has_text="惠民县2024年养老服务工作总结")
    assert expander.count() >= 1
    assert "对应指标 3 个 · 跳过 1 个" in expander.first.inner_text()
    assert expander.first.locator("mark.xa-skipped", has_text="4.6万人").count() == 1
    assert expander.first.locator("mark.xa-fed").count() == 3
    page.screenshot(path=str(SHOTS / "sources_document.png"), full_page=True)

    figures = (
        ("elderly_home_retrofits", "1,200 户", "1200户"),
        ("home_care_service_visits", "32,000 人次", "3.2万人次"),
        ("elderly_dining_halls", "26 个", "25个"),
    )
    # Taken from a report is not approved: each figure waits for a reviewer, and the indicator page says so.
    for ind_id, value, figure in figures:
        text, latest = _indicator_quote(page, url, ind_id, figure)
        assert value in text and "已报送，待审核" in text
        assert value.split()[0] not in latest.replace(" ", "")
    with Store(url_db) as store:
        cells = [
            ((ind_id, "371621", "2024"), store.current_revision(ind_id, "371621", "2024"))
            for ind_id, _, _ in figures
        ]
        GuardedStore(store, User(name="zhao", role="reviewer")).review(cells, "approve")
    for ind_id, value, figure in figures:
        text, latest = _indicator_quote(page, url, ind_id, figure)
        assert "2024年，惠民县完成适老化改造1200户" in text
        assert (
            value in text and "惠民县" in text and "2024" in text and "惠民县2024年养老服务工作总结" in text
        )
        assert "已审核通过" in text
        assert value.split()[0] in latest.replace(" ", "")
        page.screenshot(path=str(SHOTS / f"indicator_quote_{ind_id}.png"), full_page=True)


def _indicator_quote(page: object, url: str, ind_id: str, figure: str) -> tuple[str, str]:
    """Open the indicator at 惠民县; return the text of the box quoting `figure` and the latest value shown."""
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="指标").click()
    page.wait_for_url("**/indicator**")
    page.goto(f"{url}/indicator?id={ind_id}&place=371621")
    settle(page)
    # The quotes are drawn last, after the charts; under load they can follow the charts by seconds.
    page.locator("mark.xa-fed", has_text=figure).first.wait_for(timeout=60_000)
    box = page.locator('[data-testid="stVerticalBlock"]').filter(
        has=page.locator("mark.xa-fed", has_text=figure)
    )
    assert box.count() >= 1, ind_id
    return box.last.inner_text(), page.locator('[data-testid="stMetricValue"]').first.inner_text()
