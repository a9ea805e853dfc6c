"""Reporting rounds on the pages: a cell's state on the entry page, the round's rate on the overview, and
the tables and actions of the /reporting page (review queue, locks, overdue list)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import cached_views, context, layout, resources, texts, writes
from dashboard.i18n import current_language, name_of, t
from dashboard.timefmt import time_text
from indicators import tabular
from indicators.access import REVIEWERS, User
from indicators.errors import IndicatorsError, Problem
from indicators.scoring import reporting, validation
from indicators.store import rounds
from indicators.store.locks import Lock, lock_for
from indicators.store.observations import china_today

STATE_ICONS = {
    "approved": ":material/verified:",
    "submitted": ":material/hourglass_top:",
    "returned": ":material/undo:",
    "missing": ":material/radio_button_unchecked:",
    "overdue": ":material/alarm:",
}


def today() -> dt.date:
    """Return the date the round is judged at (today in Binzhou)."""
    return china_today()


def states(views: cached_views.Views) -> pd.DataFrame:
    """Return every cell's state, read once per data version (shared, read-only)."""
    return views.shared(_states)


def _states(views: cached_views.Views) -> pd.DataFrame:
    return rounds.state_frame(views.store)


def _cell_state(views: cached_views.Views, ind_id: str, place_code: str, period: str) -> pd.DataFrame:
    return rounds.cell_state(views.store, ind_id, place_code, period)


def locks(views: cached_views.Views) -> list[Lock]:
    """Return the locks in force, once per data version."""
    return views.shared(_locks)


def _locks(views: cached_views.Views) -> list[Lock]:
    return rounds.locks_in_force(views.store)


def matrix(views: cached_views.Views, start_year: int | None = None) -> pd.DataFrame:
    """Return the department × period status matrix as of today."""
    return views.shared(_matrix, today(), start_year)


def _matrix(views: cached_views.Views, day: dt.date, start_year: int | None) -> pd.DataFrame:
    return reporting.status_matrix(views.catalogue, states(views), day, start_year)


def department_name(dept_id: str, short: bool = False) -> str:
    """Return a department's name in the session's language."""
    dept = resources.catalogue().department_by_id.get(dept_id)
    if dept is None:
        return dept_id
    if current_language() == "zh":
        return dept.short_name if short else dept.name_zh
    return dept.name_en


def _lock_text(lock: Lock) -> str:
    place = (
        name_of(resources.catalogue().place_by_code[lock.place_code])
        if lock.place_code
        else t("lock.all_places")
    )
    return t(
        "lock.locked_by",
        period=lock.period,
        place=place,
        who=context.person(lock.set_by),
        when=time_text(lock.set_at),
    )


def cell_status(ctx: context.RunContext, ind_id: str, place_code: str, period: str) -> Lock | None:
    """Draw a cell's review state (with a return's reason), its due date and any lock, for the entry page;
    return the lock (None when the period is open)."""
    catalogue = ctx.catalogue
    due = reporting.due_date(catalogue, ind_id, period)
    # This cell's row only: every cell's states took seconds at 500,000 revisions, after each save.
    row = ctx.views.shared(_cell_state, ind_id, place_code, period)
    day = today()
    missing = "overdue" if due < day else "missing"
    state = missing if row.empty else str(row.iloc[0]["state"])
    text = t("reporting.cell_state", state=t("reporting.state." + state), due=due.isoformat())
    if state == "overdue":
        text += " · " + t("reporting.days_overdue", days=(day - due).days)
    if not row.empty and state == "submitted" and bool(row.iloc[0]["returned_before"]):
        text += " · " + t("reporting.resubmitted")
    if state == "returned":
        st.warning(
            text + "\n\n" + t("reporting.return_reason", reason=texts.plain_md(str(row.iloc[0]["reason"]))),
            icon=STATE_ICONS[state],
        )
    else:
        # Not st.success: on the entry page a green box means "your save was stored".
        st.info(text, icon=STATE_ICONS[state])
    lock = lock_for({(lk.period, lk.place_code): lk for lk in locks(ctx.views)}, period, place_code)
    if lock is not None:
        st.error(_lock_text(lock), icon=":material/lock:")
    return lock


