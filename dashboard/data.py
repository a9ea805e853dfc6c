"""The pages' one door to the domain: catalogue, store, scores and articles, cached by data version.

app.py starts each run with `begin_run()`: it reads `Store.data_version()` (each write bumps it) once and
takes the one `Views` object of that database and version from a small, locked LRU shared by all sessions.
The Views computes current values, scores, progress … lazily, once, and hands them out shared, not copied:
pages never modify them. A saved value shows on the next run; nothing is recomputed while the data stay
the same. The run's context lives in the session's state (one run at a time per session), not in a thread.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from dashboard.i18n import current_language
from indicators import bulk, entry
from indicators.access import User
from indicators.articles.metrics import ArticleMetric, load_article_metrics
from indicators.articles.quantity import TypedNumber, read_typed_number
from indicators.articles.sources import Article, list_articles
from indicators.articles.sources import article_figures as figures_of
from indicators.catalogue import Catalogue, load_catalogue
from indicators.entry import EntryPlan
from indicators.errors import IndicatorsError, Problem
from indicators.guarded import GuardedStore
from indicators.periods import parse_period
from indicators.scoring.params import period_ends
from indicators.scoring.plausibility import Flag
from indicators.scoring.progress import at_baseline
from indicators.scoring.scores import Scores, rescore, score
from indicators.scoring.target_path import target_path as _target_path
from indicators.store.db import display_url as _hide_password
from indicators.store.db import resolve_url
from indicators.store.observations import QUALIFIERS, Observation
from indicators.store.store import CurrentCell, ReadMark, Store, conflict_problem
from indicators.uploads import read_upload

SPARK_POINTS = 12
T = TypeVar("T")

# A value typed into the form comes from a document (form) or is copied from a news article.
ENTRY_SOURCE_KINDS = ("form", "article")

__all__ = ["ENTRY_SOURCE_KINDS", "QUALIFIERS"]


def db_url() -> str:
    """Return the database URL the app reads (env XINAN_DB_URL, else the project's SQLite file)."""
    return resolve_url()


def display_url() -> str:
    """Return the database URL without any password, for the sidebar."""
    return _hide_password(db_url())


@st.cache_resource(show_spinner=False)
def _catalogue() -> Catalogue:
    return load_catalogue()


def catalogue() -> Catalogue:
    """Return the validated catalogue, loaded once per server."""
    return _catalogue()


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url=url, catalogue=_catalogue())


def store() -> Store:
    """Return the store of the configured database (writes and documents; pages read through their views)."""
    return _store(resolve_url())


@st.cache_data(show_spinner=False, ttl=60)
def _display_names(url: str) -> dict[str, str]:
    # Accounts change rarely; a minute's delay before a new display name shows is fine.
    from indicators.accounts import Accounts

    return Accounts(_store(url).engine).display_names()


def person(login: object) -> str:
    """Return how a person is shown: their display name (王芳) if the account has one, else the login."""
    if login is None or (isinstance(login, float) and login != login):
        return "—"
    name = str(login)
    names = per_run("display_names", lambda: _display_names(db_url()))
    return names.get(name, name)


# The sidebar switch 含待审核数据: off (default) shows approved values only, on the working view.
INCLUDE_PENDING_KEY = "include_pending"
# Appended to the data version in the working view, so the two views of one version are kept apart.
WORKING_SUFFIX = "+pending"
# Where a session keeps the context of its run under way (one run at a time per session).
RUN_KEY = "_run_context"
# How many views objects (database × data version × view) the server keeps; each write makes a new one.
VIEWS_KEPT = 6
# How many results one views object keeps (figures and tables per page choice and language).
MEMO_LIMIT = 4000


def _in_script_run() -> bool:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx(suppress_warning=True) is not None


def approved_only() -> bool:
    """Return True unless this session switched to the working view (values awaiting review included)."""
    return not (_in_script_run() and st.session_state.get(INCLUDE_PENDING_KEY, False))


