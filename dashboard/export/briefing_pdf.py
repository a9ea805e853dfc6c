"""The briefing pack as one PDF: the same pages as the deck, as HTML with inline SVG charts, printed by Chromium."""

from __future__ import annotations

import html
import re

from dashboard.export.charts import renderer
from dashboard.export.pack import Pack, PackChart, ThemeSection, escape
from dashboard.export.pdf import PDF_FAMILY, html_to_pdf, prefer_pdf_family
from dashboard.export.system import CJK_FAMILY

CSS_PX_PER_INCH = 96
# Widths of the behind-target table: name, latest value, target, status (kept on one line).
BEHIND_COLUMNS = "<colgroup><col style='width:34%'><col style='width:23%'><col style='width:29%'><col style='width:14%'></colgroup>"

CSS = f"""
@page {{ size: 13.333in 7.5in; margin: 0; }}
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; padding: 0; font-family: {PDF_FAMILY}, '{CJK_FAMILY}', sans-serif; color: #263238; }}
.page {{ width: 13.333in; height: 7.5in; position: relative; padding: 0.3in 0.5in 0.5in;
  overflow: hidden; page-break-after: always; break-after: page; }}
.page:last-child {{ page-break-after: auto; break-after: auto; }}
.bar {{ position: absolute; left: 0; top: 0; width: 100%; height: 0.12in; background: #1565c0; }}
h1 {{ font-size: 24pt; margin: 0.05in 0 0.02in; font-weight: 700; }}
.note {{ color: #546e7a; font-size: 13pt; margin-bottom: 0.15in; }}
.foot {{ position: absolute; left: 0.5in; right: 0.5in; bottom: 0.18in; font-size: 9pt; color: #546e7a;
  display: flex; justify-content: space-between; }}
.row {{ display: flex; gap: 0.25in; align-items: flex-start; }}
.chart {{ margin: 0 auto; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9.5pt; }}
th, td {{ border: 1px solid #cfd8dc; padding: 3px 5px; text-align: left; vertical-align: top; }}
td:last-child, th:last-child {{ white-space: nowrap; }}
th {{ background: #e3f2fd; }}
.example {{ color: #e65100; }}
.title {{ background: #1565c0; color: white; margin: 1.9in -0.5in 0; padding: 0.35in 0.5in; }}
.title h1 {{ font-size: 34pt; }}
.title .sub {{ font-size: 18pt; margin-top: 0.1in; }}
.meta {{ color: #546e7a; font-size: 14pt; margin-top: 0.4in; line-height: 1.7; }}
.big {{ font-size: 54pt; font-weight: 700; color: #1565c0; line-height: 1.1; }}
.muted {{ color: #546e7a; }}
ul.sources {{ font-size: 10pt; line-height: 1.45; padding-left: 1.2em; margin: 0.1in 0; columns: 2;
  column-gap: 0.4in; }}
ul.sources li {{ break-inside: avoid; }}
ul.sources.small {{ font-size: 8.5pt; }}
"""


class _Charts:
    """The pack's charts as they go into the page: each one's SVG (drawn by kaleido), scaled to its box."""

    def __init__(self, svgs: dict[str, str]) -> None:
        self.svgs = svgs
        self.shown: list[str] = []

    def box(self, chart: PackChart, max_w_in: float, max_h_in: float) -> str:
        """Return a div that shows the chart scaled (as vectors) to fit max_w_in × max_h_in inches."""
        fig = chart.decorated()
        width, height = int(fig.layout.width), int(fig.layout.height)
        zoom = min(max_w_in * CSS_PX_PER_INCH / width, max_h_in * CSS_PX_PER_INCH / height)
        svg = prefer_pdf_family(self.svgs[chart.key])
        self.shown.append(svg)
        return f'<div class="chart" style="width:{width}px;height:{height}px;zoom:{zoom:.4f}">{svg}</div>'

    def text(self) -> str:
        """Return all text the charts show, for the font subset."""
        return "".join(html.unescape(t) for svg in self.shown for t in re.findall(r">([^<>]+)<", svg))


def _page(body: str, pack: Pack, number: int, *, bar: bool = True) -> str:
    foot = (
        f'<div class="foot"><span>{escape(pack.title)} · {escape(pack.period_text)} · '
        f"生成于 {pack.made_at}</span><span>{number}</span></div>"
    )
    return f'<section class="page">{"<div class=bar></div>" if bar else ""}{body}{foot}</section>'


def _score(score: float | None) -> str:
    return "—" if score is None else f"{score:.1f}"


