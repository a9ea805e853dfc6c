"""Proposals: each figure of a document gets an indicator, a place and a period; a person accepts it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from indicators.access import User
from indicators.articles.documents import SEED_FACTS, add_document, clean_text, get_document
from indicators.articles.metrics import ArticleMetric, load_article_metrics
from indicators.articles.proposals import Proposal, propose, propose_period, save_fields, sentence_at
from indicators.articles.sources import article_title
from indicators.catalogue import Catalogue
from indicators.guarded import GuardedStore
from indicators.store.store import Store
from indicators.text import squash

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
ALIASES = yaml.safe_load((Path(__file__).parent / "fixtures" / "proposal_aliases.yaml").read_text("utf-8"))
HEBEI, BINZHOU = "130000", "371600"


def seed_proposals(catalogue: Catalogue, aliases: dict | None = ALIASES) -> dict[str, list[Proposal]]:
    """Every seed through the same path as an added document: cleaned text, title, date → proposals."""
    out = {}
    for path in sorted(SEEDS.glob("*.txt")):
        text = clean_text(path.read_text("utf-8"))
        out[path.name] = propose(
            text, catalogue, title=article_title(text), published=SEED_FACTS[path.name][1], aliases=aliases
        )
    return out


def proposal_for(metric: ArticleMetric, proposals: list[Proposal]) -> Proposal | None:
    """The proposal whose figure is the curated one: same value, and the quote holds the figure's words."""
    for p in proposals:
        same_value = abs(p.finding.value - metric.value) <= 1e-9 * max(1.0, metric.value)
        said, quoted = squash(p.finding.text), squash(metric.quote)
        if same_value and (said in quoted or quoted in squash(p.finding.quote)):
            return p
    return None


@pytest.fixture(scope="module")
def seeds_proposed(catalogue: Catalogue) -> dict[str, list[Proposal]]:
    return seed_proposals(catalogue)


def test_every_curated_figure_gets_a_proposal_with_its_indicator_place_and_period(catalogue, seeds_proposed):
    metrics = load_article_metrics(catalogue=catalogue)
    assert len(metrics) == 13
    first = places = periods = 0
    for m in metrics:
        p = proposal_for(m, seeds_proposed[m.seed])
        assert p is not None, f"no proposal for {m.indicator} ({m.quote})"
        assert m.indicator in [c.indicator_id for c in p.candidates], m.indicator
        first += p.indicator_id == m.indicator
        places += p.place_code == m.place
        periods += p.period == str(m.period)
    assert first >= 12
    assert places == 13
    assert periods == 13


def test_without_aliases_the_names_alone_still_put_the_right_indicator_first_for_most(catalogue):
    proposed = seed_proposals(catalogue, aliases={})
    metrics = load_article_metrics(catalogue=catalogue)
    first = sum(proposal_for(m, proposed[m.seed]).indicator_id == m.indicator for m in metrics)  # type: ignore[union-attr]
    assert first >= 11


def test_a_hebei_figure_is_never_put_on_binzhou(catalogue, seeds_proposed):
    hebei = [p for props in seeds_proposed.values() for p in props if "河北" in p.sentence]
    assert len(hebei) >= 6
    for p in hebei:
        assert p.place_code != BINZHOU, p.sentence
    # In a Binzhou report, a sentence about Hebei is Hebei's even with 滨州 in the title.
    text = "滨州市民政工作简报\n\n目前河北省建成乡镇（街道）社工站 1435 家。滨州市建成社工站 91 家。"
    props = propose(text, catalogue, title="滨州市民政工作简报", aliases=ALIASES)
    assert [(p.finding.value, p.place_code) for p in props] == [(1435, HEBEI), (91, BINZHOU)]


def test_a_figure_is_placed_on_the_county_its_sentence_names(catalogue):
    text = "2025年，惠民县完成适老化改造1200户，阳信县完成适老化改造860户。"
    props = propose(text, catalogue, aliases=ALIASES)
    assert [(p.indicator_id, p.place_code, p.period, p.value) for p in props] == [
        ("elderly_home_retrofits", "371621", "2025", 1200),
        ("elderly_home_retrofits", "371622", "2025", 860),
    ]


def test_a_figure_without_place_or_year_gets_none_rather_than_a_guess(catalogue):
    [p] = propose("完成适老化改造1200户。", catalogue, aliases=ALIASES)
    assert p.place_code is None and p.period is None
    assert p.indicator_id == "elderly_home_retrofits"


def test_periods_come_from_the_sentence_else_title_else_date():
    assert propose_period("2023年全市", "2024年公报", dt.date(2025, 3, 1), "year") == ("2023", "sentence")
    assert propose_period("全市", "滨州市2024年统计公报", dt.date(2025, 3, 1), "year") == ("2024", "title")
    assert propose_period("全市", "", dt.date(2025, 3, 1), "year") == ("2025", "date")
    assert propose_period("全市", "", dt.date(2025, 8, 1), "quarter") == ("2025Q3", "date")
    assert propose_period("2024年第三季度", "", None, "quarter") == ("2024Q3", "sentence")
    assert propose_period("2024年5月", "", None, "month") == ("2024-05", "sentence")
    assert propose_period("", "", None, "year") == (None, "none")


def test_units_decide_which_indicators_are_candidates(catalogue):
    [p] = propose("惠民县乡镇（街道）社工站覆盖率达到 88.5%。", catalogue, aliases=ALIASES)
    assert p.indicator_id == "township_social_work_station_coverage"
    assert all(catalogue.indicators[c.indicator_id].unit == "%" for c in p.candidates)


def test_an_accepted_figure_is_stored_with_its_quote_and_offset_and_shown_in_its_sentence(
    store: Store, small_catalogue: Catalogue
):
    text = "2024年阳信县民政工作总结\n\n2024年，阳信县完成适老化改造\n1200户，惠及老人3000人。"
    doc = add_document(store, text, title="阳信县民政工作总结", added_by="li", published=dt.date(2025, 1, 8))
    [p] = [p for p in propose(doc.text, small_catalogue) if p.finding.unit == "户"]
    assert (p.indicator_id, p.place_code, p.period) == ("homes_adapted_for_elderly", "371622", "2024")
    editor = User(name="zhang", role="editor", themes=("care",))
    record = GuardedStore(store, editor).save(
        "homes_adapted_for_elderly", p.place_code, p.period, p.value, **save_fields(doc.id, doc.title, p)
    )
    stored = store.history("homes_adapted_for_elderly", "371622", "2024")[-1]
    assert stored == record
    assert (stored.document_id, stored.source_kind, stored.entered_by) == (doc.id, "article", "zhang")
    assert stored.quote == "2024年，阳信县完成适老化改造1200户，惠及老人3000人。"
    assert get_document(store, doc.id).text[stored.quote_offset :].startswith("1200户")
    sentence, start, end = sentence_at(doc.text, stored.quote_offset, len(p.finding.text))
    assert sentence[start:end] == "1200户" and sentence == stored.quote
    assert "阳信县民政工作总结" in stored.source_ref
