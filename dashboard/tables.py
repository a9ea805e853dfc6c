"""Display tables for the pages: domain frames in, labelled frames out (every number with unit,
period, place and source)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard.i18n import current_language, has_key, name_of, t
from dashboard.numbers import fmt_number
from dashboard.timefmt import time_text
from indicators.articles.metrics import ArticleMetric
from indicators.articles.quantity import format_plain  # noqa: F401  (pages write plain numbers with it)
from indicators.bulk import COLUMN_HEADERS_ZH
from indicators.catalogue import Catalogue
from indicators.errors import Problem
from indicators.models import FirstLevel, Indicator, Theme
from indicators.periods import begun_periods
from indicators.scoring.plausibility import Flag, read_flags
from indicators.scoring.progress import STATUSES
from indicators.scoring.sdg_progress import SDG_STATUSES
from indicators.store.observations import china_today

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
    return f"{text} · {target_kind_label(ind.target.kind)}"


def standard_text(catalogue: Catalogue) -> str | None:
    """Return the line naming the published standard: number, title, issuer, dates and parts."""
    std = catalogue.framework.standard
    if std is None:
        return None
    return t(
        "standard.line",
        code=std.code,
        title=std.title_zh,
        issuer=std.issuer_zh,
        published=std.published.isoformat(),
        in_force=std.in_force.isoformat(),
        parts=len(std.parts),
    )


def standard_part_text(catalogue: Catalogue, theme: Theme) -> str | None:
    """Return the line naming a theme's part standard (e.g. DB3716/T 68.6—2024 第6部分：安心)."""
    std = catalogue.framework.standard
    if std is None or theme.standard_part is None:
        return None
    part = next((p for p in std.parts if p.code == theme.standard_part), None)
    if part is None:
        return None
    key = "standard.part_line" if part.confirmed else "standard.part_line_inferred"
    return t(key, code=part.code, title=part.title_zh, standard=std.title_zh)


def target_kind_label(kind: str) -> str:
    """Return 示例目标 / 国家目标 / 省级目标 / 市级目标 / 官方目标 for a target kind."""
    return t("common.example_target") if kind == "example" else t(f"standard.target_kind.{kind}")


def target_source_text(ind: Indicator) -> str | None:
    """Return 'document, issuer, clause (year): figure' for a target a document sets, else None."""
    if ind.target is None or ind.target.source is None:
        return None
    src = ind.target.source
    text = t(
        "standard.target_source",
        document=src.document,
        issuer=src.issuer or "",
        clause=src.clause,
        year=src.year,
        figure=src.figure,
    )
    return f"{text} {t('standard.target_scope', scope=src.scope)}" if src.scope else text


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
        parts.append(article_ref_text(str(ref)))
    return " · ".join(parts) or "—"


_SEED_REF = re.compile(r"^(?P<seed>[\w.-]+\.(?:txt|md))(?P<rest>(?::|：).*)?$", re.S)


def article_ref_text(ref: str) -> str:
    """Return a source reference naming the article by its title (《…》), not by its seed file name."""
    m = _SEED_REF.match(ref.strip())
    if m is None:
        return ref
    from dashboard import data

    title = data.article_title(m.group("seed"))
    if not title:
        return ref
    return f"《{title}》{m.group('rest') or ''}"


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


def is_flagged(row: dict[str, Any]) -> bool:
    """True when the value shown was saved despite plausibility flags (confirmed with a reason)."""
    flags = row.get("flags")
    return not is_missing(flags) and bool(flags)


def status_text(row: dict[str, Any]) -> str:
    """Return a row's status label, marked ⚠ when its value was flagged: a typo never reads as 已达标."""
    label = status_labels()[row.get("status") or "no_data"]
    return f"{t('entry_safety.flagged_status')} · {label}" if is_flagged(row) else label


def progress_columns() -> dict[str, Any]:
    """Return column settings shared by progress tables."""
    return {
        t("col.progress"): st.column_config.ProgressColumn(
            t("col.progress"), min_value=0, max_value=100, format="%.0f%%", help=t("col.progress_help")
        ),
        t("col.expected"): st.column_config.NumberColumn(t("col.expected"), format="%.0f%%"),
    }