def _theme_page(pack: Pack, section: ThemeSection, charts: _Charts, number: int) -> str:
    project = f"（{section.project} · {section.goal}）" if section.project else ""
    head = (
        f"<h1>{escape(section.name + project)}</h1><div class=note>得分 {_score(section.score)} · "
        f"覆盖率 {section.coverage:.0%} · 二级指标 {section.n_indicators} 项</div>"
    )
    if section.behind:
        rows = "".join(
            f"<tr><td>{escape(r.name)}</td><td>{escape(r.latest)}</td>"
            f"<td class='{'example' if r.example_target else ''}'>{escape(r.target)}</td>"
            f"<td>{escape(r.status)}</td></tr>"
            for r in section.behind_shown()[0]
        )
        more = section.behind_shown()[1]
        table = (
            f"<table>{BEHIND_COLUMNS}<tr><th>指标</th><th>最新值</th><th>目标</th><th>状态</th></tr>{rows}</table>"
            + (f"<p class=muted>另有 {more} 项，见仪表盘。</p>" if more else "")
        )
    else:
        table = "<p class=muted>本主题暂无滞后或有风险的指标。</p>"
    body = (
        f"{head}<div class=row><div style='width:7.3in;flex:none'>{charts.box(section.chart, 7.3, 5.6)}</div>"
        f"<div style='flex:1'><h3 style='margin:0 0 0.1in;font-size:15pt'>滞后或有风险的指标</h3>{table}</div></div>"
    )
    return _page(body, pack, number)


def pack_html(pack: Pack, svgs: dict[str, str]) -> tuple[str, str]:
    """Return the pack as one HTML document, one 16:9 page per slide, and all the text it shows.

    svgs: each chart's SVG by its key (ChartRenderer.render_many of the decorated figures).
    """
    charts = _Charts(svgs)
    pages = []
    title = (
        f"<div class=title><h1>{escape(pack.title)}</h1><div class=sub>{escape(pack.subtitle)}</div></div>"
        f"<div class=meta>地区：{escape(pack.place_name)}（{pack.place_code}）<br>"
        f"生成时间：{pack.made_at}</div>"
    )
    pages.append(_page(title, pack, 1, bar=False))
    theme_rows = "".join(
        f"<tr><td>{escape(s.name)}</td><td>{_score(s.score)}</td><td>{s.coverage:.0%}</td>"
        f"<td>{s.status_counts.get('off_track', 0) + s.status_counts.get('at_risk', 0)} 项</td></tr>"
        for s in pack.themes
    )
    overview = (
        f"<h1>总体情况：心安指数与五大主题</h1><div class=note>{escape(pack.period_text)} · "
        f"{escape(pack.place_name)}</div><div class=row><div style='width:4.3in;flex:none'>"
        f"<div class=muted style='font-size:15pt'>心安指数（0–100）</div><div class=big>{_score(pack.index_score)}</div>"
        f"<div class=muted style='font-size:13pt;margin-bottom:0.2in'>数据覆盖率 {pack.index_coverage:.0%}</div>"
        f"<table style='font-size:12pt'><tr><th>主题</th><th>得分</th><th>覆盖率</th><th>滞后/有风险</th></tr>"
        f"{theme_rows}</table></div><div style='flex:1'>{charts.box(pack.overview, 7.7, 5.4)}</div></div>"
    )
    pages.append(_page(overview, pack, 2))
    number = 3
    for section in pack.themes:
        pages.append(_theme_page(pack, section, charts, number))
        number += 1
        for chart, row in zip(section.details, section.behind, strict=False):
            body = (
                f"<h1>重点关注 · {escape(section.name)}：{escape(row.name)}</h1>"
                f"<div class=note>{escape(row.status)} · 最新 {escape(row.latest)} · 目标 {escape(row.target)}</div>"
                f"{charts.box(chart, 12.3, 5.5)}"
            )
            pages.append(_page(body, pack, number))
            number += 1
    items = "".join(f"<li>{escape(line)}</li>" for line in pack.sources)
    small = " small" if sum(len(line) for line in pack.sources) > 1800 else ""
    notes = "".join(f"<li>{escape(line)}</li>" for line in pack.notes)
    pages.append(
        _page(
            f"<h1>数据来源与说明</h1><ul class='sources{small}'>{items}</ul><ul class=sources>{notes}</ul>",
            pack,
            number,
        )
    )
    body = "".join(pages)
    document = (
        f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{escape(pack.title)}</title>"
        f"<style>{CSS}</style></head><body><main>{body}</main></body></html>"
    )
    return document, body + charts.text()


def pack_svgs(pack: Pack) -> dict[str, str]:
    """Return every chart of the pack as SVG text by its key, drawn over the export browser's image tabs."""
    charts = pack.charts()
    drawn = renderer().render_many([chart.decorated() for chart in charts], "svg")
    return {chart.key: svg.decode("utf-8") for chart, svg in zip(charts, drawn, strict=True)}


def pack_pdf(pack: Pack, svgs: dict[str, str] | None = None) -> bytes:
    """Return the pack as PDF bytes (same pages as the deck, charts as vectors), with Noto CJK embedded."""
    document, text = pack_html(pack, svgs if svgs is not None else pack_svgs(pack))
    return html_to_pdf(document, text=text, long=True)
