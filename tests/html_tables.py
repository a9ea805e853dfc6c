"""Reading the static HTML tables (dashboard/html_table.py) a page drew in an AppTest, as data frames."""

from __future__ import annotations

import io

import pandas as pd
from streamlit.testing.v1 import AppTest


def html_tables(at: AppTest, links: bool = False) -> list[pd.DataFrame]:
    """Return every static table the run drew; with links, link cells are (text, address) pairs."""
    frames = []
    for element in at.get("html"):
        body = element.proto.body
        if 'class="xa-table"' not in body:
            continue
        frames += pd.read_html(
            io.StringIO(body), flavor="lxml", extract_links="body" if links else None, keep_default_na=False
        )
    return frames
