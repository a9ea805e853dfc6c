"""报送情况 reporting: department × period status of the round, missing cells with due dates, the overdue
list as XLSX (催报), the review queue for reviewers, and locked periods."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard import history_tables, layout, messages, progress_tables, reporting_view
from dashboard.cached_views import Views
from dashboard.context import RunContext
from dashboard.i18n import labels_for, name_of, t
from indicators.access import User
from indicators.periods import periods_between
from indicators.scoring import reporting


def render(ctx: RunContext) -> None:
    """Draw the round's choices (year, departments, frequencies), then the open one of its four tabs."""
    catalogue = ctx.catalogue
    layout.header("reporting.title", t("reporting.caption"))
    view = reporting_view
    today = view.today()
    year_now = reporting.current_round(today)
    first_year = catalogue.framework.reporting.start_year

    top = st.columns([1, 2, 1])
    years = list(range(max(year_now, first_year), first_year - 1, -1))
    year = top[0].selectbox(t("reporting.round"), years, key="reporting_year")
    dept_ids = [d.id for d in catalogue.departments]
    user = ctx.user
    if "reporting_departments" not in st.session_state and user is not None and user.departments:
        # A department's editor comes here for what their department owes: start on it (all stay choosable).
        st.session_state["reporting_departments"] = [d for d in dept_ids if d in user.departments]
    departments = top[1].multiselect(
        t("reporting.departments"),
        dept_ids,
        key="reporting_departments",
        format_func=labels_for(dept_ids, view.department_name),
        placeholder=t("reporting.all_departments"),
    )
    frequencies = top[2].multiselect(
        t("reporting.frequencies"),
        ["year", "quarter", "month"],
        default=["year"],
        key="reporting_frequencies",
        placeholder=t("widgets.choose_many"),
        format_func=labels_for(["year", "quarter", "month"], lambda f: t("frequency." + f)),
    )
    periods = {
        p
        for p in reporting.round_periods(year)
        if any(p in periods_between(f, year, year) for f in frequencies)
    }
    st.caption(t("reporting.today", date=today.isoformat(), first=first_year))
    # The page's choices as memo arguments: sorted tuples, so the same choice is the same key.
    chosen_periods, chosen_departments = tuple(sorted(periods)), tuple(departments)
    chosen = Choice(today, year, chosen_periods, chosen_departments)
    # Only the open tab is drawn: the four tabs' grids and forms drawn on every visit made this the slowest
    # page to open. Switching tabs reruns the page and draws the newly opened one. ?tab= names the open tab,
    # so a reviewer's bookmark or a link in a notice (/reporting?tab=review) opens the queue itself.
    labels = [
        t("reporting.tab_status"),
        t("reporting.tab_missing"),
        t("reporting.tab_review"),
        t("reporting.tab_locks"),
    ]
    layout.follow_url(_TAB_KEY, "tab", TABS, values=labels)
    tabs = st.tabs(labels, key=_TAB_KEY, on_change="rerun")
    for name, tab, draw in zip(TABS, tabs, (_status_tab, _missing_tab, _review_tab, _locks_tab), strict=True):
        with tab:
            if tab.open:
                layout.publish_url(_TAB_KEY, "tab", name)
                draw(ctx, chosen)


# The tabs by their URL name (?tab=), in the order shown.
TABS = ("status", "missing", "review", "locks")
_TAB_KEY = "reporting_tab"


@dataclass(frozen=True)
class Choice:
    """What the top of the page chose: the day judged at, the round, its periods and the departments."""

    day: dt.date
    year: int
    periods: tuple[str, ...]
    departments: tuple[str, ...]


def _status_tab(ctx: RunContext, chosen: Choice) -> None:
    """The department × period matrix of the round and its totals."""
    part = ctx.shared(_matrix_part, chosen.day, chosen.periods, chosen.departments)
    view = reporting_view
    today = chosen.day
    chosen_periods = chosen.periods
    chosen_departments = chosen.departments
    if part.empty:
        st.info(t("reporting.nothing_owed"))
    else:
        totals = part[reporting.COUNTS].sum()
        cols = st.columns(8)
        for col, name in zip(cols[:6], reporting.COUNTS, strict=True):
            col.metric(t("reporting.col." + name), int(totals[name]))
        expected = int(totals["expected"])
        cols[6].metric(
            t("reporting.col.reported_rate"), f"{(expected - int(totals['missing'])) / expected:.0%}"
        )
        cols[7].metric(t("reporting.col.approved_rate"), f"{int(totals['approved']) / expected:.0%}")
        layout.table(ctx, _matrix_rows, today, chosen_periods, chosen_departments, columns=view.rate_columns)


