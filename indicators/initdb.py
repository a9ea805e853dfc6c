"""Prepare a database: schema to the newest revision, and the figures quoted in the articles loaded once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from indicators.articles.metrics import ArticleMetric, load_article_metrics
from indicators.bulk import Record, apply, plan_records
from indicators.errors import IndicatorsError, Problem
from indicators.store.store import Store

ARTICLE_USER = "article-import"
ARTICLE_FILE = "data/article_metrics.yaml"


@dataclass(frozen=True)
class InitReport:
    """What `init` did."""

    schema_revision: str
    added: int
    unchanged: int
    kept_staff_changes: int
    documents_added: int = 0


def article_metrics(store: Store) -> list[ArticleMetric]:
    """Return the curated article figures, checked against the store's catalogue."""
    return list(load_article_metrics(catalogue=store.catalogue))


def load_metrics(store: Store, metrics: Sequence[ArticleMetric]) -> tuple[int, int, int]:
    """Store article figures not yet stored; return (added, unchanged, kept because staff changed them)."""
    records = [
        Record(
            row=i,
            indicator_id=m.indicator,
            place_code=m.place,
            period=str(m.period),
            value=float(m.value),
            value_error=None,
            unit=m.unit,
            qualifier=m.qualifier,
            note=m.note,
            source_ref=f"{m.seed}: {m.quote}",
        )
        for i, m in enumerate(metrics, start=1)
    ]
    plan = plan_records(
        store, records, filename=ARTICLE_FILE, user=ARTICLE_USER, source_kind="article", compare_note=False
    )
    if plan.errors:
        raise IndicatorsError(
            [
                Problem(e.message, file=ARTICLE_FILE, path=f"metric {e.row}, {e.column}", hint=e.hint)
                for e in plan.errors
            ]
        )
    # A cell someone corrected or retracted by hand keeps their value: re-running init must not undo it.
    kept = [
        r
        for r in plan.rows
        if r.status != "unchanged" and r.current_by is not None and r.current_by != ARTICLE_USER
    ]
    kept_ids = {id(r) for r in kept}
    plan.rows = [r for r in plan.rows if id(r) not in kept_ids]
    unchanged = len(plan.unchanged)
    # The seeds' figures are approved as they are loaded (their source is the published article); every
    # other value waits for a reviewer (indicators.store.approval).
    added = apply(store, plan, reason="article figures re-read", seed=True) if plan.new or plan.changed else 0
    return added, unchanged, len(kept)


def initialise(store: Store, metrics: Sequence[ArticleMetric] | None = None) -> InitReport:
    """Load the seed documents and the article figures into an opened (hence migrated) store; safe to run again."""
    from indicators.articles.documents import load_seed_documents

    documents_added, _ = load_seed_documents(store)
    found = metrics if metrics is not None else article_metrics(store)
    added, unchanged, kept = load_metrics(store, found)
    return InitReport(store.schema_revision, added, unchanged, kept, documents_added)
