"""The export browser: one Chromium for every image and PDF, several images at once, PDFs with real CJK text."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_export_charts import META, assert_embeds_noto_cjk, bar_figure, png_size

from dashboard.export import pdf
from dashboard.export.charts import decorate, export_chart, renderer
from dashboard.export.engine import engine


@pytest.mark.slow  # kaleido export
def test_second_pdf_reuses_the_browser_and_still_carries_the_title_as_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = export_chart(bar_figure(), META, "pdf")
    started: list[object] = []
    real_init = subprocess.Popen.__init__

    def recording_init(self, args, *rest, **kwargs):  # type: ignore[no-untyped-def]
        started.append(args)
        real_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", recording_init)
    second = export_chart(bar_figure(), META, "pdf")
    # No process (no new Chromium) was started for the second PDF: the running browser printed it.
    assert started == []
    for data in (first, second):
        assert data.startswith(b"%PDF")
        assert_embeds_noto_cjk(data)
        assert "重点公共区域视频监控覆盖率" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


@pytest.mark.slow  # kaleido export
def test_images_drawn_together_come_back_in_the_order_asked() -> None:
    sizes = [(600, 300), (700, 420), (500, 500)]
    figs = [decorate(bar_figure(), META, width=w, height=h) for w, h in sizes]
    images = renderer().render_many(figs, "png")
    assert [png_size(img) for img in images] == [(2 * w, 2 * h) for w, h in sizes]


@pytest.mark.slow  # kaleido export
def test_png_made_from_the_svg_is_the_png_kaleido_draws() -> None:
    fig = decorate(bar_figure(), META, width=820)
    svg = renderer().render(fig, "svg")
    from_svg = renderer().png_from_svg([svg])[0]
    assert png_size(from_svg) == (1640, 2 * int(fig.layout.height))
    # The same steps as plotly.js's PNG export: the same picture (pixel for pixel on this Chromium).
    assert from_svg == renderer().render(fig, "png")


@pytest.fixture
def small_base_font(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> frozenset[str]:
    # A base font of just the characters META and the axis show, so the test builds it in a second.
    text = "".join(
        [META.title, META.subtitle(), META.footer(), "示例目标图中为非官方滨城区沾化区惠民县覆盖率"]
    )
    chars = frozenset(text) | frozenset(pdf.PUNCTUATION) | frozenset(map(chr, range(32, 127)))
    monkeypatch.setenv("XINAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(pdf, "base_characters", lambda: chars)
    return chars


def test_without_a_built_base_font_the_pdf_font_is_made_for_the_text(small_base_font) -> None:
    assert pdf.base_font_files() is None
    assert "url(data:font/ttf;base64," in pdf.font_face_css("滨州市")


@pytest.mark.slow  # fontTools subsetting
def test_text_the_base_font_covers_uses_it_and_other_text_gets_its_own_subset(small_base_font) -> None:
    files = pdf.base_font_files(build=True)
    assert files is not None and set(files) == {"regular", "bold"}
    assert all(path.stat().st_size > 0 for path in files.values())
    covered = pdf.font_face_css("滨州市")
    assert files["regular"].as_uri() in covered and "data:" not in covered
    # 龘 is in no chart text of the base set: that PDF gets a font made for it instead of missing glyphs.
    assert "url(data:font/ttf;base64," in pdf.font_face_css("滨州市龘")


@pytest.mark.slow  # kaleido export
def test_pdf_printed_with_the_base_font_embeds_it_as_a_real_font(small_base_font) -> None:
    assert pdf.base_font_files(build=True) is not None
    data = export_chart(bar_figure(), META, "pdf")
    assert_embeds_noto_cjk(data)
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "重点公共区域视频监控覆盖率" in text and "滨城区" in text
    assert engine().running()
