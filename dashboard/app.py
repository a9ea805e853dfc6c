"""Streamlit entry point: read the run's context once, draw the shared sidebar, then the page the URL names."""

from __future__ import annotations

import dataclasses
import functools
import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on the path, not the project root.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import data, layout, signin  # noqa: E402
from dashboard.i18n import t  # noqa: E402
from dashboard.pages_ import (  # noqa: E402
    briefing,
    bulk_import,
    entry,
    history,
    indicator,
    overview,
    places,
    reporting,
    sources,
    theme,
)

# (page module, url path, locale key of the title, icon); the URL paths are part of the product: keep them.
# Each module's `render(ctx)` draws the page with the context this run read.
PAGES = (
    (overview, "overview", "nav.overview", ":material/dashboard:"),
    (theme, "theme", "nav.theme", ":material/account_tree:"),
    (indicator, "indicator", "nav.indicator", ":material/show_chart:"),
    (places, "places", "nav.places", ":material/grid_on:"),
    (entry, "entry", "nav.entry", ":material/edit_note:"),
    (bulk_import, "import", "nav.import", ":material/upload_file:"),
    (sources, "sources", "nav.sources", ":material/article:"),
    (history, "history", "nav.history", ":material/history:"),
    (briefing, "briefing", "nav.briefing", ":material/slideshow:"),
    (reporting, "reporting", "reporting.nav", ":material/fact_check:"),
)


def main() -> None:
    """Configure the app, read the run's context, draw the shared sidebar and run the selected page."""
    layout.init_language()
    st.set_page_config(page_title=t("app.title"), page_icon="🏙️", layout="wide")
    # The one read of the data version in a run: every part of this run shows that version's views.
    ctx = layout.begin_run()
    layout.sidebar(ctx)
    user = signin.sidebar_block()
    signin.gate(user)
    ctx = dataclasses.replace(ctx, user=user, place=layout.place())
    data.set_run_context(ctx)
    pages = {
        url: st.Page(functools.partial(module.render, ctx), title=t(key), url_path=url, icon=icon)
        for module, url, key, icon in PAGES
    }
    # Pages link to each other through the registered page objects (st.page_link, st.switch_page).
    ctx.pages.update(pages)

    def home() -> None:
        # The root URL opens the overview under its own path, so /overview is a real, shareable address.
        st.switch_page(pages["overview"])

    root = st.Page(home, title=t("nav.overview"), url_path="home", default=True, visibility="hidden")
    listed = list(pages.values())
    view, work = listed[:4] + listed[6:7], listed[4:6] + listed[7:]
    nav = st.navigation({"": [root], t("nav.section_view"): view, t("nav.section_work"): work})
    nav.run()


main()
