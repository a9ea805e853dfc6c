"""The articles and reports for the pages: seed articles with their figures, stored documents, proposals for
their figures, adding a report and deciding on a figure as the signed-in user.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.resources import catalogue, db_url, store
from dashboard.writes import writer
from indicators.access import User
from indicators.articles.metrics import ArticleMetric, load_article_metrics
from indicators.articles.sources import Article, list_articles
from indicators.articles.sources import article_figures as figures_of
from indicators.errors import IndicatorsError, Problem


@st.cache_resource(show_spinner=False)
def articles() -> list[Article]:
    """Return the seed articles in file order."""
    return list_articles()


def article_title(seed: str) -> str | None:
    """Return the title of a seed article, or None when unknown."""
    return next((a.title for a in articles() if a.seed == seed), None)


@st.cache_resource(show_spinner=False)
def _metrics() -> list[ArticleMetric]:
    return load_article_metrics(catalogue=catalogue())


@st.cache_resource(show_spinner=False)
def article_metrics_by_indicator() -> dict[str, list[ArticleMetric]]:
    """Return the curated article figures (data/article_metrics.yaml) of each indicator they feed."""
    found: dict[str, list[ArticleMetric]] = {}
    for metric in _metrics():
        found.setdefault(metric.indicator, []).append(metric)
    return found


@st.cache_data(show_spinner=False)
def article_figures(seed: str) -> pd.DataFrame:
    """Return the figures extracted from an article with their offsets and the indicator each feeds."""
    article = next(a for a in articles() if a.seed == seed)
    return figures_of(article, _metrics())


def documents(search: str | None = None) -> list[Any]:
    """Return stored documents, newest first, filtered by the search words."""
    from indicators.articles.documents import list_documents

    return list_documents(store(), search)


@st.cache_resource(show_spinner=False, max_entries=64)
def _proposals(url: str, document_id: int, content_hash: str) -> list[Any]:
    # A document's text never changes (a new text is a new document), so its proposals are computed once.
    from indicators.articles.documents import get_document
    from indicators.articles.proposals import propose

    doc = get_document(store(), document_id)
    return propose(doc.text, catalogue(), title=doc.title, published=doc.published)


def proposals(doc: Any) -> list[Any]:
    """Return the proposal for every figure of a stored document, in text order."""
    return _proposals(db_url(), doc.id, doc.content_hash)


def document_figures(doc: Any) -> pd.DataFrame:
    """Return every figure of a document with its status (accepted, skipped, curated, open) and indicator."""
    from indicators.articles.documents import reviews_of
    from indicators.articles.proposals import figure_rows

    reviews = {offset: r for (doc_id, offset), r in reviews_of(store(), [doc.id]).items() if doc_id == doc.id}
    curated = [m for m in _metrics() if doc.file_name and m.seed == doc.file_name]
    columns = ["start", "end", "text", "value", "unit", "qualifier", "quote", "status", "indicator_id"]
    columns += ["place_code", "period", "proposed", "stored_value"]
    return pd.DataFrame(figure_rows(proposals(doc), reviews, curated), columns=columns)


@dataclass
class Added:
    """A document added, or every problem that kept it out (nothing stored)."""

    document: Any = None
    problems: list[Problem] = field(default_factory=list)


def add_document(
    user: User | None, *, text: str | None, upload: tuple[str, bytes] | None, **fields: Any
) -> Added:
    """Read an uploaded file (or take pasted text) and store it as a document as the signed-in user."""
    from indicators.articles.documents import read_document_bytes

    try:
        file_name = None
        if upload is not None:
            file_name = upload[0]
            text = read_document_bytes(*upload)
        doc = writer(user).add_document(text or "", file_name=file_name, **fields)
    except IndicatorsError as exc:
        return Added(problems=list(exc.problems))
    return Added(document=doc)


def review_figure(
    user: User | None, doc_id: int, offset: int, text: str, decision: str, **fields: Any
) -> list[Problem]:
    """Record a person's decision on a figure; return the problems (none when recorded)."""
    try:
        writer(user).decide_figure(doc_id, offset, text, decision, **fields)
    except IndicatorsError as exc:
        return list(exc.problems)
    return []


def quoted_values(ind_id: str) -> list[Any]:
    """Return the indicator's current values read from documents, each with its sentence."""
    from indicators.articles.documents import quoted_values as _quoted

    return _quoted(store(), ind_id)
