"""Chart builders: data in, plotly figure out, with units, periods and places visible in what is drawn."""

from __future__ import annotations

import math

import pandas as pd

from dashboard import figures

LABELS = figures.SeriesLabels(
    observed="滨州市实际值",
    target_path="目标路径",
    milestone="阶段目标",
    target="示例目标",
    baseline="基线",
    period="时期",
    value="数值",
)


def test_series_chart_draws_observed_values_against_the_target_path_with_unit_and_periods():
    observed = pd.DataFrame({"period": ["2023", "2024", "2025"], "value": [100.0, 120.0, 150.0]})
    path = pd.DataFrame({"period": ["2024", "2027"], "value": [100.0, 300.0]})
    fig = figures.series_chart(
        observed,
        unit="个",
        title="心安细胞数量 · 滨州市",
        labels=LABELS,
        target_path=path,
        milestones=pd.DataFrame({"period": ["2025"], "value": [150.0]}),
        baseline=("2024", 100.0),
        target=("2027", 300.0),
    )
    names = [trace.name for trace in fig.data]
    assert names[0] == "目标路径" and names[-1] == "滨州市实际值"
    assert any("示例目标 300 个（2027）" in n for n in names)
    actual = fig.data[-1]
    assert list(actual.y) == [100.0, 120.0, 150.0]
    assert [pd.Timestamp(x).year for x in actual.x] == [2023, 2024, 2025]
    assert list(actual.customdata) == ["2023", "2024", "2025"]
    assert "个" in actual.hovertemplate
    assert fig.layout.yaxis.title.text == "数值（个）"


def test_quarters_and_months_are_placed_at_their_first_day():
    assert figures.period_date("2024Q3") == pd.Timestamp("2024-07-01")
    assert figures.period_date("2024-11") == pd.Timestamp("2024-11-01")
    assert figures.period_date("2024") == pd.Timestamp("2024-01-01")


def test_index_gauge_without_a_score_says_no_data_instead_of_zero():
    fig = figures.index_gauge(None, 0.0, "滨州市心安指数", "覆盖率", "暂无数据")
    assert fig.data[0].mode == "gauge"
    assert "暂无数据" in [a.text for a in fig.layout.annotations]
    scored = figures.index_gauge(47.6, 0.8, "滨州市心安指数", "覆盖率", "暂无数据")
    assert scored.data[0].value == 47.6
    assert "覆盖率 80%" in [a.text for a in scored.layout.annotations]


def test_theme_scores_show_score_and_coverage_and_leave_missing_themes_unscored():
    frame = pd.DataFrame({"name": ["平安", "就业"], "score": [62.5, math.nan], "coverage": [0.5, 0.0]})
    fig = figures.theme_scores_chart(frame, "各主题得分", "得分", "覆盖率")
    bar = fig.data[0]
    assert list(bar.y) == ["就业", "平安"]  # first theme on top
    assert list(bar.text) == ["—", "62.5 · 覆盖率 50%"]


def test_status_bar_counts_each_status_once_in_its_colour():
    fig = figures.status_counts_chart(
        {"on_track": 3, "off_track": 2, "at_risk": 0}, {"on_track": "正常"}, "状态"
    )
    assert [t.x[0] for t in fig.data] == [3, 2]
    assert fig.data[0].marker.color == figures.STATUS_COLOURS["on_track"]
    assert fig.data[0].name == "正常 3"


def test_score_matrix_puts_places_in_rows_and_marks_cells_without_data():
    scores = pd.DataFrame({"平安": [80.0, math.nan], "就业": [40.0, 55.0]}, index=["滨城区", "沾化区"])
    fig = figures.score_matrix_chart(scores, title="各区县 × 主题得分", no_data="暂无")
    heat = fig.data[0]
    assert list(heat.y) == ["滨城区", "沾化区"] and list(heat.x) == ["平安", "就业"]
    assert heat.text[1][0] == "暂无" and heat.text[0][0] == "80"
    assert (heat.zmin, heat.zmax) == (0, 100)


def test_latest_bars_label_each_bar_with_value_unit_and_period():
    frame = pd.DataFrame({"place": ["河北省"], "period": ["2022"], "value": [1435.0]})
    fig = figures.latest_bars_chart(frame, unit="家", title="对照地区")
    assert list(fig.data[0].text) == ["1,435 家（2022）"]


def test_places_lines_draw_one_line_per_place_in_period_order():
    frame = pd.DataFrame(
        {
            "place": ["滨城区", "滨城区", "沾化区"],
            "period": ["2025", "2024", "2024"],
            "value": [2.0, 1.0, 5.0],
        }
    )
    fig = figures.places_lines_chart(frame, unit="个", title="各区县走势", period_label="时期")
    assert [t.name for t in fig.data] == ["滨城区", "沾化区"]
    assert list(fig.data[0].y) == [1.0, 2.0]


def test_numbers_on_charts_read_as_staff_write_them_never_in_exponent_form():
    from dashboard.numbers import fmt_number

    assert fmt_number(20000.0) == "20,000"
    assert fmt_number(12037000.0) == "12,037,000"
    assert fmt_number(96.25) == "96.25"
    assert fmt_number(-3.5, signed=True) == "-3.5"
    assert fmt_number(2.0, signed=True) == "+2"
    assert fmt_number(float("nan")) == "—"


def test_yearly_series_label_the_axis_with_years_and_monthly_with_year_month():
    from dashboard.figures import period_axis

    assert period_axis(["2023", "2024"])["tickformat"] == "%Y"
    assert period_axis(["2023", "2024"])["dtick"] == "M12"
    assert period_axis(["2024-01", "2024"])["tickformat"] == "%Y-%m"


def test_a_long_yearly_series_labels_every_few_years_instead_of_crowding_the_axis():
    from dashboard.figures import period_axis

    years = [str(y) for y in range(1999, 2027)]  # 28 years
    assert period_axis(years)["dtick"] == "M36"
    assert period_axis(years[-10:])["dtick"] == "M12"


def test_latest_bars_lie_flat_so_each_place_reads_beside_its_labelled_bar():
    frame = pd.DataFrame({"place": ["滨城区", "沾化区"], "period": ["2025", "2025"], "value": [96.45, 100.0]})
    fig = figures.latest_bars_chart(frame, unit="%", title="各区县最新值")
    bar = fig.data[0]
    assert bar.orientation == "h" and list(bar.y) == ["滨城区", "沾化区"]
    # The axis leaves room at the right for the longest label.
    assert fig.layout.xaxis.range[1] > 100
