"""数据录入 entry: one value for an indicator, place and period; shows what is there before and what was
stored after; problems appear next to the field they concern."""

from __future__ import annotations

import streamlit as st

from dashboard import data, layout, reporting_view, signin, tables
from dashboard.i18n import current_language, name_of, t

catalogue = data.catalogue()
layout.header("entry.title", t("entry.caption"))
# No form for someone who may not write; the store refuses such a write anyway (GuardedStore).
user = signin.require_writer(catalogue)

top = st.columns([1, 2, 1.2, 1])
theme_ids = reporting_view.writable_themes(user, catalogue)
theme_id = top[0].selectbox(
    t("common.theme"),
    theme_ids,
    format_func=lambda tid: name_of(catalogue.theme(tid)),
    key="entry_theme",
)
with top[1]:
    ind_id = layout.indicator_picker("entry_indicator", theme_id=theme_id, label=t("entry.indicator"))
ind = catalogue.indicators[ind_id]
place_codes = [p.code for p in catalogue.places]
place_code = top[2].selectbox(
    t("common.place"),
    place_codes,
    index=place_codes.index(layout.place()),
    format_func=layout.place_label,
    key="entry_place",
)
periods, usual = tables.entry_periods(ind.frequency)
period = top[3].selectbox(
    t("entry.period", frequency=t("frequency." + ind.frequency)),
    periods,
    index=periods.index(usual),
    key=f"entry_period_{ind.frequency}",
)
st.caption(
    f"{t('indicator.definition')} {ind.definition} · {t('common.unit')} **{ind.unit}** · "
    f"{t('common.department')} {catalogue.department_names(ind.id, current_language())}"
)

reporting_view.cell_status(ind_id, place_code, period)
history = data.value_history(ind_id, place_code, period)
current = tables.current_of(history)
# The next revision follows the newest one, a retraction included.
expected_revision = int(history["revision"].max()) if not history.empty else 0
problems_key = "entry_problems"
saved_key = "entry_saved"
place_name = name_of(catalogue.place_by_code[place_code])
with st.container(border=True):
    st.markdown(f"**{t('entry.current')}** · {name_of(ind)} · {place_name} · {period}")
    if current is None:
        st.info(t("entry.no_value_yet"))
    else:
        st.markdown(tables.record_text(current, catalogue))
    if not history.empty:
        with st.expander(t("entry.history", n=len(history)), expanded=False):
            key = ("entry:history", ind_id, place_code, period)
            shown = data.memo(key, lambda: tables.history_table(history, catalogue))
            layout.dataframe(shown, key, hide_index=True, width="stretch", placeholder=layout.EMPTY_CELL)
    if current is not None:
        cell = (ind_id, place_code, period)
        # Problems belong to the cell they were found for; another cell starts clean.
        retract_problems = st.session_state.get("entry_retract_problems", {}).get(cell, [])
        with (
            st.expander(t("entry.retract"), expanded=bool(retract_problems)),
            st.form("entry_retract_form", border=False),
        ):
            st.caption(t("entry.retract_help"))
            retract_reason = st.text_input(t("entry.reason"), key="entry_retract_reason")
            slot_retract = st.empty()
            retracted = st.form_submit_button(t("entry.retract_button"))
        if retracted:
            result = data.retract_value(
                ind_id,
                place_code,
                period,
                user=user,
                reason=retract_reason,
                expected_revision=expected_revision,
            )
            retract_problems = result.problems
            st.session_state["entry_retract_problems"] = {cell: retract_problems}
            if not retract_problems:
                st.session_state.pop(problems_key, None)
                st.session_state[saved_key] = result.record
                st.rerun()
        for problem in retract_problems:
            slot_retract.error(tables.problem_text(problem), icon="⚠️")
with st.form("entry_form", border=True):
    value_text = st.text_input(
        t("entry.value", unit=ind.unit),
        key="entry_value",
        placeholder=t("entry.value_placeholder"),
        help=t("entry.value_help", unit=ind.unit),
    )
    slot_value = st.empty()
    row = st.columns(2)
    qualifier = row[0].selectbox(
        t("entry.qualifier"),
        list(data.QUALIFIERS),
        format_func=lambda q: t("qualifier." + q),
        key="entry_qualifier",
    )
    slot_qualifier = row[0].empty()
    source_kind = row[1].selectbox(
        t("entry.source_kind"),
        list(data.ENTRY_SOURCE_KINDS),
        format_func=lambda k: t("source_kind." + k),
        key="entry_source_kind",
    )
    slot_source_kind = row[1].empty()
    source_ref = st.text_input(t("entry.source_ref"), key="entry_source_ref", help=t("entry.source_ref_help"))
    slot_source_ref = st.empty()
    row = st.columns(2)
    # Who entered the value is the signed-in user, never a field someone can type into.
    row[0].text(t("auth.entering_as", name=user.name, themes=", ".join(user.themes)))
    slot_entered_by = row[0].empty()
    reason = row[1].text_input(t("entry.reason"), key="entry_reason", help=t("entry.reason_help"))
    slot_reason = row[1].empty()
    note = st.text_area(t("entry.note"), key="entry_note", height=80)
    slot_note = st.empty()
    submitted = st.form_submit_button(t("entry.save"), type="primary")
    slot_general = st.empty()

slots = {
    "value": slot_value,
    "qualifier": slot_qualifier,
    "source_kind": slot_source_kind,
    "source_ref": slot_source_ref,
    "entered_by": slot_entered_by,
    "reason": slot_reason,
    "note": slot_note,
}
if submitted:
    result = data.save_value(
        ind_id,
        place_code,
        period,
        value_text,
        qualifier=qualifier,
        note=note,
        source_kind=source_kind,
        source_ref=source_ref,
        user=user,
        reason=reason,
        expected_revision=expected_revision,
    )
    if result.problems:
        st.session_state[problems_key] = result.problems
        st.session_state.pop(saved_key, None)
    else:
        st.session_state.pop(problems_key, None)
        st.session_state[saved_key] = result.record
        st.rerun()

for problem in st.session_state.get(problems_key, []):
    slot = slots.get(tables.problem_field(problem), slot_general)
    slot.error(tables.problem_text(problem), icon="⚠️")
saved = st.session_state.get(saved_key)
if saved is not None:
    st.success(t("entry.retracted" if saved.get("retracted") else "entry.saved"))
    st.markdown(tables.record_text(saved, catalogue))
    st.dataframe(
        tables.stored_table(saved, catalogue), hide_index=True, width="stretch", placeholder=layout.EMPTY_CELL
    )
    st.page_link(
        "pages_/indicator.py",
        label=t("entry.see_indicator"),
        query_params={"id": saved["indicator_id"]},
        icon=":material/show_chart:",
    )
