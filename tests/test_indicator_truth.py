"""What the indicator page and its downloads say is true: no "时期 nan" or empty axes after a withdrawal, an
approved value is not marked "to check", the chart data reads as people read it, and the chart draws the one
baseline progress counts from, saying where it comes from."""

from __future__ import annotations

import json

import pytest
from app_pages import open_page
from streamlit.testing.v1 import AppTest

from dashboard import cached_views, chart_data, progress_tables, texts
from dashboard.pages_ import indicator
from indicators.access import User
from indicators.guarded import GuardedStore
from indicators.store.store import Store
from tests.test_pages import APP, _article_db

HOMES = "elderly_home_retrofits"  # catalogue baseline 1.5万 户 (2024) at the city
CITY = "371600"
EDITOR = User(name="li", role="editor", departments=("civil_affairs",))
REVIEWER = User(name="zhao", role="reviewer")


@pytest.fixture
def url(tmp_path, catalogue, monkeypatch) -> str:
    url = _article_db(tmp_path / "truth.db", catalogue)
    monkeypatch.setenv("XINAN_DB_URL", url)
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    return url


def _approved(url: str, catalogue, period: str, value: float, **fields) -> None:
    with Store(url, catalogue) as store:
        cell = (HOMES, CITY, period)
        saved = GuardedStore(store, EDITOR).save(
            *cell, value, expected_revision=store.current_revision(*cell), reason="核实", **fields
        )
        GuardedStore(store, REVIEWER).review([(cell, saved.revision)], "approve")


def _indicator_page(place: str = CITY) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "zh"
    at.run()
    at.query_params["id"] = HOMES
    at.query_params["place"] = place
    open_page(at, "indicator").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.slow  # a page script through AppTest
def test_after_a_withdrawal_the_page_says_there_is_no_value_instead_of_nan_and_empty_axes(url, catalogue):
    with Store(url, catalogue) as store:
        for period in ("2024",):
            GuardedStore(store, User(name="boss", role="admin")).retract(
                HOMES,
                CITY,
                period,
                reason="不属于本市",
                expected_revision=store.current_revision(HOMES, CITY, period),
            )
    at = _indicator_page()
    shown = {m.label: m.value for m in at.metric}
    assert shown["时期"] == "—" and "nan" not in " ".join(str(v) for v in shown.values())
    assert any("尚无已计入的数值" in i.value for i in at.info)
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert not [title for title in titles if "滨州市" in title]  # no empty series chart of the city


def test_the_chart_draws_the_baseline_progress_counts_from_and_says_where_it_comes_from(url, catalogue):
    _approved(url, catalogue, "2024", 16000)  # the city's own 2024 value differs from the catalogue's 1.5万
    views = cached_views.read_views(url)
    row = progress_tables.progress_row(views.progress(CITY), HOMES)
    assert (row["baseline_period"], row["baseline_value"], row["baseline_source"]) == (
        "2024",
        16000.0,
        "observed",
    )
    figure = indicator.series_figure(views, HOMES, CITY, True)
    baseline = next(tr for tr in figure.data if tr.name.startswith("基线"))
    assert list(baseline.y) == [16000.0] and "2024" in baseline.name
    assert texts.baseline_text(row, "户") == "进度的基线：16,000 户（2024，该地区该期的数值）"


def test_an_approved_flagged_value_is_not_marked_to_check_and_its_label_is_not_clipped(url, catalogue):
    _approved(url, catalogue, "2025", 1_500_000, flag_reason="含全省数据，已核实")  # 100× the 2024 value
    figure = indicator.series_figure(cached_views.read_views(url), HOMES, CITY, True)
    marked = [tr for tr in figure.data if tr.mode == "markers+text"]
    assert [tr.name for tr in marked] == ["⚠ 异常值（已审核通过）"]
    assert marked[0].cliponaxis is False
    # In the working view the same approved value is marked the same; a pending flagged one is "to check".
    working = indicator.series_figure(cached_views.read_views(url, approved=False), HOMES, CITY, True)
    assert [tr.name for tr in working.data if tr.mode == "markers+text"] == ["⚠ 异常值（已审核通过）"]


def test_the_chart_data_reads_as_people_read_it(url, catalogue):
    _approved(url, catalogue, "2025", 1_500_000, flag_reason="含全省数据，已核实")
    shown = chart_data.chart_data(cached_views.read_views(url).series(HOMES, CITY))
    assert "indicator_id" not in shown and "qualifier" not in shown and "source_kind" not in shown
    assert not [c for c in shown.columns if c.startswith("_")] and "note" not in shown
    assert {"指标", "时期", "数值", "数值性质", "来源类型", "录入人", "核对提示"} <= set(shown.columns)
    assert set(shown["指标"]) == {"适老化改造户数"}
    flags = [f for f in shown["核对提示"] if f]
    assert flags and all(f.startswith("⚠ ") and "{" not in f for f in flags)


def test_the_command_line_chart_starts_its_target_path_at_the_same_baseline(url, catalogue):
    from dashboard.export.__main__ import indicator_chart

    _approved(url, catalogue, "2024", 16000)
    with Store(url, catalogue) as store:
        chart = indicator_chart(catalogue, store.current_frame(approved_only=True), HOMES, CITY)
    path = next(tr for tr in chart.figure.data if tr.name == "目标路径")
    assert path.y[0] == 16000.0  # not the catalogue's 1.5万
