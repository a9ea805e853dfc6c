"""The briefing pack as a PowerPoint deck (16:9): title, overview, one slide per theme, details, sources."""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from dashboard.export.pack import Pack, RenderedChart, ThemeSection

SLIDE_W = Inches(13.333)
SLIDE_H = Inches(7.5)
# Office on the leaders' PCs has these; the charts are pictures and carry Noto CJK themselves.
EA_FONT = "微软雅黑"
LATIN_FONT = "Arial"
DARK = RGBColor(0x26, 0x32, 0x38)
GREY = RGBColor(0x54, 0x6E, 0x7A)
ACCENT = RGBColor(0x15, 0x65, 0xC0)
ORANGE = RGBColor(0xE6, 0x51, 0x00)
HEADER_FILL = RGBColor(0xE3, 0xF2, 0xFD)
MARGIN = Inches(0.5)


def _set_font(run, size: float, *, bold: bool = False, color: RGBColor = DARK) -> None:
    font = run.font
    font.size = Pt(size)
    font.bold = bold
    font.color.rgb = color
    font.name = LATIN_FONT
    rpr = run._r.get_or_add_rPr()
    # python-pptx only sets the Latin typeface; Chinese text uses the East Asian one.
    for tag in ("a:ea", "a:cs"):
        el = rpr.find(qn(tag))
        if el is None:
            el = rpr.makeelement(qn(tag), {})
            rpr.append(el)
        el.set("typeface", EA_FONT)