class Views:
    """What the pages show of one database at one data version: computed lazily, once, shared by all sessions.

    Its identity (url, version, store, catalogue) never changes; a write makes a new data version and so a
    new Views. Results are built outside the lock (two sessions may build the same one; the first kept
    wins) and handed out shared: pages never modify them.
    """

    def __init__(self, url: str, version: str) -> None:
        self._url, self._version = url, version
        self._store, self._catalogue = _store(url), _catalogue()
        self._lock = threading.Lock()
        self._kept: OrderedDict[tuple[Any, ...], Any] = OrderedDict()

    @property
    def url(self) -> str:
        """The database URL."""
        return self._url

    @property
    def version(self) -> str:
        """The data version these views show (with WORKING_SUFFIX in the working view)."""
        return self._version

    @property
    def store(self) -> Store:
        """The store of the database."""
        return self._store

    @property
    def catalogue(self) -> Catalogue:
        """The catalogue these views are scored against."""
        return self._catalogue

    @property
    def approved_only(self) -> bool:
        """Whether these views show approved values only (else the working view)."""
        return not self._version.endswith(WORKING_SUFFIX)

    def get(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        """Return what `build()` returns for key, building it once for this version (least used dropped)."""
        with self._lock:
            if key in self._kept:
                self._kept.move_to_end(key)
                return self._kept[key]
        value = build()
        with self._lock:
            value = self._kept.setdefault(key, value)
            while len(self._kept) > MEMO_LIMIT:
                self._kept.popitem(last=False)
        return value

    def memo(self, build: Callable[..., T], *args: Hashable) -> T:
        """Return `build(self, *args)` in the session's language, built once for these views (read-only).

        The key is derived, never written by hand: the builder's module and name, its arguments and the
        language. A builder is a module-level function of the views and its arguments only (what it labels
        follows the language), so two calls with the same key always mean the same result.
        """
        return self.get((current_language(), *builder_key(build, args)), lambda: build(self, *args))

    def shared(self, build: Callable[..., T], *args: Hashable) -> T:
        """Return `build(self, *args)` built once for these views in any language (for language-free results)."""
        return self.get(("*", *builder_key(build, args)), lambda: build(self, *args))

    def current(self) -> pd.DataFrame:
        """Return the current value of every indicator × place × period, in time order (read-only)."""
        return self._current_read()[0]

    def _current_read(self) -> tuple[pd.DataFrame, ReadMark]:
        # The frame and how far it read are kept as one: scores built on the frame pair with its mark.
        return self.get(("current",), self._read_current)

    def _read_current(self) -> tuple[pd.DataFrame, ReadMark]:
        frame, mark = self._store.current_read(approved_only=self.approved_only)
        if len(frame):
            # Each distinct period is parsed once: per row it took 3 s at 420,000 current values (docs/scale.md).
            frame = frame.assign(_end=period_ends(frame["period"]))
            frame = frame.sort_values(["indicator_id", "place_code", "_end"])
        return frame, mark

    def mark(self) -> ReadMark | None:
        """Return how far into the history the current values were read (None before they are)."""
        found = self._kept.get(("current",))
        return None if found is None else found[1]

    def scores(self) -> Scores:
        """Return progress, status and roll-ups of the current data."""
        return self.get(("scores",), self._scores)

    def _scores(self) -> Scores:
        current, mark = self._current_read()
        # After a save only the indicators it touched are scored again, the rest taken from the newest
        # views of this database scored before this one (a full score takes seconds at 500,000 values).
        previous = _scored_before(self, mark)
        if previous is not None:
            prev_scores, prev_mark = previous
            changed = self._store.indicators_changed_since(prev_mark)
            if changed is not None:
                found = rescore(prev_scores, current, changed, self._catalogue)
                if found is not None:
                    return found
        return score(current, self._catalogue)

    def progress(self, place: str) -> pd.DataFrame:
        """Return one scored row per indicator at a place (latest value, progress, status, source)."""
        return self.get(("progress", place), lambda: self._progress(place))

    def _progress(self, place: str) -> pd.DataFrame:
        frame = self.scores().indicators
        rows = frame[frame["place_code"] == place]
        cur = self.current()
        if len(cur) and "source_ref" in cur:
            # The source and any plausibility flags of the value shown travel with its row.
            refs = cur.loc[cur["place_code"] == place, ["indicator_id", "period", "source_ref", "flags"]]
            rows = rows.merge(refs, on=["indicator_id", "period"], how="left")
        return rows.reset_index(drop=True)

    def rollup(self, place: str) -> Summary:
        """Return the 心安指数, theme scores and status counts of a place."""
        return self.get(("rollup", place), lambda: _summary(self.scores(), self._catalogue, place))

    def period_changes(self, place: str) -> pd.DataFrame:
        """Return indicators whose latest value differs from the previous period's, biggest change first."""

        def build() -> pd.DataFrame:
            rows = self.progress(place)
            changed = rows[rows["change_prev"].notna()].copy()
            base = changed["prev_value"].abs().where(lambda s: s > 0)
            changed["size"] = (changed["change_prev"] / base).abs()
            return changed.sort_values("size", ascending=False, na_position="last").drop(columns="size")

        return self.get(("period_changes", place), build)

    def sparklines(self, place: str) -> dict[str, list[float]]:
        """Return each indicator's last values at a place, oldest first, for sparklines."""

        def build() -> dict[str, list[float]]:
            cur = self.current()
            if cur.empty:
                return {}
            rows = cur[cur["place_code"] == place]
            groups = rows.groupby("indicator_id", sort=False)
            return {k: g["value"].tail(SPARK_POINTS).tolist() for k, g in groups}

        return self.get(("sparklines", place), build)

    def series(self, ind_id: str, place: str) -> pd.DataFrame:
        """Return an indicator's current values at one place in time order (period, value, source …)."""

        def build() -> pd.DataFrame:
            cur = self.current()
            if cur.empty:
                return pd.DataFrame(columns=["period", "value"])
            return cur[(cur["indicator_id"] == ind_id) & (cur["place_code"] == place)].reset_index(drop=True)

        return self.get(("series", ind_id, place), build)

    def places_series(self, ind_id: str, codes: tuple[str, ...]) -> pd.DataFrame:
        """Return an indicator's current values at several places in time order."""

        def build() -> pd.DataFrame:
            cur = self.current()
            if cur.empty:
                return pd.DataFrame(columns=["place_code", "period", "value"])
            rows = cur[(cur["indicator_id"] == ind_id) & cur["place_code"].isin(codes)]
            order = {c: i for i, c in enumerate(codes)}
            return rows.sort_values(
                ["place_code", "_end"], key=lambda s: s.map(order) if s.name == "place_code" else s
            )

        return self.get(("places_series", ind_id, codes), build)

    def theme_matrix(self, codes: tuple[str, ...]) -> pd.DataFrame:
        """Return theme scores (0–100) with places as rows and themes as columns (read-only)."""

        def build() -> pd.DataFrame:
            roll = self.scores().rollups
            themes = roll[(roll["level"] == "theme") & roll["place_code"].isin(codes)]
            matrix = themes.pivot(index="place_code", columns="id", values="score")
            return matrix.reindex(index=list(codes), columns=[th.id for th in self._catalogue.themes])

        return self.get(("theme_matrix", codes), build)

    def indicator_matrix(self, theme_id: str, codes: tuple[str, ...]) -> pd.DataFrame:
        """Return indicator scores (0–100) of one theme with places as rows (read-only)."""

        def build() -> pd.DataFrame:
            inds = self.scores().indicators
            rows = inds[(inds["theme_id"] == theme_id) & inds["place_code"].isin(codes)]
            matrix = rows.pivot(index="place_code", columns="indicator_id", values="score")
            cat = self._catalogue
            columns = [i for i in cat.indicators if cat.theme_of[i] == theme_id]
            return matrix.reindex(index=list(codes), columns=columns)

        return self.get(("indicator_matrix", theme_id, codes), build)

    def changes(
        self,
        *,
        since: Any = None,
        indicator_id: str | None = None,
        place_code: str | None = None,
        entered_by: str | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Return who changed what and when (the newest `limit` when given), filtered, newest first."""
        return self.get(
            ("changes", since, indicator_id, place_code, entered_by, limit),
            lambda: self._store.changes_frame(
                since=since,
                indicator_id=indicator_id,
                place_code=place_code,
                entered_by=entered_by,
                limit=limit,
            ),
        )

    def indicator_history(self, ind_id: str, place: str) -> pd.DataFrame:
        """Return every revision of every value of an indicator at a place, newest first."""
        return self.changes(indicator_id=ind_id, place_code=place)

    def people(self) -> list[str]:
        """Return everyone who has saved a value."""
        return self.get(("people",), self._store.people)

    def value_history(self, ind_id: str, place: str, period: str) -> pd.DataFrame:
        """Return every revision of one value (oldest first)."""

        def build() -> pd.DataFrame:
            rows = [obs.model_dump() for obs in self._store.history(ind_id, place, period)]
            return pd.DataFrame(rows, columns=list(Observation.model_fields))

        return self.get(("value_history", ind_id, place, period), build)


def builder_key(build: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Return the memo key of `build(views, *args)`; refuse builders that could read what the key misses."""
    name = getattr(build, "__qualname__", "")
    if not name or "<" in name or getattr(build, "__closure__", None):
        # A lambda or nested function sees variables of the page that are not in the key: a stale result.
        raise TypeError(f"memo needs a module-level function of (views, *args), not {build!r}")
    key = (build.__module__, name, *args)
    try:
        hash(key)
    except TypeError as exc:
        raise TypeError(f"memo arguments of {name} must be hashable (ids, tuples), got {args!r}") from exc
    return key


_views_lock = threading.Lock()
_views_kept: OrderedDict[tuple[str, str], Views] = OrderedDict()


def views_for(url: str, data_version: str) -> Views:
    """Return the one Views of this database and data version (the server keeps the VIEWS_KEPT last used)."""
    key = (url, data_version)
    with _views_lock:
        found = _views_kept.get(key)
        if found is not None:
            _views_kept.move_to_end(key)
            return found
    made = Views(url, data_version)
    with _views_lock:
        found = _views_kept.setdefault(key, made)
        _views_kept.move_to_end(key)
        while len(_views_kept) > VIEWS_KEPT:
            _views_kept.popitem(last=False)
    return found


def _scored_before(views: Views, mark: ReadMark) -> tuple[Scores, ReadMark] | None:
    """Return the scores and mark of the newest kept views of the same database and view whose current
    values were read no later than `mark` (what changed since is then known); None when there is none."""
    best: tuple[Scores, ReadMark] | None = None
    with _views_lock:
        candidates = list(_views_kept.values())
    for other in candidates:
        if other is views or other.url != views.url or other.approved_only != views.approved_only:
            continue
        if other._catalogue is not views._catalogue:
            continue
        with other._lock:
            found, other_mark = other._kept.get(("scores",)), other.mark()
        if found is None or other_mark is None:
            continue
        if not other_mark.at_or_before(mark):
            continue
        if best is None or best[1].at_or_before(other_mark):
            best = (found, other_mark)
    return best


@dataclass(frozen=True)
class RunContext:
    """What app.py reads once at the start of a run and hands to the page: the views of the data version,
    who is signed in, the place chosen in the sidebar, the registered pages (for links) and per-run scratch.
    """

    views: Views
    scratch: dict[str, Any] = field(default_factory=dict)
    user: User | None = None
    place: str = ""
    pages: dict[str, Any] = field(default_factory=dict)

    @property
    def catalogue(self) -> Catalogue:
        """The validated catalogue."""
        return self.views.catalogue

    @property
    def version(self) -> str:
        """The data version read at the start of this run; it changes with every write."""
        return self.views.version

    def memo(self, build: Callable[..., T], *args: Hashable) -> T:
        """Return `build(views, *args)` in the session's language, built once per data version (see Views.memo)."""
        return self.views.memo(build, *args)

    def shared(self, build: Callable[..., T], *args: Hashable) -> T:
        """Return `build(views, *args)` built once per data version for every language; never modify it."""
        return self.views.shared(build, *args)

    def per_run(self, key: str, build: Callable[[], T]) -> T:
        """Return what `build()` returns, building it at most once in this run."""
        if key not in self.scratch:
            self.scratch[key] = build()
        return self.scratch[key]

    def page(self, url_path: str) -> Any:
        """Return the registered page of a URL path, for st.page_link and st.switch_page."""
        return self.pages.get(url_path, url_path)


def read_views(url: str | None = None, *, approved: bool = True) -> Views:
    """Read the database's data version now and return its views (one question to the database)."""
    url = url or resolve_url()
    value = str(_store(url).data_version()) + ("" if approved else WORKING_SUFFIX)
    return views_for(url, value)


def begin_run() -> RunContext:
    """Read the data version once at the start of a run (app.py); the rest of the run uses this context."""
    context = RunContext(read_views(approved=approved_only()))
    set_run_context(context)
    return context


def set_run_context(context: RunContext) -> None:
    """Keep the run's context for the helpers a page calls without it (sign-in, display names)."""
    st.session_state[RUN_KEY] = context


def run_context() -> RunContext:
    """Return this session's run context, for helpers outside pages (pages are handed theirs by app.py)."""
    if not _in_script_run():
        # Outside a script run (server start, AppTest formatting widget values) the data are read now.
        return RunContext(read_views())
    found = st.session_state.get(RUN_KEY)
    return found if found is not None else begin_run()


def per_run(key: str, build: Callable[[], T]) -> T:
    """Return what `build()` returns, building it at most once per run (e.g. who is signed in)."""
    return run_context().per_run(key, build)


# --- current values and scores -------------------------------------------------------------------------


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
    # Scored indicators whose latest value is from their baseline period: progress 0 by definition.
    at_baseline: int = 0

    def first_level_score(self, first_id: str) -> float | None:
        """Return a first-level indicator's score, or None without data."""
        return self.first_levels.get(first_id)


def _summary(sc: Scores, cat: Catalogue, place: str) -> Summary:
    roll = sc.rollups[sc.rollups["place_code"] == place]
    inds = sc.indicators[sc.indicators["place_code"] == place]
    index = roll[roll["level"] == "index"]
    counts = inds.groupby(["theme_id", "status"]).size().unstack(fill_value=0)
    themes = roll[roll["level"] == "theme"][["id", "score", "coverage_data", "coverage_scored"]].rename(
        columns={"id": "theme_id", "coverage_data": "coverage"}
    )
    order = [th.id for th in cat.themes]
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
        indicators_total=len(cat.indicators),
        themes=themes,
        first_levels=firsts,
        status_counts=inds["status"].value_counts().to_dict(),
        at_baseline=int(at_baseline(inds).sum()),
    )


def target_path(ind_id: str) -> pd.DataFrame:
    """Return the target path knots (period, value) of an indicator."""
    return pd.DataFrame(_target_path(catalogue().indicators[ind_id]), columns=["period", "value"])


# --- history -------------------------------------------------------------------------------------------


def warm(url: str | None = None) -> Views:
    """Load the catalogue and score the database's data in both views now (server start), before any visitor."""
    found = read_views(url)
    found.scores()
    # The working view too (waiting values included; editors switch to it to see what they saved): after a
    # save its scores are then derived from these, only the touched indicators scored again, where its first
    # scoring would otherwise be a full one (seconds at 500,000 observations, docs/performance.md).
    read_views(url, approved=False).scores()
    # Opening the accounts hashes a dummy password (argon2, ~0.3 s): done now, not in the first run.
    _display_names(found.url)
    cat = catalogue()
    city = cat.framework.default_place
    for place in [city] + [p.code for p in cat.counties(city)]:
        found.rollup(place)
        found.period_changes(place)
        found.sparklines(place)
    return found


# --- writes --------------------------------------------------------------------------------------------


@dataclass
class SaveResult:
    """What a save did: the stored record, or the problems that stopped it."""

    record: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)