def round_summary(ctx: context.RunContext) -> None:
    """Draw the current round's reporting rate (overview), linking to /reporting."""
    year = reporting.current_round(today())
    rate = reporting.round_rate(matrix(ctx.views), year)
    cols = st.columns([1, 1, 1, 2])
    cols[0].metric(t("reporting.round_rate", year=year), f"{rate['reported_rate']:.0%}")
    cols[1].metric(t("reporting.approved_rate"), f"{rate['approved_rate']:.0%}")
    cols[2].metric(t("reporting.overdue_cells"), f"{rate['overdue']}")
    with cols[3]:
        st.caption(t("reporting.round_caption", year=year, expected=rate["expected"]))
        st.page_link(ctx.page("reporting"), label=t("reporting.open_page"), icon=":material/fact_check:")


def matrix_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the matrix with translated headers and department names."""
    shown = pd.DataFrame(
        {
            t("reporting.col.department"): [department_name(d) for d in frame["department"]],
            t("reporting.col.period"): frame["period"],
            **{t("reporting.col." + c): frame[c] for c in reporting.COUNTS},
            t("reporting.col.reported_rate"): (frame["reported_rate"] * 100).round(0),
            t("reporting.col.approved_rate"): (frame["approved_rate"] * 100).round(0),
        }
    )
    return shown


def rate_columns() -> dict[str, Any]:
    """Return column settings showing the two rates as bars."""
    return {
        t("reporting.col." + c): st.column_config.ProgressColumn(
            t("reporting.col." + c), min_value=0, max_value=100, format="%.0f%%"
        )
        for c in ("reported_rate", "approved_rate")
    }


def cells_table(cells: pd.DataFrame) -> pd.DataFrame:
    """Return owed cells as staff read them: department, indicator, place, period, due date, state, days."""
    catalogue = resources.catalogue()
    return pd.DataFrame(
        {
            t("reporting.col.department"): [department_name(d) for d in cells["department"]],
            t("common.indicator"): [name_of(catalogue.indicators[i]) for i in cells["indicator_id"]],
            t("common.unit"): [catalogue.indicators[i].unit for i in cells["indicator_id"]],
            t("common.place"): [name_of(catalogue.place_by_code[p]) for p in cells["place_code"]],
            t("reporting.col.period"): cells["period"],
            t("reporting.col.due"): [d.isoformat() for d in cells["due"]],
            t("reporting.col.state"): [t("reporting.state." + s) for s in cells["state"]],
            t("reporting.col.days_overdue"): cells["days_overdue"],
            t("reporting.col.reason"): [r if isinstance(r, str) else "" for r in cells["reason"]],
            "id": cells["indicator_id"],
        }
    )


def overdue_xlsx(cells: pd.DataFrame) -> bytes:
    """Return the overdue list as an XLSX workbook (one sheet) for a 催报 notice."""
    shown = cells_table(cells[cells["state"] == "overdue"])
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "overdue"
    # Return reasons are staff free text: the shared writer stores "=…" as text, never as a live formula.
    tabular.write_sheet(sheet, shown)
    return tabular.book_bytes(book)


def is_reviewer(user: User | None) -> bool:
    """Return True when the user may review and lock."""
    return user is not None and user.role in REVIEWERS


def queue(views: cached_views.Views, periods: set[str] | None, department: str | None) -> pd.DataFrame:
    """Return the cells awaiting review (state submitted), oldest entry first."""
    return reporting.awaiting_review(views.catalogue, states(views), periods, department)


def queue_key(row: Any) -> str:
    """Return the identity of one queued revision: indicator|place|period|revision."""
    return f"{row.indicator_id}|{row.place_code}|{row.period}|{int(row.revision)}"


def parse_queue_key(key: str) -> tuple[tuple[str, str, str], int]:
    """Return (cell, revision) from a queue key."""
    ind, place, period, revision = key.split("|")
    return (ind, place, period), int(revision)


def queue_label(key: str) -> str:
    """Return a queue key as a person reads it."""
    catalogue = resources.catalogue()
    (ind, place, period), revision = parse_queue_key(key)
    return f"{name_of(catalogue.indicators[ind])} · {name_of(catalogue.place_by_code[place])} · {period} · r{revision}"


def rule_findings(views: cached_views.Views) -> pd.DataFrame:
    """Return the validation rules the current working values break (see indicators.scoring.validation)."""
    return views.shared(_rule_findings)


def _rule_findings(views: cached_views.Views) -> pd.DataFrame:
    catalogue = views.catalogue
    return validation.findings_frame(catalogue, validation.load_rules(catalogue), states(views))


def rule_text(finding: Any) -> str:
    """Return a broken rule with its numbers, in the session's language."""
    name = finding.name_zh if current_language() == "zh" else finding.name_en
    if finding.kind == "ratio_range":
        return t("reporting.rule_ratio", name=name, ratio=f"{finding.left:.3g}")
    if finding.kind == "county_sum":
        return t("reporting.rule_county_sum", name=name, left=f"{finding.left:g}", right=f"{finding.right:g}")
    return t("reporting.rule_part", name=name, left=f"{finding.left:g}", right=f"{finding.right:g}")


