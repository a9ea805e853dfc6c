"""报送情况 reporting: department × period status of the round, missing cells with due dates, the overdue
list as XLSX (催报), the review queue for reviewers, and locked periods."""

from __future__ import annotations

import streamlit as st

from dashboard import data, layout, reporting_view, signin, tables
from dashboard.i18n import name_of, t
from indicators.periods import periods_between
from indicators.scoring import reporting

catalogue = data.catalogue()
layout.header("reporting.title", t("reporting.caption"))
user = signin.current_user()
view = reporting_view
today = view.today()
year_now = reporting.current_round(today)
first_year = catalogue.framework.reporting.start_year

top = st.columns([1, 2, 1])
years = list(range(max(year_now, first_year), first_year - 1, -1))
year = top[0].selectbox(t("reporting.round"), years, key="reporting_year")
dept_ids = [d.id for d in catalogue.departments]
departments = top[1].multiselect(
    t("reporting.departments"),
    dept_ids,
    key="reporting_departments",
    format_func=view.department_name,
    placeholder=t("reporting.all_departments"),
)
frequencies = top[2].multiselect(
    t("reporting.frequencies"),
    ["year", "quarter", "month"],
    default=["year"],
    key="reporting_frequencies",
    format_func=lambda f: t("frequency." + f),
)
periods = {
    p for p in reporting.round_periods(year) if any(p in periods_between(f, year, year) for f in frequencies)
}
st.caption(t("reporting.today", date=today.isoformat(), first=first_year))

matrix = view.matrix()
part = matrix[matrix["period"].isin(periods)] if len(matrix) else matrix
if departments and len(part):
    part = part[part["department"].isin(departments)]

tabs = st.tabs(
    [
        t("reporting.tab_status"),
        t("reporting.tab_missing"),
        t("reporting.tab_review"),
        t("reporting.tab_locks"),
    ]
)

with tabs[0]:
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
        key = ("reporting:matrix_table", year, tuple(sorted(periods)), tuple(departments))
        shown = data.memo(key, lambda: view.matrix_table(part))
        layout.table(shown, key, view.rate_columns())

with tabs[1]:
    chosen = departments[0] if len(departments) == 1 else None
    cells = data.shared(
        ("reporting:cells", today, chosen, tuple(sorted(periods))),
        lambda: reporting.cells(catalogue, view.states(), today, department=chosen, periods=periods),
    )
    if departments and len(cells):
        cells = cells[cells["department"].isin(departments)]
    open_cells = cells[cells["state"].isin(["missing", "overdue", "returned"])] if len(cells) else cells
    overdue = cells[cells["state"] == "overdue"] if len(cells) else cells
    st.markdown(t("reporting.missing_summary", n=len(open_cells), overdue=len(overdue)))
    if len(overdue):
        st.download_button(
            t("reporting.download_overdue"),
            data=data.memo(
                ("reporting:xlsx", year, tuple(sorted(periods)), tuple(departments)),
                lambda: view.overdue_xlsx(cells),
            ),
            file_name=f"overdue_{year}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/download:",
            key="reporting_download_overdue",
        )
    for dept_id in sorted(set(open_cells["department"])) if len(open_cells) else []:
        mine = open_cells[open_cells["department"] == dept_id]
        label = t("reporting.department_missing", name=view.department_name(dept_id), n=len(mine))
        expanded = len(departments) == 1
        # A grid per department drawn inside closed expanders costs every visit; drawn when opened instead.
        box = st.expander(
            label, expanded=expanded, key=f"reporting_missing_{dept_id}_{int(expanded)}", on_change="rerun"
        )
        with box:
            if not box.open:
                continue
            key = ("reporting:missing", dept_id, year, tuple(sorted(periods)))
            table = data.memo(key, lambda mine=mine: view.cells_table(mine).drop(columns=["id"]))
            layout.dataframe(table, key, hide_index=True, width="stretch", placeholder="—")

with tabs[2]:
    if not view.is_reviewer(user):
        st.info(t("review.reviewers_only"))
    else:
        dept = departments[0] if len(departments) == 1 else None
        waiting = view.queue(periods, dept)
        if departments and len(waiting):
            owned = {i for d in departments for i in catalogue.indicators_of_department(d)}
            waiting = waiting[waiting["indicator_id"].isin(owned)]
        st.markdown(t("review.waiting", n=len(waiting)))
        if len(waiting):
            key = (
                "review:queue",
                year,
                tuple(sorted(periods)),
                tuple(departments),
                user.name if user else "",
            )
            table = data.memo(key, lambda: view.queue_table(waiting, user))
            layout.dataframe(table, key, hide_index=True, width="stretch", placeholder="—")
            keys = [view.queue_key(r) for r in waiting.itertuples()]
            # The choice is by (cell, revision), not by row: a value changed meanwhile is refused, never mixed up.
            # A new pair of widgets after each review: the reviewed values and the reason start empty again.
            turn = st.session_state.get("review_turn", 0)
            with st.form("review_form", border=True):
                picked = st.multiselect(
                    t("review.choose"), keys, key=f"review_pick_{turn}", format_func=view.queue_label
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
                        st.error(tables.problem_text(problem), icon="⚠️")
                else:
                    st.session_state["review_done"] = t(
                        "review.done_approve" if approve else "review.done_return", n=len(picked)
                    )
                    st.session_state.pop(f"review_pick_{turn}", None)
                    st.session_state.pop(f"review_reason_{turn}", None)
                    st.session_state["review_turn"] = turn + 1
                    st.rerun()
            detail = st.selectbox(t("review.detail"), keys, key="review_detail", format_func=view.queue_label)
            if detail:
                (ind_id, place, period), _rev = view.parse_queue_key(detail)
                history = data.value_history(ind_id, place, period)
                hkey = ("review:history", ind_id, place, period)
                layout.dataframe(
                    data.memo(hkey, lambda: tables.history_table(history, catalogue)),
                    hkey,
                    hide_index=True,
                    width="stretch",
                    placeholder="—",
                )
                st.caption(t("review.flags_note"))
        done = st.session_state.pop("review_done", None)
        if done:
            st.success(done)

with tabs[3]:
    in_force = view.locks()
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
                format_func=lambda c: t("lock.all_places") if not c else name_of(catalogue.place_by_code[c]),
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
                    st.error(tables.problem_text(problem), icon="⚠️")
            else:
                st.rerun()
    history_key = ("lock:history",)
    layout.dataframe(
        data.memo(history_key, view.lock_history_table),
        history_key,
        hide_index=True,
        width="stretch",
        placeholder="—",
    )
