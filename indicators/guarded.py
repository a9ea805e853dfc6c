"""The app's only door for writing: every write checks the acting user and records their name.

The dashboard never calls `Store.save`, `Store.retract` or `Store.append_many` itself (a test enforces it);
it wraps the store with the signed-in user. The command line does the same with the account its `--by` or
`--user` names (`as_account`): an unknown or disabled name, or a role without the right, is refused as it
is in the app. Only `init` (the seed figures) and `generate` (the bench data) write to the store directly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from indicators.access import Action, User, authorize
from indicators.errors import IndicatorsError, ProblemCollector
from indicators.store import rounds
from indicators.store.locks import Lock
from indicators.store.observations import Observation
from indicators.store.store import Cell, Store

if TYPE_CHECKING:
    from indicators import bulk, tabular
    from indicators.articles import documents


class GuardedStore:
    """A store bound to the acting user: writes outside their role or themes are refused."""

    def __init__(self, store: Store, user: User | None) -> None:
        self.store = store
        self.user = user

    @classmethod
    def as_account(cls, store: Store, name: str, flag: str = "--by") -> GuardedStore:
        """Return the store guarded as the enabled account `name` (the CLI's --by/--user); refused otherwise."""
        from indicators.accounts import Accounts

        return cls(store, Accounts(store.engine).active_user(name, flag))

    def check(self, action: Action, indicator_ids: Iterable[str] = ()) -> None:
        """Raise IndicatorsError listing every indicator this user may not write (or lacking any right)."""
        ids = list(dict.fromkeys(indicator_ids))
        if not ids:
            authorize(self.user, action, catalogue=self.store.catalogue)
            return
        out = ProblemCollector()
        for indicator_id in ids:
            try:
                authorize(self.user, action, indicator_id, catalogue=self.store.catalogue)
            except IndicatorsError as exc:
                out.extend(exc.problems)
                if self.user is None or self.user.role == "viewer":
                    break  # the same refusal for every row says nothing new
        out.raise_if_any()

    def _name(self) -> str:
        assert self.user is not None  # check() has refused anonymous writes already
        return self.user.name

    def save(
        self, indicator_id: str, place_code: str, period: str, value: float, **fields: Any
    ) -> Observation:
        """Store a value as the signed-in user (see Store.save for the fields; entered_by is not one)."""
        if "entered_by" in fields:
            raise TypeError("entered_by is the signed-in user; it cannot be passed")
        self.check("enter", [indicator_id])
        return self.store.save(indicator_id, place_code, period, value, entered_by=self._name(), **fields)

    def retract(self, indicator_id: str, place_code: str, period: str, **fields: Any) -> Observation:
        """Withdraw a value as the signed-in user (see Store.retract)."""
        if "entered_by" in fields:
            raise TypeError("entered_by is the signed-in user; it cannot be passed")
        self.check("enter", [indicator_id])
        return self.store.retract(indicator_id, place_code, period, entered_by=self._name(), **fields)

    def append_many(self, rows: Sequence[dict[str, Any]], expected: Mapping[Cell, int]) -> int:
        """Store an import's rows as the signed-in user, all or none (see Store.append_many)."""
        self.check("import", [r["indicator_id"] for r in rows])
        name = self._name()
        # Whatever the file said, the revision is attributed to the person who confirmed the import.
        return self.store.append_many([{**r, "entered_by": name} for r in rows], expected)

    def dry_run_import(self, table: tabular.Table) -> bulk.ImportPlan:
        """Plan an import as this user; rows for indicators outside their themes become row errors."""
        from indicators import bulk

        self.check("import")
        plan = bulk.dry_run(self.store, table, user=self._name())
        keep = []
        for planned in plan.rows:
            try:
                authorize(self.user, "import", planned.indicator_id, catalogue=self.store.catalogue)
            except IndicatorsError as exc:
                plan.errors.append(
                    bulk.RowError(planned.row, "indicator_id", exc.problems[0].message, exc.problems[0].hint)
                )
                continue
            keep.append(planned)
        plan.rows = keep
        plan.errors.sort(key=lambda e: e.row)
        return plan

    def apply_import(self, plan: bulk.ImportPlan, reason: str | None = None) -> int:
        """Write a planned import as this user, all rows or none; checked again, whoever made the plan."""
        from indicators import bulk

        self.check("import", [r.indicator_id for r in plan.rows if r.status != "unchanged"])
        return bulk.apply(self.store, dataclasses.replace(plan, user=self._name()), reason=reason)

    # --- documents: reports added and the decisions on their figures ---------------------------------

    def add_document(self, text: str, **fields: Any) -> documents.Document:
        """Store a report's text as this user (one who may enter values; see documents.add_document)."""
        from indicators.articles import documents

        self.check("enter")
        return documents.add_document(self.store, text, added_by=self._name(), **fields)

    def decide_figure(
        self, document_id: int, quote_offset: int, figure_text: str, decision: str, **fields: Any
    ) -> documents.Review:
        """Record this user's decision on a report's figure: accepted (after its value was saved) or skipped."""
        from indicators.articles import documents

        self.check("enter")
        return documents.record_review(
            self.store, self.user, document_id, quote_offset, figure_text, decision, **fields
        )

    # --- reporting rounds: review and locks --------------------------------------------------------

    def review(
        self, items: Sequence[tuple[Cell, int]], action: rounds.ReviewAction, reason: str | None = None
    ) -> int:
        """Approve or return revisions as this reviewer, all or none (see rounds.review)."""
        self.check("review")
        return rounds.review(self.store, items, action, by=self._name(), reason=reason)

    def lock(self, period: str, place_code: str | None = None, reason: str | None = None) -> Lock:
        """Lock a period (for one place, or all) as this reviewer."""
        self.check("lock")
        return rounds.set_lock(self.store, period, place_code, by=self._name(), reason=reason)

    def unlock(self, period: str, place_code: str | None, reason: str) -> None:
        """Reopen a locked period as this admin, with a reason."""
        self.check("unlock")
        rounds.unlock(self.store, period, place_code, by=self._name(), reason=reason)
