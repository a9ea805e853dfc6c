"""Entering values is safe in daily use: two editors never overwrite each other through the page, the form
stores where its button says, a 100× typo needs a confirmed reason and stays marked, and people's numbers
(1.5万, 15,000, １５０００, 百分之八十) are read the same way in the form and in imports."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from app_pages import open_page, sign_in
from html_tables import html_tables
from streamlit.testing.v1 import AppTest

from dashboard import resources
from indicators.accounts import open_accounts
from indicators.articles.quantity import read_typed_number
from indicators.scoring.plausibility import check_value, period_end_date
from indicators.store.store import Store
from tests.test_pages import APP, PASSWORD, _article_db

# Page scripts driven through AppTest, several sessions per test.
pytestmark = pytest.mark.slow

WANG, LI = "wang.editor", "li.editor"
CELL = ("xinan_cells", "371600", "2024")  # the article's 100 个 for 2024


@pytest.fixture
def two_editors(tmp_path, catalogue, monkeypatch) -> str:
    """The article figures and two editors of every theme."""
    url = _article_db(tmp_path / "two.db", catalogue)
    accounts = open_accounts(url)
    for name in (WANG, LI):
        accounts.add_user(name, "editor", themes=[t.id for t in catalogue.themes], password=PASSWORD)
    monkeypatch.setenv("XINAN_DB_URL", url)
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    return url


def _session(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "zh"
    sign_in(at.run(), name, PASSWORD)
    open_page(at, "entry").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _open_cell(at: AppTest, indicator: str, theme: str, place: str, period: str) -> AppTest:
    at.selectbox(key="entry_theme").set_value(theme).run()
    at.selectbox(key="entry_indicator").set_value(indicator).run()
    at.selectbox(key="entry_place").set_value(place).run()
    at.selectbox(key="entry_period_year").set_value(period).run()
    assert not at.exception
    return at


def _save(at: AppTest, value: str, reason: str = "按台账更正") -> AppTest:
    at.text_input(key="entry_value").input(value)
    # A correction says why (the cells here hold the article's figure already).
    at.text_input(key="entry_reason").input(reason)
    at.button(key="entry_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _history(url: str, catalogue, cell=CELL) -> list[tuple[int, float | None, str]]:
    with Store(url, catalogue) as store:
        return [(h.revision, h.value, h.entered_by) for h in store.history(*cell)]


def test_the_second_of_two_editors_is_refused_with_who_changed_the_cell_and_nothing_is_overwritten(
    two_editors, catalogue
):
    wang = _open_cell(_session(WANG), *CELL[:1], "peace", *CELL[1:])
    li = _open_cell(_session(LI), *CELL[:1], "peace", *CELL[1:])
    _save(wang, "120")
    assert [s.value for s in wang.success] == [
        "已保存，状态为“已报送，待审核”：审核人通过后才计入得分、图表和简报。存储内容如下："
    ]
    _save(li, "130")
    assert not li.success
    refusal = " ".join(e.value for e in li.error).replace("\\", "")  # markdown escapes
    assert WANG in refusal and "120 个" in refusal and "第 2 版" in refusal and "第 1 版" in refusal
    assert _history(two_editors, catalogue) == [(1, 100.0, "article-import"), (2, 120.0, WANG)]

    # Taking the latest value re-arms the form on revision 2; saving again is now a deliberate change.
    li.button(key="entry_take_latest").click().run()
    assert any("第 2 版" in i.value for i in li.info)
    assert not [e for e in li.error if WANG in e.value]
    li.button(key="entry_save").click().run()
    assert [s.value for s in li.success] == [
        "已保存，状态为“已报送，待审核”：审核人通过后才计入得分、图表和简报。存储内容如下："
    ]
    assert _history(two_editors, catalogue)[-1] == (3, 130.0, LI)


def test_a_withdrawal_on_an_outdated_form_is_refused(two_editors, catalogue):
    wang = _open_cell(_session(WANG), *CELL[:1], "peace", *CELL[1:])
    li = _open_cell(_session(LI), *CELL[:1], "peace", *CELL[1:])
    _save(wang, "120")
    li.text_input(key="entry_retract_reason").input("录错了")
    li.button(key="FormSubmitter:entry_retract_form-撤回").click().run()
    assert not li.success
    assert any(WANG in e.value.replace("\\", "") and "120 个" in e.value for e in li.error)
    assert _history(two_editors, catalogue) == [(1, 100.0, "article-import"), (2, 120.0, WANG)]
    # The reason li typed is still there, to withdraw the newer value knowingly or not at all.
    assert li.text_input(key="entry_retract_reason").value == "录错了"


def test_an_import_confirmed_after_someone_changed_a_cell_is_refused_and_writes_nothing(
    two_editors, catalogue
):
    li = _session(LI)
    open_page(li, "bulk_import").run()
    csv = "indicator_id,place_code,period,value\nxinan_cells,371600,2024,150\nxinan_cells,371602,2024,9\n"
    li.get("file_uploader")[0].set_value(("round.csv", csv.encode(), "text/csv"))
    li.run()
    assert {m.label: m.value for m in li.metric}["修改"] == "1"
    # Between li's dry run and li's confirm, wang saves the same cell.
    _save(_open_cell(_session(WANG), *CELL[:1], "peace", *CELL[1:]), "120")
    li.button(key="import_confirm").click().run()
    assert not li.exception
    assert not li.success
    assert any("导入被拒绝" in e.value for e in li.error)
    assert any(WANG in m.value.replace("\\", "") and "120 个" in m.value for m in li.markdown)
    assert _history(two_editors, catalogue) == [(1, 100.0, "article-import"), (2, 120.0, WANG)]
    assert _history(two_editors, catalogue, ("xinan_cells", "371602", "2024")) == []
    # A fresh dry run compares with wang's value; confirming it then is a decision made knowingly.
    li.button(key="import_redo").click().run()
    li.button(key="import_confirm").click().run()
    assert [s.value for s in li.success] == [
        "已导入 2 条，状态为“已报送，待审核”：审核通过后才计入得分、图表和简报。"
    ]
    assert _history(two_editors, catalogue)[-1] == (3, 150.0, LI)


def test_the_form_takes_the_sidebar_place_and_stores_where_its_button_says(two_editors, catalogue):
    at = _session(WANG)
    at.sidebar.selectbox(key="place").set_value("371623").run()  # 无棣县
    at.selectbox(key="entry_theme").set_value("peace").run()
    at.selectbox(key="entry_indicator").set_value("xinan_cells").run()
    at.selectbox(key="entry_period_year").set_value("2024").run()
    assert at.selectbox(key="entry_place").value == "371623"
    assert at.button(key="entry_save").label == "保存到 无棣县 · 2024"
    _save(at, "7")
    assert _history(two_editors, catalogue, ("xinan_cells", "371623", "2024")) == [(1, 7.0, WANG)]
    # Picking a place in the form moves the sidebar with it: the two never disagree.
    at.selectbox(key="entry_place").set_value("371602").run()
    assert at.sidebar.selectbox(key="place").value == "371602"
    assert at.button(key="entry_save").label == "保存到 滨城区 · 2024"
    _save(at, "5")
    assert _history(two_editors, catalogue, ("xinan_cells", "371602", "2024")) == [(1, 5.0, WANG)]
    assert at.query_params["place"] == "371602"
    assert at.query_params["id"] == "xinan_cells" and at.query_params["period"] == "2024"


def test_1_5_wan_is_read_back_before_saving_and_stored_as_15000(two_editors, catalogue):
    at = _open_cell(_session(WANG), "social_work_trainees", "peace", "371600", "2024")
    _save(at, "1.5万")
    assert not at.success  # nothing stored before the person sees how it was read
    assert any("读作 **15000 人次**" in m.value for m in at.markdown)
    at.button(key="entry_confirm").click().run()
    assert [s.value for s in at.success] == [
        "已保存，状态为“已报送，待审核”：审核人通过后才计入得分、图表和简报。存储内容如下："
    ]
    cell = ("social_work_trainees", "371600", "2024")
    assert _history(two_editors, catalogue, cell)[-1][1:] == (15000.0, WANG)


def test_a_100x_value_needs_a_confirmed_reason_and_is_flagged_in_the_history(two_editors, catalogue):
    at = _open_cell(_session(WANG), *CELL[:1], "peace", "371600", "2025")
    _save(at, "10000")  # 2024 has 100 个: a 100× typo
    assert not at.success
    assert any("100 倍" in w.value for w in at.warning)
    at.button(key="entry_confirm").click().run()
    assert any("请写明确认原因" in e.value for e in at.error)
    assert _history(two_editors, catalogue, (CELL[0], "371600", "2025")) == []
    at.text_input(key="entry_flag_reason").input("年报口径调整，已与统计局核实")
    at.button(key="entry_confirm").click().run()
    assert [s.value for s in at.success] == [
        "已保存，状态为“已报送，待审核”：审核人通过后才计入得分、图表和简报。存储内容如下："
    ]
    with Store(two_editors, catalogue) as store:
        stored = store.history(CELL[0], "371600", "2025")[-1]
    assert stored.value == 10000 and stored.flag_reason == "年报口径调整，已与统计局核实"
    assert [f["code"] for f in json.loads(stored.flags)] == ["far_from_history"]
    # The history table on the page carries the flag and the reason.
    frames = [df.value for df in at.dataframe]
    history = next(f for f in frames if "核对提示" in f.columns)
    assert history["核对提示"].iloc[0].startswith("⚠ 与历史相差很大")
    assert history["确认原因"].iloc[0] == "年报口径调整，已与统计局核实"

    # Wherever the value shows, it is marked: the indicator's status and latest value, and its chart
    # (in the working view: the value awaits review, and the approved view shows only approved values).
    at.sidebar.toggle(key=resources.INCLUDE_PENDING_KEY).set_value(True).run()
    open_page(at, "indicator").run()
    assert not at.exception
    assert at.metric[0].value == "1万 个" or "10,000" in at.metric[0].value
    assert at.metric[3].value.startswith("⚠ 待核")
    series = json.loads(at.get("plotly_chart")[0].proto.spec)
    marked = [tr for tr in series["data"] if tr.get("name") == "⚠ 待核数值"]
    assert len(marked) == 1 and marked[0]["customdata"] == ["2025"]


def test_plausibility_flags_history_cumulative_falls_and_unfinished_periods(catalogue):
    cells = catalogue.indicators["xinan_cells"]  # cumulative
    band = catalogue.framework.scoring.plausibility
    today = dt.date(2026, 12, 3)
    codes = lambda *a: [f.code for f in check_value(cells, *a, band=band, today=today)]  # noqa: E731
    assert codes("2025", 100 * 100, [("2024", 100)]) == ["far_from_history"]
    assert codes("2025", 150, [("2024", 100)]) == []
    assert codes("2025", 90, [("2024", 100)]) == ["cumulative_fall"]
    assert codes("2026", 150, [("2025", 100)]) == ["period_not_ended"]
    # With enough history the robust z-score catches what a ratio to the last period misses.
    series = [("2020", 100), ("2021", 104), ("2022", 98), ("2023", 102), ("2024", 400)]
    assert codes("2025", 420, series) == ["far_from_history"]
    assert period_end_date("2024Q4") == dt.date(2025, 1, 1)
    assert period_end_date("2024-07") == dt.date(2024, 8, 1)


@pytest.mark.parametrize(
    "typed,unit,value",
    [
        ("1.5万", "户", 15000),
        ("15,000", "户", 15000),
        ("１５０００", "户", 15000),
        ("1.5万户", "户", 15000),
        ("百分之八十", "%", 80),
        ("80%", "%", 80),
        ("1.2亿", "元", 120_000_000),
        ("42.42", "个", 42.42),
    ],
)
def test_one_reader_for_what_people_type(typed, unit, value):
    assert read_typed_number(typed, unit).value == value


@pytest.mark.parametrize("typed,unit", [("很多", "户"), ("80%", "户"), ("", "户"), ("1,2,3", "户")])
def test_what_is_not_a_number_is_refused_with_a_translated_message(typed, unit):
    from indicators.errors import IndicatorsError

    with pytest.raises(IndicatorsError) as exc:
        read_typed_number(typed, unit)
    assert exc.value.problems[0].code == "value.not_a_number"


def test_the_admin_created_as_the_readme_shows_enters_data_and_alone_sees_the_database_address(
    two_editors, catalogue
):
    open_accounts(two_editors).add_user("li", "admin", password=PASSWORD)  # `user add li --role admin`
    editor = _session(WANG)
    assert not any("数据库" in c.value for c in editor.sidebar.caption)
    admin = _session("li")
    assert any("数据库" in c.value for c in admin.sidebar.caption)
    assert not admin.warning  # not told to "ask an admin"
    assert len(admin.selectbox(key="entry_theme").options) == len(catalogue.themes)
    _save(_open_cell(admin, "social_work_trainees", "peace", "371600", "2024"), "2100")
    assert [s.value for s in admin.success] == [
        "已保存，状态为“已报送，待审核”：审核人通过后才计入得分、图表和简报。存储内容如下："
    ]
    cell = ("social_work_trainees", "371600", "2024")
    assert _history(two_editors, catalogue, cell)[-1][1:] == (2100.0, "li")


def test_chinese_axes_read_wan_and_a_county_without_the_citys_target_draws_none(catalogue):
    import pandas as pd

    from dashboard import figures

    labels = figures.SeriesLabels("实际", "目标路径", "里程碑", "目标", "基期", "时期", "数值")
    observed = pd.DataFrame({"period": ["2023", "2024"], "value": [1_200_000.0, 1_500_000.0]})
    fig = figures.series_chart(observed, unit="人次", title="t", labels=labels)
    assert "150万" in fig.layout.yaxis.ticktext and "M" not in "".join(fig.layout.yaxis.ticktext)
    english = figures.series_chart(observed, unit="人次", title="t", labels=labels, lang="en")
    assert english.layout.yaxis.ticktext is None
    bars = figures.latest_bars_chart(
        observed.assign(place=["滨州市", "无棣县"]), unit="人次", title="t", lang="zh"
    )
    assert bars.data[0].text[1].startswith("150万 人次")


def test_a_county_indicator_page_draws_no_target_path_when_its_status_is_no_target(two_editors, catalogue):
    with Store(two_editors, catalogue) as store:
        store.save("xinan_cells", "371623", "2024", 7, entered_by=WANG)
    at = _session(WANG)
    at.sidebar.toggle(key=resources.INCLUDE_PENDING_KEY).set_value(True).run()  # the value awaits review
    at.sidebar.selectbox(key="place").set_value("371623").run()  # 无棣县
    at.query_params["id"] = "xinan_cells"  # a count: the city's total is not split to counties
    open_page(at, "indicator").run()
    assert not at.exception
    assert at.metric[3].value == "无目标"
    series = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert [tr["name"] for tr in series["data"] if tr.get("name") == "目标路径"] == []
    at.sidebar.selectbox(key="place").set_value("371600").run()  # the city: its target path is drawn
    series = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert any(tr.get("name") == "目标路径" for tr in series["data"])


def test_theme_rows_link_to_the_indicator_page_at_the_place(two_editors, catalogue):
    at = _session(WANG)
    at.sidebar.selectbox(key="place").set_value("371623").run()
    open_page(at, "theme").run()
    assert not at.exception
    text, address = html_tables(at, links=True)[0]["打开"].iloc[0]
    assert text == "查看 ›" and address.startswith("indicator?id=") and address.endswith("&place=371623")
