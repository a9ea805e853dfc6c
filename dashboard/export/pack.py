"""The briefing pack as data: its charts, theme sections and rows, shared by the builder and the writers.

Kept apart from dashboard/export/briefing.py (which builds a pack and calls the writers) so the PDF and PPTX
writers import the pack without importing its builder: no import cycle between them."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from dashboard.export.charts import ChartMeta, decorate

TABLE_ROWS = 8  # rows of the behind-target table that fit a slide; the rest are counted below it
SLIDE_CHART_WIDTH = 820


@dataclass
class PackChart:
    """A chart of the pack: the figure, what it says about itself, and the data behind it."""

    key: str
    figure: go.Figure
    meta: ChartMeta
    data: pd.DataFrame
    _decorated: go.Figure | None = field(default=None, repr=False, compare=False)

    def decorated(self) -> go.Figure:
        """Return the figure with its title, unit, place, period, source and date drawn in (made once)."""
        # Made once: the slides and the PDF use the same one, and decorating costs ~0.05 s a chart.
        if self._decorated is None:
            self._decorated = decorate(self.figure, self.meta, width=SLIDE_CHART_WIDTH)
        return self._decorated


@dataclass
class BehindRow:
    """An indicator behind its target, as the theme slide's table shows it."""

    indicator_id: str
    name: str
    latest: str
    target: str
    progress: str
    status: str
    department: str
    example_target: bool


@dataclass
class ThemeSection:
    """One theme slide: its score, its chart, the indicators behind target, and their trend charts."""

    theme_id: str
    name: str
    project: str
    goal: str
    score: float | None
    coverage: float
    n_indicators: int
    status_counts: dict[str, int]
    chart: PackChart
    behind: list[BehindRow]
    details: list[PackChart] = field(default_factory=list)

    def behind_shown(self) -> tuple[list[BehindRow], int]:
        """Return the rows the slide table shows and how many more there are."""
        return self.behind[:TABLE_ROWS], max(0, len(self.behind) - TABLE_ROWS)


@dataclass
class Pack:
    """A whole briefing: title, overview (心安指数 and theme scores), theme sections, sources."""

    title: str
    subtitle: str
    place_code: str
    place_name: str
    period: str
    period_text: str
    made_on: dt.date
    # When it was made, in Beijing time and labelled (the PDF and PPTX print it).
    made_at: str
    index_score: float | None
    index_coverage: float
    overview: PackChart
    themes: list[ThemeSection]
    sources: list[str]
    notes: list[str]

    def charts(self) -> list[PackChart]:
        """Return every chart of the pack in slide order."""
        out = [self.overview]
        for section in self.themes:
            out.append(section.chart)
            out.extend(section.details)
        return out


@dataclass
class RenderedChart:
    """A pack chart as PNG for the slides, with its pixel size (the PDF draws its charts as vectors)."""

    png: bytes
    width: int
    height: int


def escape(text: str) -> str:
    """Return text safe to put into the pack's HTML."""
    return html.escape(text, quote=True)
