"""Display tables for the pages: domain frames in, labelled frames out (every number with unit,
period, place and source)."""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.i18n import current_language, has_key, name_of, t
from dashboard.numbers import fmt_number
from indicators.article_metrics import ArticleMetric
from indicators.catalogue import Catalogue
from indicators.errors import Problem
from indicators.models import FirstLevel, Indicator
from indicators.observations import china_today
from indicators.periods import begun_periods, example_for
from indicators.progress import STATUSES
from indicators.sdg_progress import SDG_STATUSES
from indicators.text import squash

HISTORY_ROWS = 500
PLAN_KINDS = ("new", "changed", "unchanged", "errors")
ENTRY_FIRST_YEAR = 2015
ALL_STATUSES = STATUSES + tuple(s for s in SDG_STATUSES if s not in STATUSES)


def status_labels() -> dict[str, str]:
    """Return status code → label in the session's language (both scoring methods)."""
    return {s: t("status." + s) for s in ALL_STATUSES}


def is_missing(value: Any) -> bool:
    """Return True for None and NaN."""
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA


def value_text(value: Any, unit: str, qualifier: str | None = None) -> str:
    """Return a value with its unit (and qualifier such as 余/约), or — when missing."""
    if is_missing(value):
        return "—"
    number = f"{float(value):,.2f}".rstrip("0").rstrip(".")
    prefix = t(f"qualifier_prefix.{qualifier}") if qualifier and qualifier != "exact" else ""
    return f"{prefix}{number} {unit}".strip()


def target_text(ind: Indicator) -> str:
    """Return the target with unit and period, marked 示例目标 when it is ours, not the city's."""
    if ind.direction == "range" and ind.range is not None and ind.target is None:
        return f"{ind.range.min:g}–{ind.range.max:g} {ind.unit}"
    if ind.target is None:
        return t("common.no_target")
    text = f"{value_text(ind.target.value, ind.unit)}（{ind.target.period}）"
    if ind.target.kind == "example":
        text += f" · {t('common.example_target')}"
    return text


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:])")


def plain_md(text: str) -> str:
    """Return user text escaped for st.markdown, so links, images and markup in it show as typed."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def source_text(row: dict[str, Any]) -> str:
    """Return where a value comes from: its source kind and reference."""
    kind = row.get("source_kind")
    ref = row.get("source_ref")
    parts = []
    if not is_missing(kind):
        parts.append(t(f"source_kind.{kind}"))
    if not is_missing(ref) and ref:
        parts.append(str(ref))
    return " · ".join(parts) or "—"


def provenance(row: dict[str, Any], place_name: str) -> str:
    """Return the line naming unit, period, place and source of a shown value."""
    if is_missing(row.get("value")):
        return t("common.no_data_place", place=place_name)
    return t(
        "common.provenance",
        unit=row.get("unit") or "",
        period=row.get("period") or "—",
        place=place_name,
        source=source_text(row),
    )


def progress_row(progress: pd.DataFrame, ind_id: str) -> dict[str, Any]:
    """Return the scored row of one indicator at the page's place (empty when absent)."""
    rows = progress[progress["indicator_id"] == ind_id]
    return rows.iloc[0].to_dict() if len(rows) else {}


def progress_columns() -> dict[str, Any]:
    """Return column settings shared by progress tables."""
    return {
        t("col.progress"): st.column_config.ProgressColumn(
            t("col.progress"), min_value=0, max_value=100, format="%.0f%%", help=t("col.progress_help")
        ),
        t("col.expected"): st.column_config.NumberColumn(t("col.expected"), format="%.0f%%"),
    }


def _ind_cells(ind: Indicator, row: dict[str, Any], place_name: str | None) -> dict[str, Any]:
    status = row.get("status") or "no_data"
    cells: dict[str, Any] = {
        t("col.indicator"): name_of(ind),
        t("col.latest"): value_text(row.get("value"), ind.unit, row.get("qualifier")),
        t("col.period"): row.get("period") if not is_missing(row.get("period")) else "—",
    }
    if place_name is not None:
        cells[t("col.place")] = place_name
    cells[t("col.progress")] = row.get("progress")
    cells[t("col.expected")] = row.get("expected")
    cells[t("col.status")] = status_labels()[status]
    cells[t("col.target")] = target_text(ind)
    cells[t("col.source")] = source_text(row)
    return cells


