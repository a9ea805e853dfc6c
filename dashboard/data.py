"""The pages' one door to the domain: catalogue, store, scores and articles, cached by data version.

Every cached result is keyed on `Store.data_version()`, which each write bumps: a saved value shows at
once, and nothing is recomputed while the data stay the same. Big frames are held with cache_resource
(shared, not copied; pages never modify them), small per-page results with cache_data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st

from indicators import bulk
from indicators.access import User
from indicators.article_metrics import load_article_metrics
from indicators.catalogue import Catalogue, load_catalogue
from indicators.db import display_url as _hide_password
from indicators.db import resolve_url
from indicators.errors import IndicatorsError, Problem
from indicators.guarded import GuardedStore
from indicators.observations import QUALIFIERS, Observation
from indicators.periods import parse_period
from indicators.scoring import Scores, score
from indicators.sources import Article, list_articles
from indicators.sources import article_figures as figures_of
from indicators.store import Store
from indicators.target_path import target_path as _target_path
from indicators.uploads import read_upload

SPARK_POINTS = 12

# A value typed into the form comes from a document (form) or is copied from a news article.
ENTRY_SOURCE_KINDS = ("form", "article")

__all__ = ["ENTRY_SOURCE_KINDS", "QUALIFIERS"]


def db_url() -> str:
    """Return the database URL: env XINAN_DB_URL, else the project's SQLite file."""
    return resolve_url()


def display_url() -> str:
    """Return the database URL without any password, for the sidebar."""
    return _hide_password(db_url())


@st.cache_resource(show_spinner=False)
def catalogue() -> Catalogue:
    """Return the validated catalogue, loaded once per server."""
    return load_catalogue()


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url=url, catalogue=catalogue())


def store() -> Store:
    """Return the store of the configured database."""
    return _store(db_url())


def version() -> str:
    """Return the data version; it changes with every write."""
    return str(store().data_version())


# --- current values and scores -------------------------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=4)
def _current(url: str, data_version: str) -> pd.DataFrame:
    frame = _store(url).current_frame()
    frame = frame.assign(_end=[parse_period(p).end for p in frame["period"]]) if len(frame) else frame
    return frame.sort_values(["indicator_id", "place_code", "_end"]) if len(frame) else frame


def current() -> pd.DataFrame:
    """Return the current value of every indicator × place × period (read-only, shared)."""
    return _current(db_url(), version())


@st.cache_resource(show_spinner=False, max_entries=4)
def _scores(url: str, data_version: str) -> Scores:
    return score(_current(url, data_version), catalogue())


def scores() -> Scores:
    """Return progress, status and roll-ups of the current data."""
    return _scores(db_url(), version())


@st.cache_data(show_spinner=False, max_entries=64)
def _progress(url: str, data_version: str, place: str) -> pd.DataFrame:
    frame = _scores(url, data_version).indicators
    rows = frame[frame["place_code"] == place]
    cur = _current(url, data_version)
    if len(cur) and "source_ref" in cur:
        refs = cur.loc[cur["place_code"] == place, ["indicator_id", "period", "source_ref"]]
        rows = rows.merge(refs, on=["indicator_id", "period"], how="left")
    return rows.reset_index(drop=True)


def progress(place: str) -> pd.DataFrame:
    """Return one scored row per indicator at a place (latest value, progress, status, source)."""
    return _progress(db_url(), version(), place)


