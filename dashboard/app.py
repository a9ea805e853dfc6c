"""Streamlit entry point: shared sidebar, then the page the URL names (overview, theme, indicator …)."""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/app.py` puts dashboard/ on the path, not the project root.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import layout, signin  # noqa: E402
from dashboard.i18n import t  # noqa: E402

PAGES_DIR = Path(__file__).resolve().parent / "pages_"
# (file, url path, locale key of the title, icon); the URL paths are part of the product: keep them.
PAGES = (
    ("overview.py", "overview", "nav.overview", ":material/dashboard:"),
    ("theme.py", "theme", "nav.theme", ":material/account_tree:"),
    ("indicator.py", "indicator", "nav.indicator", ":material/show_chart:"),
    ("places.py", "places", "nav.places", ":material/grid_on:"),
    ("entry.py", "entry", "nav.entry", ":material/edit_note:"),
    ("bulk_import.py", "import", "nav.import", ":material/upload_file:"),
    ("sources.py", "sources", "nav.sources", ":material/article:"),
    ("history.py", "history", "nav.history", ":material/history:"),
    ("briefing.py", "briefing", "nav.briefing", ":material/slideshow:"),
    ("reporting.py", "reporting", "reporting.nav", ":material/fact_check:"),
)


def main() -> None:
    """Configure the app, draw the shared sidebar and run the selected page."""
    layout.init_language()
    st.set_page_config(page_title=t("app.title"), page_icon="🏙️", layout="wide")
    # The one read of the data version in a run: every page of this run shows that version's views.
    layout.begin_run()
    layout.sidebar()
    user = signin.sidebar_block()
    signin.gate(user)
    pages = [
        st.Page(PAGES_DIR / file, title=t(key), url_path=url, icon=icon) for file, url, key, icon in PAGES
    ]

    def home() -> None:
        # The root URL opens the overview under its own path, so /overview is a real, shareable address.
        st.switch_page(pages[0])

    root = st.Page(home, title=t("nav.overview"), url_path="home", default=True, visibility="hidden")
    view, work = pages[:4] + pages[6:7], pages[4:6] + pages[7:]
    nav = st.navigation({"": [root], t("nav.section_view"): view, t("nav.section_work"): work})
    nav.run()


main()
