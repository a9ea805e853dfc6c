"""How a value reads on a page: with its unit, qualifier, period, source and flags; targets with their authority; Markdown-safe text."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from dashboard.i18n import has_key, name_of, t
from dashboard.timefmt import time_text
from indicators.articles.quantity import format_plain  # noqa: F401  (pages write plain numbers with it)
from indicators.catalogue import Catalogue
from indicators.models import Indicator, Theme
from indicators.periods import begun_periods
from indicators.scoring.plausibility import Flag, read_flags
from indicators.scoring.progress import STATUSES
from indicators.scoring.sdg_progress import SDG_STATUSES
from indicators.store.observations import china_today

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
    from dashboard import sources_data

    title = sources_data.article_title(m.group("seed"))
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


def is_flagged(row: dict[str, Any]) -> bool:
    """True when the value shown was saved despite plausibility flags (confirmed with a reason)."""
    flags = row.get("flags")
    return not is_missing(flags) and bool(flags)


def status_text(row: dict[str, Any]) -> str:
    """Return a row's status label, marked ⚠ when its value was flagged: a typo never reads as 已达标."""
    label = status_labels()[row.get("status") or "no_data"]
    return f"{t('entry_safety.flagged_status')} · {label}" if is_flagged(row) else label


def flag_text(flag: Flag) -> str:
    """Return one plausibility flag as a sentence in the session's language."""
    key = f"entry_safety.flag_{flag.code}"
    return t(key, **flag.params) if has_key(key) else flag.message


def flags_text(flags: Any) -> str:
    """Return the stored flags of a revision as '⚠ …；⚠ …' ('' when it has none)."""
    if is_missing(flags) or not flags:
        return ""
    return "；".join("⚠ " + flag_text(f) for f in read_flags(str(flags)))


def _when(value: Any) -> str:
    # Stored in UTC; people read Beijing time, labelled so nobody wonders which.
    if is_missing(value):
        return "—"
    return time_text(value)


def _who(login: Any) -> str:
    from dashboard import context

    return context.person(login)


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


def current_of(history: pd.DataFrame) -> dict[str, Any] | None:
    """Return the newest revision of a value, or None when nothing (or only a retraction) is stored."""
    if history.empty:
        return None
    last = history.sort_values("revision").iloc[-1].to_dict()
    if last.get("retracted") is True:
        return None
    return last


ENTRY_FIRST_YEAR = 2015


def entry_periods(frequency: str) -> tuple[list[str], str]:
    """Return the periods offered for entry (begun, newest first) and the one to preselect."""
    return begun_periods(frequency, china_today(), ENTRY_FIRST_YEAR)


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
