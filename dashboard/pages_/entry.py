"""数据录入 entry: one value for an indicator, place and period; shows what is there before and what was
stored after; problems appear next to the field they concern."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import context, history_tables, layout, messages, reporting_view, signin, texts, writes
from dashboard.context import RunContext
from dashboard.i18n import current_language, labels_for, name_of, t
from indicators.access import writable_indicators

CELLS_KEY = "entry_cells"  # cell → _CellState: what this session's page holds for each cell it opened
FOLLOW_KEY = "entry_place_follows"  # the sidebar place the form last followed
FORM_CELL_KEY = "entry_form_cell"  # the cell the typed value was typed for
SAVED_KEY = "entry_saved"  # the record the last save stored (its notice shows while its cell is shown)


@dataclass
class _CellState:
    """What the page holds for one cell in this session: the revision its form was drawn on, and what the
    last save or withdrawal of it ran into. Nothing of one cell shows beside another's form."""

    drawn: int  # the revision the form was drawn on: saves and withdrawals are checked against it
    conflict: Any = None  # someone else's newer revision, as the refusal of a save or withdrawal
    pending: Any = None  # (plan, typed text) waiting for the person to confirm how it was read / its flags
    problems: list = field(default_factory=list)  # what refused the last save
    retract_problems: list = field(default_factory=list)  # what refused the last withdrawal
    retract_open: bool = False  # a withdrawal refused as stale: its form stays open with the typed reason
    took_latest: int | None = None  # the revision the form was re-armed on (采用最新值)


def _cell_state(key: tuple[str, str, str], latest_revision: int) -> _CellState:
    """Return this session's state of a cell, drawn on `latest_revision` when the cell is opened first."""
    cells = st.session_state.setdefault(CELLS_KEY, {})
    if key not in cells:
        cells[key] = _CellState(drawn=latest_revision)
    return cells[key]


def render(ctx: RunContext) -> None:
    """Draw the page with the context app.py read for this run."""
    catalogue = ctx.catalogue
    layout.header("entry.title", t("entry.caption"))
    # No form for someone who may not write; the store refuses such a write anyway (GuardedStore).
    user = signin.require_writer(catalogue)
    ind_id, place_code, period = _choose_cell(ctx, user)
    ind = catalogue.indicators[ind_id]
    st.caption(
        f"{t('indicator.definition')} {ind.definition} · {t('common.unit')} **{ind.unit}** · "
        f"{t('common.department')} {catalogue.department_names(ind.id, current_language())}"
    )
    lock = reporting_view.cell_status(ctx, ind_id, place_code, period)
    cell = _open_cell(ctx, user, ind_id, place_code, period)
    conflict = _current_box(ctx, cell, locked=lock is not None)
    if lock is not None:
        # A locked period offers no save or withdrawal: the lock above says who closed it and when.
        st.caption(t("entry.locked_no_form"))
        return
    form = _value_form(cell)
    if form.submitted:
        _submit(cell, form.fields)
    # Problems belong to the cell they were found for: another cell's form starts clean.
    for problem in cell.state.problems:
        slot = form.slots.get(messages.problem_field(problem), form.slot_general)
        slot.error(messages.problem_text(problem), icon="⚠️")
    if conflict is not None:
        # The refusal is at the top, by the current value; the person is looking at the save button.
        form.slot_general.error(
            t("entry_safety.conflict_short", who=context.person(conflict.params.get("who", "—"))), icon="⚠️"
        )
    _confirm_box(cell)
    _saved_notice(ctx, cell)