def read_value(text: str, unit: str) -> TypedNumber:
    """Read a value as people type it (1.5万, 15,000, 百分之八十 …); raise IndicatorsError otherwise."""
    return read_typed_number(text, unit)


def try_read_value(text: str, unit: str) -> TypedNumber | None:
    """Return how a typed value reads, or None when it is no number (the save then says why)."""
    try:
        return read_typed_number(text, unit)
    except IndicatorsError:
        return None


def conflict_from_record(cell: tuple[str, str, str], expected: int, newest: dict[str, Any]) -> Problem:
    """Return the conflict a save on a form drawn at `expected` would meet, from the cell's newest revision."""
    latest = CurrentCell(
        revision=int(newest["revision"]),
        value=None if pd.isna(newest.get("value")) else float(newest["value"]),
        unit=newest.get("unit") or "",
        qualifier=newest.get("qualifier") or "exact",
        retracted=bool(newest.get("retracted")),
        note=newest.get("note"),
        source_kind=newest.get("source_kind") or "form",
        source_ref=newest.get("source_ref"),
        entered_by=newest.get("entered_by") or "",
        entered_at=newest["entered_at"],
    )
    return conflict_problem(cell, expected, latest)


def plausibility(ind_id: str, place: str, period: str, value: float) -> list[Flag]:
    """Return what would make a person double-check this value before it is stored (never a refusal)."""
    return store().plausibility(ind_id, place, period, value)


