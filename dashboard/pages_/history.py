"""历史 history: who changed what and when, filterable by indicator, place, person and date."""

from __future__ import annotations

import streamlit as st

from dashboard import data, layout, tables, timefmt
from dashboard.i18n import name_of, t

catalogue = data.catalogue()
layout.header("history.title")
people = data.people()
cols = st.columns(4)
ind_ids = ["", *catalogue.indicators]
ind_id = cols[0].selectbox(
    t("common.indicator"),
    ind_ids,
    format_func=lambda i: t("common.all") if not i else name_of(catalogue.indicators[i]),
    key="history_indicator",
)
place_codes = ["", *(p.code for p in catalogue.places)]
place_code = cols[1].selectbox(
    t("common.place"),
    place_codes,
    format_func=lambda c: t("common.all") if not c else name_of(catalogue.place_by_code[c]),
    key="history_place",
)
person = cols[2].selectbox(
    t("history.person"),
    ["", *people],
    format_func=lambda p: data.person(p) if p else t("common.all"),
    key="history_person",
)
since = cols[3].date_input(t("history.since"), value=None, key="history_since")
changes = data.changes(
    since=timefmt.day_start_utc(since) if since else None,
    indicator_id=ind_id or None,
    place_code=place_code or None,
    entered_by=person or None,
    limit=tables.HISTORY_ROWS + 1,
)
more = len(changes.frame) > tables.HISTORY_ROWS
shown = min(len(changes.frame), tables.HISTORY_ROWS)
st.caption(t("history.count_more", shown=shown) if more else t("history.count", n=shown))
if changes.frame.empty:
    st.info(t("history.empty"))
else:
    key = ("history:table", since, ind_id, place_code, person)
    shown = data.memo(
        key,
        lambda: tables.history_table(changes.frame.head(tables.HISTORY_ROWS), catalogue, with_indicator=True),
    )
    layout.dataframe(shown, key, hide_index=True, width="stretch")