def _choose_cell(ctx: RunContext, user: Any) -> tuple[str, str, str]:
    """Draw the theme, indicator, place and period pickers (kept in the URL); return the chosen cell."""
    catalogue = ctx.catalogue
    top = st.columns([1, 2, 1.2, 1])
    # Admins enter in every theme; editors in the themes assigned to them.
    writable = set(writable_indicators(user, catalogue))
    theme_ids = [th.id for th in catalogue.themes if any(catalogue.theme_of[i] == th.id for i in writable)]
    _explain_link(ctx, user, writable)
    # The page's choices live in the URL (?theme=&id=&place=&period=): a link or a reload opens this view.
    layout.follow_url("entry_theme", "theme", theme_ids)
    theme_id = top[0].selectbox(
        t("common.theme"),
        theme_ids,
        format_func=labels_for(theme_ids, lambda tid: name_of(catalogue.theme(tid))),
        key="entry_theme",
    )
    layout.publish_url("entry_theme", "theme")
    # Only what this person may enter is offered: a refusal after the form was filled in helps nobody.
    theme_indicators = [
        i for i in catalogue.indicators if catalogue.theme_of[i] == theme_id and i in writable
    ]
    layout.follow_url("entry_indicator", "id", theme_indicators)
    with top[1]:
        ind_id = layout.indicator_picker(
            ctx,
            "entry_indicator",
            theme_id=theme_id,
            label=t("entry.indicator"),
            only=tuple(theme_indicators),
        )
    layout.publish_url("entry_indicator", "id")
    ind = catalogue.indicators[ind_id]
    place_codes = [p.code for p in catalogue.places]
    # One place: the form follows the sidebar's place, and picking a place here moves the sidebar with it.
    sidebar_place = ctx.place
    if (
        st.session_state.get(FOLLOW_KEY) != sidebar_place
        or st.session_state.get("entry_place") not in place_codes
    ):
        st.session_state["entry_place"] = sidebar_place
        st.session_state[FOLLOW_KEY] = sidebar_place
    place_code = top[2].selectbox(
        t("common.place"),
        place_codes,
        format_func=labels_for(place_codes, layout.place_label),
        key="entry_place",
        on_change=_place_picked,
    )
    periods, usual = texts.entry_periods(ind.frequency)
    wanted_period = st.query_params.get("period")
    if (
        wanted_period is not None
        and wanted_period not in periods
        and wanted_period != st.session_state.get(_PERIOD_EXPLAINED)
    ):
        st.session_state[_PERIOD_EXPLAINED] = wanted_period
        st.warning(
            t("entry.period_not_offered", period=wanted_period, first=periods[-1], last=periods[0]),
            icon=":material/info:",
        )
    period_key = f"entry_period_{ind.frequency}"
    layout.follow_url(period_key, "period", periods)
    if st.session_state.get(period_key) not in periods:
        st.session_state[period_key] = usual
    period = top[3].selectbox(
        t("entry.period", frequency=t("frequency." + ind.frequency)), periods, key=period_key
    )
    layout.publish_url(period_key, "period")
    return ind_id, place_code, period


_PERIOD_EXPLAINED = "entry_period_explained"  # the linked period last explained as not offered


def _explain_link(ctx: RunContext, user: Any, writable: set[str]) -> None:
    """Say so when a link names an indicator this person may not enter, instead of opening another silently."""
    catalogue = ctx.catalogue
    wanted = st.query_params.get("id")
    if wanted is None or wanted not in catalogue.indicators:
        return
    if wanted in writable:
        # The indicator decides the theme: a link with ?id= alone opens its theme, not the first one.
        if st.query_params.get("theme") != catalogue.theme_of[wanted]:
            st.query_params["theme"] = catalogue.theme_of[wanted]
        return
    st.warning(
        t(
            "entry.link_not_yours",
            indicator=name_of(catalogue.indicators[wanted]),
            owners=catalogue.department_names(wanted, current_language()),
            yours=signin.scope_text(user),
        ),
        icon=":material/lock:",
    )


def _place_picked() -> None:
    picked = st.session_state["entry_place"]
    if picked in layout.sidebar_places():
        st.session_state[layout.PLACE_KEY] = picked
        st.session_state[FOLLOW_KEY] = picked


@dataclass(frozen=True)
class _Cell:
    """The cell on the page as this run drew it: what it holds and the revision its form was drawn on."""

    ctx: RunContext
    user: Any
    ind_id: str
    place_code: str
    period: str
    place_name: str
    unit: str
    history: pd.DataFrame
    current: dict | None
    latest_revision: int
    state: _CellState

    @property
    def key(self) -> tuple[str, str, str]:
        """The (indicator, place, period) the session's per-cell state is kept under."""
        return (self.ind_id, self.place_code, self.period)

    @property
    def expected_revision(self) -> int:
        """The revision the form was drawn on (a save is checked against it, not against the newest)."""
        return self.state.drawn

    def drawn_on(self, revision: int) -> None:
        """Carry a new revision with this cell's form (after a save, or on taking the latest)."""
        self.state.drawn = revision


