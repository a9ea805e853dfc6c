"""Entering one value by hand: what a save would do, said before anything is stored.

`plan_entry` runs every check that can refuse the value — the person's rights, the number as typed, the
catalogue's hard checks (a negative count, 150 %), a locked period, a correction without a reason, a save that
changes nothing — and only when none refuses does it say what needs a second look (how a loose number was
read, plausibility flags). So the confirmation step never promises a save the store will then refuse.
`save_entry` stores the planned value as the guarded user. The store checks the value again when it writes
(it is the guarantee for every path); the page reads and checks the typed text once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indicators.articles.quantity import read_typed_number
from indicators.canonical import canonical_cell
from indicators.errors import IndicatorsError, Problem
from indicators.guarded import GuardedStore
from indicators.scoring.plausibility import Flag
from indicators.store.cells import Cell, CurrentCell, cell_params
from indicators.store.locks import check_unlocked
from indicators.store.observations import Observation

# The fields of a revision a person writes besides the number; a save that changes none of them (and not
# the number) is no correction.
ENTRY_FIELDS = ("qualifier", "note", "source_kind", "source_ref")


@dataclass(frozen=True)
class EntryPlan:
    """What saving a typed value into a cell would do: the problems refusing it, or the value and its flags."""

    cell: Cell
    expected_revision: int
    fields: dict[str, Any]
    value: float | None = None
    literal: bool = True
    flags: list[Flag] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    correction: bool = False

    @property
    def needs_confirmation(self) -> bool:
        """True when the value may be saved but the person should first look at how it was read or flagged."""
        return not self.problems and (bool(self.flags) or not self.literal)


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in fields.items()}


def _same(latest: CurrentCell, value: float, fields: dict[str, Any]) -> bool:
    # The number and every field the person writes, as the store keeps them (blank is None).
    if latest.value is None or abs(latest.value - value) > 1e-12 * max(1.0, abs(value)):
        return False
    given = {
        "qualifier": fields.get("qualifier") or "exact",
        "note": fields.get("note"),
        "source_kind": fields.get("source_kind") or "form",
        "source_ref": fields.get("source_ref"),
    }
    return all(given[name] == (getattr(latest, name) or None) for name in ENTRY_FIELDS)


def plan_entry(
    guarded: GuardedStore,
    indicator_id: str,
    place_code: str,
    period: str,
    value_text: str,
    *,
    expected_revision: int,
    **fields: Any,
) -> EntryPlan:
    """Check a typed value for a cell as the guarded user would save it; nothing is stored."""
    store = guarded.store
    cell = canonical_cell(indicator_id, place_code, period)
    fields = _clean(fields)
    plan = {"cell": cell, "expected_revision": expected_revision, "fields": fields}
    # Who may write comes first: a person without the right learns that, not that the number is malformed.
    try:
        guarded.check("enter", [cell[0]])
    except IndicatorsError as exc:
        return EntryPlan(**plan, problems=list(exc.problems))
    try:
        typed = read_typed_number(value_text, store.catalogue.indicators[cell[0]].unit)
    except IndicatorsError as exc:
        return EntryPlan(**plan, problems=list(exc.problems))
    value = typed.value
    problems: list[Problem] = []
    _, field_problems = store.checker().check(*cell, value, None, fields.get("qualifier"))
    problems += [
        Problem(p.message, path=p.column, hint=p.hint, code=p.code, params=p.params) for p in field_problems
    ]
    with store.engine.connect() as conn:
        try:
            check_unlocked(conn, [(cell, "")])
        except IndicatorsError as exc:
            problems += exc.problems
    latest = store.latest(*cell)
    correction = latest is not None and not latest.retracted
    if correction and latest is not None and latest.revision == expected_revision:
        if _same(latest, value, fields):
            problems.append(
                Problem(
                    f"{cell[0]} at {cell[1]} for {cell[2]} already holds this value with this source and note; "
                    "nothing was saved",
                    path="value",
                    hint="change the value, its source or note; a reason alone is no new revision",
                    code="entry.unchanged",
                    params=cell_params(cell),
                )
            )
        elif not fields.get("reason"):
            problems.append(
                Problem(
                    f"{cell[0]} at {cell[1]} for {cell[2]} already has a value: say why it changes",
                    path="reason",
                    hint="write the reason, e.g. 统计口径调整 or 按退回意见更正",
                    code="entry.reason_required",
                    params=cell_params(cell),
                )
            )
    if problems:
        return EntryPlan(**plan, value=value, literal=typed.literal, problems=problems, correction=correction)
    flags = store.plausibility(*cell, value)
    return EntryPlan(**plan, value=value, literal=typed.literal, flags=flags, correction=correction)


def save_entry(guarded: GuardedStore, plan: EntryPlan, *, flag_reason: str | None = None) -> Observation:
    """Store a planned value (no problems) as the guarded user, against the revision the form was drawn on."""
    if plan.problems or plan.value is None:
        raise IndicatorsError(list(plan.problems))
    unit = guarded.store.catalogue.indicators[plan.cell[0]].unit
    return guarded.save(
        *plan.cell,
        plan.value,
        unit=unit,
        expected_revision=plan.expected_revision,
        flag_reason=flag_reason,
        **plan.fields,
    )
