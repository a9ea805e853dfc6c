"""历史 history: who changed what and when, filterable by indicator, place, person and date."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import context, history_tables, layout, timefmt
from dashboard.cached_views import Views
from dashboard.context import RunContext
from dashboard.i18n import labels_for, name_of, t


def render(ctx: RunContext) -> None:
    """Draw the page with the context app.py read for this run."""
    catalogue = ctx.catalogue
    layout.header("history.title")
    people = ctx.views.people()
    cols = st.columns(4)
    ind_ids = ["", *catalogue.indicators]
    ind_id = cols[0].selectbox(
        t("common.indicator"),
        ind_ids,
        format_func=labels_for(
            ind_ids, lambda i: t("common.all") if not i else name_of(catalogue.indicators[i])
        ),
        key="history_indicator",
    )
    place_codes = ["", *(p.code for p in catalogue.places)]
    place_code = cols[1].selectbox(
        t("common.place"),
        place_codes,
        format_func=labels_for(
            place_codes, lambda c: t("common.all") if not c else name_of(catalogue.place_by_code[c])
        ),
        key="history_place",
    )
    person = cols[2].selectbox(
        t("history.person"),
        ["", *people],
        format_func=labels_for(["", *people], lambda p: context.person(p) if p else t("common.all")),
        key="history_person",
    )
    since = cols[3].date_input(t("history.since"), value=None, key="history_since")
    changes = _changes(ctx.views, since, ind_id or None, place_code or None, person or None)
    more = len(changes) > history_tables.HISTORY_ROWS
    shown = min(len(changes), history_tables.HISTORY_ROWS)
    st.caption(t("history.count_more", shown=shown) if more else t("history.count", n=shown))
    if changes.empty:
        st.info(t("history.empty"))
    else:
        layout.dataframe(
            ctx,
            history_rows,
            since,
            ind_id or None,
            place_code or None,
            person or None,
            hide_index=True,
            width="stretch",
        )


def _changes(
    views: Views, since: dt.date | None, ind_id: str | None, place: str | None, person: str | None
) -> pd.DataFrame:
    # One more row than shown, to know whether there are more.
    return views.changes(
        since=timefmt.day_start_utc(since) if since else None,
        indicator_id=ind_id,
        place_code=place,
        entered_by=person,
        limit=history_tables.HISTORY_ROWS + 1,
    )


def history_rows(
    views: Views, since: dt.date | None, ind_id: str | None, place: str | None, person: str | None
) -> pd.DataFrame:
    """Return the change log's display table for the filters chosen (at most HISTORY_ROWS rows)."""
    changes = _changes(views, since, ind_id, place, person)
    return history_tables.history_table(
        changes.head(history_tables.HISTORY_ROWS), views.catalogue, views.display_names(), with_indicator=True
    )