@dataclass
class Summary:
    """The 心安指数 of one place with its themes and first-level scores."""

    score: float | None
    coverage: float | None
    period: str | None
    indicators_with_data: int
    indicators_total: int
    themes: pd.DataFrame
    first_levels: dict[str, float] = field(default_factory=dict)
    status_counts: dict[str, int] = field(default_factory=dict)

    def first_level_score(self, first_id: str) -> float | None:
        """Return a first-level indicator's score, or None without data."""
        return self.first_levels.get(first_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _rollup(url: str, data_version: str, place: str) -> Summary:
    sc = _scores(url, data_version)
    roll = sc.rollups[sc.rollups["place_code"] == place]
    inds = sc.indicators[sc.indicators["place_code"] == place]
    index = roll[roll["level"] == "index"]
    counts = inds.groupby(["theme_id", "status"]).size().unstack(fill_value=0)
    themes = roll[roll["level"] == "theme"][["id", "score", "coverage_data", "coverage_scored"]].rename(
        columns={"id": "theme_id", "coverage_data": "coverage"}
    )
    order = [th.id for th in catalogue().themes]
    themes = themes.set_index("theme_id").reindex(order).join(counts).fillna({c: 0 for c in counts.columns})
    themes = themes.reset_index()
    themes["coverage"] = themes["coverage"].fillna(0.0)
    firsts = roll[roll["level"] == "first_level"].set_index("id")["score"].dropna().to_dict()
    latest = inds["period"].dropna()
    period = max(latest, key=lambda p: parse_period(p).end) if len(latest) else None
    idx_score = float(index["score"].iat[0]) if len(index) and pd.notna(index["score"].iat[0]) else None
    idx_cov = float(index["coverage_data"].iat[0]) if len(index) else None
    return Summary(
        score=idx_score,
        coverage=idx_cov,
        period=period,
        indicators_with_data=int(inds["value"].notna().sum()),
        indicators_total=len(catalogue().indicators),
        themes=themes,
        first_levels=firsts,
        status_counts=inds["status"].value_counts().to_dict(),
    )


def rollup(place: str) -> Summary:
    """Return the 心安指数, theme scores and status counts of a place."""
    return _rollup(db_url(), version(), place)


@st.cache_data(show_spinner=False, max_entries=64)
def _period_changes(url: str, data_version: str, place: str) -> pd.DataFrame:
    rows = _progress(url, data_version, place)
    changed = rows[rows["change_prev"].notna()].copy()
    changed["size"] = (changed["change_prev"] / changed["prev_value"].abs().where(lambda s: s > 0)).abs()
    return changed.sort_values("size", ascending=False, na_position="last").drop(columns="size")


def period_changes(place: str) -> pd.DataFrame:
    """Return indicators whose latest value differs from the previous period's, biggest change first."""
    return _period_changes(db_url(), version(), place)


@st.cache_data(show_spinner=False, max_entries=64)
def _sparklines(url: str, data_version: str, place: str) -> dict[str, list[float]]:
    cur = _current(url, data_version)
    if cur.empty:
        return {}
    rows = cur[cur["place_code"] == place]
    return {k: g["value"].tail(SPARK_POINTS).tolist() for k, g in rows.groupby("indicator_id", sort=False)}


def sparklines(place: str) -> dict[str, list[float]]:
    """Return each indicator's last values at a place, oldest first, for sparklines."""
    return _sparklines(db_url(), version(), place)


def series(ind_id: str, place: str) -> pd.DataFrame:
    """Return an indicator's current values at one place in time order (period, value, source …)."""
    cur = current()
    if cur.empty:
        return pd.DataFrame(columns=["period", "value"])
    return cur[(cur["indicator_id"] == ind_id) & (cur["place_code"] == place)].reset_index(drop=True)


def places_series(ind_id: str, codes: list[str]) -> pd.DataFrame:
    """Return an indicator's current values at several places in time order."""
    cur = current()
    if cur.empty:
        return pd.DataFrame(columns=["place_code", "period", "value"])
    rows = cur[(cur["indicator_id"] == ind_id) & cur["place_code"].isin(codes)]
    order = {c: i for i, c in enumerate(codes)}
    return rows.sort_values(
        ["place_code", "_end"], key=lambda s: s.map(order) if s.name == "place_code" else s
    )


def target_path(ind_id: str) -> pd.DataFrame:
    """Return the target path knots (period, value) of an indicator."""
    return pd.DataFrame(_target_path(catalogue().indicators[ind_id]), columns=["period", "value"])


@st.cache_data(show_spinner=False, max_entries=16)
def _theme_matrix(url: str, data_version: str, codes: tuple[str, ...]) -> pd.DataFrame:
    roll = _scores(url, data_version).rollups
    themes = roll[(roll["level"] == "theme") & roll["place_code"].isin(codes)]
    matrix = themes.pivot(index="place_code", columns="id", values="score")
    return matrix.reindex(index=list(codes), columns=[th.id for th in catalogue().themes])


def theme_matrix(codes: list[str]) -> pd.DataFrame:
    """Return theme scores (0–100) with places as rows and themes as columns."""
    return _theme_matrix(db_url(), version(), tuple(codes)).copy()


@st.cache_data(show_spinner=False, max_entries=32)
def _indicator_matrix(url: str, data_version: str, theme_id: str, codes: tuple[str, ...]) -> pd.DataFrame:
    inds = _scores(url, data_version).indicators
    rows = inds[(inds["theme_id"] == theme_id) & inds["place_code"].isin(codes)]
    matrix = rows.pivot(index="place_code", columns="indicator_id", values="score")
    columns = [i for i in catalogue().indicators if catalogue().theme_of[i] == theme_id]
    return matrix.reindex(index=list(codes), columns=columns)


def indicator_matrix(theme_id: str, codes: list[str]) -> pd.DataFrame:
    """Return indicator scores (0–100) of one theme with places as rows."""
    return _indicator_matrix(db_url(), version(), theme_id, tuple(codes)).copy()


# --- history -------------------------------------------------------------------------------------------


@dataclass
class Changes:
    """A filtered slice of the change log, newest first."""

    frame: pd.DataFrame


@st.cache_data(show_spinner=False, max_entries=32)
def _changes(
    url: str,
    data_version: str,
    since: Any,
    indicator_id: str | None,
    place_code: str | None,
    entered_by: str | None,
) -> pd.DataFrame:
    return _store(url).changes_frame(
        since=since, indicator_id=indicator_id, place_code=place_code, entered_by=entered_by
    )


def changes(
    *,
    since: Any = None,
    indicator_id: str | None = None,
    place_code: str | None = None,
    entered_by: str | None = None,
) -> Changes:
    """Return who changed what and when, filtered, newest first."""
    return Changes(_changes(db_url(), version(), since, indicator_id, place_code, entered_by))


def indicator_history(ind_id: str, place: str) -> pd.DataFrame:
    """Return every revision of every value of an indicator at a place, newest first."""
    return changes(indicator_id=ind_id, place_code=place).frame


@st.cache_data(show_spinner=False, max_entries=8)
def _people(url: str, data_version: str) -> list[str]:
    frame = _changes(url, data_version, None, None, None, None)
    return sorted(frame["entered_by"].dropna().unique().tolist())


def people() -> list[str]:
    """Return everyone who has saved a value."""
    return _people(db_url(), version())


def value_history(ind_id: str, place: str, period: str) -> pd.DataFrame:
    """Return every revision of one value (oldest first)."""
    rows = [obs.model_dump() for obs in store().history(ind_id, place, period)]
    return pd.DataFrame(rows, columns=list(Observation.model_fields))


# --- writes --------------------------------------------------------------------------------------------


@dataclass
class SaveResult:
    """What a save did: the stored record, or the problems that stopped it."""

    record: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)


