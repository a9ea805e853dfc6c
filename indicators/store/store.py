"""The observation store: append-only revisions of each cell, checked against the catalogue on write."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError

from indicators.canonical import canonical_cell
from indicators.catalogue import Catalogue, load_catalogue
from indicators.errors import IndicatorsError, Problem, ProblemCollector
from indicators.logs import logger
from indicators.scoring.plausibility import Flag, check_value, flags_json, unconfirmed_problem
from indicators.store.approval import approval_rows, approved_latest_subquery
from indicators.store.cells import (  # noqa: F401  (part of the store's interface)
    Cell,
    CurrentCell,
    cell_params,
    cell_text,
    conflict_problem,
    utc,
    utc_micros,
    when_text,
)
from indicators.store.db import (
    bump,
    display_url,
    is_latest_revision,
    make_engine,
    migrate,
    observations,
    resolve_url,
    reviews,
    store_state,
    write_transaction,
)
from indicators.store.integrity import chain
from indicators.store.locks import check_unlocked
from indicators.store.observations import (
    SOURCE_KINDS,
    TEXT_FIELDS,
    CheckedValue,
    Observation,
    ObservationChecker,
    text_problem,
)
from indicators.store.queries import (
    CELL_COLUMNS,
    CELL_NAMES,
    current_cells,
    latest_row,
    latest_subquery,
    read_frame,
)

CURRENT_COLUMNS = [
    "indicator_id",
    "place_code",
    "period",
    "value",
    "unit",
    "qualifier",
    "note",
    "source_kind",
    "source_ref",
    "entered_by",
    "entered_at",
    "revision",
    "flags",
]
CHANGES_COLUMNS = [
    "indicator_id",
    "place_code",
    "period",
    "revision",
    "value",
    "previous_value",
    "unit",
    "qualifier",
    "retracted",
    "note",
    "source_kind",
    "source_ref",
    "entered_by",
    "entered_at",
    "reason",
    "flags",
    "flag_reason",
]
_o = observations.c
MAX_CONFLICTS_LISTED = 20


def _observation(row: Mapping[str, Any]) -> Observation:
    data = {name: row.get(name) for name in Observation.model_fields}
    data["entered_at"] = utc(data["entered_at"])
    data["retracted"] = bool(data["retracted"])
    return Observation(**data)


def _check_texts(out: ProblemCollector, texts: Mapping[str, str | None], where: str = "") -> None:
    for name, value in texts.items():
        problem = text_problem(name, value)
        if problem:
            out.add(
                problem.message,
                path=f"{where}, {name}" if where else name,
                hint=problem.hint,
                code=problem.code,
                params=problem.params,
            )


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


class Store:
    """Observations in SQLite (default, data/xinan.db) or PostgreSQL, with every revision kept."""

    def __init__(self, url: str | None = None, catalogue: Catalogue | None = None) -> None:
        self.url = resolve_url(url)
        self.catalogue = catalogue if catalogue is not None else load_catalogue()
        self.engine = make_engine(self.url)
        self._current_lock = threading.Lock()
        self._current_caches: dict[bool, _CurrentCache] = {}
        try:
            self.schema_revision = migrate(self.engine)
        except IndicatorsError:
            self.engine.dispose()
            raise
        except OperationalError as exc:
            self.engine.dispose()
            logger().warning("cannot open %s", display_url(self.url), exc_info=True)
            raise IndicatorsError(
                [
                    Problem(
                        f"cannot open the database {display_url(self.url)}: {exc.orig}",
                        path="db",
                        hint="check the --db URL or $XINAN_DB_URL, and that the server is running",
                        code="store.cannot_open",
                        params={"error": str(exc.orig)},
                    )
                ]
            ) from exc

    def close(self) -> None:
        """Release every database connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def checker(self) -> ObservationChecker:
        """Return a checker for today's date against this store's catalogue."""
        return ObservationChecker(self.catalogue)

    # --- writing -------------------------------------------------------------------------------

    def save(
        self,
        indicator_id: str,
        place_code: str,
        period: str,
        value: float,
        *,
        unit: str | None = None,
        qualifier: str = "exact",
        note: str | None = None,
        source_kind: str = "form",
        source_ref: str | None = None,
        entered_by: str,
        reason: str | None = None,
        expected_revision: int | None = None,
        document_id: int | None = None,
        quote: str | None = None,
        quote_offset: int | None = None,
        flag_reason: str | None = None,
    ) -> Observation:
        """Add a revision to a cell; refused when the cell changed since `expected_revision` (0/None: new).

        A value the plausibility checks flag is stored only with a `flag_reason`, together with its flags.
        """
        out = ProblemCollector()
        checked, field_problems = self.checker().check(
            indicator_id, place_code, period, value, unit, qualifier
        )
        for fp in field_problems:
            out.add(fp.message, path=fp.column, hint=fp.hint, code=fp.code, params=fp.params)
        self._check_meta(out, source_kind=source_kind, entered_by=entered_by)
        _check_texts(out, {"note": note, "source_ref": source_ref, "reason": reason})
        out.raise_if_any()
        assert checked is not None
        flags = self.plausibility(checked.indicator_id, checked.place_code, checked.period, checked.value)
        if flags and not _clean_text(flag_reason):
            raise IndicatorsError(
                [unconfirmed_problem((checked.indicator_id, checked.place_code, checked.period), flags)]
            )
        row = self.row(
            checked,
            note=note,
            source_kind=source_kind,
            source_ref=source_ref,
            entered_by=entered_by,
            reason=reason,
            document_id=document_id,
            quote=quote,
            quote_offset=quote_offset,
            flags=flags_json(flags),
            flag_reason=_clean_text(flag_reason) if flags else None,
        )
        return self._append_one(row, expected_revision or 0)

    def plausibility(self, indicator_id: str, place_code: str, period: str, value: float) -> list[Flag]:
        """Return what would make a person double-check this value (see indicators.scoring.plausibility)."""
        indicator = self.catalogue.indicators.get(indicator_id)
        if indicator is None:
            return []
        latest = latest_subquery([indicator_id], [place_code])
        query = (
            select(_o.period, _o.value)
            .join(
                latest,
                is_latest_revision(latest),
            )
            .where(_o.retracted.is_(False))
        )
        with self.engine.connect() as conn:
            previous = [(p, v) for p, v in conn.execute(query)]
        return check_value(
            indicator, period, value, previous, band=self.catalogue.framework.scoring.plausibility
        )

    def retract(
        self,
        indicator_id: str,
        place_code: str,
        period: str,
        *,
        entered_by: str,
        reason: str,
        expected_revision: int,
    ) -> Observation:
        """Withdraw a cell's value by adding a retracting revision; the history keeps the old value."""
        indicator_id, place_code, period = canonical_cell(indicator_id, place_code, period)
        out = ProblemCollector()
        self._check_meta(out, source_kind="form", entered_by=entered_by)
        if not _clean_text(reason):
            out.add(
                "a retraction needs a reason",
                path="reason",
                hint="say why the value is withdrawn",
                code="store.retract_needs_reason",
            )
        _check_texts(out, {"reason": reason})
        checker = self.checker()
        for problem in (checker.check_indicator(indicator_id), checker.check_place(place_code)):
            if problem:
                out.add(
                    problem.message,
                    path=problem.column,
                    hint=problem.hint,
                    code=problem.code,
                    params=problem.params,
                )
        out.raise_if_any()
        cell = (indicator_id, place_code, period)
        with write_transaction(self.engine) as conn:
            check_unlocked(conn, [(cell, "")])
            latest = latest_row(conn, cell)
            if latest is not None and latest.retracted and latest.revision == expected_revision:
                raise IndicatorsError(
                    [
                        Problem(
                            f"{cell_text(cell)} is already retracted",
                            path="/".join(cell),
                            code="store.already_retracted",
                            params=cell_params(cell),
                        )
                    ]
                )
            if latest is None or latest.revision != expected_revision:
                raise IndicatorsError([conflict_problem(cell, expected_revision, latest)])
            row = {
                "indicator_id": indicator_id,
                "place_code": place_code,
                "period": period,
                "revision": latest.revision + 1,
                "value": None,
                "unit": latest.unit,
                "qualifier": "exact",
                "retracted": True,
                "note": None,
                "source_kind": "form",
                "source_ref": None,
                "entered_by": entered_by.strip(),
                "entered_at": dt.datetime.now(dt.UTC),
                "reason": _clean_text(reason),
                "flags": None,
                "flag_reason": None,
            }
            bump(conn)
            chain(conn, [row])
            conn.execute(insert(observations), row)
        return _observation(row)

    def append_many(
        self, rows: Sequence[dict[str, Any]], expected: Mapping[Cell, int], *, seed: bool = False
    ) -> int:
        """Add checked rows (see `row`) in one transaction, all or none; each cell must still be at `expected`.

        `seed`: the rows are the shipped seed articles' figures, approved as they are written (see approval);
        only `init` passes it: every other write waits for a reviewer.
        """
        if not rows:
            return 0
        for r in rows:  # rows built elsewhere than `row` still land in canonical cells
            r["indicator_id"], r["place_code"], r["period"] = canonical_cell(
                r["indicator_id"], r["place_code"], r["period"]
            )
        expected = {canonical_cell(*cell): rev for cell, rev in expected.items()}
        out = ProblemCollector()
        for r in rows:
            _check_texts(out, {name: r.get(name) for name in TEXT_FIELDS}, where=r.get("_where", ""))
        out.raise_if_any()
        try:
            with write_transaction(self.engine) as conn:
                bump(conn)  # first: concurrent imports wait here instead of colliding later
                self._insert_many(conn, rows, expected)
                if seed:
                    conn.execute(insert(reviews), approval_rows(rows, dt.datetime.now(dt.UTC)))
        except IntegrityError as exc:
            raise IndicatorsError(
                [
                    Problem(
                        "another import or save changed these cells at the same moment; nothing was written",
                        hint="run the import again",
                        code="store.conflict_same_moment",
                    )
                ]
            ) from exc
        return len(rows)

    def _insert_many(
        self, conn: Connection, rows: Sequence[dict[str, Any]], expected: Mapping[Cell, int]
    ) -> None:
        indicator_ids = sorted({r["indicator_id"] for r in rows})
        revisions = {
            (ind, place, period): latest
            for ind, place, period, latest in conn.execute(
                select(*CELL_COLUMNS, func.max(_o.revision))
                .where(_o.indicator_id.in_(indicator_ids))
                .group_by(*CELL_COLUMNS)
            )
        }
        check_unlocked(
            conn, [((r["indicator_id"], r["place_code"], r["period"]), r.get("_where", "")) for r in rows]
        )
        stale: list[tuple[Cell, int, str]] = []
        for r in rows:
            cell = (r["indicator_id"], r["place_code"], r["period"])
            now = revisions.get(cell, 0)
            if now != expected.get(cell, 0):
                stale.append((cell, expected.get(cell, 0), r.get("_where", "")))
            r["revision"] = now + 1
        if stale:
            shown = [
                conflict_problem(cell, exp, latest_row(conn, cell), where)
                for cell, exp, where in stale[:MAX_CONFLICTS_LISTED]
            ]
            if len(stale) > len(shown):
                more = len(stale) - len(shown)
                shown.append(
                    Problem(
                        f"… and {more} more cells changed since the dry run",
                        code="store.more_conflicts",
                        params={"count": more},
                    )
                )
            raise IndicatorsError(shown)
        chain(conn, rows)
        _bulk_insert(conn, rows)

    @staticmethod
    def row(
        checked: CheckedValue,
        *,
        note: str | None,
        source_kind: str,
        source_ref: str | None,
        entered_by: str,
        reason: str | None,
        entered_at: dt.datetime | None = None,
        document_id: int | None = None,
        quote: str | None = None,
        quote_offset: int | None = None,
        flags: str | None = None,
        flag_reason: str | None = None,
    ) -> dict[str, Any]:
        """Return the database row for a checked value (the revision is filled in when it is written)."""
        return {
            "indicator_id": checked.indicator_id,
            "place_code": checked.place_code,
            "period": checked.period,
            "revision": 0,
            "value": checked.value,
            "unit": checked.unit,
            "qualifier": checked.qualifier,
            "retracted": False,
            "note": _clean_text(note),
            "source_kind": source_kind,
            "source_ref": _clean_text(source_ref),
            "entered_by": entered_by.strip(),
            "entered_at": utc(entered_at) if entered_at is not None else dt.datetime.now(dt.UTC),
            "reason": _clean_text(reason),
            "document_id": document_id,
            "quote": _clean_text(quote),
            "quote_offset": quote_offset,
            "flags": flags,
            "flag_reason": flag_reason,
        }

    @staticmethod
    def _check_meta(out: ProblemCollector, *, source_kind: str, entered_by: str) -> None:
        if source_kind not in SOURCE_KINDS:
            out.add(
                f"unknown source kind '{source_kind}'",
                path="source_kind",
                hint="use one of: " + ", ".join(SOURCE_KINDS),
                code="store.unknown_source_kind",
                params={"given": source_kind},
            )
        if not isinstance(entered_by, str) or not entered_by.strip():
            out.add("who entered the value must be given", path="entered_by", code="store.no_author")
        elif len(entered_by.strip()) > 100:
            out.add(
                "entered_by is longer than 100 characters", path="entered_by", code="store.author_too_long"
            )

    def _append_one(self, row: dict[str, Any], expected: int) -> Observation:
        cell = (row["indicator_id"], row["place_code"], row["period"])
        try:
            with write_transaction(self.engine) as conn:
                bump(conn)
                check_unlocked(conn, [(cell, "")])
                latest = latest_row(conn, cell)
                current = latest.revision if latest else 0
                if current != expected:
                    raise IndicatorsError([conflict_problem(cell, expected, latest)])
                row["revision"] = current + 1
                chain(conn, [row])
                conn.execute(insert(observations), row)
        except IntegrityError as exc:
            # Another writer took this revision number between our read and insert: same answer as stale.
            with self.engine.connect() as conn:
                latest = latest_row(conn, cell)
            raise IndicatorsError([conflict_problem(cell, expected, latest)]) from exc
        return _observation(row)

    # --- reading -------------------------------------------------------------------------------

    def current_cells(self, indicator_ids: Iterable[str] | None = None) -> dict[Cell, CurrentCell]:
        """Return the latest revision (retracted or not) of every cell, in one query."""
        with self.engine.connect() as conn:
            return current_cells(conn, indicator_ids)

    def latest(self, indicator_id: str, place_code: str, period: str) -> CurrentCell | None:
        """Return the cell's newest revision (retracted or not), None when it has none."""
        with self.engine.connect() as conn:
            return latest_row(conn, canonical_cell(indicator_id, place_code, period))

    def current_revision(self, indicator_id: str, place_code: str, period: str) -> int:
        """Return the cell's latest revision number, 0 when it has none; a form sends it back on save."""
        with self.engine.connect() as conn:
            latest = latest_row(conn, canonical_cell(indicator_id, place_code, period))
        return latest.revision if latest else 0

    def history(self, indicator_id: str, place_code: str, period: str) -> list[Observation]:
        """Return every revision of the cell, oldest first."""
        indicator_id, place_code, period = canonical_cell(indicator_id, place_code, period)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(observations)
                .where(_o.indicator_id == indicator_id, _o.place_code == place_code, _o.period == period)
                .order_by(_o.revision)
            ).mappings()
            return [_observation(r) for r in rows]

    def current_frame(
        self,
        indicator_ids: Iterable[str] | None = None,
        place_codes: Iterable[str] | None = None,
        *,
        approved_only: bool = False,
    ) -> pd.DataFrame:
        """Return the current, non-retracted value of every cell (approved_only: its newest approved one).

        The whole frame (no filter) is kept by the store and brought up to date from the revisions and
        reviews added since: after a save only the cells it touched are read again (see _CurrentCache).
        """
        if indicator_ids is None and place_codes is None:
            return self.current_read(approved_only=approved_only)[0]
        return self._read_current(indicator_ids, place_codes, approved_only)

    def current_read(self, *, approved_only: bool = False) -> tuple[pd.DataFrame, ReadMark]:
        """Return the whole current frame (see current_frame) and how far into the history it has read."""
        with self._current_lock:
            return self._current_cache(approved_only).frame(self, approved_only)

    def indicators_changed_since(self, mark: ReadMark) -> set[str] | None:
        """Return the indicators with a revision or review added after `mark`; None when the history is not
        the one `mark` was read from (replaced, restored) or more than DELTA_CELLS_LIMIT rows were added."""
        r = reviews.c
        with self.engine.connect() as conn:
            seen_hash = (
                conn.execute(select(_o.row_hash).where(_o.id == mark.last_id)).scalar_one_or_none()
                if mark.last_id
                else None
            )
            if seen_hash != mark.last_hash:
                return None
            added = conn.execute(
                select(func.count()).select_from(observations).where(_o.id > mark.last_id)
            ).scalar_one()
            added += conn.execute(
                select(func.count()).select_from(reviews).where(r.id > mark.last_review)
            ).scalar_one()
            if added > DELTA_CELLS_LIMIT:
                return None
            changed = set(
                conn.execute(select(_o.indicator_id).where(_o.id > mark.last_id).distinct()).scalars()
            )
            changed |= set(
                conn.execute(select(r.indicator_id).where(r.id > mark.last_review).distinct()).scalars()
            )
        return changed

    def _current_cache(self, approved_only: bool) -> _CurrentCache:
        cache = self._current_caches.get(approved_only)
        if cache is None:
            cache = self._current_caches[approved_only] = _CurrentCache()
        return cache

    def _read_current(
        self,
        indicator_ids: Iterable[str] | None,
        place_codes: Iterable[str] | None,
        approved_only: bool,
    ) -> pd.DataFrame:
        if approved_only:
            latest = approved_latest_subquery(indicator_ids, place_codes)
        else:
            latest = latest_subquery(indicator_ids, place_codes)
        query = (
            select(*[_o[name] for name in CURRENT_COLUMNS])
            .join(
                latest,
                is_latest_revision(latest),
            )
            .where(_o.retracted.is_(False))
            .order_by(*CELL_COLUMNS)
        )
        # Read in slices into one list per column (times as integers), then one frame: a list of every
        # row's Python objects at the town level (400,000 cells) was most of the reading's memory.
        with self.engine.connect() as conn:
            frame = read_frame(conn, query, CURRENT_COLUMNS, times=("entered_at",))
        frame["value"] = frame["value"].astype("float64")
        frame["revision"] = frame["revision"].astype("int64")
        return frame

    def changes_frame(
        self,
        since: dt.datetime | None = None,
        indicator_id: str | None = None,
        place_code: str | None = None,
        entered_by: str | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Return every revision (or the newest `limit`), newest first, with the value it replaced."""
        if limit is not None:
            return self._newest_changes(since, indicator_id, place_code, entered_by, limit)
        previous = (
            func.lag(_o.value)
            .over(partition_by=list(CELL_COLUMNS), order_by=_o.revision)
            .label("previous_value")
        )
        inner = select(observations, previous).subquery("revisions")
        c = inner.c
        query = select(*[c[name] for name in CHANGES_COLUMNS])
        if since is not None:
            query = query.where(c.entered_at >= utc(since))
        if indicator_id is not None:
            query = query.where(c.indicator_id == indicator_id)
        if place_code is not None:
            query = query.where(c.place_code == place_code)
        if entered_by is not None:
            query = query.where(c.entered_by == entered_by)
        query = query.order_by(c.entered_at.desc(), c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = _frame(rows, CHANGES_COLUMNS)
        frame["retracted"] = frame["retracted"].astype(bool)
        return frame

    def _newest_changes(
        self,
        since: dt.datetime | None,
        indicator_id: str | None,
        place_code: str | None,
        entered_by: str | None,
        limit: int,
    ) -> pd.DataFrame:
        # The newest `limit` revisions first (index on entered_at), then each one's previous value by the
        # cell's index: a window over every revision took 25 s at 5,000,000 revisions for 501 rows.
        newest = select(observations).order_by(_o.entered_at.desc(), _o.id.desc()).limit(limit)
        if since is not None:
            newest = newest.where(_o.entered_at >= utc(since))
        if indicator_id is not None:
            newest = newest.where(_o.indicator_id == indicator_id)
        if place_code is not None:
            newest = newest.where(_o.place_code == place_code)
        if entered_by is not None:
            newest = newest.where(_o.entered_by == entered_by)
        n = newest.subquery("newest")
        before = observations.alias("before")
        b = before.c
        previous = (
            select(b.value)
            .where(
                b.indicator_id == n.c.indicator_id,
                b.place_code == n.c.place_code,
                b.period == n.c.period,
                b.revision < n.c.revision,
            )
            .order_by(b.revision.desc())
            .limit(1)
            .scalar_subquery()
            .label("previous_value")
        )
        columns = [previous if name == "previous_value" else n.c[name] for name in CHANGES_COLUMNS]
        query = select(*columns).order_by(n.c.entered_at.desc(), n.c.id.desc())
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = _frame(rows, CHANGES_COLUMNS)
        frame["retracted"] = frame["retracted"].astype(bool)
        return frame

    def people(self) -> list[str]:
        """Return everyone who has saved a revision, sorted."""
        with self.engine.connect() as conn:
            return sorted(conn.execute(select(_o.entered_by).distinct()).scalars())

    def data_version(self) -> int:
        """Return a number that changes whenever anything is written (for caching pages)."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(select(store_state.c.data_version).where(store_state.c.id == 1)).scalar_one()
            )


