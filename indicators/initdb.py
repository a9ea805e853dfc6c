"""Prepare a database: schema to the newest revision, and the figures quoted in the articles loaded once."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from indicators.bulk import Record, apply, plan_records
from indicators.errors import IndicatorsError, Problem
from indicators.store import Store

ARTICLE_USER = "article-import"
ARTICLE_MODULE = "indicators.article_metrics"


@dataclass(frozen=True)
class InitReport:
    """What `init` did."""

    schema_revision: str
    metrics_found: bool
    added: int
    unchanged: int
    kept_staff_changes: int


def article_metrics() -> list[Any] | None:
    """Return the article figures when the extraction module is installed, else None."""
    try:
        module = importlib.import_module(ARTICLE_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != ARTICLE_MODULE:
            raise
        return None
    return list(module.load_article_metrics())


def load_metrics(store: Store, metrics: Sequence[Any]) -> tuple[int, int, int]:
    """Store article figures not yet stored; return (added, unchanged, kept because staff changed them)."""
    records = [
        Record(
            row=i,
            indicator_id=m.indicator_id,
            place_code=m.place_code,
            period=str(m.period),
            value=float(m.value),
            value_error=None,
            unit=m.unit,
            qualifier=m.qualifier,
            note=None,
            source_ref=f"{m.seed}: {m.quote}",
        )
        for i, m in enumerate(metrics, start=1)
    ]
    plan = plan_records(
        store, records, filename=ARTICLE_MODULE, user=ARTICLE_USER, source_kind="article", compare_note=False
    )
    if plan.errors:
        raise IndicatorsError(
            [
                Problem(e.message, file=ARTICLE_MODULE, path=f"metric {e.row}, {e.column}", hint=e.hint)
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
    added = apply(store, plan, reason="article figures re-read") if plan.new or plan.changed else 0
    return added, unchanged, len(kept)


def initialise(store: Store, metrics: Sequence[Any] | None = None) -> InitReport:
    """Load the article figures into an opened (hence migrated) store; safe to run again."""
    found = metrics if metrics is not None else article_metrics()
    if found is None:
        return InitReport(store.schema_revision, False, 0, 0, 0)
    added, unchanged, kept = load_metrics(store, found)
    return InitReport(store.schema_revision, True, added, unchanged, kept)