def writer(user: User | None) -> GuardedStore:
    """Return the store bound to the signed-in user: the only way pages write (role checked on write)."""
    return GuardedStore(store(), user)


def plan_entry(
    ind_id: str,
    place: str,
    period: str,
    value_text: str,
    *,
    user: User | None,
    expected_revision: int,
    **fields: Any,
) -> EntryPlan:
    """Return what saving a typed value would do as the signed-in user (see indicators.entry); stores nothing."""
    return entry.plan_entry(
        writer(user), ind_id, place, period, value_text, expected_revision=expected_revision, **fields
    )


def save_entry(plan: EntryPlan, *, user: User | None, flag_reason: str | None = None) -> SaveResult:
    """Store a planned value as the signed-in user; return the stored record or every problem (nothing stored)."""
    if plan.problems:
        return SaveResult(problems=list(plan.problems))
    try:
        record = entry.save_entry(writer(user), plan, flag_reason=flag_reason)
    except IndicatorsError as exc:
        return SaveResult(problems=list(exc.problems))
    return SaveResult(record=record.model_dump())


def save_value(
    ind_id: str,
    place: str,
    period: str,
    value_text: str,
    *,
    user: User | None,
    expected_revision: int,
    flag_reason: str | None = None,
    **fields: Any,
) -> SaveResult:
    """Check and save one value as the signed-in user; return the stored record or every problem."""
    plan = plan_entry(
        ind_id, place, period, value_text, user=user, expected_revision=expected_revision, **fields
    )
    return save_entry(plan, user=user, flag_reason=flag_reason)


