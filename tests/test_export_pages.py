"""The download buttons under a chart and the 简报导出 page hand over the right bytes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from app_pages import open_page
from export_helpers import fill_store, observations
from openpyxl import load_workbook
from pptx import Presentation
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from test_export_charts import png_size

from dashboard.i18n import translate
from indicators.catalogue import Catalogue
from indicators.store import rounds
from indicators.store.store import Store

# Renders charts with kaleido/chromium and builds a briefing pack through AppTest.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
APPS = Path(__file__).resolve().parent / "apps"


class _Recording(MediaFileManager):
    """The test run's media manager, kept so a test can fetch what a download button serves."""

    last: MediaFileManager | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _Recording.last = self


@pytest.fixture
def media(monkeypatch: pytest.MonkeyPatch) -> type[_Recording]:
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", _Recording)
    return _Recording


def served_bytes(button, manager: MediaFileManager) -> bytes:
    """Return the bytes a download button gives: its stored file, or what its deferred callable makes."""
    proto = button.proto
    url = manager.execute_deferred(proto.deferred_file_id) if proto.deferred_file_id else proto.url
    file_id = url.rsplit("/", 1)[-1].split(".")[0]
    return manager._storage.get_file(file_id).content


def test_chart_buttons_give_png_svg_pdf_csv_xlsx(media) -> None:
    at = AppTest.from_file(str(APPS / "chart_downloads_app.py"), default_timeout=120).run()
    assert not at.exception
    buttons = {b.label: b for b in at.get("download_button")}
    assert list(buttons) == ["PNG", "SVG", "PDF", "CSV", "XLSX"]
    manager = media.last
    png = served_bytes(buttons["PNG"], manager)
    assert png_size(png)[0] == 2 * 1000
    assert "视频监控覆盖率" in served_bytes(buttons["SVG"], manager).decode("utf-8")
    assert served_bytes(buttons["PDF"], manager).startswith(b"%PDF")
    csv = served_bytes(buttons["CSV"], manager).decode("utf-8-sig")
    assert "滨城区" in csv and "'=1+1" in csv
    wb = load_workbook(io.BytesIO(served_bytes(buttons["XLSX"], manager)))
    assert wb["数据"]["C2"].data_type == "s"


@pytest.fixture
def filled_db(sqlite_url: str, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch) -> str:
    url = sqlite_url
    with Store(url, catalogue=catalogue) as store:
        fill_store(store, observations(catalogue, ["health"], behind=["licensed_doctors_per_10k"]))
        # A briefing is built from approved values: a reviewer has approved every entered one.
        cells = store.current_cells()
        rounds.review(store, [(c, cur.revision) for c, cur in cells.items()], "approve", by="test.reviewer")
    monkeypatch.setenv("XINAN_DB_URL", url)
    return url


def test_briefing_page_builds_and_serves_pptx_and_pdf(media, filled_db: str) -> None:
    # The page is a function app.py hands the run's context to: opened through the app, as by its URL.
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=300).run()
    open_page(at, "briefing").run()
    assert not at.exception
    assert not at.get("download_button")  # nothing to download before a pack is built
    at.multiselect(key="briefing-themes").set_value(["health"])
    next(b for b in at.button if b.label == translate("briefing.build", "zh")).click().run()
    assert not at.exception, at.exception
    assert not at.error
    bar = at.get("progress")[0].proto
    assert (bar.value, bar.text) == (100, "完成")
    buttons = {b.label: b for b in at.get("download_button")}
    assert list(buttons) == ["下载 PPTX", "下载 PDF"]
    pptx = served_bytes(buttons["下载 PPTX"], media.last)
    pdf = served_bytes(buttons["下载 PDF"], media.last)
    deck = Presentation(io.BytesIO(pptx))
    assert len(deck.slides) == len(PdfReader(io.BytesIO(pdf)).pages)
    assert any("健康" in shape.text_frame.text for shape in deck.slides[2].shapes if shape.has_text_frame)
