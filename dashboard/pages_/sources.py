"""来源 sources: documents newest first, searchable, each with its figures marked and what became of them;
editors add a report (paste or upload .txt/.docx/.pdf) and accept, correct or skip each proposed figure."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import context, document_views, layout, messages, sources_data, texts, writes
from dashboard.context import RunContext
from dashboard.i18n import labels_for, name_of, t
from dashboard.timefmt import time_text
from indicators.access import writable_indicators
from indicators.articles.proposals import save_fields, sentence_at
from indicators.units import convert

REVIEW_KEY = "documents_review"
NOTICE_KEY = "documents_notice"
SHOWN_AT_ONCE = 12


def render(ctx: RunContext) -> None:
    """Draw the page with the context app.py read for this run."""
    layout.header("sources.title", t("documents.caption"))
    user = ctx.user
    may_write = user is not None and bool(writable_indicators(user, ctx.catalogue))
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.success(notice, icon=":material/check_circle:")
    if may_write:
        _add_form(user)
        review_id = st.session_state.get(REVIEW_KEY)
        if review_id is not None:
            _review(ctx, user, int(review_id))
    search = st.text_input(
        t("documents.search"),
        key="documents_search",
        placeholder=t("documents.search_hint"),
        icon=":material/search:",
    )
    docs = sources_data.documents(search)
    if not docs:
        st.info(t("documents.none") if search else t("documents.empty"))
    for doc in docs:
        _document(ctx, doc, search, may_write)


def _number_text(value: float) -> str:
    """Return a figure's value as the form's text field shows it (no trailing .0)."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _add_form(user: Any) -> None:
    """Draw the form that adds a report (pasted or uploaded) as the signed-in user, and add it when sent."""
    with st.expander(t("documents.add"), icon=":material/upload_file:"):
        with st.form("documents_add"):
            upload = st.file_uploader(
                t("documents.upload"), type=["txt", "docx", "pdf"], key="documents_upload"
            )
            pasted = st.text_area(t("documents.paste"), key="documents_paste", height=140)
            cols = st.columns([3, 2, 1.3, 3])
            title = cols[0].text_input(t("documents.title_field"), key="documents_title")
            publisher = cols[1].text_input(t("documents.publisher"), key="documents_publisher")
            published = cols[2].date_input(t("documents.published"), value=None, key="documents_published")
            url = cols[3].text_input(t("documents.url"), key="documents_url")
            submitted = st.form_submit_button(t("documents.add_button"), type="primary")
        if not submitted:
            return
        file = (upload.name, upload.getvalue()) if upload is not None else None
        if file is None and not pasted.strip():
            st.error(t("documents.nothing"))
            return
        result = sources_data.add_document(
            user,
            text=None if file else pasted,
            upload=file,
            title=title or None,
            publisher=publisher or None,
            published=published,
            url=url.strip() or None,
        )
        if result.problems:
            for problem in result.problems:
                st.error(messages.problem_text(problem), icon=":material/error:")
            return
        doc = result.document
        st.session_state[REVIEW_KEY] = doc.id
        st.session_state[NOTICE_KEY] = t(
            "documents.added", title=doc.title, n=len(sources_data.proposals(doc))
        )
        st.rerun()


def _review(ctx: RunContext, user: Any, doc_id: int) -> None:
    """Draw the review panel of a document: each open figure with its proposal to accept, correct or skip."""
    doc = next((d for d in sources_data.documents() if d.id == doc_id), None)
    if doc is None:
        st.session_state.pop(REVIEW_KEY, None)
        return
    frame = sources_data.document_figures(doc)
    status = dict(zip(frame["start"], frame["status"], strict=True))
    props = [p for p in sources_data.proposals(doc) if status.get(p.finding.offset) == "open"]
    props.sort(key=lambda p: p.indicator_id is None)  # figures with a proposed indicator first
    with st.container(border=True, key="documents_review_panel"):
        head = st.columns([5, 1])
        head[0].subheader(t("proposal.title", title=doc.title))
        if head[1].button(t("proposal.close"), key="proposal_close"):
            st.session_state.pop(REVIEW_KEY, None)
            st.rerun()
        st.caption(t("proposal.caption", open=len(props), total=len(frame)))
        if not props:
            st.success(t("proposal.all_done"))
        for p in props[:SHOWN_AT_ONCE]:
            _proposal(ctx, user, doc, p)
        if len(props) > SHOWN_AT_ONCE:
            st.caption(t("proposal.more", n=len(props) - SHOWN_AT_ONCE))