def _open_cell(ctx: RunContext, user: Any, ind_id: str, place_code: str, period: str) -> _Cell:
    """Read the cell's history and fix the revision its form is drawn on (carried across reruns)."""
    history = ctx.views.value_history(ind_id, place_code, period)
    key = (ind_id, place_code, period)
    # The revision this cell's form was drawn on travels with the form: a save or withdrawal is checked against
    # it, never against whatever the database holds when the button is pressed (that would overwrite others).
    latest_revision = int(history["revision"].max()) if not history.empty else 0
    state = _cell_state(key, latest_revision)
    # A value typed for one cell is not offered for another: after switching indicator, place or period the
    # value field starts empty (one click on 保存到 would otherwise store it in the wrong cell).
    current = texts.current_of(history)
    if st.session_state.get(FORM_CELL_KEY) != key:
        switched = FORM_CELL_KEY in st.session_state
        if switched:
            # Assigned, not popped: a popped key resets only the server's copy, the browser keeps showing
            # (and would send back) the old text.
            st.session_state["entry_value"] = ""
            st.session_state["entry_reason"] = ""
        # A correction starts from what the current value says of its source: clearing it by accident
        # would lose it from the current view (the history keeps it). A draft restored after a sign-in
        # (first cell of the session, source already typed) keeps what the person typed.
        # The kind stays the form's: the person types this revision, whatever the last one came from.
        if switched or not st.session_state.get("entry_source_ref"):
            st.session_state["entry_source_ref"] = (current or {}).get("source_ref") or ""
        st.session_state[FORM_CELL_KEY] = key
    return _Cell(
        ctx=ctx,
        user=user,
        ind_id=ind_id,
        place_code=place_code,
        period=period,
        place_name=name_of(ctx.catalogue.place_by_code[place_code]),
        unit=ctx.catalogue.indicators[ind_id].unit,
        history=history,
        current=current,
        latest_revision=latest_revision,
        state=state,
    )


def _take_latest(cell: _Cell) -> None:
    """Re-arm the form on the cell's newest revision; the typed value stays for the person to decide."""
    cell.drawn_on(cell.latest_revision)
    cell.state.conflict = cell.state.pending = None
    cell.state.took_latest = cell.latest_revision


def _current_box(ctx: RunContext, cell: _Cell, *, locked: bool = False) -> Any:
    """Draw what the cell holds, a conflict with someone else's save, its history and (unless the period is
    locked) the withdrawal form; return the conflict (None when there is none)."""
    catalogue = ctx.catalogue
    ind = catalogue.indicators[cell.ind_id]
    current = cell.current
    with st.container(border=True):
        st.markdown(f"**{t('entry.current')}** · {name_of(ind)} · {cell.place_name} · {cell.period}")
        if current is None:
            st.info(t("entry.no_value_yet"))
        else:
            st.markdown(texts.record_text(current, catalogue))
            shown_flags = texts.flags_text(current.get("flags"))
            if shown_flags:
                st.warning(
                    t(
                        "entry_safety.current_flagged",
                        flags=shown_flags,
                        reason=current.get("flag_reason") or "—",
                    )
                )
        conflict = cell.state.conflict
        if conflict is None and cell.expected_revision != cell.latest_revision:
            # Someone else saved since this form was drawn: say so now, before anyone presses save.
            newest = cell.history.iloc[cell.history["revision"].idxmax()].to_dict()
            conflict = writes.conflict_from_record(cell.key, cell.expected_revision, newest)
        if conflict is not None:
            st.error(messages.conflict_text(conflict, catalogue), icon="⚠️")
            st.button(
                t("entry_safety.take_latest"), key="entry_take_latest", on_click=_take_latest, args=(cell,)
            )
        if cell.state.took_latest is not None:
            st.info(t("entry_safety.took_latest", revision=cell.state.took_latest))
        if not cell.history.empty:
            with st.expander(t("entry.history", n=len(cell.history)), expanded=False):
                layout.dataframe(
                    ctx,
                    history_tables.value_history_rows,
                    cell.ind_id,
                    cell.place_code,
                    cell.period,
                    hide_index=True,
                    width="stretch",
                    placeholder=layout.EMPTY_CELL,
                )
        if current is not None and not locked:
            _retract_form(cell)
    return conflict


