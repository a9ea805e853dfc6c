"""The catalogue page renders the whole tree for staff."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from indicators.paths import PROJECT_DIR

APP = str(PROJECT_DIR / "dashboard" / "app.py")


def test_catalogue_page_shows_every_theme_and_indicator(catalogue):
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception
    labels = [e.label for e in at.expander]
    assert [label.split(" ")[0] for label in labels] == [t.name_zh for t in catalogue.themes]
    shown = sum(len(df.value) for df in at.dataframe)
    assert shown == len(catalogue.indicators)
    assert at.metric[2].value == str(len(catalogue.indicators))


def test_catalogue_page_shows_which_indicators_have_article_figures():
    at = AppTest.from_file(APP, default_timeout=30).run()
    rows = [row for df in at.dataframe for row in df.value.to_dict("records")]
    with_figures = {row["ID"]: row["文章数据"] for row in rows if row["文章数据"] != "—"}
    assert "15,000 户（滨州市 2024）" in with_figures["elderly_home_retrofits"]
    assert "河北省" in with_figures["township_social_work_stations"]
    assert "滨州市" not in with_figures["township_social_work_stations"]