# More cells touched than this since the last read (an import): read everything again instead.
DELTA_CELLS_LIMIT = 20_000


@dataclass(frozen=True)
class ReadMark:
    """How far a current frame has read the history: the newest revision (id and hash) and review id it saw.

    The frame holds every revision and review up to these ids (and maybe a few after: a write may land
    between reading the mark and reading the rows), so whatever differs between two frames was added
    after the older one's mark.
    """

    last_id: int
    last_hash: str | None
    last_review: int

    def at_or_before(self, other: ReadMark) -> bool:
        """Whether this mark is not past `other` (the same history assumed)."""
        return self.last_id <= other.last_id and self.last_review <= other.last_review


class _CurrentCache:
    """The whole current frame of one view, with the newest revision and review it has seen.

    Revisions and reviews are append-only and written in id order (writers are serialised on
    store_state), so what was added since is exactly the rows with a higher id; a cell's current value
    can change only when such a row names it. The newest seen revision's hash tells a database that was
    replaced (restored elsewhere, recreated) from one that only grew.
    """

    def __init__(self) -> None:
        self.current: pd.DataFrame | None = None
        self.last_id = 0
        self.last_hash: str | None = None
        self.last_review = 0

    def frame(self, store: Store, approved_only: bool) -> tuple[pd.DataFrame, ReadMark]:
        """Return the current frame and its mark, reading only what changed since the last call."""
        r = reviews.c
        with store.engine.connect() as conn:
            last_id = conn.execute(select(func.max(_o.id))).scalar_one() or 0
            last_review = conn.execute(select(func.max(r.id))).scalar_one() or 0
            seen_hash = (
                conn.execute(select(_o.row_hash).where(_o.id == self.last_id)).scalar_one_or_none()
                if self.current is not None and self.last_id
                else None
            )
            touched: set[Cell] | None = None
            same_history = (
                self.current is not None
                and last_id >= self.last_id
                and last_review >= self.last_review
                and seen_hash == self.last_hash
            )
            if same_history:
                if last_id == self.last_id and last_review == self.last_review:
                    return self.current.copy(deep=False), self.mark()  # type: ignore[union-attr]
                touched = {
                    tuple(row)  # type: ignore[misc]
                    for row in conn.execute(select(*CELL_COLUMNS).where(_o.id > self.last_id).distinct())
                }
                touched |= {
                    tuple(row)  # type: ignore[misc]
                    for row in conn.execute(
                        select(r.indicator_id, r.place_code, r.period)
                        .where(r.id > self.last_review)
                        .distinct()
                    )
                }
            last_hash = (
                conn.execute(select(_o.row_hash).where(_o.id == last_id)).scalar_one_or_none()
                if last_id
                else None
            )
        if touched is None or len(touched) > DELTA_CELLS_LIMIT:
            current = store._read_current(None, None, approved_only)
        else:
            current = self._merged(store, approved_only, touched)
        self.current, self.last_id, self.last_hash, self.last_review = (
            current,
            last_id,
            last_hash,
            last_review,
        )
        return current.copy(deep=False), self.mark()

    def mark(self) -> ReadMark:
        """Return how far the kept frame has read."""
        return ReadMark(self.last_id, self.last_hash, self.last_review)

    def _merged(self, store: Store, approved_only: bool, touched: set[Cell]) -> pd.DataFrame:
        assert self.current is not None
        if not touched:
            return self.current
        ids = sorted({c[0] for c in touched})
        places = sorted({c[1] for c in touched})
        fresh = store._read_current(ids, places, approved_only)
        wanted = pd.MultiIndex.from_tuples(sorted(touched), names=CELL_NAMES)
        fresh = fresh[pd.MultiIndex.from_frame(fresh[CELL_NAMES]).isin(wanted)]
        old = self.current
        # Exact cell matching only among the rows of the touched indicators and places: few of many.
        near = np.flatnonzero((old["indicator_id"].isin(ids) & old["place_code"].isin(places)).to_numpy())
        hit = pd.MultiIndex.from_frame(old.iloc[near][CELL_NAMES]).isin(wanted)
        drop = np.zeros(len(old), dtype=bool)
        drop[near[hit]] = True
        kept = old[~drop]
        if not len(kept):
            return fresh.reset_index(drop=True)
        merged = pd.concat([kept, fresh], ignore_index=True) if len(fresh) else kept
        return merged.sort_values(CELL_NAMES, kind="stable", ignore_index=True)