def _retract_form(cell: _Cell) -> None:
    """Draw the withdrawal form (a reason is required) and withdraw the value when it is sent."""
    # Problems belong to the cell they were found for; another cell starts clean.
    retract_problems = cell.state.retract_problems
    # Open again after a refusal (a problem, or someone's newer value): the typed reason is still in it.
    reopen = cell.state.retract_open
    with (
        st.expander(t("entry.retract"), expanded=bool(retract_problems) or reopen),
        st.form("entry_retract_form", border=False),
    ):
        st.caption(t("entry.retract_help"))
        retract_reason = st.text_input(t("entry.reason"), key="entry_retract_reason")
        slot_retract = st.empty()
        retracted = st.form_submit_button(t("entry.retract_button"))
    if retracted:
        result = writes.retract_value(
            cell.ind_id,
            cell.place_code,
            cell.period,
            user=cell.user,
            reason=retract_reason,
            expected_revision=cell.expected_revision,
        )
        retract_problems = [p for p in result.problems if p.code != "conflict"]
        cell.state.retract_problems = retract_problems
        if any(p.code == "conflict" for p in result.problems):
            cell.state.conflict = next(p for p in result.problems if p.code == "conflict")
            cell.state.retract_open = True
            st.rerun()
        if not result.problems:
            cell.state.retract_open = False
            cell.state.problems = []
            st.session_state[SAVED_KEY] = result.record
            cell.drawn_on(result.record["revision"])
            st.rerun()
    for problem in retract_problems:
        slot_retract.error(messages.problem_text(problem), icon="⚠️")


@dataclass(frozen=True)
class _Form:
    """What the value form sent this run, and the slots beside its fields where problems are shown."""

    submitted: bool
    fields: dict[str, Any]
    slots: dict[str, Any]
    slot_general: Any


def _value_form(cell: _Cell) -> _Form:
    """Draw the form for a new value of the cell."""
    with st.form("entry_form", border=True):
        value_text = st.text_input(
            t("entry.value", unit=cell.unit),
            key="entry_value",
            placeholder=t("entry.value_placeholder"),
            help=t("entry.value_help", unit=cell.unit),
        )
        slot_value = st.empty()
        row = st.columns(2)
        qualifier = row[0].selectbox(
            t("entry.qualifier"),
            list(writes.QUALIFIERS),
            format_func=labels_for(writes.QUALIFIERS, lambda q: t("qualifier." + q)),
            key="entry_qualifier",
        )
        slot_qualifier = row[0].empty()
        source_kind = row[1].selectbox(
            t("entry.source_kind"),
            list(writes.ENTRY_SOURCE_KINDS),
            format_func=labels_for(writes.ENTRY_SOURCE_KINDS, lambda k: t("source_kind." + k)),
            key="entry_source_kind",
        )
        slot_source_kind = row[1].empty()
        source_ref = st.text_input(
            t("entry.source_ref"), key="entry_source_ref", help=t("entry.source_ref_help")
        )
        slot_source_ref = st.empty()
        row = st.columns(2)
        # Who entered the value is the signed-in user, never a field someone can type into.
        row[0].text(signin.entering_as(cell.user))
        slot_entered_by = row[0].empty()
        reason = row[1].text_input(t("entry.reason"), key="entry_reason", help=t("entry.reason_help"))
        slot_reason = row[1].empty()
        note = st.text_area(t("entry.note"), key="entry_note", height=80)
        slot_note = st.empty()
        st.caption(t("entry.after_save"))
        # The button names exactly where the value goes.
        submitted = st.form_submit_button(
            t("entry_safety.save_to", place=cell.place_name, period=cell.period),
            type="primary",
            key="entry_save",
        )
        slot_general = st.empty()
    return _Form(
        submitted=submitted,
        fields={
            "value_text": value_text,
            "qualifier": qualifier,
            "note": note,
            "source_kind": source_kind,
            "source_ref": source_ref,
            "reason": reason,
        },
        slots={
            "value": slot_value,
            "qualifier": slot_qualifier,
            "source_kind": slot_source_kind,
            "source_ref": slot_source_ref,
            "entered_by": slot_entered_by,
            "reason": slot_reason,
            "note": slot_note,
        },
        slot_general=slot_general,
    )


