"""One long-lived Chromium for every export: kaleido's tabs draw chart images, another tab prints PDFs.

kaleido 1.x's `Kaleido` is a choreographer `Browser`; it runs here on an event loop of its own thread, so
any thread (Streamlit sessions, the briefing builder) can hand it work at the same time: images spread
over `IMAGE_TABS` tabs, and PDFs are printed by the Chrome DevTools `Page.printToPDF` command in the same
browser instead of a new Chromium process per PDF (~1.5–4 s each on this machine), and a raster tab turns
SVG images into PNG without drawing the figure again.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import json
import threading
import warnings
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from indicators.errors import IndicatorsError, Problem

T = TypeVar("T")

# Two tabs on two cores: a pack's images draw while the next one is being handed over (docs/performance.md).
IMAGE_TABS = 2
RENDER_TIMEOUT_S = 90
PRINT_TIMEOUT_S = 120
RELOAD_EVERY = 25


def _reusing_kaleido() -> type:
    # kaleido 1.5 reloads its browser tab (and plotly.js) after every image: ~0.17 s of the ~0.28 s a chart
    # takes. Each image is drawn in a fresh, purged element (Plotly.toImage), so a tab can be reused; we
    # still reload every RELOAD_EVERY images to bound memory. Only for the pinned version's internals
    # (tests/test_kaleido_patch.py fails when they change).
    from kaleido.kaleido import Kaleido

    class ReusingKaleido(Kaleido):
        _xinan_reuse = True
        _renders = 0

        async def _return_kaleido_tab(self, tab):  # type: ignore[no-untyped-def]
            self._renders += 1
            if self._renders % RELOAD_EVERY == 0:
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    return ReusingKaleido


def _check(response: dict, what: str) -> dict:
    if "error" in response:
        raise IndicatorsError([Problem(f"Chromium could not {what}: {response['error']}")])
    return response.get("result", {})


class ExportEngine:
    """Owns the export browser (kaleido + a print tab) on a background event loop; thread-safe."""

    def __init__(self, image_tabs: int = IMAGE_TABS) -> None:
        self.image_tabs = image_tabs
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._kaleido: Any = None
        self._print_lock: asyncio.Lock | None = None
        self._print_tab: Any = None
        self._raster_lock: asyncio.Lock | None = None
        self._raster_tab: Any = None

    def running(self) -> bool:
        """Return whether the browser is up."""
        return self._kaleido is not None

    def start(self) -> None:
        """Start the browser and its tabs once per process; later calls are free."""
        from dashboard.export.system import require_export_tools

        chromium = require_export_tools()
        with self._lock:
            if self._kaleido is not None:
                return
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="export-engine", daemon=True).start()
            self._loop = loop
            future = asyncio.run_coroutine_threadsafe(self._open(str(chromium)), loop)
            try:
                self._kaleido = future.result(timeout=RENDER_TIMEOUT_S)
            except BaseException:
                loop.call_soon_threadsafe(loop.stop)
                self._loop = None
                raise
            atexit.register(self.stop)

    def stop(self) -> None:
        """Close the browser (at exit: no Chromium is left behind)."""
        with self._lock:
            k, loop = self._kaleido, self._loop
            self._kaleido = self._loop = None
        if k is None or loop is None:
            return
        # (a browser already gone has nothing to close)
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(k.close(), loop).result(timeout=20)
        loop.call_soon_threadsafe(loop.stop)

    async def _open(self, chromium: str) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            k = _reusing_kaleido()(n=self.image_tabs, timeout=RENDER_TIMEOUT_S, path=chromium)
            await k.open()
        self._print_lock = asyncio.Lock()
        self._print_tab = await self._new_tab(k)
        self._raster_lock = asyncio.Lock()
        self._raster_tab = await self._new_tab(k)
        return k

    async def _new_tab(self, k: Any) -> Any:
        tab = await k.create_tab("about:blank", window=True)
        _check(await tab.send_command("Page.enable"), "enable page events")
        _check(await tab.send_command("Runtime.enable"), "enable scripts")
        return tab

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        if self._kaleido is None:
            self.start()
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=timeout)

    def render(self, fig: dict, opts: dict) -> bytes:
        """Return one plotly figure (as a dict) drawn as PNG/SVG with kaleido's options."""
        return self.render_many([(fig, opts)])[0]

    def render_many(self, jobs: Sequence[tuple[dict, dict]]) -> list[bytes]:
        """Return several figures drawn at once over the image tabs, in the order given."""

        async def run() -> list[bytes]:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                done = await asyncio.gather(*(self._kaleido.calc_fig(fig, opts=opts) for fig, opts in jobs))
            return [bytes(d) for d in done]

        return self._run(run(), RENDER_TIMEOUT_S * max(1, len(jobs)))

    def rasterize(self, svgs: Sequence[str], scale: float) -> list[bytes]:
        """Return SVG images (plotly's, as kaleido draws them) as PNG at scale × their size, in order.

        The same steps as plotly.js's own PNG export (SVG → image → canvas), without drawing the figure
        again: a pack that needs both SVG (PDF) and PNG (slides) draws each chart once.
        """
        return self._run(self._rasterize(list(svgs), scale), RENDER_TIMEOUT_S)

    async def _rasterize(self, svgs: list[str], scale: float) -> list[bytes]:
        assert self._raster_lock is not None
        expression = f"({_RASTER_JS})({json.dumps(svgs)}, {float(scale)})"
        async with self._raster_lock:
            result = _check(
                await self._raster_tab.send_command(
                    "Runtime.evaluate",
                    params={"expression": expression, "awaitPromise": True, "returnByValue": True},
                ),
                "turn the charts into PNG",
            )
        if "exceptionDetails" in result:
            raise IndicatorsError(
                [Problem(f"the charts could not be turned into PNG: {result['exceptionDetails']}")]
            )
        return [base64.b64decode(url.partition(",")[2]) for url in result["result"]["value"]]

    def print_pdf(self, url: str, *, ready: str | None = None, own_tab: bool = False) -> bytes:
        """Return the page at url printed to PDF (its CSS @page size); ready is a JS promise to await first.

        own_tab: print in a tab of its own (a long document), leaving the shared print tab to short ones.
        """
        return self._run(self._print(url, ready, own_tab), PRINT_TIMEOUT_S)

    async def _print(self, url: str, ready: str | None, own_tab: bool) -> bytes:
        if own_tab:
            tab = await self._new_tab(self._kaleido)
            try:
                return await self._print_in(tab, url, ready)
            finally:
                await self._kaleido.close_tab(tab.target_id)
        assert self._print_lock is not None
        async with self._print_lock:
            return await self._print_in(self._print_tab, url, ready)

    async def _print_in(self, tab: Any, url: str, ready: str | None) -> bytes:
        loaded = tab.subscribe_once("Page.loadEventFired")
        result = _check(await tab.send_command("Page.navigate", params={"url": url}), "open the page")
        if result.get("errorText"):
            raise IndicatorsError([Problem(f"Chromium could not open {url}: {result['errorText']}")])
        await loaded
        # Fonts (the embedded CJK face) must be in before printing, or the text falls back to another face.
        waits = ["document.fonts.ready"] + ([ready] if ready else [])
        evaluated = _check(
            await tab.send_command(
                "Runtime.evaluate",
                params={
                    "expression": f"Promise.all([{', '.join(waits)}]).then(() => true)",
                    "awaitPromise": True,
                },
            ),
            "run the page",
        )
        if "exceptionDetails" in evaluated:
            raise IndicatorsError([Problem(f"the page to print failed: {evaluated['exceptionDetails']}")])
        printed = _check(
            await tab.send_command(
                "Page.printToPDF",
                params={
                    "printBackground": True,
                    "preferCSSPageSize": True,
                    "displayHeaderFooter": False,
                    "marginTop": 0,
                    "marginBottom": 0,
                    "marginLeft": 0,
                    "marginRight": 0,
                },
            ),
            "print the PDF",
        )
        return base64.b64decode(printed["data"])


# SVG text → PNG data URLs, as Plotly.toImage does it (an <img> of the SVG drawn onto a canvas at scale).
_RASTER_JS = """async (svgs, scale) => Promise.all(svgs.map(async (svg) => {
  const img = new Image();
  img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(img.naturalWidth * scale);
  canvas.height = Math.round(img.naturalHeight * scale);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return canvas.toDataURL('image/png');
}))"""

_ENGINE = ExportEngine()


def engine() -> ExportEngine:
    """Return the process-wide export engine (its browser stays up between exports)."""
    return _ENGINE


def file_url(path: Path) -> str:
    """Return the file:// URL the engine opens for a local HTML file."""
    return path.resolve().as_uri()