def behind_table(progress: pd.DataFrame, catalogue: Catalogue, limit: int = 10) -> pd.DataFrame:
    """Return the indicators furthest behind their expected progress at one place."""
    scored = progress[progress["status"].isin(["off_track", "at_risk", "deterioration", "limited"])].copy()
    if scored.empty:
        return pd.DataFrame()
    # Furthest behind: the lowest score, then the widest gap to where the path says it should be.
    scored["gap"] = scored["expected"] - scored["progress"]
    scored = scored.sort_values(["score", "gap"], ascending=[True, False]).head(limit)
    rows = []
    for row in scored.to_dict("records"):
        ind = catalogue.indicators[row["indicator_id"]]
        place_name = name_of(catalogue.place_by_code[row["place_code"]])
        rows.append(_ind_cells(ind, row, place_name))
    return pd.DataFrame(rows)


def changes_table(changes: pd.DataFrame, catalogue: Catalogue, limit: int = 12) -> pd.DataFrame:
    """Return latest values next to the previous period's, with the change and whether it is better."""
    if changes.empty:
        return pd.DataFrame()
    rows = []
    for row in changes.head(limit).to_dict("records"):
        ind = catalogue.indicators[row["indicator_id"]]
        trend = row.get("trend")
        rows.append(
            {
                t("col.indicator"): name_of(ind),
                t("col.latest"): f"{value_text(row['value'], ind.unit)}（{row['period']}）",
                t("col.previous"): f"{value_text(row['prev_value'], ind.unit)}（{row['prev_period']}）",
                t("col.change"): f"{fmt_number(row['change_prev'], signed=True)} {ind.unit}",
                t("col.trend"): t(f"trend.{trend}") if isinstance(trend, str) else "—",
                t("col.source"): source_text(row),
            }
        )
    return pd.DataFrame(rows)


def theme_columns() -> dict[str, Any]:
    """Return column settings of the theme table: progress bars and sparklines."""
    cols = progress_columns()
    cols[t("col.sparkline")] = st.column_config.LineChartColumn(t("col.sparkline"), width="small")
    cols["id"] = None  # kept for sorting and links, not shown
    return cols


def article_figure_text(metrics: list[ArticleMetric], catalogue: Catalogue) -> str:
    """Return the article figures of an indicator with whose and when they are, or — when none."""
    shown = []
    for m in metrics:
        place = catalogue.place_by_code[m.place]
        value = value_text(m.value, m.unit, m.qualifier)
        shown.append(t("theme.article_figure", value=value, place=name_of(place), period=m.period))
    return "；".join(shown) if shown else "—"


def theme_table(
    first: FirstLevel,
    progress: pd.DataFrame,
    sparks: dict[str, list[float]],
    catalogue: Catalogue,
    statuses: list[str],
    article_metrics: dict[str, list[ArticleMetric]] | None = None,
) -> pd.DataFrame:
    """Return one row per second-level indicator of a first-level one, keeping only chosen statuses.

    Each row also says which article figure feeds the indicator (whose and when) and where the indicator
    comes from (article, inferred from the articles, or proposed by the team).
    """
    article_metrics = article_metrics or {}
    by_id = progress.set_index("indicator_id")
    rows = []
    for ind in first.indicators:
        row = by_id.loc[ind.id].to_dict() if ind.id in by_id.index else {}
        status = row.get("status") or "no_data"
        if status not in statuses:
            continue
        cells = _ind_cells(ind, row, None)
        # The sparkline sits next to the latest value it ends with.
        ordered = {}
        for key, value in cells.items():
            ordered[key] = value
            if key == t("col.period"):
                ordered[t("col.sparkline")] = sparks.get(ind.id, [])
        cells = ordered
        cells[t("col.article_figure")] = article_figure_text(article_metrics.get(ind.id, []), catalogue)
        cells[t("col.origin")] = t("origin_short." + ind.origin.kind)
        cells[t("col.department")] = catalogue.department_names(ind.id, current_language())
        cells["id"] = ind.id
        rows.append(cells)
    return pd.DataFrame(rows)


def milestones_frame(ind: Indicator) -> pd.DataFrame:
    """Return an indicator's milestones as period, value rows."""
    return pd.DataFrame(
        [{"period": m.period, "value": m.value} for m in ind.milestones], columns=["period", "value"]
    )


def latest_per_place(frame: pd.DataFrame) -> pd.DataFrame:
    """Return each place's last row of a place, period, value frame already sorted by period."""
    return frame.groupby("place", sort=False).tail(1).reset_index(drop=True)


