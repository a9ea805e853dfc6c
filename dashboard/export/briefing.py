"""Briefing packs (汇报材料): what goes on which slide, and the PPTX and PDF made from it."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pandas as pd

from dashboard.export.charts import ChartMeta, ChartRenderer, rendering
from dashboard.export.pack import BehindRow, Pack, PackChart, RenderedChart, ThemeSection
from dashboard.export.pack_figures import STATUS_ZH, progress_figure, theme_scores_figure, trend_figure
from dashboard.timefmt import now_text
from dashboard.timefmt import today as local_today
from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError, Problem
from indicators.models import Theme
from indicators.periods import parse_period
from indicators.scoring.params import indicator_params, period_ends, place_params
from indicators.scoring.rollup import rollup_places
from indicators.scoring.scores import score

BEHIND = ("off_track", "at_risk")
Progress = Callable[[float, str], None]


def period_text(period: str) -> str:
    """Return a period in Chinese words: 2024 → 2024年, 2024Q3 → 2024年第3季度, 2024-07 → 2024年7月."""
    p = parse_period(period)
    if p.frequency == "year":
        return f"{p.year}年"
    if p.frequency == "quarter":
        return f"{p.year}年第{period[5]}季度"
    return f"{p.year}年{int(period[5:7])}月"


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None or pd.isna(value):
        return "—"
    text = f"{value:,.4g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return f"{text} {unit}".strip()


def latest_period(observations: pd.DataFrame) -> str | None:
    """Return the latest period in the observations (by when it ends), or None when there are none."""
    if observations.empty:
        return None
    periods = observations["period"].astype(str).drop_duplicates()
    return str(periods.iloc[int(period_ends(periods).argmax())])


def observations_as_of(observations: pd.DataFrame, period: str | None) -> pd.DataFrame:
    """Return the observations of periods that end no later than period (all of them for None)."""
    if period is None or observations.empty:
        return observations
    end = parse_period(period).end
    return observations[period_ends(observations["period"]) <= end + 1e-9]


def _check_request(
    catalogue: Catalogue, place_code: str, theme_ids: Sequence[str], period: str | None
) -> None:
    problems = []
    if place_code not in catalogue.place_by_code:
        problems.append(
            Problem(
                f"unknown place code '{place_code}'",
                path="place",
                hint="use a code from places.yaml, e.g. " + ", ".join(p.code for p in catalogue.places[:4]),
                code="brief.unknown_place",
                params={"given": place_code},
            )
        )
    known = [t.id for t in catalogue.themes]
    for theme_id in theme_ids:
        if theme_id not in known:
            problems.append(
                Problem(
                    f"unknown theme '{theme_id}'",
                    path="theme",
                    hint="choose from " + ", ".join(known),
                    code="brief.unknown_theme",
                    params={"given": theme_id},
                )
            )
    if not theme_ids:
        problems.append(
            Problem("choose at least one theme", path="theme", hint=", ".join(known), code="brief.no_theme")
        )
    if period is not None:
        try:
            parse_period(period)
        except ValueError as exc:
            problems.append(
                Problem(str(exc), path="period", code="brief.bad_period", params={"given": period})
            )
    if problems:
        raise IndicatorsError(problems)


def _source_of(catalogue: Catalogue, indicator_ids: Sequence[str]) -> str:
    pairs = []
    for ind_id in indicator_ids:
        ind = catalogue.indicators[ind_id]
        pair = f"{catalogue.department_names(ind_id)}（{ind.data_source}）"
        if pair not in pairs:
            pairs.append(pair)
    if len(pairs) > 2:
        return "；".join(pairs[:2]) + f" 等 {len(pairs)} 个来源（见“数据来源”页）"
    return "；".join(pairs) or "心安城市指标库"


# Chinese-only pack: the authority a target carries, written beside it as the app does.
TARGET_KIND_ZH = {
    "official": "官方目标",
    "national": "国家目标",
    "provincial": "省级目标",
    "municipal": "市级目标",
}


def _kind_mark(kind: object) -> str:
    return f"　{TARGET_KIND_ZH[kind]}" if kind in TARGET_KIND_ZH else ""


def _standard_zh(catalogue: Catalogue) -> str | None:
    std = catalogue.framework.standard
    if std is None:
        return None
    return (
        f"滨州市地方标准 {std.code} {std.title_zh}，{std.issuer_zh} {std.published:%Y-%m-%d} 发布、"
        f"{std.in_force:%Y-%m-%d} 实施，共 {len(std.parts)} 个部分"
    )


def _behind_rows(catalogue: Catalogue, rows: pd.DataFrame) -> list[BehindRow]:
    behind = rows[rows["status"].isin(BEHIND) & rows["target_applies"].astype(bool)].copy()
    behind["_rank"] = behind["status"].map({"off_track": 0, "at_risk": 1})
    behind["_gap"] = behind["expected"] - behind["progress"]
    behind = behind.sort_values(["_rank", "_gap"], ascending=[True, False])
    out = []
    for r in behind.itertuples(index=False):
        ind = catalogue.indicators[r.indicator_id]
        example = r.target_kind == "example"
        target = _fmt(r.target_value, ind.unit) + (f"（{r.target_period}）" if r.target_period else "")
        if ind.direction == "range" and pd.isna(r.target_value):
            target = f"{_fmt(r.range_min)}–{_fmt(r.range_max, ind.unit)}"
        out.append(
            BehindRow(
                indicator_id=r.indicator_id,
                name=ind.name_zh,
                latest=f"{_fmt(r.value, ind.unit)}（{r.period}）",
                target=target + ("　示例" if example else _kind_mark(r.target_kind)),
                progress=f"{_fmt(r.progress)}% / 应达 {_fmt(r.expected)}%",
                status=STATUS_ZH.get(r.status, r.status),
                department=catalogue.department_names(ind.id),
                example_target=example,
            )
        )
    return out


def _progress_chart(
    catalogue: Catalogue,
    theme: Theme,
    rows: pd.DataFrame,
    order: list[str],
    place_name: str,
    when: str,
    made_on: dt.date,
) -> PackChart:
    """Return a theme's chart: every indicator's progress towards its target, in catalogue order."""
    has_example = bool((rows["target_kind"] == "example").any())
    chart_rows = pd.DataFrame(
        {
            "indicator_id": rows["indicator_id"],
            "name": [catalogue.indicators[i].name_zh for i in rows["indicator_id"]],
            "first_level": [catalogue.first_levels[catalogue.first_level_of[i]].name_zh for i in order],
            "period": rows["period"],
            "value": rows["value"],
            "unit": [catalogue.indicators[i].unit for i in order],
            "target_value": rows["target_value"],
            "target_period": rows["target_period"],
            "target_kind": rows["target_kind"],
            "progress": rows["progress"],
            "expected": rows["expected"],
            "status": rows["status"].fillna("no_data"),
        }
    )
    return PackChart(
        key=f"theme_{theme.id}",
        figure=progress_figure(chart_rows),
        meta=ChartMeta(
            title=f"{theme.name_zh}：各项指标目标完成进度",
            unit="%（完成进度）",
            place=place_name,
            period=when,
            source=_source_of(catalogue, order),
            example_target=has_example,
            export_date=made_on,
        ),
        data=chart_rows,
    )


def _trend_chart(
    catalogue: Catalogue,
    b: BehindRow,
    rows: pd.DataFrame,
    series: pd.DataFrame,
    place_name: str,
    when: str,
    made_on: dt.date,
) -> PackChart:
    """Return the trend chart of one indicator behind target, with its baseline and target marked."""
    ind = catalogue.indicators[b.indicator_id]
    r = rows[rows["indicator_id"] == b.indicator_id].iloc[0]
    observed = series[series["indicator_id"] == b.indicator_id][["period", "value"]]
    base = (
        (str(r["baseline_period"]), float(r["baseline_value"]))
        if pd.notna(r["baseline_value"]) and pd.notna(r["baseline_period"])
        else None
    )
    tgt = (str(r["target_period"]), float(r["target_value"])) if pd.notna(r["target_value"]) else None
    periods = sorted(observed["period"].astype(str), key=lambda p: parse_period(p).end)
    span = f"{periods[0]}—{periods[-1]}" if periods else when
    return PackChart(
        key=f"detail_{b.indicator_id}",
        figure=trend_figure(
            observed, unit=ind.unit, baseline=base, target=tgt, example_target=b.example_target
        ),
        meta=ChartMeta(
            title=f"{ind.name_zh}（{b.status}）",
            unit=ind.unit,
            place=place_name,
            period=span,
            source=f"{catalogue.department_names(ind.id)}（{ind.data_source}）",
            example_target=b.example_target,
            export_date=made_on,
        ),
        data=observed.assign(indicator_id=b.indicator_id, unit=ind.unit)[
            ["indicator_id", "period", "value", "unit"]
        ],
    )


def build_pack(
    catalogue: Catalogue,
    observations: pd.DataFrame,
    *,
    place_code: str | None = None,
    theme_ids: Sequence[str] | None = None,
    period: str | None = None,
    details_per_theme: int = 3,
    made_on: dt.date | None = None,
    data_version: str | None = None,
) -> Pack:
    """Return the briefing pack for a place, themes and period (values as of that period) from observations."""
    place_code = place_code or catalogue.framework.default_place
    theme_ids = list(theme_ids) if theme_ids else [t.id for t in catalogue.themes]
    _check_request(catalogue, place_code, theme_ids, period)
    made_at = now_text("zh") if made_on is None else made_on.isoformat()
    made_on = made_on or local_today()
    obs = observations_as_of(observations, period)
    period = period or latest_period(obs)
    if period is None:
        raise IndicatorsError(
            [
                Problem(
                    "there are no observations to brief on",
                    hint="enter or import values first",
                    code="brief.no_observations",
                )
            ]
        )
    place = catalogue.place_by_code[place_code]
    when = f"截至{period_text(period)}"
    scores = score(obs, catalogue)
    inds = scores.indicators[scores.indicators["place_code"] == place_code]
    rollups = scores.rollups[scores.rollups["place_code"] == place_code]
    # Series for trend charts include city values rolled up from counties, as the scores do.
    series, _ = rollup_places(obs, indicator_params(catalogue), place_params(catalogue))
    series = series[series["place_code"] == place_code]
    shown = _Shown(place.name_zh, when, made_on)
    sections = [
        _theme_section(catalogue, theme_id, inds, rollups, series, shown, details_per_theme)
        for theme_id in theme_ids
    ]
    index_row = _rollup_row(rollups, "index", "index")
    index_score = None if index_row is None or pd.isna(index_row["score"]) else float(index_row["score"])
    index_cov = 0.0 if index_row is None else float(index_row["coverage_scored"])
    chosen = [i for t in theme_ids for i in catalogue.indicators if catalogue.theme_of[i] == t]
    return Pack(
        title=f"{place.name_zh}“心安城市”建设指标进展简报",
        subtitle=f"{when} · {'、'.join(s.name for s in sections)}"
        + (f" · 依据 {catalogue.framework.standard.code}" if catalogue.framework.standard else ""),
        place_code=place_code,
        place_name=place.name_zh,
        period=period,
        period_text=when,
        made_on=made_on,
        made_at=made_at,
        index_score=index_score,
        index_coverage=index_cov,
        overview=_overview_chart(sections, inds, shown),
        themes=sections,
        sources=_sources(catalogue, chosen, obs, place_code, data_version),
        notes=_notes(catalogue, chosen, inds),
    )


@dataclass(frozen=True)
class _Shown:
    """What every chart of one pack states: the place, the period ("截至…") and the day it was made."""

    place: str
    when: str
    made_on: dt.date


def _rollup_row(rollups: pd.DataFrame, level: str, id_: str) -> pd.Series | None:
    hit = rollups[(rollups["level"] == level) & (rollups["id"] == id_)]
    return None if hit.empty else hit.iloc[0]


def _theme_section(
    catalogue: Catalogue,
    theme_id: str,
    inds: pd.DataFrame,
    rollups: pd.DataFrame,
    series: pd.DataFrame,
    shown: _Shown,
    details_per_theme: int,
) -> ThemeSection:
    """One theme's part of the pack: its score, status counts, progress chart and the laggards' trends."""
    theme = catalogue.theme(theme_id)
    row = _rollup_row(rollups, "theme", theme_id)
    t_score = None if row is None or pd.isna(row["score"]) else float(row["score"])
    coverage = 0.0 if row is None else float(row["coverage_scored"])
    order = [ind.id for first in theme.first_level for ind in first.indicators]
    rows = inds[inds["theme_id"] == theme_id].set_index("indicator_id").reindex(order).reset_index()
    chart = _progress_chart(catalogue, theme, rows, order, shown.place, shown.when, shown.made_on)
    behind = _behind_rows(catalogue, rows)
    details = [
        _trend_chart(catalogue, b, rows, series, shown.place, shown.when, shown.made_on)
        for b in behind[:details_per_theme]
    ]
    counts = rows["status"].fillna("no_data").value_counts().to_dict()
    return ThemeSection(
        theme_id=theme_id,
        name=theme.name_zh,
        project=theme.project_zh or "",
        goal=theme.goal_zh or "",
        score=t_score,
        coverage=coverage,
        n_indicators=len(order),
        status_counts={k: int(v) for k, v in counts.items()},
        chart=chart,
        behind=behind,
        details=details,
    )


def _overview_chart(sections: list[ThemeSection], inds: pd.DataFrame, shown: _Shown) -> PackChart:
    """The pack's first chart: each theme's score with its data coverage."""
    scores_frame = pd.DataFrame(
        [
            {"theme_id": s.theme_id, "name": s.name, "score": s.score, "coverage": s.coverage}
            for s in sections
        ],
        columns=["theme_id", "name", "score", "coverage"],
    )
    return PackChart(
        key="overview",
        figure=theme_scores_figure(scores_frame),
        meta=ChartMeta(
            title="心安指数构成：主题得分与数据覆盖",
            unit="分（0–100）",
            place=shown.place,
            period=shown.when,
            source="心安城市指标库；按《“心安城市”建设指标体系》权重汇总",
            example_target=bool((inds["target_kind"] == "example").any()),
            export_date=shown.made_on,
        ),
        data=scores_frame,
    )


def _sources(
    catalogue: Catalogue, indicator_ids: list[str], obs: pd.DataFrame, place_code: str, version: str | None
) -> list[str]:
    fw = catalogue.framework
    standard = _standard_zh(catalogue)
    lines = [
        f"指标体系：{fw.publication.title_zh}，{fw.issuing_body_zh}，"
        f"{fw.publication.date.year}年{fw.publication.date.month}月发布（{fw.publication.event_zh}）。"
    ]
    if standard:
        lines.append(f"标准：{standard}。")
        themes = {catalogue.theme_of[i] for i in indicator_ids}
        parts = [
            f"{th.name_zh} {th.standard_part}"
            for th in catalogue.themes
            if th.id in themes and th.standard_part is not None
        ]
        if parts:
            lines.append("部分标准：" + "；".join(parts))
    targets = sorted(
        {
            f"{ind.target.source.document}（{ind.target.source.year}）"
            for ind in (catalogue.indicators[i] for i in indicator_ids)
            if ind.target is not None and ind.target.source is not None
        }
    )
    if targets:
        lines.append("目标依据：" + "；".join(targets))
    by_department: dict[str, list[str]] = {}
    for ind_id in indicator_ids:
        ind = catalogue.indicators[ind_id]
        names = catalogue.department_names(ind_id)
        by_department.setdefault(names, [])
        if ind.data_source not in by_department[names]:
            by_department[names].append(ind.data_source)
    for department, systems in by_department.items():
        lines.append(f"{department}：{'、'.join(systems)}")
    if "source_ref" in obs.columns:
        refs = obs.loc[obs["indicator_id"].isin(indicator_ids), "source_ref"].dropna().astype(str)
        refs = [r for r in refs.drop_duplicates() if r.strip()][:6]
        if refs:
            lines.append("观测值出处：" + "；".join(refs))
    seeds = sorted(
        {
            catalogue.indicators[i].origin.seed
            for i in indicator_ids
            if getattr(catalogue.indicators[i].origin, "seed", None)
        }
    )
    if seeds:
        lines.append("文章依据：" + "、".join(seeds))
    if version:
        lines.append(f"数据版本：{version}")
    return lines


def _notes(catalogue: Catalogue, indicator_ids: list[str], inds: pd.DataFrame) -> list[str]:
    n_example = sum(
        1
        for i in indicator_ids
        if catalogue.indicators[i].target is not None and catalogue.indicators[i].target.kind == "example"
    )
    n_proposed = sum(1 for i in indicator_ids if catalogue.indicators[i].origin.kind == "proposed")
    notes = []
    if n_example:
        notes.append(f"示例目标：{n_example} 项指标的目标值为示例，非官方目标，仅用于演示进度测算。")
    if n_proposed:
        notes.append(
            f"{n_proposed} 项二级指标为团队建议：文章未公布158项官方二级指标，正式指标确定后在目录中替换。"
        )
    by_kind: dict[str, int] = {}
    for i in indicator_ids:
        tgt = catalogue.indicators[i].target
        if tgt is not None and tgt.kind in TARGET_KIND_ZH:
            by_kind[tgt.kind] = by_kind.get(tgt.kind, 0) + 1
    if by_kind:
        counted = "、".join(f"{TARGET_KIND_ZH[k]} {n} 项" for k, n in by_kind.items())
        notes.append(f"有依据的目标：{counted}，出处（文件、条款、年份）见“数据来源”页。")
    notes.append("得分为各指标目标完成进度（0–100）的加权平均，只计有数据且有目标的指标；覆盖率即其占比。")
    return notes


# ---------------------------------------------------------------- rendering


# Charts handed to the browser at once: enough to keep its image tabs busy, few enough for the progress bar.
RENDER_BATCH = 6


def render_charts(
    pack: Pack,
    renderer: ChartRenderer,
    progress: Progress | None = None,
    svgs: dict[str, str] | None = None,
) -> dict[str, RenderedChart]:
    """Render every chart of the pack as PNG; from its SVG when given (the figure is not drawn again)."""
    charts = pack.charts()
    out: dict[str, RenderedChart] = {}
    for start in range(0, len(charts), RENDER_BATCH):
        batch = charts[start : start + RENDER_BATCH]
        if progress:
            shown = min(start + len(batch), len(charts))
            progress(0.05 + 0.75 * start / len(charts), f"绘制图表 {start + 1}–{shown}/{len(charts)}")
        figs = [chart.decorated() for chart in batch]
        if svgs is not None:
            pngs = renderer.png_from_svg([svgs[chart.key].encode("utf-8") for chart in batch])
        else:
            pngs = renderer.render_many(figs, "png")
        for chart, fig, png in zip(batch, figs, pngs, strict=True):
            out[chart.key] = RenderedChart(
                png=png, width=int(fig.layout.width), height=int(fig.layout.height)
            )
    return out


@dataclass
class BriefingFiles:
    """The built pack: PPTX bytes, PDF bytes (if asked), and how long each step took."""

    pptx: bytes
    pdf: bytes | None
    n_charts: int
    timings: dict[str, float]


def build_briefing(pack: Pack, *, pdf: bool = True, progress: Progress | None = None) -> BriefingFiles:
    """Draw the pack's charts once (SVG), print the PDF from them while the PPTX's PNGs are made; return both."""
    from dashboard.export.briefing_pdf import pack_pdf, pack_svgs
    from dashboard.export.briefing_pptx import pack_pptx

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    if progress:
        progress(0.02, "启动图表引擎")
    with rendering() as renderer:
        timings["start"] = time.perf_counter() - t0
        # Each chart is decorated and drawn once, as SVG: the PDF takes the SVGs (vectors) and prints in a
        # tab of its own while the slides' PNGs are made from the same SVGs (as plotly.js's PNG export does).
        t1 = time.perf_counter()
        svgs = pack_svgs(pack)
        timings["svgs"] = time.perf_counter() - t1
        with ThreadPoolExecutor(max_workers=1) as pool:
            pdf_job = pool.submit(_timed, pack_pdf, pack, svgs) if pdf else None
            t1 = time.perf_counter()
            rendered = render_charts(pack, renderer, progress, svgs)
            timings["charts"] = time.perf_counter() - t1
            if progress:
                progress(0.82, "生成 PPTX")
            t1 = time.perf_counter()
            pptx = pack_pptx(pack, rendered)
            timings["pptx"] = time.perf_counter() - t1
            pdf_bytes = None
            if pdf_job is not None:
                if progress:
                    progress(0.9, "生成 PDF")
                pdf_bytes, timings["pdf"] = pdf_job.result()
    timings["total"] = time.perf_counter() - t0
    if progress:
        progress(1.0, "完成")
    return BriefingFiles(pptx=pptx, pdf=pdf_bytes, n_charts=len(rendered), timings=timings)


def _timed(fn: Callable[..., bytes], *args: object) -> tuple[bytes, float]:
    start = time.perf_counter()
    return fn(*args), time.perf_counter() - start