def retract_value(
    ind_id: str, place: str, period: str, *, user: User | None, reason: str, expected_revision: int
) -> SaveResult:
    """Withdraw a cell's value as the signed-in user; return the retracting record or every problem."""
    try:
        record = writer(user).retract(
            ind_id, place, period, reason=reason.strip(), expected_revision=expected_revision
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
def _metrics() -> list[ArticleMetric]:
    return load_article_metrics(catalogue=catalogue())


@st.cache_resource(show_spinner=False)
def article_metrics_by_indicator() -> dict[str, list[ArticleMetric]]:
    """Return the curated article figures (data/article_metrics.yaml) of each indicator they feed."""
    found: dict[str, list[ArticleMetric]] = {}
    for metric in _metrics():
        found.setdefault(metric.indicator, []).append(metric)
    return found


@st.cache_data(show_spinner=False)
def article_figures(seed: str) -> pd.DataFrame:
    """Return the figures extracted from an article with their offsets and the indicator each feeds."""
    article = next(a for a in articles() if a.seed == seed)
    return figures_of(article, _metrics())


# --- documents (reports added by staff, the seeds among them) ------------------------------------------


def documents(search: str | None = None) -> list[Any]:
    """Return stored documents, newest first, filtered by the search words."""
    from indicators.articles.documents import list_documents

    return list_documents(store(), search)


@st.cache_resource(show_spinner=False, max_entries=64)
def _proposals(url: str, document_id: int, content_hash: str) -> list[Any]:
    # A document's text never changes (a new text is a new document), so its proposals are computed once.
    from indicators.articles.documents import get_document
    from indicators.articles.proposals import propose

    doc = get_document(store(), document_id)
    return propose(doc.text, catalogue(), title=doc.title, published=doc.published)


def proposals(doc: Any) -> list[Any]:
    """Return the proposal for every figure of a stored document, in text order."""
    return _proposals(db_url(), doc.id, doc.content_hash)


def document_figures(doc: Any) -> pd.DataFrame:
    """Return every figure of a document with its status (accepted, skipped, curated, open) and indicator."""
    from indicators.articles.documents import reviews_of
    from indicators.articles.proposals import figure_rows

    reviews = {offset: r for (doc_id, offset), r in reviews_of(store(), [doc.id]).items() if doc_id == doc.id}
    curated = [m for m in _metrics() if doc.file_name and m.seed == doc.file_name]
    columns = ["start", "end", "text", "value", "unit", "qualifier", "quote", "status", "indicator_id"]
    columns += ["place_code", "period", "proposed", "stored_value"]
    return pd.DataFrame(figure_rows(proposals(doc), reviews, curated), columns=columns)


@dataclass
class Added:
    """A document added, or every problem that kept it out (nothing stored)."""

    document: Any = None
    problems: list[Problem] = field(default_factory=list)


def add_document(
    user: User | None, *, text: str | None, upload: tuple[str, bytes] | None, **fields: Any
) -> Added:
    """Read an uploaded file (or take pasted text) and store it as a document as the signed-in user."""
    from indicators.articles.documents import add_document_as, read_document_bytes

    try:
        file_name = None
        if upload is not None:
            file_name = upload[0]
            text = read_document_bytes(*upload)
        doc = add_document_as(user, store(), text or "", file_name=file_name, **fields)
    except IndicatorsError as exc:
        return Added(problems=list(exc.problems))
    return Added(document=doc)


def review_figure(
    user: User | None, doc_id: int, offset: int, text: str, decision: str, **fields: Any
) -> list[Problem]:
    """Record a person's decision on a figure; return the problems (none when recorded)."""
    from indicators.articles.documents import record_review

    try:
        record_review(store(), user, doc_id, offset, text, decision, **fields)
    except IndicatorsError as exc:
        return list(exc.problems)
    return []


def quoted_values(ind_id: str) -> list[Any]:
    """Return the indicator's current values read from documents, each with its sentence."""
    from indicators.articles.documents import quoted_values as _quoted

    return _quoted(store(), ind_id)
