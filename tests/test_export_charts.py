"""Chart export: the image says what it shows, has the asked size, and its PDF carries the CJK font."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct

import plotly.graph_objects as go
import pytest
from pypdf import PdfReader

from dashboard.export import system
from dashboard.export.charts import ChartMeta, decorate, export_chart, renderer, text_width, wrap
from indicators.errors import IndicatorsError

META = ChartMeta(
    title="重点公共区域视频监控覆盖率",
    unit="%",
    place="滨州市",
    period="2019—2024",
    source="市公安局（公安视频监控联网平台）",
    example_target=True,
    export_date=dt.date(2025, 3, 1),
)


def bar_figure() -> go.Figure:
    return go.Figure(go.Bar(x=["滨城区", "沾化区", "惠民县"], y=[91.0, 88.5, 93.2], name="覆盖率"))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def svg_text(svg: bytes) -> str:
    # Plotly writes each line of text as its own element; joining them gives what a reader sees.
    return "".join(re.findall(r">([^<>]+)<", svg.decode("utf-8")))


def pdf_fonts(data: bytes) -> list[dict[str, object]]:
    """Return every font a PDF's pages use: name, subtype, whether a font file is embedded."""
    found = []

    def walk(resources: object) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            parts = [font] + [d.get_object() for d in font.get("/DescendantFonts", [])]
            embedded = any(
                key in part["/FontDescriptor"].get_object()
                for part in parts
                if "/FontDescriptor" in part
                for key in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            found.append(
                {"name": str(font.get("/BaseFont")), "subtype": font["/Subtype"], "embedded": embedded}
            )
        for ref in (resources.get("/XObject") or {}).values():
            walk(ref.get_object().get("/Resources"))

    for page in PdfReader(io.BytesIO(data)).pages:
        walk(page.get("/Resources"))
    return found


def assert_embeds_noto_cjk(data: bytes) -> None:
    fonts = pdf_fonts(data)
    assert fonts, "the PDF has no fonts"
    assert all(f["subtype"] != "/Type3" for f in fonts), f"text drawn as Type 3 glyphs: {fonts}"
    assert all(f["embedded"] for f in fonts), fonts
    assert any("NotoSansCJK" in str(f["name"]) for f in fonts), fonts


@pytest.mark.slow  # kaleido export
def test_png_is_twice_the_figure_width_and_height() -> None:
    fig = decorate(bar_figure(), META, width=700, height=420)
    assert png_size(renderer().render(fig, "png")) == (1400, 840)


@pytest.mark.slow  # kaleido export
def test_exported_png_has_twice_the_export_size() -> None:
    data = export_chart(bar_figure(), META, "png", width=900)
    assert png_size(data) == (1800, 2 * int(decorate(bar_figure(), META, width=900).layout.height))


@pytest.mark.slow  # kaleido export
def test_svg_carries_title_unit_place_period_source_date_and_example_mark() -> None:
    text = svg_text(export_chart(bar_figure(), META, "svg"))
    for part in ("重点公共区域视频监控覆盖率", "单位：%", "地区：滨州市", "时期：2019—2024"):
        assert part in text
    assert "数据来源：市公安局（公安视频监控联网平台）" in text
    assert "导出日期：2025-03-01" in text
    assert "示例目标" in text


@pytest.mark.slow  # kaleido export
def test_official_target_chart_has_no_example_mark() -> None:
    meta = ChartMeta(
        title="标题", unit="人", place="滨州市", period="2024", source="市统计局", example_target=False
    )
    assert "示例目标" not in svg_text(export_chart(bar_figure(), meta, "svg"))


@pytest.mark.slow  # kaleido export
def test_chart_pdf_embeds_noto_cjk_as_a_font() -> None:
    data = export_chart(bar_figure(), META, "pdf")
    assert data.startswith(b"%PDF")
    assert_embeds_noto_cjk(data)
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert "重点公共区域视频监控覆盖率" in page.extract_text()


@pytest.mark.slow  # kaleido export
def test_long_title_wraps_within_the_width() -> None:
    title = "五大主题得分与数据覆盖情况（心安指数构成，按主题权重汇总的分项得分，含各县市区对比）"
    lines = wrap(title, 19, 500, max_lines=2)
    assert len(lines) == 2
    assert all(text_width(line, 19) <= 500 for line in lines)
    assert lines[-1].endswith("…") or "".join(lines) == title


def test_missing_chromium_and_fonts_name_the_debian_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(system, "chromium_path", lambda: None)
    monkeypatch.setattr(system, "cjk_font_files", lambda: {})
    with pytest.raises(IndicatorsError) as caught:
        system.require_export_tools()
    message = str(caught.value)
    assert "chromium" in message and "fonts-noto-cjk" in message
    assert "apt-get install" in message


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="png, svg, pdf"):
        renderer().render(bar_figure(), "gif")  # type: ignore[arg-type]
