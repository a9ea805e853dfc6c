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
from typing import Any, TypeVar

import pandas as pd

from dashboard.i18n import current_language
from dashboard.resources import _catalogue, _display_names, _store, catalogue
from dashboard.summary import Summary, _summary
from indicators.catalogue import Catalogue
from indicators.scoring.params import period_ends
from indicators.scoring.scores import Scores, rescore, score
from indicators.store.db import resolve_url
from indicators.store.observations import Observation
from indicators.store.store import ReadMark, Store

T = TypeVar("T")


SPARK_POINTS = 12


# Appended to the data version in the working view, so the two views of one version are kept apart.
WORKING_SUFFIX = "+pending"


# How many views objects (database × data version × view) the server keeps; each write makes a new one.
VIEWS_KEPT = 6


# How many results one views object keeps (figures and tables per page choice and language).
MEMO_LIMIT = 4000


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

    def display_names(self) -> dict[str, str]:
        """Return login → display name of the accounts that have one (read at most once a minute)."""
        # Memo builders take people's names from here, their views argument, not from a global.
        return _display_names(self.url)

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


def read_views(url: str | None = None, *, approved: bool = True) -> Views:
    """Read the database's data version now and return its views (one question to the database)."""
    url = url or resolve_url()
    value = str(_store(url).data_version()) + ("" if approved else WORKING_SUFFIX)
    return views_for(url, value)


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
