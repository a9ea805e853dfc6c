"""Two editors in two real browsers: the second save, withdrawal or import on an outdated view is refused
with the first editor's name and value, and nothing is overwritten; a 100× value asks for a reason that the
history then shows. Screenshots of the conflict, the confirmation and the history are kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, SHOTS, rerun, serve, settle, sync_api
from test_browser import PASSWORD

from indicators.accounts import open_accounts
from indicators.catalogue import load_catalogue
from indicators.store.store import Store
from tests.test_pages import _article_db

playwright_api = sync_api()
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium"),
]

WANG, LI = "wang.editor", "li.editor"
CELL = ("xinan_cells", "371600", "2024")  # 心安细胞数量 · 滨州市 · 2024: the article's 100 个
CELL_URL = "entry?theme=peace&id=xinan_cells&place=371600&period=2024"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """`streamlit run dashboard/app.py` on the article figures, with two editors of every theme."""
    catalogue = load_catalogue()
    url = _article_db(tmp_path_factory.mktemp("two_browsers") / "x.db", catalogue)
    accounts = open_accounts(url)
    for name in (WANG, LI):
        accounts.add_user(name, "editor", themes=[t.id for t in catalogue.themes], password=PASSWORD)
    with serve(url, "app.py") as base:
        yield base, url


@pytest.fixture(scope="module")
def browsers(server: tuple[str, str]) -> Iterator[tuple[object, object]]:
    """Two browser contexts (two people, two sessions), each signed in and on the same cell's form."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    base, _ = server
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pages = []
        for name in (WANG, LI):
            context = browser.new_context(viewport={"width": 1440, "height": 1400}, device_scale_factor=1)
            pg = context.new_page()
            pg.goto(f"{base}/{CELL_URL}")
            settle(pg)
            _sign_in(pg, name)
            pages.append(pg)
        yield pages[0], pages[1]
        browser.close()


def _sign_in(pg: object, name: str) -> None:
    sidebar = pg.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("textbox", name="用户名").fill(name)
    sidebar.get_by_role("textbox", name="密码").fill(PASSWORD)
    sidebar.get_by_role("button", name="登录", exact=True).click()
    pg.wait_for_selector("text=已登录", timeout=30_000)
    settle(pg)


def _sidebar_place(pg: object) -> str:
    # The selectbox shows its choice as the value of its combobox input.
    return pg.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="地区").input_value()


def _history(url: str) -> list[tuple[int, float | None, str]]:
    with Store(url, load_catalogue()) as store:
        return [(h.revision, h.value, h.entered_by) for h in store.history(*CELL)]


def _type_and_save(pg: object, value: str, button: str = "保存到 滨州市 · 2024") -> None:
    form = pg.locator('[data-testid="stForm"]').filter(has=pg.get_by_role("button", name=button))
    form.get_by_role("textbox", name="数值（单位：").fill(value)
    # The cell holds the article's figure: a correction says why.
    form.get_by_role("textbox", name="修改原因").fill("按台账更正")
    with rerun(pg):
        pg.get_by_role("button", name=button).click()


def test_two_editors_open_the_same_cell_and_the_second_save_is_refused_naming_the_first(
    server: tuple[str, str], browsers: tuple[object, object]
) -> None:
    _, url = server
    wang, li = browsers
    # Both forms were drawn on the article's value (revision 1), opened from the same link.
    for pg in (wang, li):
        assert pg.get_by_role("button", name="保存到 滨州市 · 2024").count() == 1
        assert pg.get_by_text("100 个").count() >= 1
    _type_and_save(wang, "120")
    wang.wait_for_selector("text=已保存", timeout=30_000)
    _type_and_save(li, "130")
    li.wait_for_selector("text=在你打开表单后", timeout=30_000)
    refusal = li.locator('[data-testid="stAlert"]').filter(has_text="在你打开表单后").first.inner_text()
    assert WANG in refusal and "120 个" in refusal and "第 2 版" in refusal
    assert li.get_by_text("已保存").count() == 0
    li.screenshot(path=str(SHOTS / "entry_conflict.png"), full_page=True)
    assert _history(url) == [(1, 100.0, "article-import"), (2, 120.0, WANG)]


def test_a_withdrawal_on_an_outdated_form_is_refused_naming_who_changed_it(
    server: tuple[str, str], browsers: tuple[object, object]
) -> None:
    _, url = server
    wang, li = browsers
    # li takes the latest value (wang's 120) and decides to save 130 after all: revision 3.
    with rerun(li):
        li.get_by_role("button", name="采用最新值").click()
    li.wait_for_selector("text=表单已改为以第 2 版为依据", timeout=30_000)
    with rerun(li):
        li.get_by_role("button", name="保存到 滨州市 · 2024").click()
    li.wait_for_selector("text=已保存", timeout=30_000)
    # wang's page still holds revision 2; withdrawing it now would remove li's value unseen.
    wang.get_by_text("撤回此数值").click()
    retract = wang.locator('[data-testid="stForm"]').filter(has=wang.get_by_role("button", name="撤回"))
    retract.get_by_role("textbox", name="修改原因").fill("录错了")
    with rerun(wang):
        retract.get_by_role("button", name="撤回").click()
    wang.wait_for_selector("text=在你打开表单后", timeout=30_000)
    refusal = wang.locator('[data-testid="stAlert"]').filter(has_text="在你打开表单后").first.inner_text()
    assert LI in refusal and "130 个" in refusal
    assert wang.get_by_text("已撤回，存储内容如下").count() == 0
    wang.screenshot(path=str(SHOTS / "entry_withdraw_conflict.png"), full_page=True)
    assert _history(url)[-1] == (3, 130.0, LI)


