"""The seed articles as the sources page shows them: title, text, and each figure with the indicator it feeds."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from indicators.articles.extract import extract
from indicators.paths import SEEDS_DIR
from indicators.text import squash

FIGURE_COLUMNS = [
    "start",
    "end",
    "text",
    "value",
    "unit",
    "qualifier",
    "quote",
    "indicator_id",
    "place_code",
    "period",
]
TITLE_CHARS = 48


@dataclass(frozen=True)
class Article:
    """A seed article: file name, a title line read from it, and its text unchanged."""

    seed: str
    title: str
    text: str


def article_title(text: str) -> str:
    """Return the first line that reads as a headline: not a menu item, line-wraps joined, shortened."""
    for block in text.split("\n\n"):
        kept = [ln for ln in block.splitlines() if not ln.lstrip().startswith("- ")]
        line = squash("".join(kept))
        if len(line) >= 6:
            return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"
    return ""


def list_articles(seeds_dir: str | Path | None = None) -> list[Article]:
    """Return every seed article in file-name order."""
    folder = Path(seeds_dir) if seeds_dir is not None else SEEDS_DIR
    out = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out.append(Article(seed=path.name, title=article_title(text) or path.name, text=text))
    return out


def _feeds(finding: Any, metric: Any) -> bool:
    # A curated metric names the words holding the figure; the extracted figure is that one when the value
    # agrees and either quote holds the other (whitespace and line-wraps ignored).
    if abs(float(finding.value) - float(metric.value)) > 1e-9 * max(1.0, abs(float(metric.value))):
        return False
    said, quoted, clause = squash(finding.text), squash(metric.quote), squash(finding.quote)
    return said in quoted or quoted in clause


def article_figures(article: Article, metrics: Sequence[Any]) -> pd.DataFrame:
    """Return every figure in an article (offsets into its text) and, where curated, the indicator it feeds.

    `metrics` are the curated article metrics (indicator, place, period, value, seed, quote).
    """
    mine = [m for m in metrics if m.seed == article.seed]
    rows = []
    for finding in extract(article.text, article.seed):
        fed = next((m for m in mine if _feeds(finding, m)), None)
        rows.append(
            {
                "start": finding.offset,
                "end": finding.offset + len(finding.text),
                "text": finding.text,
                "value": finding.value,
                "unit": finding.unit,
                "qualifier": finding.qualifier,
                "quote": finding.quote,
                "indicator_id": fed.indicator if fed else None,
                "place_code": fed.place if fed else None,
                "period": str(fed.period) if fed else None,
            }
        )
    return pd.DataFrame(rows, columns=FIGURE_COLUMNS)