def _text(
    slide,
    left: int,
    top: int,
    width: int,
    height: int,
    lines: list[str] | str,
    size: float = 14,
    *,
    bold: bool = False,
    color: RGBColor = DARK,
    align: PP_ALIGN = PP_ALIGN.LEFT,
    anchor: MSO_ANCHOR = MSO_ANCHOR.TOP,
):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
        setattr(frame, side, Inches(0.04))
    for i, line in enumerate([lines] if isinstance(lines, str) else lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        para.space_after = Pt(size * 0.35)
        run = para.add_run()
        run.text = line
        _set_font(run, size, bold=bold, color=color)
    return box


def _header(slide, title: str, note: str = "") -> None:
    bar = slide.shapes.add_shape(1, 0, 0, SLIDE_W, Inches(0.12))
    bar.fill.solid()
    bar.fill.fore_color.rgb = ACCENT
    bar.line.fill.background()
    _text(slide, MARGIN, Inches(0.3), SLIDE_W - 2 * MARGIN, Inches(0.6), title, 24, bold=True)
    if note:
        _text(slide, MARGIN, Inches(0.88), SLIDE_W - 2 * MARGIN, Inches(0.4), note, 13, color=GREY)


def _footer(slide, pack: Pack, number: int) -> None:
    text = f"{pack.title} · {pack.period_text} · 生成于 {pack.made_at}"
    _text(slide, MARGIN, SLIDE_H - Inches(0.42), Inches(10), Inches(0.3), text, 9, color=GREY)
    _text(
        slide,
        SLIDE_W - MARGIN - Inches(1),
        SLIDE_H - Inches(0.42),
        Inches(1),
        Inches(0.3),
        str(number),
        9,
        color=GREY,
        align=PP_ALIGN.RIGHT,
    )


def _picture(slide, chart: RenderedChart, left: int, top: int, max_w: int, max_h: int) -> None:
    ratio = chart.width / chart.height
    width, height = max_w, int(max_w / ratio)
    if height > max_h:
        height, width = max_h, int(max_h * ratio)
    slide.shapes.add_picture(io.BytesIO(chart.png), left + (max_w - width) // 2, top, Emu(width), Emu(height))


def _table(slide, rows: list[list[str]], left: int, top: int, width: int, col_widths: list[float], size=10):
    shape = slide.shapes.add_table(len(rows), len(rows[0]), left, top, width, Inches(0.3) * len(rows))
    table = shape.table
    total = sum(col_widths)
    for j, w in enumerate(col_widths):
        table.columns[j].width = Emu(int(width * w / total))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            cell = table.cell(i, j)
            cell.margin_left = cell.margin_right = Inches(0.05)
            cell.margin_top = cell.margin_bottom = Inches(0.03)
            frame = cell.text_frame
            frame.word_wrap = True
            para = frame.paragraphs[0]
            run = para.add_run()
            run.text = value
            example = "示例" in value and i > 0
            _set_font(run, size, bold=i == 0, color=ORANGE if example else DARK)
            cell.fill.solid()
            cell.fill.fore_color.rgb = HEADER_FILL if i == 0 else RGBColor(0xFF, 0xFF, 0xFF)
    return shape


def _score_text(score: float | None) -> str:
    return "—" if score is None else f"{score:.1f}"


def _title_slide(prs, pack: Pack) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    band = slide.shapes.add_shape(1, 0, Inches(2.2), SLIDE_W, Inches(2.6))
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()
    white = RGBColor(0xFF, 0xFF, 0xFF)
    _text(
        slide, MARGIN, Inches(2.5), SLIDE_W - 2 * MARGIN, Inches(1.0), pack.title, 34, bold=True, color=white
    )
    _text(slide, MARGIN, Inches(3.6), SLIDE_W - 2 * MARGIN, Inches(0.9), pack.subtitle, 18, color=white)
    _text(
        slide,
        MARGIN,
        Inches(5.2),
        SLIDE_W - 2 * MARGIN,
        Inches(1.4),
        [f"地区：{pack.place_name}（{pack.place_code}）", f"生成时间：{pack.made_at}"],
        14,
        color=GREY,
    )


def _overview_slide(prs, pack: Pack, charts: dict[str, RenderedChart]) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(slide, "总体情况：心安指数与五大主题", pack.period_text + " · " + pack.place_name)
    left_w = Inches(4.3)
    _text(slide, MARGIN, Inches(1.45), left_w, Inches(0.4), "心安指数（0–100）", 15, color=GREY)
    _text(
        slide,
        MARGIN,
        Inches(1.8),
        left_w,
        Inches(1.2),
        _score_text(pack.index_score),
        54,
        bold=True,
        color=ACCENT,
    )
    _text(
        slide,
        MARGIN,
        Inches(2.95),
        left_w,
        Inches(0.4),
        f"数据覆盖率 {pack.index_coverage:.0%}",
        13,
        color=GREY,
    )
    rows = [["主题", "得分", "覆盖率", "滞后/有风险"]]
    for section in pack.themes:
        behind = section.status_counts.get("off_track", 0) + section.status_counts.get("at_risk", 0)
        rows.append([section.name, _score_text(section.score), f"{section.coverage:.0%}", f"{behind} 项"])
    _table(slide, rows, MARGIN, Inches(3.5), left_w, [1.2, 1, 1, 1.3], size=12)
    _picture(
        slide,
        charts[pack.overview.key],
        MARGIN + left_w + Inches(0.3),
        Inches(1.45),
        Inches(7.7),
        Inches(5.4),
    )
    _footer(slide, pack, 2)


def _theme_slide(
    prs, pack: Pack, section: ThemeSection, charts: dict[str, RenderedChart], number: int
) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    project = f"（{section.project} · {section.goal}）" if section.project else ""
    note = f"得分 {_score_text(section.score)} · 覆盖率 {section.coverage:.0%} · 二级指标 {section.n_indicators} 项"
    _header(slide, f"{section.name}{project}", note)
    chart_w = Inches(7.3)
    _picture(slide, charts[section.chart.key], MARGIN, Inches(1.35), chart_w, Inches(5.6))
    right = MARGIN + chart_w + Inches(0.25)
    right_w = SLIDE_W - right - MARGIN
    _text(slide, right, Inches(1.35), right_w, Inches(0.4), "滞后或有风险的指标", 15, bold=True)
    shown, more = section.behind_shown()
    if not shown:
        _text(
            slide, right, Inches(1.8), right_w, Inches(0.6), "本主题暂无滞后或有风险的指标。", 12, color=GREY
        )
        return _footer(slide, pack, number)
    rows = [["指标", "最新值", "目标", "状态"]]
    rows += [[r.name, r.latest, r.target, r.status] for r in shown]
    _table(slide, rows, right, Inches(1.8), right_w, [2.4, 1.5, 1.6, 0.9], size=9)
    if more:
        _text(
            slide,
            right,
            SLIDE_H - Inches(0.95),
            right_w,
            Inches(0.4),
            f"另有 {more} 项，见 PDF 或仪表盘。",
            10,
            color=GREY,
        )
    _footer(slide, pack, number)


def _detail_slide(prs, pack: Pack, section: ThemeSection, index: int, charts, number: int) -> None:
    chart = section.details[index]
    row = section.behind[index]
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(
        slide,
        f"重点关注 · {section.name}：{row.name}",
        f"{row.status} · 最新 {row.latest} · 目标 {row.target}",
    )
    _picture(slide, charts[chart.key], MARGIN, Inches(1.4), SLIDE_W - 2 * MARGIN, Inches(5.5))
    _footer(slide, pack, number)


def _sources_slide(prs, pack: Pack, number: int) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _header(slide, "数据来源与说明")
    # Two columns: the department list of a whole pack is long.
    half = (len(pack.sources) + 1) // 2
    columns = [pack.sources[:half], pack.sources[half:]]
    chars = sum(len(line) for line in pack.sources)
    size = 11 if chars < 900 else 9 if chars < 1600 else 7.5
    col_w = (SLIDE_W - 2 * MARGIN - Inches(0.4)) // 2
    for i, lines in enumerate(columns):
        left = MARGIN + i * (col_w + Inches(0.4))
        _text(slide, left, Inches(1.1), col_w, Inches(4.6), lines, size)
    _text(slide, MARGIN, Inches(5.85), SLIDE_W - 2 * MARGIN, Inches(1.1), pack.notes, 10, color=GREY)
    _footer(slide, pack, number)


def pack_pptx(pack: Pack, charts: dict[str, RenderedChart]) -> bytes:
    """Return the pack as PPTX bytes; charts are the rendered images keyed by chart key."""
    prs = Presentation()
    prs.slide_width = SLIDE_W
    prs.slide_height = SLIDE_H
    prs.core_properties.title = pack.title
    prs.core_properties.subject = pack.subtitle
    _title_slide(prs, pack)
    _overview_slide(prs, pack, charts)
    number = 3
    for section in pack.themes:
        _theme_slide(prs, pack, section, charts, number)
        number += 1
        for i in range(len(section.details)):
            _detail_slide(prs, pack, section, i, charts, number)
            number += 1
    _sources_slide(prs, pack, number)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