def test_an_import_confirmed_after_someone_else_changed_a_cell_is_refused(
    server: tuple[str, str], browsers: tuple[object, object]
) -> None:
    _, url = server
    wang, li = browsers
    wang.locator('[data-testid="stSidebar"]').get_by_role("link", name="批量导入").click()
    wang.wait_for_url("**/import**")
    settle(wang)
    csv = b"indicator_id,place_code,period,value\nxinan_cells,371600,2024,150\n"
    with rerun(wang):
        wang.locator('input[type="file"]').set_input_files(
            files=[{"name": "round.csv", "mimeType": "text/csv", "buffer": csv}]
        )
    wang.wait_for_selector("text=3. 预演结果", timeout=30_000)
    confirm = wang.get_by_role("button", name="确认导入 1 条")
    assert confirm.count() == 1
    # After wang's dry run, li saves the same cell again.
    _type_and_save(li, "140")
    li.wait_for_selector("text=已保存", timeout=30_000)
    with rerun(wang):
        confirm.click()
    wang.wait_for_selector("text=导入被拒绝", timeout=30_000)
    assert wang.get_by_text(LI).count() >= 1
    assert wang.get_by_text("已导入").count() == 0
    wang.screenshot(path=str(SHOTS / "import_conflict.png"), full_page=True)
    assert _history(url)[-1] == (4, 140.0, LI)


def test_a_100x_value_asks_for_a_reason_and_the_history_shows_flag_and_reason(
    server: tuple[str, str], browsers: tuple[object, object]
) -> None:
    base, url = server
    _, li = browsers
    li.goto(f"{base}/entry?theme=peace&id=xinan_cells&place=371600&period=2025")
    settle(li)
    _sign_in(li, LI)  # a new page load is a new session (staying signed in is the cookie work of #12b)
    _type_and_save(li, "14000", button="保存到 滨州市 · 2025")  # 2024 holds 140: a 100× typo
    li.wait_for_selector("text=请确认后保存", timeout=30_000)
    assert li.get_by_text("与历史相差很大").count() == 1
    li.screenshot(path=str(SHOTS / "entry_plausibility.png"), full_page=True)
    with Store(url, load_catalogue()) as store:
        assert store.history("xinan_cells", "371600", "2025") == []
    li.get_by_role("textbox", name="确认原因（必填）").fill("统计口径调整：含新纳入的村居，已电话核实")
    with rerun(li):
        li.get_by_role("button", name="确认保存到 滨州市 · 2025").click()
    li.wait_for_selector("text=已保存", timeout=30_000)
    li.get_by_text("修改记录（1 条）").click()  # an expander: opens in the browser, no rerun
    li.get_by_text("此数值保存时有核对提示").first.wait_for(timeout=30_000)
    li.screenshot(path=str(SHOTS / "entry_history_flag.png"), full_page=True)
    with Store(url, load_catalogue()) as store:
        stored = store.history("xinan_cells", "371600", "2025")[-1]
    assert (
        stored.value == 14000
        and stored.flag_reason.startswith("统计口径调整")
        and "far_from_history" in stored.flags
    )
    assert li.get_by_text("此数值保存时有核对提示").count() >= 1


def test_see_on_indicator_page_opens_the_place_saved_to_and_a_reload_keeps_the_view(
    server: tuple[str, str], browsers: tuple[object, object]
) -> None:
    base, url = server
    wang, _ = browsers
    wang.goto(f"{base}/entry?theme=peace&id=xinan_cells&place=371623&period=2024")
    settle(wang)
    _sign_in(wang, WANG)
    assert _sidebar_place(wang) == "无棣县"
    _type_and_save(wang, "7", button="保存到 无棣县 · 2024")
    wang.wait_for_selector("text=已保存", timeout=30_000)
    with Store(url, load_catalogue()) as store:
        assert store.history("xinan_cells", "371623", "2024")[-1].value == 7
    wang.get_by_text("在指标页查看").click()
    wang.wait_for_url("**/indicator?**", timeout=30_000)
    settle(wang)
    assert "place=371623" in wang.url and "id=xinan_cells" in wang.url
    assert wang.get_by_role("heading", name="心安细胞数量").count() == 1
    assert _sidebar_place(wang) == "无棣县"
    # The saved 7 waits for review: the page says no value of 无棣县 counts yet (its history lists it).
    assert wang.get_by_text("无棣县尚无已计入的数值").count() == 1
    # A reload (a new session) opens the same indicator at the same place, from the URL alone.
    wang.reload()
    settle(wang)
    assert "place=371623" in wang.url
    assert wang.get_by_role("heading", name="心安细胞数量").count() == 1
    assert _sidebar_place(wang) == "无棣县"
    wang.screenshot(path=str(SHOTS / "indicator_at_place.png"), full_page=True)