def _submit(cell: _Cell, fields: dict[str, Any]) -> None:
    """Check the sent value; save it, or first ask for confirmation when it was read loosely or looks unusual.

    Every check that can refuse the value runs first (indicators.entry): the confirmation step is shown only
    for a value the save will accept."""
    cell.state.pending = None
    st.session_state.pop(SAVED_KEY, None)
    plan = writes.plan_entry(
        cell.ind_id,
        cell.place_code,
        cell.period,
        fields["value_text"],
        user=cell.user,
        expected_revision=cell.expected_revision,
        **{k: v for k, v in fields.items() if k != "value_text"},
    )
    conflicts = [p for p in plan.problems if p.code == "conflict"]
    if plan.problems and not conflicts:
        cell.state.problems = plan.problems
        return
    if plan.needs_confirmation:
        # Say how the value was read, and what looks odd, before anything is stored.
        cell.state.problems = []
        cell.state.pending = (plan, fields["value_text"])
        return
    _save(cell, plan)


def _save(cell: _Cell, plan: Any, flag_reason: str | None = None) -> None:
    """Store the planned value against the revision the form was drawn on; a conflict or problems are kept."""
    result = writes.save_entry(plan, user=cell.user, flag_reason=flag_reason)
    conflicts = [p for p in result.problems if p.code == "conflict"]
    if conflicts:
        cell.state.conflict, cell.state.pending = conflicts[0], None
        st.rerun()
    if result.problems:
        cell.state.problems = result.problems
        st.session_state.pop(SAVED_KEY, None)
        return
    cell.state.problems, cell.state.pending, cell.state.took_latest = [], None, None
    st.session_state[SAVED_KEY] = result.record
    cell.drawn_on(result.record["revision"])
    st.rerun()


def _confirm_box(cell: _Cell) -> None:
    """Draw the pending value's confirmation (how it was read, its flags, a required reason) and act on it."""
    if cell.state.pending is None:
        return
    plan, typed = cell.state.pending
    with st.container(border=True, key="entry_confirm_box"):
        st.markdown(f"**{t('entry_safety.confirm_title')}**")
        st.markdown(
            t(
                "entry_safety.read_as",
                typed=texts.plain_md(typed.strip()),
                value=texts.plain_md(texts.format_plain(plan.value)),
                unit=cell.unit,
                place=cell.place_name,
                period=cell.period,
            )
        )
        flag_reason = None
        if plan.flags:
            for flag in plan.flags:
                st.warning(texts.flag_text(flag), icon="⚠️")
            st.caption(t("entry_safety.flag_help"))
            flag_reason = st.text_input(t("entry_safety.flag_reason"), key="entry_flag_reason")
        buttons = st.columns([2, 1, 3])
        confirm = buttons[0].button(
            t("entry_safety.confirm_button", place=cell.place_name, period=cell.period),
            type="primary",
            key="entry_confirm",
        )
        cancel = buttons[1].button(t("entry_safety.cancel"), key="entry_cancel")
        slot_confirm = st.empty()
    if cancel:
        cell.state.pending = None
        st.rerun()
    if confirm:
        if plan.flags and not (flag_reason or "").strip():
            slot_confirm.error(t("entry_safety.flag_reason_needed"), icon="⚠️")
        else:
            _save(cell, plan, flag_reason=(flag_reason or "").strip() or None)
            for problem in cell.state.problems:
                slot_confirm.error(messages.problem_text(problem), icon="⚠️")


def _saved_notice(ctx: RunContext, cell: _Cell) -> None:
    """Say what was stored, with a link to the indicator page, while the saved cell is the one shown."""
    catalogue = ctx.catalogue
    saved = st.session_state.get(SAVED_KEY)
    # "已保存" speaks of the cell it was saved to, shown only while that cell is the one on the page.
    if saved is None or (saved["indicator_id"], saved["place_code"], saved["period"]) != cell.key:
        return
    st.success(t("entry.retracted" if saved.get("retracted") else "entry.saved"))
    st.markdown(texts.record_text(saved, catalogue))
    saved_flags = texts.flags_text(saved.get("flags"))
    if saved_flags:
        st.warning(
            t("entry_safety.current_flagged", flags=saved_flags, reason=saved.get("flag_reason") or "—")
        )
    st.dataframe(
        history_tables.stored_table(saved, catalogue),
        hide_index=True,
        width="stretch",
        placeholder=layout.EMPTY_CELL,
    )
    st.page_link(
        ctx.page("indicator"),
        label=t("entry.see_indicator"),
        query_params={"id": saved["indicator_id"], "place": saved["place_code"]},
        icon=":material/show_chart:",
    )