def _ind_cells(ind: Indicator, row: dict[str, Any], place_name: str | None) -> dict[str, Any]:
    flagged = is_flagged(row)
    latest = value_text(row.get("value"), ind.unit, row.get("qualifier"))
    cells: dict[str, Any] = {
        t("col.indicator"): name_of(ind),
        t("col.latest"): f"⚠ {latest}" if flagged else latest,
        t("col.period"): row.get("period") if not is_missing(row.get("period")) else "—",
    }
    if place_name is not None:
        cells[t("col.place")] = place_name
    cells[t("col.progress")] = row.get("progress")
    cells[t("col.expected")] = row.get("expected")
    cells[t("col.status")] = status_text(row)
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


def indicator_url(ind_id: str, place: str | None = None) -> str:
    """Return the (relative) address of an indicator's page, at a place when given."""
    return f"indicator?id={ind_id}" + (f"&place={place}" if place else "")


def link_column() -> Any:
    """Return the column setting of a table column holding page addresses (shown as a short link text)."""
    return st.column_config.LinkColumn(
        t("entry_safety.col_open"), display_text=t("entry_safety.open_link"), width="small"
    )


def theme_columns() -> dict[str, Any]:
    """Return column settings of the theme table: progress bars and sparklines."""
    cols = progress_columns()
    cols[t("entry_safety.col_open")] = link_column()
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
    place: str | None = None,
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
        # The sparkline sits next to the latest value it ends with; the link next to the name.
        ordered = {}
        for key, value in cells.items():
            ordered[key] = value
            if key == t("col.indicator"):
                ordered[t("entry_safety.col_open")] = indicator_url(ind.id, place)
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
    # Stored in UTC; people read Beijing time, labelled so nobody wonders which.
    if is_missing(value):
        return "—"
    return time_text(value)


def _who(login: Any) -> str:
    from dashboard import data

    return data.person(login)


def value_history_rows(views: Any, ind_id: str, place: str, period: str) -> pd.DataFrame:
    """Return one value's revisions as a display table, newest first (a memo builder: ctx.memo)."""
    return history_table(views.value_history(ind_id, place, period), views.catalogue)


def indicator_history_rows(views: Any, ind_id: str, place: str) -> pd.DataFrame:
    """Return every revision of an indicator at a place as a display table (a memo builder: ctx.memo)."""
    return history_table(views.indicator_history(ind_id, place), views.catalogue)


def history_table(
    history: pd.DataFrame, catalogue: Catalogue, *, with_indicator: bool = False
) -> pd.DataFrame:
    """Return revisions newest first: who saved what value, when, why, from which source."""
    # Column names looked up once, not per revision: a place's history has hundreds of rows.
    label = {
        key: t(key)
        for key in (
            "col.indicator",
            "col.place",
            "col.period",
            "col.revision",
            "col.value",
            "entry_safety.col_flags",
            "entry_safety.col_flag_reason",
            "col.source",
            "col.entered_by",
            "col.entered_at",
            "col.reason",
            "col.note",
        )
    }
    retracted_text = t("history.retracted")
    rows = []
    for row in history.to_dict("records"):
        ind = catalogue.indicators.get(row["indicator_id"])
        unit = row.get("unit") or (ind.unit if ind else "")
        cells: dict[str, Any] = {}
        if with_indicator:
            cells[label["col.indicator"]] = name_of(ind) if ind else row["indicator_id"]
        place = catalogue.place_by_code.get(row["place_code"])
        cells[label["col.place"]] = name_of(place) if place else row["place_code"]
        cells[label["col.period"]] = row["period"]
        cells[label["col.revision"]] = row.get("revision")
        retracted = bool(row.get("retracted")) if not is_missing(row.get("retracted")) else False
        cells[label["col.value"]] = (
            retracted_text if retracted else value_text(row.get("value"), unit, row.get("qualifier"))
        )
        # A flagged value and the reason it was confirmed sit next to the value, not off-screen.
        cells[label["entry_safety.col_flags"]] = flags_text(row.get("flags"))
        cells[label["entry_safety.col_flag_reason"]] = _text_or_blank(row.get("flag_reason"))
        cells[label["col.source"]] = source_text(row)
        cells[label["col.entered_by"]] = _who(row.get("entered_by"))
        cells[label["col.entered_at"]] = _when(row.get("entered_at"))
        cells[label["col.reason"]] = row.get("reason") or ""
        cells[label["col.note"]] = row.get("note") or ""
        rows.append(cells)
    return pd.DataFrame(rows)