def _when(value: Any) -> str:
    if is_missing(value):
        return "—"
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


def history_table(
    history: pd.DataFrame, catalogue: Catalogue, *, with_indicator: bool = False
) -> pd.DataFrame:
    """Return revisions newest first: who saved what value, when, why, from which source."""
    rows = []
    for row in history.to_dict("records"):
        ind = catalogue.indicators.get(row["indicator_id"])
        unit = row.get("unit") or (ind.unit if ind else "")
        cells: dict[str, Any] = {}
        if with_indicator:
            cells[t("col.indicator")] = name_of(ind) if ind else row["indicator_id"]
        place = catalogue.place_by_code.get(row["place_code"])
        cells[t("col.place")] = name_of(place) if place else row["place_code"]
        cells[t("col.period")] = row["period"]
        cells[t("col.revision")] = row.get("revision")
        retracted = bool(row.get("retracted")) if not is_missing(row.get("retracted")) else False
        cells[t("col.value")] = (
            t("history.retracted") if retracted else value_text(row.get("value"), unit, row.get("qualifier"))
        )
        cells[t("col.source")] = source_text(row)
        cells[t("col.entered_by")] = row.get("entered_by")
        cells[t("col.entered_at")] = _when(row.get("entered_at"))
        cells[t("col.reason")] = row.get("reason") or ""
        cells[t("col.note")] = row.get("note") or ""
        rows.append(cells)
    return pd.DataFrame(rows)