def _proposal(ctx: RunContext, user: Any, doc: Any, p: Any) -> None:
    """Draw one proposed figure (indicator, place, period, value to confirm or change) and act on its buttons."""
    catalogue = ctx.catalogue
    place_codes = [pl.code for pl in catalogue.places]
    f = p.finding
    key = f"{doc.id}_{f.offset}"
    sentence, start, end = sentence_at(doc.text, f.offset, len(f.text))
    with st.container(border=True, key=f"proposal_{key}"):
        st.markdown(
            f'<div class="xa-quote">{document_views.sentence_html(sentence, start, end)}</div>',
            unsafe_allow_html=True,
        )
        cols = st.columns([3, 2, 1.2, 1.4])
        proposed = [c.indicator_id for c in p.candidates]
        options = proposed + sorted(i for i in catalogue.indicators if i not in proposed)
        ind_id = cols[0].selectbox(
            t("proposal.indicator"),
            options,
            index=0 if proposed else None,
            format_func=labels_for(
                options, lambda i: f"{name_of(catalogue.indicators[i])}（{catalogue.indicators[i].unit}）"
            ),
            placeholder=t("proposal.choose"),
            key=f"proposal_ind_{key}",
        )
        place = cols[1].selectbox(
            t("common.place"),
            place_codes,
            index=place_codes.index(p.place_code) if p.place_code in place_codes else None,
            format_func=labels_for(place_codes, layout.place_label),
            placeholder=t("proposal.choose"),
            key=f"proposal_place_{key}",
        )
        period = cols[2].text_input(t("proposal.period"), value=p.period or "", key=f"proposal_period_{key}")
        ind = catalogue.indicators[ind_id] if ind_id else None
        shown = convert(f.value, f.unit, ind.unit) if ind is not None and f.unit != ind.unit else f.value
        value = cols[3].text_input(
            t("proposal.value", unit=ind.unit if ind else f.unit),
            value=_number_text(shown if shown is not None else f.value),
            key=f"proposal_value_{key}_{ind_id}",
        )
        # What the chosen cell holds now is read when the choice is drawn and carried to the click:
        # accepting replaces exactly that revision, or is refused if someone changed it meanwhile.
        carried_key = f"proposal_cell_{key}"
        carried = st.session_state.get(carried_key)
        cell = (ind_id, place, period.strip())
        expected = 0
        if ind_id and place and period.strip():
            history = ctx.views.value_history(ind_id, place, period.strip())
            if not history.empty:
                expected = int(history["revision"].max())
                current = texts.current_of(history)
                if current is not None:
                    st.caption(t("proposal.replaces", record=texts.record_text(current, catalogue)))
        st.session_state[carried_key] = (cell, expected)
        buttons = st.columns([1, 1, 4])
        if buttons[0].button(t("proposal.accept"), key=f"proposal_accept_{key}", type="primary"):
            if not ind_id or not place:
                st.error(t("proposal.incomplete"))
                return
            revision = carried[1] if carried and carried[0] == cell else expected
            fields = save_fields(doc.id, doc.title, p)
            result = writes.save_value(
                ind_id, place, period.strip(), value, user=user, expected_revision=revision, **fields
            )
            if result.problems:
                for problem in result.problems:
                    st.error(messages.problem_text(problem), icon=":material/error:")
                return
            record = result.record
            refusals = sources_data.review_figure(
                user,
                doc.id,
                f.offset,
                f.text,
                "accepted",
                indicator_id=ind_id,
                place_code=place,
                period=record["period"],
                value=record["value"],
            )
            st.session_state[NOTICE_KEY] = t(
                "proposal.saved",
                indicator=name_of(catalogue.indicators[ind_id]),
                record=texts.record_text(record, catalogue),
            )
            for problem in refusals:
                st.error(messages.problem_text(problem))
            st.rerun()
        if buttons[1].button(t("proposal.skip"), key=f"proposal_skip_{key}"):
            refusals = sources_data.review_figure(user, doc.id, f.offset, f.text, "skipped")
            for problem in refusals:
                st.error(messages.problem_text(problem))
            if not refusals:
                st.rerun()


def _document(ctx: RunContext, doc: Any, search: str, may_write: bool) -> None:
    """Draw one document: its figures and what became of them, its text with the figures marked."""
    catalogue = ctx.catalogue
    frame = sources_data.document_figures(doc)
    counts = frame["status"].value_counts().to_dict() if not frame.empty else {}
    fed = int(counts.get("accepted", 0) + counts.get("curated", 0))
    label = t(
        "documents.label",
        title=doc.title,
        date=doc.published.isoformat() if doc.published else t("documents.no_date"),
        n=len(frame),
        fed=fed,
        skipped=int(counts.get("skipped", 0)),
    )
    expanded = bool(search) or doc.id == st.session_state.get(REVIEW_KEY)
    # The text with its marks and the figures table are drawn only while the expander is open: five full
    # articles drawn closed cost the browser seconds on every visit (docs/performance.md). The key holds
    # `expanded`, so a search or a review opens the document again as before.
    box = st.expander(
        label, expanded=expanded, key=f"documents_doc_{doc.id}_{int(expanded)}", on_change="rerun"
    )
    with box:
        if not box.open:
            return
        meta = [x for x in (doc.publisher, doc.file_name) if x]
        st.caption(
            " · ".join(meta)
            + (" · " if meta else "")
            + t("documents.added_by", who=context.person(doc.added_by), when=time_text(doc.added_at))
        )
        if doc.url:
            st.markdown(f"[{texts.plain_md(doc.url)}]({doc.url})")
        if (
            may_write
            and counts.get("open", 0)
            and st.button(
                t("documents.review", n=int(counts["open"])),
                key=f"documents_review_{doc.id}",
                icon=":material/rule:",
            )
        ):
            st.session_state[REVIEW_KEY] = doc.id
            st.rerun()
        if not frame.empty:
            shown = document_views.figures_table(frame, catalogue)
            st.dataframe(shown, hide_index=True, width="stretch")
            for ind_id in sorted({i for i in frame["indicator_id"].dropna()}):
                st.page_link(
                    ctx.page("indicator"),
                    label=t("sources.open_indicator", name=name_of(catalogue.indicators[ind_id])),
                    query_params={"id": ind_id},
                    icon=":material/show_chart:",
                )
        marked = document_views.marked_html(doc.text, frame, catalogue)
        st.markdown(f'<div class="xa-quote">{marked}</div>', unsafe_allow_html=True)
