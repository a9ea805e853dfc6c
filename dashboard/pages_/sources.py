"""来源 sources: each article with its extracted figures highlighted and the indicator each one feeds."""

from __future__ import annotations

import streamlit as st

from dashboard import data, layout, tables
from dashboard.i18n import name_of, t

catalogue = data.catalogue()
layout.header("sources.title", t("sources.caption"))
articles = data.articles()
if not articles:
    st.info(t("sources.none"))
for article in articles:
    figures_frame = data.article_figures(article.seed)
    fed = int(figures_frame["indicator_id"].notna().sum()) if not figures_frame.empty else 0
    label = t("sources.article_label", title=article.title, n=len(figures_frame), fed=fed)
    with st.expander(label, expanded=fed > 0):
        st.caption(article.seed)
        if not figures_frame.empty:
            shown = data.memo(
                ("sources:table", article.seed),
                lambda frame=figures_frame: tables.article_figures_table(frame, catalogue),
            )
            layout.dataframe(shown, ("sources:table", article.seed), hide_index=True, width="stretch")
            for ind_id in sorted({i for i in figures_frame["indicator_id"].dropna()}):
                st.page_link(
                    "pages_/indicator.py",
                    label=t("sources.open_indicator", name=name_of(catalogue.indicators[ind_id])),
                    query_params={"id": ind_id},
                    icon=":material/show_chart:",
                )
        marked = data.memo(
            ("sources:html", article.seed),
            lambda article=article, frame=figures_frame: tables.highlighted_html(
                article.text, frame, catalogue
            ),
        )
        st.markdown(f'<div class="xa-quote">{marked}</div>', unsafe_allow_html=True)
