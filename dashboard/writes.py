"""Writing from the pages, always as the signed-in user (indicators.guarded): one value (planned first, see
indicators.entry), a withdrawal, an import's dry run and its application.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboard.resources import catalogue, store
from indicators import bulk, entry
from indicators.access import User
from indicators.entry import EntryPlan
from indicators.errors import IndicatorsError, Problem
from indicators.guarded import GuardedStore
from indicators.store.observations import QUALIFIERS
from indicators.store.store import CurrentCell, conflict_problem
from indicators.uploads import read_upload

# A value typed into the form comes from a document (form) or is copied from a news article.
ENTRY_SOURCE_KINDS = ("form", "article")


__all__ = ["ENTRY_SOURCE_KINDS", "QUALIFIERS"]


@dataclass
class SaveResult:
    """What a save did: the stored record, or the problems that stopped it."""

    record: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)


def conflict_from_record(cell: tuple[str, str, str], expected: int, newest: dict[str, Any]) -> Problem:
    """Return the conflict a save on a form drawn at `expected` would meet, from the cell's newest revision."""
    latest = CurrentCell(
        revision=int(newest["revision"]),
        value=None if pd.isna(newest.get("value")) else float(newest["value"]),
        unit=newest.get("unit") or "",
        qualifier=newest.get("qualifier") or "exact",
        retracted=bool(newest.get("retracted")),
        note=newest.get("note"),
        source_kind=newest.get("source_kind") or "form",
        source_ref=newest.get("source_ref"),
        entered_by=newest.get("entered_by") or "",
        entered_at=newest["entered_at"],
    )
    return conflict_problem(cell, expected, latest)


def writer(user: User | None) -> GuardedStore:
    """Return the store bound to the signed-in user: the only way pages write (role checked on write)."""
    return GuardedStore(store(), user)


def plan_entry(
    ind_id: str,
    place: str,
    period: str,
    value_text: str,
    *,
    user: User | None,
    expected_revision: int,
    **fields: Any,
) -> EntryPlan:
    """Return what saving a typed value would do as the signed-in user (see indicators.entry); stores nothing."""
    return entry.plan_entry(
        writer(user), ind_id, place, period, value_text, expected_revision=expected_revision, **fields
    )


def save_entry(plan: EntryPlan, *, user: User | None, flag_reason: str | None = None) -> SaveResult:
    """Store a planned value as the signed-in user; return the stored record or every problem (nothing stored)."""
    if plan.problems:
        return SaveResult(problems=list(plan.problems))
    try:
        record = entry.save_entry(writer(user), plan, flag_reason=flag_reason)
    except IndicatorsError as exc:
        return SaveResult(problems=list(exc.problems))
    return SaveResult(record=record.model_dump())


def save_value(
    ind_id: str,
    place: str,
    period: str,
    value_text: str,
    *,
    user: User | None,
    expected_revision: int,
    flag_reason: str | None = None,
    **fields: Any,
) -> SaveResult:
    """Check and save one value as the signed-in user; return the stored record or every problem."""
    plan = plan_entry(
        ind_id, place, period, value_text, user=user, expected_revision=expected_revision, **fields
    )
    return save_entry(plan, user=user, flag_reason=flag_reason)


def retract_value(
    ind_id: str, place: str, period: str, *, user: User | None, reason: str, expected_revision: int
) -> SaveResult:
    """Withdraw a cell's value as the signed-in user; return the retracting record or every problem."""
    try:
        record = writer(user).retract(
            ind_id, place, period, reason=reason.strip(), expected_revision=expected_revision
        )
    except IndicatorsError as exc:
        return SaveResult(problems=list(exc.problems))
    return SaveResult(record=record.model_dump())


@dataclass
class DryRun:
    """A dry run of an upload, or the problems that kept it from being read."""

    plan: Any = None
    problems: list[Problem] = field(default_factory=list)


def template_bytes(fmt: str) -> bytes:
    """Return the import template as XLSX or CSV bytes."""
    return bulk.template(catalogue(), fmt)


def dry_run(name: str, content: bytes, *, user: User | None) -> DryRun:
    """Check an upload's size and kind, read it and compare it with the store without writing anything."""
    try:
        writer(user).check("import")
        table = read_upload(name, content)
        plan = writer(user).dry_run_import(table)
    except IndicatorsError as exc:
        return DryRun(problems=list(exc.problems))
    return DryRun(plan=plan)


@dataclass
class Applied:
    """The outcome of confirming an import."""

    count: int = 0
    problems: list[Problem] = field(default_factory=list)


def apply_plan(plan: Any, *, user: User | None, reason: str | None = None) -> Applied:
    """Write a dry-run plan as the signed-in user; all rows or none."""
    try:
        count = writer(user).apply_import(plan, reason=reason)
    except IndicatorsError as exc:
        return Applied(problems=list(exc.problems))
    return Applied(count=count)
