"""What `make run` serves: the Streamlit app (dashboard/app.py) plus the sign-in routes, as one st.App.

`streamlit run dashboard/serve.py` finds `app` below and serves it with uvicorn. Running dashboard/app.py
directly still works (tests do), but then sign-in lasts only as long as the browser tab's session.

At start (the lifespan hook) the server loads the catalogue, scores the current data and starts the export
browser (kaleido's Chromium, which also prints PDFs) with its PDF font, side by side, before it answers
anyone: the first visitor after a start waits no longer than later ones, and the first chart download
(PNG or PDF) does not wait for Chromium or a font.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

# `streamlit run dashboard/serve.py` puts dashboard/ on the path, not the project root.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard import cookie_auth  # noqa: E402

# The longest the server waits for the warming before it answers anyway.
WARM_TIMEOUT_S = 40


def warm_data() -> None:
    """Load the catalogue, score the current data and draw one figure, so the first page run finds them."""
    # Imported now, not in the first visitor's run: what the app and its pages import.
    import dashboard.export.briefing  # noqa: F401
    import indicators.articles.proposals  # noqa: F401
    from dashboard import cached_views, document_views, figures, layout, reporting_view, signin  # noqa: F401
    from indicators.logs import logger

    started = time.perf_counter()
    try:
        views = cached_views.warm()
        signin.accounts()
        figures.index_gauge(50.0, 0.5, "warm", "coverage", "no data").to_json()
    except Exception:  # (a database down at start shows on the pages, not here)
        logger().warning("server start: could not warm the data views", exc_info=True)
        return
    logger().info(
        "server start: data version %s scored in %.1f s", views.version, time.perf_counter() - started
    )


def warm_renderer() -> None:
    """Start the export browser, make the PDF font and one image and PDF, so a first download is quick."""
    from dashboard.export.charts import ChartMeta, export_chart
    from dashboard.export.pdf import base_font_files
    from indicators.logs import logger

    try:
        import plotly.graph_objects as go

        fig = go.Figure(go.Bar(x=["a"], y=[1]))
        meta = ChartMeta(title="预热", unit=None, place="滨州市", period="2024", source="—")
        export_chart(fig, meta, "png")
        # The PDF font of common hanzi and every catalogue text: read from its cache, made only on a
        # machine's first start (~15 s of CPU); without it each PDF makes a font of its own (seconds).
        base_font_files(build=True)
        export_chart(fig, meta, "pdf")
    except Exception:  # (export tools missing: the download buttons say so)
        logger().warning("server start: could not start the chart renderer", exc_info=True)


@asynccontextmanager
async def lifespan(_app: Any) -> AsyncIterator[None]:
    """Warm the data and the chart renderer side by side before serving (see the module docstring)."""
    # Both are awaited: a renderer still starting Chromium beside the first visitor's run made that
    # visitor wait ~2× as long as later ones on 2 cores (bench_browser.py, first visitor).
    warming = asyncio.gather(asyncio.to_thread(warm_renderer), asyncio.to_thread(warm_data))
    try:
        await asyncio.wait_for(asyncio.shield(warming), timeout=WARM_TIMEOUT_S)
    except TimeoutError:
        # A machine too busy to warm in time still serves; the warming goes on beside the visitors.
        from indicators.logs import logger

        logger().warning("server start: still warming after %s s; serving anyway", WARM_TIMEOUT_S)
    yield


cookie_auth.ENABLED = True
app = st.App(Path(__file__).resolve().parent / "app.py", routes=cookie_auth.routes(), lifespan=lifespan)