def observations_table(frame: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Return observations of comparison places with unit, period, place and source."""
    rows = []
    for row in frame.to_dict("records"):
        ind = catalogue.indicators[row["indicator_id"]]
        rows.append(
            {
                t("col.place"): row["place"],
                t("col.period"): row["period"],
                t("col.value"): value_text(row["value"], row.get("unit") or ind.unit, row.get("qualifier")),
                t("col.source"): source_text(row),
            }
        )
    return pd.DataFrame(rows)


def entry_periods(frequency: str) -> tuple[list[str], str]:
    """Return the periods offered for entry (begun, newest first) and the one to preselect."""
    return begun_periods(frequency, china_today(), ENTRY_FIRST_YEAR)


def period_hint(frequency: str) -> str:
    """Return an example period for a frequency."""
    return example_for(frequency)


def current_of(history: pd.DataFrame) -> dict[str, Any] | None:
    """Return the newest revision of a value, or None when nothing (or only a retraction) is stored."""
    if history.empty:
        return None
    last = history.sort_values("revision").iloc[-1].to_dict()
    if last.get("retracted") is True:
        return None
    return last


def record_text(record: dict[str, Any], catalogue: Catalogue) -> str:
    """Return one stored value as a sentence: value unit · place · period · source · who · when."""
    ind = catalogue.indicators[record["indicator_id"]]
    place = catalogue.place_by_code[record["place_code"]]
    return t(
        "common.record",
        value=t("history.retracted")
        if record.get("retracted") is True
        else value_text(record.get("value"), record.get("unit") or ind.unit, record.get("qualifier")),
        place=name_of(place),
        period=record["period"],
        source=plain_md(source_text(record)),
        who=plain_md(record.get("entered_by") or "—"),
        when=_when(record.get("entered_at")),
        revision=record.get("revision"),
    )


def stored_table(record: dict[str, Any], catalogue: Catalogue) -> pd.DataFrame:
    """Return every stored field of one value as label / value rows."""
    shown = {k: ("" if is_missing(v) else str(v)) for k, v in record.items()}
    return pd.DataFrame({t("col.field"): list(shown), t("col.value"): list(shown.values())})


def problem_field(problem: Problem) -> str:
    """Return the form field a problem concerns (the last part of its path)."""
    return problem.path.split(".")[-1] if problem.path else ""


def problem_message(problem: Problem) -> str:
    """Return a problem's message from the locale (`problem.<code>` with its params), else as raised."""
    key = f"problem.{problem.code}"
    if problem.code and has_key(key):
        return t(key, **{k: v for k, v in problem.params.items()})
    return problem.message


def problem_text(problem: Problem) -> str:
    """Return a problem as the sentence shown next to its field, in the session's language."""
    text = problem_message(problem)
    if problem.hint and not has_key(f"problem.{problem.code}"):
        text += f"（{t('common.hint')}：{problem.hint}）"
    if problem.line is not None and problem.file:
        text = f"{problem.file}:{problem.line} · {problem.path}: {text}"
    # Messages quote file contents (unknown ids, cells); shown in markdown they must stay plain text.
    return plain_md(text)


def figure_label(row: dict[str, Any], catalogue: Catalogue) -> str:
    """Return what an extracted figure is: value, unit and the indicator and place it feeds, if any."""
    said = value_text(row["value"], row["unit"], row["qualifier"])
    ind_id = row.get("indicator_id")
    if is_missing(ind_id) or ind_id not in catalogue.indicators:
        return f"{said} · {t('sources.not_fed')}"
    place = catalogue.place_by_code.get(row["place_code"])
    return f"{said} → {name_of(catalogue.indicators[ind_id])} · {name_of(place) if place else ''} · {row['period']}"


def article_figures_table(figures: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Return the figures of an article: as written, read value, the indicator and place it feeds."""
    rows = []
    for row in figures.to_dict("records"):
        ind_id = row.get("indicator_id")
        fed = not is_missing(ind_id) and ind_id in catalogue.indicators
        place = catalogue.place_by_code.get(row["place_code"]) if fed else None
        place_text = "—"
        if place is not None:
            place_text = name_of(place) + (f"（{t('common.comparison_place')}）" if place.comparison else "")
        rows.append(
            {
                t("col.as_written"): squash(row["text"]),
                t("col.value"): value_text(row["value"], row["unit"], row["qualifier"]),
                t("col.indicator"): name_of(catalogue.indicators[ind_id]) if fed else "—",
                t("col.place"): place_text,
                t("col.period"): row["period"] if fed else "—",
                t("col.quote"): row["quote"],
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    # Figures that feed an indicator first: they are what the page is for.
    return frame.sort_values(t("col.indicator"), key=lambda s: s.eq("—"), kind="stable")


def highlighted_html(text: str, figures: pd.DataFrame, catalogue: Catalogue) -> str:
    """Return an article as HTML with each extracted figure marked; figures feeding an indicator stand out."""
    out, pos = [], 0
    rows = sorted(figures.to_dict("records"), key=lambda r: r["start"]) if not figures.empty else []
    for row in rows:
        start, end = int(row["start"]), int(row["end"])
        if start < pos:
            continue  # overlapping spans: keep the first
        ind_id = row.get("indicator_id")
        fed = not is_missing(ind_id) and ind_id in catalogue.indicators
        label = html.escape(figure_label(row, catalogue), quote=True)
        css = "xa-fed" if fed else "xa-figure"
        out.append(html.escape(text[pos:start]))
        out.append(f'<mark class="{css}" title="{label}">{html.escape(text[start:end])}</mark>')
        if fed:
            out.append(f'<sup class="xa-tag">{html.escape(name_of(catalogue.indicators[ind_id]))}</sup>')
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def language() -> str:
    """Return the session's language code."""
    return current_language()


def plan_counts(plan: Any) -> dict[str, int]:
    """Return how many rows of a dry run are new, changed, unchanged or in error."""
    summary = plan.summary()
    return {kind: int(summary.get(kind, 0)) for kind in PLAN_KINDS}


def plan_table(plan: Any, kind: str, catalogue: Catalogue) -> pd.DataFrame:
    """Return the rows of one dry-run outcome; errors name their row and column."""
    if kind == "errors":
        return pd.DataFrame(
            [
                {
                    t("col.row"): e.row,
                    t("col.column"): e.column,
                    t("col.problem"): e.message + (f"（{t('common.hint')}：{e.hint}）" if e.hint else ""),
                }
                for e in plan.errors
            ]
        )
    rows = []
    for r in getattr(plan, kind):
        ind = catalogue.indicators.get(r.indicator_id)
        place = catalogue.place_by_code.get(r.place_code)
        cells = {
            t("col.row"): r.row,
            t("col.indicator"): name_of(ind) if ind else r.indicator_id,
            t("col.place"): name_of(place) if place else r.place_code,
            t("col.period"): r.period,
            t("col.value"): value_text(r.value, r.unit, r.qualifier),
        }
        if kind == "changed":
            cells[t("col.previous")] = value_text(r.old_value, r.unit)
            cells[t("col.entered_by")] = r.current_by or ""
        cells[t("col.source")] = r.source_ref or ""
        rows.append(cells)
    return pd.DataFrame(rows)
