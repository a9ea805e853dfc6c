"""批量导入 import: download the template, upload CSV/XLSX, read the dry run, confirm."""

from __future__ import annotations

import streamlit as st

from dashboard import import_tables, layout, messages, signin, writes
from dashboard.context import RunContext
from dashboard.i18n import t


def render(ctx: RunContext) -> None:
    """Draw the page with the context app.py read for this run."""
    catalogue = ctx.catalogue
    layout.header("import.title", t("import.caption"))
    user = signin.require_writer(catalogue)

    st.subheader(t("import.step_template"))
    cols = st.columns(2)
    cols[0].download_button(
        t("import.template_xlsx"),
        data=writes.template_bytes("xlsx"),
        file_name="xinan_import_template.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="template_xlsx",
    )
    cols[1].download_button(
        t("import.template_csv"),
        data=writes.template_bytes("csv"),
        file_name="xinan_import_template.csv",
        mime="text/csv",
        key="template_csv",
    )

    st.subheader(t("import.step_upload"))
    upload = st.file_uploader(t("import.upload"), type=["csv", "xlsx"], key="import_file")
    st.text(signin.entering_as(user))
    reason = st.text_input(t("entry.reason"), key="import_reason", help=t("entry.reason_help"))

    plan_key = "import_plan"  # (the upload it was made for, its dry run)
    REDO_KEY = "import_stale_for"  # the upload whose confirm met a changed cell
    done_key = "import_done"
    if upload is not None:
        # The dry run shown is the plan a confirm writes: planned once per uploaded file and kept with it, so
        # a cell someone changes in between makes the confirm refuse (the store checks each planned revision).
        upload_id = (upload.file_id, upload.name, upload.size)
        kept = st.session_state.get(plan_key)
        if kept is None or kept[0] != upload_id:
            kept = (upload_id, writes.dry_run(upload.name, upload.getvalue(), user=user))
            st.session_state[plan_key] = kept
        result = kept[1]
        if result.problems:
            st.error(t("import.unreadable"))
            for problem in result.problems:
                st.markdown(f"- {messages.problem_text(problem)}")
        else:
            plan = result.plan
            st.subheader(t("import.step_check"))
            counts = import_tables.plan_counts(plan)
            metric_cols = st.columns(4)
            for col, kind in zip(metric_cols, import_tables.PLAN_KINDS, strict=True):
                col.metric(t("import.kind_" + kind), counts[kind])
            tabs = st.tabs([f"{t('import.kind_' + k)} ({counts[k]})" for k in import_tables.PLAN_KINDS])
            for tab, kind in zip(tabs, import_tables.PLAN_KINDS, strict=True):
                with tab:
                    frame = import_tables.plan_table(plan, kind, catalogue)
                    if frame.empty:
                        st.caption(t("import.none"))
                    else:
                        st.dataframe(frame, hide_index=True, width="stretch", placeholder=layout.EMPTY_CELL)
            if counts["errors"]:
                st.error(t("import.fix_errors", n=counts["errors"]))
            elif counts["new"] + counts["changed"] == 0:
                st.info(t("import.nothing_to_do"))
            elif st.button(
                t("import.confirm", n=counts["new"] + counts["changed"]), type="primary", key="import_confirm"
            ):
                outcome = writes.apply_plan(plan, user=user, reason=reason)
                if outcome.problems:
                    st.error(t("import.refused"))
                    for problem in outcome.problems:
                        st.markdown(f"- {messages.problem_text(problem)}")
                    if any(p.code == "conflict" for p in outcome.problems):
                        st.session_state[REDO_KEY] = upload_id
                else:
                    st.session_state[done_key] = outcome.count
                    st.success(t("import.done", n=outcome.count))
            if st.session_state.get(REDO_KEY) == upload_id:
                st.info(t("entry_safety.import_stale"))
                if st.button(t("entry_safety.import_redo"), key="import_redo"):
                    st.session_state.pop(plan_key, None)
                    st.session_state.pop(REDO_KEY, None)
                    st.rerun()