def _number(text: str) -> float | str:
    # The store names a value that is not a number; only separators people type are removed here.
    cleaned = text.strip().replace(",", "").replace("，", "")
    try:
        return float(cleaned)
    except ValueError:
        return text


def writer(user: User | None) -> GuardedStore:
    """Return the store bound to the signed-in user: the only way pages write (role checked on write)."""
    return GuardedStore(store(), user)


def save_value(
    ind_id: str,
    place: str,
    period: str,
    value_text: str,
    *,
    user: User | None,
    expected_revision: int,
    **fields: Any,
) -> SaveResult:
    """Save one value as the signed-in user; return the stored record or every problem (nothing stored)."""
    unit = catalogue().indicators[ind_id].unit
    clean = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in fields.items()}
    try:
        record = writer(user).save(
            ind_id,
            place,
            period,
            _number(value_text),  # type: ignore[arg-type]
            unit=unit,
            expected_revision=expected_revision,
            **clean,
        )
    except IndicatorsError as exc:
        return SaveResult(problems=list(exc.problems))
    return SaveResult(record=record.model_dump())


@dataclass
class DryRun:
    """A dry run of an upload, or the problems that kept it from being read."""

    plan: Any = None
    problems: list[Problem] = field(default_factory=list)


def template_bytes(fmt: str) -> bytes:
    """Return the import template as XLSX or CSV bytes."""
    return bulk.template(catalogue(), fmt)


def dry_run(name: str, content: bytes, *, user: User | None) -> DryRun:
    """Check an upload's size and kind, read it and compare it with the store without writing anything."""
    try:
        writer(user).check("import")
        table = read_upload(name, content)
        plan = writer(user).dry_run_import(table)
    except IndicatorsError as exc:
        return DryRun(problems=list(exc.problems))
    return DryRun(plan=plan)


@dataclass
class Applied:
    """The outcome of confirming an import."""

    count: int = 0
    problems: list[Problem] = field(default_factory=list)


def apply_plan(plan: Any, *, user: User | None, reason: str | None = None) -> Applied:
    """Write a dry-run plan as the signed-in user; all rows or none."""
    try:
        count = writer(user).apply_import(plan, reason=reason)
    except IndicatorsError as exc:
        return Applied(problems=list(exc.problems))
    return Applied(count=count)


# --- articles ------------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def articles() -> list[Article]:
    """Return the seed articles in file order."""
    return list_articles()


def article_title(seed: str) -> str | None:
    """Return the title of a seed article, or None when unknown."""
    return next((a.title for a in articles() if a.seed == seed), None)


@st.cache_resource(show_spinner=False)
def _metrics() -> list[Any]:
    return load_article_metrics(catalogue=catalogue())


@st.cache_data(show_spinner=False)
def article_figures(seed: str) -> pd.DataFrame:
    """Return the figures extracted from an article with their offsets and the indicator each feeds."""
    article = next(a for a in articles() if a.seed == seed)
    return figures_of(article, _metrics())