def _text_or_blank(value: Any) -> str:
    return "" if is_missing(value) else str(value)


def flag_text(flag: Flag) -> str:
    """Return one plausibility flag as a sentence in the session's language."""
    key = f"entry_safety.flag_{flag.code}"
    return t(key, **flag.params) if has_key(key) else flag.message


def flags_text(flags: Any) -> str:
    """Return the stored flags of a revision as '⚠ …；⚠ …' ('' when it has none)."""
    if is_missing(flags) or not flags:
        return ""
    return "；".join("⚠ " + flag_text(f) for f in read_flags(str(flags)))


def conflict_text(problem: Problem, catalogue: Catalogue) -> str:
    """Return a refused stale save: which value, who changed it, when, to what, and on which revision."""
    params = problem_params(problem.params)
    if params.get("retracted") is True:
        params["value"] = t("history.retracted")
    where = str(params.pop("where", "") or "")
    row = re.fullmatch(r"row (\d+)", where)
    if row is not None:
        # An import row: the plan was made before someone else's change.
        return plain_md(t("entry_safety.import_conflict", row=row.group(1), **params))
    text = t("entry_safety.conflict", **params)
    return plain_md(f"{where}：{text}" if where else text)


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
        who=plain_md(_who(record.get("entered_by"))),
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


def problem_params(params: Mapping[str, object]) -> dict[str, object]:
    """Return a problem's parameters as people read them: names for ids, Beijing times, display names."""
    from dashboard import data

    catalogue = data.catalogue()
    themes = {theme.id: name_of(theme) for theme in catalogue.themes}
    out: dict[str, object] = {}
    for key, value in params.items():
        if isinstance(value, dt.datetime | pd.Timestamp):
            value = time_text(value)
        elif key == "indicator" and value in catalogue.indicators:
            value = name_of(catalogue.indicators[value])
        elif key == "place" and value in catalogue.place_by_code:
            value = name_of(catalogue.place_by_code[value])
        elif key == "theme":
            value = themes.get(str(value), value)
        elif key == "themes" and isinstance(value, tuple | list):
            value = "、".join(str(themes.get(x, x)) for x in value) or "—"
        elif key in ("departments", "owners") and isinstance(value, tuple | list):
            sep = "、" if current_language() == "zh" else "; "
            value = sep.join(catalogue.department_name(str(x), current_language()) for x in value) or "—"
        elif key in ("user", "who") and value != "—":
            value = data.person(value)
        elif key == "action" and has_key(f"session.action.{value}"):
            value = t(f"session.action.{value}")
        elif key == "frequency" and has_key(f"frequency.{value}"):
            value = t(f"frequency.{value}")
        elif key == "column":
            value = column_label(str(value))
        elif isinstance(value, float):
            value = fmt_number(value)
        out[key] = value
    return out


def column_label(code: str) -> str:
    """Return an import column as the template names it (Chinese), or its code in English."""
    if current_language() == "zh":
        return COLUMN_HEADERS_ZH.get(code, code)
    return code


def problem_message(problem: Problem) -> str:
    """Return a problem's message from the locale (`problem.<code>` with its params), else as raised."""
    key = f"problem.{problem.code}"
    if problem.code and has_key(key):
        return t(key, **problem_params(problem.params))
    return problem.message