_INSERT_COLUMNS = [c for c in observations.columns if c.name != "id"]


def _bulk_insert(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    # Straight to the driver: SQLAlchemy's per-row parameter handling would cost more than the insert.
    names = [c.name for c in _INSERT_COLUMNS]
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY observations ({', '.join(names)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row([r[n] for n in names])
        cursor.close()
        return
    # The dialect's own processors (not the generic type's, which SQLite has none of): times are written in
    # the same text as SQLAlchemy's inserts write them, not the driver's isoformat with "+00:00".
    processors = [c.type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for c in _INSERT_COLUMNS]
    pairs = list(zip(names, processors, strict=True))
    values = [tuple(p(r[n]) if p and r[n] is not None else r[n] for n, p in pairs) for r in rows]
    placeholders = ", ".join("?" for _ in names)
    conn.exec_driver_sql(f"INSERT INTO observations ({', '.join(names)}) VALUES ({placeholders})", values)


def _frame(rows: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    if not rows:
        frame = pd.DataFrame(columns=columns)
        frame["entered_at"] = pd.to_datetime([], utc=True)
    else:
        data = dict(zip(columns, zip(*rows, strict=True), strict=True))
        when = pd.to_datetime(utc_micros(data["entered_at"]), unit="us", utc=True)
        frame = pd.DataFrame(
            {name: when if name == "entered_at" else list(values) for name, values in data.items()},
            columns=columns,
        )
    for name in ("value", "previous_value"):
        if name in frame:
            frame[name] = frame[name].astype("float64")
    frame["revision"] = frame["revision"].astype("int64")
    return frame