def _missing_tab(ctx: RunContext, chosen: Choice) -> None:
    """What each department still owes, with the overdue list as XLSX (催报)."""
    view = reporting_view
    today = chosen.day
    year = chosen.year
    departments = list(chosen.departments)
    chosen_periods = chosen.periods
    chosen_departments = chosen.departments
    cells = ctx.shared(_cells, today, chosen_periods, chosen_departments)
    open_cells = ctx.shared(_open_cells, today, chosen_periods, chosen_departments)
    overdue = cells[cells["state"] == "overdue"] if len(cells) else cells
    st.markdown(t("reporting.missing_summary", n=len(open_cells), overdue=len(overdue)))
    if len(overdue):
        st.download_button(
            t("reporting.download_overdue"),
            data=ctx.memo(_overdue_xlsx, today, chosen_periods, chosen_departments),
            file_name=f"overdue_{year}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
            key="reporting_download_overdue",
        )
    for dept_id in sorted(set(open_cells["department"])) if len(open_cells) else []:
        n = int((open_cells["department"] == dept_id).sum())
        label = t("reporting.department_missing", name=view.department_name(dept_id), n=n)
        expanded = len(departments) == 1
        # A grid per department drawn inside closed expanders costs every visit; drawn when opened instead.
        box = st.expander(
            label, expanded=expanded, key=f"reporting_missing_{dept_id}_{int(expanded)}", on_change="rerun"
        )
        with box:
            if not box.open:
                continue
            args = (today, chosen_periods, chosen_departments, dept_id)
            layout.dataframe(
                ctx,
                _missing_rows,
                *args,
                hide_index=True,
                width="stretch",
                placeholder="—",
                column_config={t("entry_safety.col_open"): progress_tables.link_column()},
            )


def _review_tab(ctx: RunContext, chosen: Choice) -> None:
    """The review queue: approve or return values, for reviewers."""
    user = ctx.user
    view = reporting_view
    chosen_periods = chosen.periods
    chosen_departments = chosen.departments
    if not view.is_reviewer(user):
        st.info(t("review.reviewers_only"))
    else:
        waiting = ctx.shared(_waiting, chosen_periods, chosen_departments)
        st.markdown(t("review.waiting", n=len(waiting)))
        if len(waiting):
            args = (chosen_periods, chosen_departments, user)
            layout.dataframe(ctx, _queue_rows, *args, hide_index=True, width="stretch", placeholder="—")
            keys = [view.queue_key(r) for r in waiting.itertuples()]
            # The choice is by (cell, revision), not by row: a value changed meanwhile is refused, never mixed up.
            # A new pair of widgets after each review: the reviewed values and the reason start empty again.
            turn = st.session_state.get("review_turn", 0)
            with st.form("review_form", border=True):
                picked = st.multiselect(
                    t("review.choose"),
                    keys,
                    key=f"review_pick_{turn}",
                    format_func=labels_for(keys, view.queue_label),
                    placeholder=t("widgets.choose_many"),
                )
                reason = st.text_input(
                    t("review.reason"), key=f"review_reason_{turn}", help=t("review.reason_help")
                )
                buttons = st.columns(2)
                approve = buttons[0].form_submit_button(t("review.approve"), type="primary")
                send_back = buttons[1].form_submit_button(t("review.return"))
            if approve or send_back:
                problems = view.run_review(picked, "approve" if approve else "return", reason, user)
                if problems:
                    for problem in problems:
                        st.error(messages.problem_text(problem), icon="⚠️")
                else:
                    st.session_state["review_done"] = t(
                        "review.done_approve" if approve else "review.done_return", n=len(picked)
                    )
                    st.session_state.pop(f"review_pick_{turn}", None)
                    st.session_state.pop(f"review_reason_{turn}", None)
                    st.session_state["review_turn"] = turn + 1
                    st.rerun()
            detail = st.selectbox(
                t("review.detail"),
                keys,
                key="review_detail",
                format_func=labels_for(keys, view.queue_label),
            )
            if detail:
                (ind_id, place, period), _rev = view.parse_queue_key(detail)
                layout.dataframe(
                    ctx,
                    history_tables.value_history_rows,
                    ind_id,
                    place,
                    period,
                    hide_index=True,
                    width="stretch",
                    placeholder="—",
                )
                st.caption(t("review.flags_note"))
        done = st.session_state.pop("review_done", None)
        if done:
            st.success(done)


