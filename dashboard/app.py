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

from dashboard import context, layout, signin  # noqa: E402
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

# (page module, url path, locale key of the title, icon, navigation section); the URL paths are part of
# the product: keep them. Each module's `render(ctx)` draws the page with the context this run read.
PAGES = (
    (overview, "overview", "nav.overview", ":material/dashboard:", "view"),
    (theme, "theme", "nav.theme", ":material/account_tree:", "view"),
    (indicator, "indicator", "nav.indicator", ":material/show_chart:", "view"),
    (places, "places", "nav.places", ":material/grid_on:", "view"),
    (entry, "entry", "nav.entry", ":material/edit_note:", "work"),
    (bulk_import, "import", "nav.import", ":material/upload_file:", "work"),
    (sources, "sources", "nav.sources", ":material/article:", "view"),
    (history, "history", "nav.history", ":material/history:", "work"),
    (briefing, "briefing", "nav.briefing", ":material/slideshow:", "work"),
    (reporting, "reporting", "reporting.nav", ":material/fact_check:", "work"),
)
# The sidebar's sections in order, by the locale key of their heading.
SECTIONS = {"view": "nav.section_view", "work": "nav.section_work"}


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
    context.set_run_context(ctx)
    pages = {
        url: st.Page(functools.partial(module.render, ctx), title=t(key), url_path=url, icon=icon)
        for module, url, key, icon, _ in PAGES
    }
    # Pages link to each other through the registered page objects (st.page_link, st.switch_page).
    ctx.pages.update(pages)

    def home() -> None:
        # The root URL opens the overview under its own path, so /overview is a real, shareable address.
        st.switch_page(pages["overview"])

    root = st.Page(home, title=t("nav.overview"), url_path="home", default=True, visibility="hidden")
    sections = {
        t(heading): [pages[url] for _, url, _, _, where in PAGES if where == section]
        for section, heading in SECTIONS.items()
    }
    nav = st.navigation({"": [root], **sections})
    nav.run()


main()