def queue_table(views: cached_views.Views, waiting: pd.DataFrame, user: User | None) -> pd.DataFrame:
    """Return the review queue as a table: value with unit, its plausibility flags with the confirmed reason
    and rule findings beside it, then revision, who entered it and resubmission."""
    catalogue = views.catalogue
    findings = rule_findings(views)
    flagged: dict[tuple[str, str, str], list[str]] = {}
    for f in findings.itertuples():
        for cell in f.cells:
            flagged.setdefault(cell, []).append(rule_text(f))
    return pd.DataFrame(
        {
            t("common.indicator"): [name_of(catalogue.indicators[i]) for i in waiting["indicator_id"]],
            t("common.place"): [name_of(catalogue.place_by_code[p]) for p in waiting["place_code"]],
            t("reporting.col.period"): waiting["period"],
            t("reporting.col.value"): [
                ("⚠ " if texts.flags_text(f) else "") + texts.value_text(v, catalogue.indicators[i].unit)
                for v, i, f in zip(waiting["value"], waiting["indicator_id"], waiting["flags"], strict=True)
            ],
            # The entry form's plausibility flags and the reason the editor confirmed them, then the
            # rules the value breaks, right beside the value: the reviewer judges an outlier in one glance.
            t("entry_safety.col_flags"): [texts.flags_text(f) for f in waiting["flags"]],
            t("entry_safety.col_flag_reason"): [
                "" if texts.is_missing(r) else str(r) for r in waiting["flag_reason"]
            ],
            t("reporting.col.rules"): [
                "；".join(flagged.get((i, p, pe), []))
                for i, p, pe in zip(
                    waiting["indicator_id"], waiting["place_code"], waiting["period"], strict=True
                )
            ],
            # Where it came from (form, import, a report's figure): the reviewer checks each kind differently.
            t("entry.source_kind"): [t(f"source_kind.{k}") for k in waiting["source_kind"]],
            t("reporting.col.revision"): waiting["revision"].astype(int),
            t("reporting.col.entered_by"): [
                context.person(e)
                + (
                    f"（{t('reporting.own_value')}）"
                    if user is not None and e.casefold() == user.name.casefold()
                    else ""
                )
                for e in waiting["entered_by"]
            ],
            t("reporting.col.resubmitted"): [
                t("reporting.yes") if b else "" for b in waiting["returned_before"]
            ],
        }
    )


def run_review(keys: list[str], action: str, reason: str, user: User | None) -> list[Problem]:
    """Approve or return the chosen revisions as the signed-in reviewer; return the problems (none: done)."""
    if not keys:
        return [Problem("nothing chosen", code="review.nothing_chosen")]
    try:
        writes.writer(user).review([parse_queue_key(k) for k in keys], action, reason)  # type: ignore[arg-type]
    except IndicatorsError as exc:
        return exc.problems
    return []


def run_lock(period: str, place: str | None, reason: str, user: User | None, unlock: bool) -> list[Problem]:
    """Lock (or, for an admin, unlock) a period as the signed-in user; return the problems (none: done)."""
    try:
        if unlock:
            writes.writer(user).unlock(period, place, reason)
        else:
            writes.writer(user).lock(period, place, reason)
    except IndicatorsError as exc:
        return exc.problems
    return []


def lock_history_table(views: cached_views.Views) -> pd.DataFrame:
    """Return every lock and unlock, newest first, as staff read them (a memo builder: ctx.memo)."""
    history = views.shared(_lock_history)
    catalogue = views.catalogue
    return pd.DataFrame(
        {
            t("reporting.col.period"): history["period"],
            t("common.place"): [
                name_of(catalogue.place_by_code[p]) if isinstance(p, str) else t("lock.all_places")
                for p in history["place_code"]
            ],
            t("lock.action"): [t("lock.action_" + a) for a in history["action"]],
            t("lock.by"): [context.person(who) for who in history["set_by"]],
            t("lock.at"): [time_text(v) for v in history["set_at"]],
            t("reporting.col.reason"): [r if isinstance(r, str) else "" for r in history["reason"]],
        }
    )


def _lock_history(views: cached_views.Views) -> pd.DataFrame:
    return rounds.lock_history(views.store)


__all__ = ["cell_status", "layout", "round_summary"]
