"""Chart images for reports: a metadata block drawn into any plotly figure, and PNG/SVG/PDF via kaleido."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

import plotly.graph_objects as go

from dashboard.timefmt import today as local_today

Format = Literal["png", "svg", "pdf"]
FORMATS: tuple[Format, ...] = ("png", "svg", "pdf")
MIME = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}

FONT = "Noto Sans CJK SC, Noto Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
EXPORT_WIDTH = 1000
EXPORT_HEIGHT = 560
PNG_SCALE = 2
TEXT_GREY = "#546e7a"
EXAMPLE_ORANGE = "#e65100"

TITLE_SIZE = 19
SUB_SIZE = 13
FOOT_SIZE = 11
LEGEND_SIZE = 12
EDGE = 16  # px between the image edge and the text blocks

LABELS = {
    "zh": {
        "unit": "单位",
        "place": "地区",
        "period": "时期",
        "source": "数据来源",
        "exported": "导出日期",
        "example": "示例目标",
        "example_note": "图中目标为示例目标，非官方目标",
        "sep": "　",
        "colon": "：",
    },
    "en": {
        "unit": "Unit",
        "place": "Place",
        "period": "Period",
        "source": "Source",
        "exported": "Exported",
        "example": "Example target",
        "example_note": "the target shown is an example, not an official one",
        "sep": "   ",
        "colon": ": ",
    },
}


@dataclass(frozen=True)
class ChartMeta:
    """What an exported chart must say about itself: title, unit, place, period, source, example target."""

    title: str
    unit: str | None
    place: str
    period: str
    source: str
    example_target: bool = False
    # The date in Beijing (XINAN_TIMEZONE), not the server's: a chart made at 07:00 there is today's.
    export_date: dt.date = field(default_factory=local_today)
    lang: Literal["zh", "en"] = "zh"

    def subtitle(self) -> str:
        """Return the line under the title: unit, place and period."""
        lab = LABELS[self.lang]
        parts = []
        if self.unit:
            parts.append(f"{lab['unit']}{lab['colon']}{self.unit}")
        parts.append(f"{lab['place']}{lab['colon']}{self.place}")
        parts.append(f"{lab['period']}{lab['colon']}{self.period}")
        return lab["sep"].join(parts)

    def footer(self) -> str:
        """Return the source line with the export date."""
        lab = LABELS[self.lang]
        return (
            f"{lab['source']}{lab['colon']}{self.source}{lab['sep']}"
            f"{lab['exported']}{lab['colon']}{self.export_date.isoformat()}"
        )

    def file_stem(self) -> str:
        """Return an ASCII-safe file name stem for downloads of this chart."""
        return safe_stem(self.title)


def safe_stem(text: str) -> str:
    """Return text reduced to a file-name-safe stem (Chinese kept, separators and controls dropped)."""
    kept = "".join(c if c.isalnum() or c in "-_" else "_" for c in text if unicodedata.category(c)[0] != "C")
    return "_".join(part for part in kept.split("_") if part)[:60] or "chart"


def text_width(text: str, size: float) -> float:
    """Estimate the rendered width in px of one line of text (CJK glyphs are square, Latin about half)."""
    width = 0.0
    for char in text:
        wide = unicodedata.east_asian_width(char) in ("W", "F")
        width += size * (1.0 if wide else 0.56)
    return width


def wrap(text: str, size: float, max_width: float, max_lines: int = 3) -> list[str]:
    """Break text into lines that fit max_width px, preferring breaks at spaces and separators."""
    lines: list[str] = []
    current = ""
    for char in text:
        if text_width(current + char, size) > max_width and current:
            # Break at the last separator of the line if there is one not too far back.
            cut = max(current.rfind(sep) for sep in (" ", "　", "·", "，", "、", "；"))
            if cut > len(current) // 2:
                lines.append(current[: cut + 1].rstrip())
                current = current[cut + 1 :].lstrip()
            else:
                lines.append(current)
                current = ""
        current += char
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[: max_lines - 1] + ["".join(lines[max_lines - 1 :])]
        while text_width(lines[-1] + "…", size) > max_width and len(lines[-1]) > 1:
            lines[-1] = lines[-1][:-1]
        lines[-1] += "…"
    return lines


def _legend_rows(fig: go.Figure, width: float) -> int:
    if fig.layout.showlegend is False:
        return 0
    names = [t.name for t in fig.data if t.name and t.showlegend is not False]
    shown = len(names) > 1 or (len(names) == 1 and fig.layout.showlegend)
    if not shown:
        return 0
    rows, used = 1, 0.0
    for name in names:
        item = 46 + text_width(str(name), LEGEND_SIZE)
        if used + item > width and used > 0:
            rows += 1
            used = 0.0
        used += item
    return rows


def decorate(
    fig: go.Figure, meta: ChartMeta, *, width: int = EXPORT_WIDTH, height: int | None = None
) -> go.Figure:
    """Return a copy of fig sized for export, with title, unit/place/period, source, date and 示例目标 drawn in."""
    out = go.Figure(fig)
    height = int(height or fig.layout.height or EXPORT_HEIGHT)
    lab = LABELS[meta.lang]
    text_room = width - 2 * EDGE
    badge = f" {lab['example']} " if meta.example_target else ""
    badge_room = text_width(badge, SUB_SIZE) + 24 if badge else 0
    title_lines = wrap(meta.title, TITLE_SIZE, text_room - badge_room, max_lines=2)
    sub_lines = wrap(meta.subtitle(), SUB_SIZE, text_room, max_lines=2)
    foot_text = meta.footer()
    if meta.example_target:
        foot_text += f"{lab['sep']}{lab['example']}{lab['colon']}{lab['example_note']}"
    foot_lines = wrap(foot_text, FOOT_SIZE, text_room, max_lines=3)

    title_px = len(title_lines) * TITLE_SIZE * 1.3
    sub_px = len(sub_lines) * SUB_SIZE * 1.45
    legend_rows = _legend_rows(out, text_room)
    legend_px = legend_rows * 24
    head_px = EDGE + title_px + 6 + sub_px + 8
    foot_px = len(foot_lines) * FOOT_SIZE * 1.45 + EDGE

    margin = out.layout.margin
    top = int(head_px + legend_px + 10)
    if any(getattr(out.layout, name).side == "top" for name in _axis_names(out, "xaxis")):
        top += 44  # tick labels drawn above the plot need their own room under the legend
    # Keep the figure's own room below the plot (axis ticks and title) and add the footer under it.
    below = 60 if out.layout.xaxis.visible is not False else 10
    bottom = int(max(margin.b or 0, below) + foot_px)
    out.update_layout(
        width=width,
        height=height,
        font={"family": FONT},
        paper_bgcolor="white",
        title={
            "text": "<br>".join(f"<b>{line}</b>" for line in title_lines),
            "x": EDGE / width,
            "xanchor": "left",
            "xref": "container",
            "y": 1 - EDGE / height,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": TITLE_SIZE, "color": "#263238", "family": FONT},
            "subtitle": {
                "text": "<br>".join(sub_lines),
                "font": {"size": SUB_SIZE, "color": TEXT_GREY, "family": FONT},
            },
            "pad": {"t": 0, "b": 0, "l": 0, "r": 0},
        },
        margin={"t": top, "b": bottom, "l": max(margin.l or 0, _left_room(out)), "r": max(margin.r or 0, 24)},
    )
    annotations = list(out.layout.annotations or ())
    annotations.append(
        go.layout.Annotation(
            text="<br>".join(foot_lines),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            xanchor="left",
            yanchor="bottom",
            align="left",
            showarrow=False,
            font={"size": FOOT_SIZE, "color": TEXT_GREY, "family": FONT},
            name="xa_footer",
        )
    )
    if badge:
        annotations.append(
            go.layout.Annotation(
                text=f"<b>{badge.strip()}</b>",
                xref="paper",
                yref="paper",
                x=1,
                y=1,
                xanchor="right",
                yanchor="top",
                showarrow=False,
                font={"size": SUB_SIZE, "color": EXAMPLE_ORANGE, "family": FONT},
                bgcolor="#fff3e0",
                bordercolor=EXAMPLE_ORANGE,
                borderwidth=1,
                borderpad=4,
                name="xa_example",
            )
        )
    out.update_layout(annotations=annotations)
    _place_blocks(out, width, height, legend_top=head_px, legend_rows=legend_rows)
    return out


def _axis_names(fig: go.Figure, kind: str) -> list[str]:
    names = [name for name in fig.layout if name.startswith(kind)]
    return names or [kind]


def _left_room(fig: go.Figure) -> int:
    # Annotations are placed relative to the plot area, so the left margin must be known in advance:
    # estimate what the y tick labels and title need instead of letting plotly grow it later.
    size = (fig.layout.font.size or 13) if fig.layout.font else 13
    labels: list[str] = []
    numeric = False
    for trace in fig.data:
        ys = getattr(trace, "y", None)
        if ys is None or trace.type in ("indicator", "pie"):
            continue
        strings = [str(y) for y in ys if isinstance(y, str)]
        if strings:
            labels.extend(strings)
        else:
            numeric = True
    room = max((text_width(label, size) for label in labels), default=0.0) + 14
    if numeric:
        room = max(room, 56)
    yaxis = fig.layout.yaxis
    if yaxis.title and yaxis.title.text:
        room += size * 1.9
    return int(max(room, 24))


def _place_blocks(fig: go.Figure, width: int, height: int, *, legend_top: float, legend_rows: int) -> None:
    # Annotations only know the plot area ("paper"), so convert pixel positions from the image edges.
    margin = fig.layout.margin
    paper_h = height - margin.t - margin.b
    paper_w = width - margin.l - margin.r

    def y_from_top(px: float) -> float:
        return 1 + (margin.t - px) / paper_h

    def y_from_bottom(px: float) -> float:
        return -(margin.b - px) / paper_h

    def x_from_left(px: float) -> float:
        return (px - margin.l) / paper_w

    for ann in fig.layout.annotations:
        if ann.name == "xa_footer":
            ann.update(x=x_from_left(EDGE), y=y_from_bottom(EDGE - 4))
        elif ann.name == "xa_example":
            ann.update(x=1 + (margin.r - EDGE) / paper_w, y=y_from_top(EDGE - 2))
    if legend_rows:
        fig.update_layout(
            legend={
                "orientation": "h",
                "xref": "container",
                "yref": "container",
                "x": EDGE / width,
                "xanchor": "left",
                "y": 1 - legend_top / height,
                "yanchor": "top",
                "font": {"size": LEGEND_SIZE, "family": FONT},
                "bgcolor": "rgba(0,0,0,0)",
            }
        )


# Images kept by content (figure JSON + size, format, scale): the same figure is the same image, so a pack
# made again from the same data, or a chart downloaded twice, is not drawn again. ~100 KB a PNG.
CACHED_IMAGES = 96


class ChartRenderer:
    """Converts figures to PNG/SVG through the persistent export browser (kaleido's Chromium)."""

    def __init__(self) -> None:
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_lock = threading.Lock()

    def start(self) -> None:
        """Start the export browser once per process; later calls are free."""
        from dashboard.export.engine import engine

        engine().start()

    def _job(self, fig: go.Figure, fmt: Format, scale: float | None) -> tuple[dict, dict]:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)} (got {fmt!r})")
        width = int(fig.layout.width or EXPORT_WIDTH)
        height = int(fig.layout.height or EXPORT_HEIGHT)
        opts = {
            "format": fmt,
            "width": width,
            "height": height,
            "scale": (scale or PNG_SCALE) if fmt == "png" else 1,
        }
        return fig.to_dict(), opts

    def render(self, fig: go.Figure, fmt: Format, *, scale: float | None = None) -> bytes:
        """Return the figure's image bytes; PNG at 2× the figure's width and height unless told."""
        return self.render_many([fig], fmt, scale=scale)[0]

    def render_many(self, figs: list[go.Figure], fmt: Format, *, scale: float | None = None) -> list[bytes]:
        """Return several figures' images, drawn side by side over the browser's image tabs."""
        from dashboard.export.engine import engine

        jobs = [self._job(fig, fmt, scale) for fig in figs]
        keys = [_content_key(fig_dict, opts) for fig_dict, opts in jobs]
        with self._cache_lock:
            found = {key: self._cache[key] for key in keys if key in self._cache}
        todo = {key: job for key, job in zip(keys, jobs, strict=True) if key not in found}
        if todo:
            drawn = engine().render_many(list(todo.values()))
            found.update(zip(todo, drawn, strict=True))
            with self._cache_lock:
                for key in todo:
                    self._cache[key] = found[key]
                while len(self._cache) > CACHED_IMAGES:
                    self._cache.popitem(last=False)
        with self._cache_lock:
            for key in keys:
                if key in self._cache:
                    self._cache.move_to_end(key)
        return [found[key] for key in keys]

    def png_from_svg(self, svgs: list[bytes], *, scale: float | None = None) -> list[bytes]:
        """Return PNGs (2× unless told) of SVG images this renderer made, without drawing the figures again."""
        from dashboard.export.engine import engine

        return engine().rasterize([svg.decode("utf-8") for svg in svgs], scale or PNG_SCALE)

    def clear_cache(self) -> None:
        """Forget every kept image (benchmarks time drawing, not the cache)."""
        with self._cache_lock:
            self._cache.clear()


def _content_key(fig_dict: dict, opts: dict) -> str:
    from plotly.utils import PlotlyJSONEncoder

    text = json.dumps([fig_dict, opts], cls=PlotlyJSONEncoder, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_RENDERER = ChartRenderer()


def renderer() -> ChartRenderer:
    """Return the process-wide renderer (its browser stays up between exports)."""
    return _RENDERER


@contextmanager
def rendering() -> Iterator[ChartRenderer]:
    """Yield the shared renderer with its server started, for a batch such as a briefing pack."""
    _RENDERER.start()
    yield _RENDERER


def export_chart(fig: go.Figure, meta: ChartMeta, fmt: Format, *, width: int = EXPORT_WIDTH) -> bytes:
    """Return one chart decorated with its metadata block as PNG, SVG or PDF bytes."""
    decorated = decorate(fig, meta, width=width)
    if fmt == "pdf":
        from dashboard.export.pdf import svg_to_pdf

        svg = _RENDERER.render(decorated, "svg").decode("utf-8")
        return svg_to_pdf(svg, int(decorated.layout.width), int(decorated.layout.height))
    return _RENDERER.render(decorated, fmt)