def problem_text(problem: Problem) -> str:
    """Return a problem as the sentence shown next to its field, in the session's language."""
    if problem.code == "conflict" and "who" in problem.params:
        from dashboard import data

        return conflict_text(problem, data.catalogue())
    text = problem_message(problem)
    translated = has_key(f"problem.{problem.code}")
    if problem.hint and not translated:
        text += f"（{t('common.hint')}：{problem.hint}）"
    row = problem.params.get("row")
    if translated and row:
        # Where in the file, in the reader's language (the English `path` is for the CLI).
        column = problem.params.get("column")
        where = t("session.at_cell", row=row, column=column_label(str(column))) if column else None
        text = f"{where or t('session.at_row', row=row)} · {text}"
    elif problem.line is not None and problem.file and not translated:
        text = f"{problem.file}:{problem.line} · {problem.path}: {text}"
    # Messages quote file contents (unknown ids, cells); shown in markdown they must stay plain text.
    return plain_md(text)


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
                    t("col.column"): column_label(e.column),
                    t("col.problem"): problem_message(e.problem(plan.filename)),
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
            cells[t("col.entered_by")] = _who(r.current_by) if r.current_by else ""
        cells[t("col.source")] = r.source_ref or ""
        rows.append(cells)
    return pd.DataFrame(rows)


# Columns of a chart's data as people read them (the chart's CSV/XLSX download); machine columns are dropped.
_CHART_COLUMNS = {
    "indicator_id": "col.indicator",
    "place": "col.place",
    "period": "col.period",
    "value": "col.value",
    "unit": "common.unit",
    "qualifier": "entry.qualifier",
    "source_kind": "entry.source_kind",
    "source_ref": "col.source",
    "revision": "col.revision",
    "entered_by": "col.entered_by",
    "entered_at": "col.entered_at",
    "flags": "entry_safety.col_flags",
    "flag_reason": "entry_safety.col_flag_reason",
}
# The curated article notes are the curators' working notes (English), the hashes are for `verify`.
_CHART_DROPPED = {"note", "place_code", "prev_hash", "row_hash", "document_id", "quote_offset"}


def chart_data(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the data behind a chart with headers and values people read: names, labels, flags as text."""
    from dashboard import data

    catalogue = data.catalogue()
    out = frame.drop(columns=[c for c in frame.columns if c.startswith("_") or c in _CHART_DROPPED])
    if "place" not in out and "place_code" in frame:
        out.insert(
            min(1, len(out.columns)),
            "place",
            [name_of(catalogue.place_by_code[c]) for c in frame["place_code"]],
        )
    convert = {
        "indicator_id": lambda v: name_of(catalogue.indicators[v]) if v in catalogue.indicators else v,
        "qualifier": lambda v: t("qualifier." + v) if isinstance(v, str) and has_key("qualifier." + v) else v,
        "source_kind": lambda v: (
            t("source_kind." + v) if isinstance(v, str) and has_key("source_kind." + v) else v
        ),
        "entered_by": lambda v: data.person(v) if isinstance(v, str) else v,
        "flags": flags_text,
    }
    for column, change in convert.items():
        if column in out:
            out[column] = [change(v) for v in out[column]]
    return out.rename(columns={c: t(key) for c, key in _CHART_COLUMNS.items() if c in out})


def baseline_point(row: dict[str, Any]) -> tuple[str, float] | None:
    """Return (period, value) of the baseline a scored row's progress counts from, None when it has none."""
    period, value = row.get("baseline_period"), row.get("baseline_value")
    if is_missing(period) or is_missing(value):
        return None
    return str(period), float(value)


def baseline_text(row: dict[str, Any], unit: str) -> str:
    """Return 'baseline value (period, where it comes from)' of a scored row, '' when it has none."""
    point = baseline_point(row)
    if point is None:
        return ""
    source = row.get("baseline_source")
    return t(
        "indicator.baseline_used",
        value=value_text(point[1], unit),
        period=point[0],
        source=t(f"baseline_source.{source}") if isinstance(source, str) else "—",
    )