def _locks_tab(ctx: RunContext, chosen: Choice) -> None:
    """Locks in force, locking and unlocking periods, and the lock history."""
    catalogue = ctx.catalogue
    user = ctx.user
    view = reporting_view
    year = chosen.year
    in_force = view.locks(ctx.views)
    if in_force:
        for lock in in_force:
            st.markdown(":material/lock: " + view._lock_text(lock))
    else:
        st.caption(t("lock.none"))
    if view.is_reviewer(user):
        city = catalogue.framework.default_place
        place_options = ["", city] + [p.code for p in catalogue.counties(city)]
        with st.form("lock_form", border=True):
            cols = st.columns([1, 1, 2])
            lock_period = cols[0].text_input(t("lock.period"), value=str(year), key="lock_period")
            lock_place = cols[1].selectbox(
                t("common.place"),
                place_options,
                key="lock_place",
                format_func=labels_for(
                    place_options,
                    lambda c: t("lock.all_places") if not c else name_of(catalogue.place_by_code[c]),
                ),
            )
            lock_reason = cols[2].text_input(t("lock.reason"), key="lock_reason")
            buttons = st.columns(2)
            do_lock = buttons[0].form_submit_button(t("lock.lock"), type="primary")
            do_unlock = (
                buttons[1].form_submit_button(t("lock.unlock"))
                if user is not None and user.role == "admin"
                else False
            )
        if do_lock or do_unlock:
            problems = view.run_lock(
                lock_period, lock_place or None, lock_reason, user, unlock=bool(do_unlock)
            )
            if problems:
                for problem in problems:
                    st.error(messages.problem_text(problem), icon="⚠️")
            else:
                st.rerun()
    layout.dataframe(
        ctx,
        view.lock_history_table,
        hide_index=True,
        width="stretch",
        placeholder="—",
    )


# Memo builders: functions of the data version's views and the page's choices only (see Views.memo).


def _matrix_part(
    views: Views, day: dt.date, periods: tuple[str, ...], departments: tuple[str, ...]
) -> pd.DataFrame:
    matrix = reporting_view.matrix(views)
    part = matrix[matrix["period"].isin(periods)] if len(matrix) else matrix
    if departments and len(part):
        part = part[part["department"].isin(departments)]
    return part


def _matrix_rows(
    views: Views, day: dt.date, periods: tuple[str, ...], departments: tuple[str, ...]
) -> pd.DataFrame:
    return reporting_view.matrix_table(views.shared(_matrix_part, day, periods, departments))


def _cells(
    views: Views, day: dt.date, periods: tuple[str, ...], departments: tuple[str, ...]
) -> pd.DataFrame:
    chosen = departments[0] if len(departments) == 1 else None
    cells = reporting.cells(
        views.catalogue, reporting_view.states(views), day, department=chosen, periods=set(periods)
    )
    if departments and len(cells):
        cells = cells[cells["department"].isin(departments)]
    return cells


def _open_cells(
    views: Views, day: dt.date, periods: tuple[str, ...], departments: tuple[str, ...]
) -> pd.DataFrame:
    cells = views.shared(_cells, day, periods, departments)
    return cells[cells["state"].isin(["missing", "overdue", "returned"])] if len(cells) else cells


def _overdue_xlsx(
    views: Views, day: dt.date, periods: tuple[str, ...], departments: tuple[str, ...]
) -> bytes:
    return reporting_view.overdue_xlsx(views.shared(_cells, day, periods, departments))


def _missing_rows(
    views: Views, day: dt.date, periods: tuple[str, ...], departments: tuple[str, ...], dept_id: str
) -> pd.DataFrame:
    open_cells = views.shared(_open_cells, day, periods, departments)
    mine = open_cells[open_cells["department"] == dept_id]
    theme_of = views.catalogue.theme_of
    # Each owed cell opens the entry form on itself: theme, indicator, place and period in the address.
    links = [
        f"entry?theme={theme_of[i]}&id={i}&place={p}&period={period}"
        for i, p, period in zip(mine["indicator_id"], mine["place_code"], mine["period"], strict=True)
    ]
    table = reporting_view.cells_table(mine).drop(columns=["id"])
    return table.assign(**{t("entry_safety.col_open"): links})


def _waiting(views: Views, periods: tuple[str, ...], departments: tuple[str, ...]) -> pd.DataFrame:
    dept = departments[0] if len(departments) == 1 else None
    waiting = reporting_view.queue(views, set(periods), dept)
    if departments and len(waiting):
        owned = {i for d in departments for i in views.catalogue.indicators_of_department(d)}
        waiting = waiting[waiting["indicator_id"].isin(owned)]
    return waiting


def _queue_rows(
    views: Views, periods: tuple[str, ...], departments: tuple[str, ...], user: User | None
) -> pd.DataFrame:
    return reporting_view.queue_table(views, views.shared(_waiting, periods, departments), user)
