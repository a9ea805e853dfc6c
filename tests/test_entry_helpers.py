"""Pure helpers behind the pages: target path knots, periods a form offers, article figures and their indicators."""

from __future__ import annotations

import datetime as dt

from indicators.articles.metrics import load_article_metrics
from indicators.articles.sources import article_figures, article_title, list_articles
from indicators.periods import begun_periods
from indicators.scoring.target_path import target_path


def test_target_path_runs_from_baseline_through_milestones_to_target(catalogue):
    ind = next(i for i in catalogue.indicators.values() if i.milestones)
    knots = target_path(ind)
    assert knots[0] == (ind.baseline.period, ind.baseline.value)
    assert knots[-1] == (ind.target.period, ind.target.value)
    assert len(knots) == 2 + len(ind.milestones)


def test_an_indicator_without_baseline_or_target_has_no_path(catalogue):
    ind = next(i for i in catalogue.indicators.values() if i.target is None)
    assert target_path(ind) == []


def test_form_offers_only_begun_periods_and_preselects_the_last_ended_one():
    today = dt.date(2026, 11, 22)
    years, usual = begun_periods("year", today, 2020)
    assert years[0] == "2026" and years[-1] == "2020" and usual == "2025"
    quarters, usual = begun_periods("quarter", today, 2025)
    assert quarters[0] == "2026Q4" and usual == "2026Q3"
    months, usual = begun_periods("month", today, 2026)
    assert months[0] == "2026-11" and usual == "2026-10"
    assert "2026-12" not in months


def test_article_titles_skip_menus_and_join_wrapped_lines():
    assert article_title("- 首頁\n- 登錄\n2024全國社會工作大會\n\n正文") == "2024全國社會工作大會"
    assert article_title("\n\n聚“心”而来 向“心安”出发\n\n正文") == "聚“心”而来向“心安”出发"


def test_every_curated_article_figure_is_found_and_tied_to_its_indicator_and_place(catalogue):
    metrics = load_article_metrics(catalogue=catalogue)
    fed = []
    for article in list_articles():
        figures = article_figures(article, metrics)
        for row in figures.itertuples():
            assert article.text[row.start : row.end] == row.text  # offsets point into the unchanged text
        fed += [
            (r.indicator_id, r.place_code, r.period)
            for r in figures.itertuples()
            if isinstance(r.indicator_id, str)
        ]
    assert sorted(fed) == sorted((m.indicator, m.place, str(m.period)) for m in metrics)


def test_hebei_figures_feed_indicators_as_hebei_not_binzhou(catalogue):
    metrics = load_article_metrics(catalogue=catalogue)
    hebei = next(a for a in list_articles() if a.seed.startswith("004"))
    figures = article_figures(hebei, metrics)
    stations = figures[figures["text"].str.contains("1435")]
    assert stations["place_code"].tolist() == ["130000"]
