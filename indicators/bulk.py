"""Bulk import (dry run, all-or-nothing) and export of observations, and the entry template.

Reading and writing the CSV/XLSX files themselves is indicators.tabular's."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

import pandas as pd

from indicators.articles.quantity import read_typed_number
from indicators.canonical import canonical_cell
from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError, Problem
from indicators.periods import example_for
from indicators.store.observations import CheckedValue, ObservationChecker, text_problem
from indicators.store.store import Cell, CurrentCell, Store, cell_params, cell_text, utc, when_text
from indicators.tabular import PLAIN_NUMBER, Table, to_csv_bytes, to_xlsx_bytes

Format = Literal["csv", "xlsx"]
Status = Literal["new", "changed", "unchanged"]

REQUIRED_COLUMNS = ("indicator_id", "place_code", "period", "value")
INPUT_COLUMNS = (*REQUIRED_COLUMNS, "unit", "qualifier", "note", "source_ref", "revision")
# Columns the template and the exports add for people to read; the importer accepts and ignores them.
INFO_COLUMNS = (
    "name_zh",
    "name_en",
    "place_name_zh",
    "frequency",
    "period_example",
    "source_kind",
    "entered_by",
    "entered_at",
    "retracted",
    "reason",
)
TEMPLATE_COLUMNS = [
    "indicator_id",
    "name_zh",
    "name_en",
    "unit",
    "frequency",
    "period_example",
    "place_code",
    "period",
    "value",
    "qualifier",
    "note",
    "source_ref",
]
EXPORT_COLUMNS = [
    "indicator_id",
    "name_zh",
    "place_code",
    "place_name_zh",
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
]
HISTORY_COLUMNS = [*EXPORT_COLUMNS, "retracted", "reason"]
# The column headers people read in the template (Chinese, like the rest of the staff's paperwork). The
# importer accepts either these or the English codes, so exported files and older templates still load.
COLUMN_HEADERS_ZH = {
    "indicator_id": "指标编号",
    "name_zh": "指标名称",
    "name_en": "指标英文名称",
    "unit": "单位",
    "frequency": "统计频率",
    "period_example": "时期写法示例",
    "place_code": "地区（名称或代码）",
    "place_name_zh": "地区名称",
    "period": "时期",
    "value": "数值",
    "qualifier": "数值性质",
    "note": "备注",
    "source_ref": "来源说明",
    "revision": "版本",
    "source_kind": "来源类型",
    "entered_by": "录入人",
    "entered_at": "录入时间（UTC）",
    "retracted": "已撤回",
    "reason": "修改原因",
    "level": "级别",
}
# What people write in the 数值性质 column of the Chinese template, for each stored qualifier.
QUALIFIER_WORDS = {
    "准确值": "exact",
    "准确": "exact",
    "多于": "more_than",
    "超过": "more_than",
    "余": "more_than",
    "多": "more_than",
    "接近": "nearly",
    "近": "nearly",
    "约数": "about",
    "约": "about",
    "不超过": "at_most",
}
FREQUENCY_ZH = {"year": "年", "quarter": "季度", "month": "月"}
_HEADER_CODES = {zh: code for code, zh in COLUMN_HEADERS_ZH.items()} | {
    "地区": "place_code",
    "地区代码": "place_code",
}
MAX_ERRORS_LISTED = 200
# A double holds any 15-significant-digit decimal exactly enough to give it back (DBL_DIG).
MAX_SIGNIFICANT_DIGITS = 15

# --- planning -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in an import file, at a row and column."""

    row: int
    column: str
    message: str
    hint: str = ""
    # Locale key `problem.<code>` and its parameters; the row and column are added by `problem()`.
    code: str = ""
    params: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)

    def problem(self, filename: str) -> Problem:
        """Return the problem as the CLI and pages show it."""
        where = f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"
        params = {**self.params, "row": self.row, "column": self.column}
        return Problem(self.message, file=filename, path=where, hint=self.hint, code=self.code, params=params)


@dataclass
class PlannedRow:
    """One row that passed every check, and what importing it would do."""

    row: int
    indicator_id: str
    place_code: str
    period: str
    value: float
    unit: str
    qualifier: str
    note: str | None
    source_ref: str | None
    status: Status
    expected_revision: int
    old_value: float | None = None
    current_by: str | None = None

    @property
    def cell(self) -> Cell:
        """The (indicator, place, period) this row writes."""
        return (self.indicator_id, self.place_code, self.period)


@dataclass
class ImportPlan:
    """What an import would do — new, changed and unchanged rows — or every error that stops it."""

    filename: str
    user: str
    source_kind: str = "import"
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)

    def _with(self, status: Status) -> list[PlannedRow]:
        return [r for r in self.rows if r.status == status]

    @property
    def new(self) -> list[PlannedRow]:
        """Rows for cells that have no current value."""
        return self._with("new")

    @property
    def changed(self) -> list[PlannedRow]:
        """Rows that would add a revision to a cell with a different current value."""
        return self._with("changed")

    @property
    def unchanged(self) -> list[PlannedRow]:
        """Rows equal to what is stored; importing them does nothing."""
        return self._with("unchanged")

    def problems(self) -> list[Problem]:
        """Return the errors as problems naming file, row and column."""
        listed = [e.problem(self.filename) for e in self.errors[:MAX_ERRORS_LISTED]]
        if len(self.errors) > MAX_ERRORS_LISTED:
            more = len(self.errors) - MAX_ERRORS_LISTED
            listed.append(
                Problem(
                    f"… and {more} more errors",
                    file=self.filename,
                    code="import.more_errors",
                    params={"count": more},
                )
            )
        return listed

    def summary(self) -> dict[str, int]:
        """Return counts per outcome."""
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
            "skipped_blank": len(self.skipped),
            "errors": len(self.errors),
        }


@dataclass(frozen=True)
class Record:
    """One row to plan: text as read, with the row number it came from."""

    row: int
    indicator_id: str
    place_code: str
    period: str
    value: float | None
    value_error: str | None
    unit: str | None
    qualifier: str | None
    note: str | None
    source_ref: str | None
    revision: int | None = None
    # The value cell as written, for messages about it.
    value_text: str = ""


def _text(value: Any) -> str:
    if type(value) is str:  # every CSV cell: the fast path
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _period_text(value: Any) -> str:
    # Excel turns a typed 2024-07 into 1 July 2024; a first-of-month date can only have meant the month.
    if isinstance(value, dt.datetime | dt.date) and value.day == 1:
        return f"{value.year:04d}-{value.month:02d}"
    return _text(value)


def _number(value: Any) -> tuple[float | None, str | None]:
    if isinstance(value, bool):
        return None, f"'{value}' is not a number"
    if isinstance(value, int | float):
        return float(value), None
    text = _text(value)
    try:
        # A plain number (as export writes it, 1e-300 included) is read exactly; anything else with the
        # same reader as the entry form: 15,000 · １５０００ · 1.5万 · 1.2亿 · 百分之八十.
        number = float(text) if PLAIN_NUMBER.match(text) else read_typed_number(text).value
    except (IndicatorsError, ValueError):
        return None, f"'{text}' is not a number"
    return number, _unstorable_digits(text, number)


def _unstorable_digits(text: str, number: float) -> str | None:
    # A stored value is a double: 15 significant digits always fit; more fit only when the text is
    # exactly the double's own shortest spelling (as export writes it). Anything else would be rounded.
    if not PLAIN_NUMBER.match(text):
        return None  # inf/nan: the checker refuses those with its own message
    try:
        typed = Decimal(text)
    except InvalidOperation:
        return None
    digits = len(typed.normalize().as_tuple().digits)
    if digits <= MAX_SIGNIFICANT_DIGITS or typed == Decimal(repr(number)):
        return None
    return (
        f"'{text}' has {digits} significant digits; a stored value keeps at most {MAX_SIGNIFICANT_DIGITS} "
        f"(it would become {number!r})"
    )


def _qualifier(text: str) -> str:
    return QUALIFIER_WORDS.get(text, text)


def _same_value(a: float | None, b: float | None) -> bool:
    # Exactly as stored: a tolerance here once dropped 1234567890 → 1234567891 as "unchanged".
    if a is None or b is None:
        return a is b
    return a == b


def _column_index(columns: list[str]) -> tuple[dict[str, int], list[RowError]]:
    # Column name → position, and every problem with the header row (twice, unknown, missing).
    errors: list[RowError] = []
    index: dict[str, int] = {}
    known = set(INPUT_COLUMNS) | set(INFO_COLUMNS)
    for i, header in enumerate(columns):
        if not header:
            continue
        # A Chinese header (the template's) and its English code name the same column.
        name = _HEADER_CODES.get(header, header)
        if name in index:
            errors.append(
                RowError(
                    1,
                    name,
                    f"column '{header}' appears twice",
                    code="import.column_twice",
                    params={"given": header},
                )
            )
        elif name not in known:
            choices = sorted(known) + sorted(_HEADER_CODES)
            close = difflib.get_close_matches(header, choices, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "start from the template"
            message = f"unknown column '{header}'"
            if close:
                params = {"given": header, "close": close[0]}
                errors.append(
                    RowError(1, header, message, hint, code="import.unknown_column_close", params=params)
                )
            else:
                errors.append(
                    RowError(1, header, message, hint, code="import.unknown_column", params={"given": header})
                )
        index.setdefault(name, i)
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    for name in missing:
        errors.append(
            RowError(
                1,
                name,
                f"required column '{name}' is missing",
                "start from the template",
                "import.missing_column",
            )
        )
    return index, errors


def _stray_data(number: int, raw: list[Any], width: int, unnamed: list[int]) -> RowError | None:
    # Data under a column without a header, or past the last header, is not silently dropped.
    stray = [i + 1 for i in unnamed if i < len(raw) and _text(raw[i])]
    stray += [i + 1 for i in range(width, len(raw)) if _text(raw[i])]
    if not stray:
        return None
    return RowError(
        number,
        "",
        f"row has data in column {stray[0]}, which has no header",
        "add the column name in row 1, or delete the stray data",
        "import.stray_data",
        {"position": stray[0]},
    )


def _revision(number: int, text: str) -> tuple[int | None, RowError | None]:
    # The revision an exported row was at; the row is still read when it is unreadable.
    if not text:
        return None, None
    if text.isdigit():
        return int(text), None
    return None, RowError(
        number,
        "revision",
        f"revision '{text}' is not a whole number",
        code="import.bad_revision",
        params={"given": text},
    )


def _records(table: Table) -> tuple[list[Record], list[RowError], list[int], set[str]]:
    index, errors = _column_index(table.columns)
    if errors:
        return [], errors, [], set(index)

    # Pad every row one past the header; a column the file lacks reads that last, empty cell.
    width = len(table.columns)
    at = {name: index.get(name, width) for name in INPUT_COLUMNS}
    i_ind, i_place, i_period, i_value = (at[c] for c in REQUIRED_COLUMNS)
    i_unit, i_qual, i_note, i_ref, i_rev = (
        at[c] for c in ("unit", "qualifier", "note", "source_ref", "revision")
    )
    unnamed = [i for i, name in enumerate(table.columns) if not name]
    records: list[Record] = []
    skipped: list[int] = []
    for number, raw in table.rows:
        cells = raw + [None] * (width + 1 - len(raw)) if len(raw) <= width else [*raw[:width], None]
        stray = _stray_data(number, raw, width, unnamed)
        if stray:
            errors.append(stray)
            continue
        raw_value = cells[i_value]
        if raw_value is None or _text(raw_value) == "":
            skipped.append(number)  # a template row nobody filled in
            continue
        value, value_error = _number(raw_value)
        revision, revision_error = _revision(number, _text(cells[i_rev]))
        if revision_error:
            errors.append(revision_error)
        records.append(
            Record(
                row=number,
                indicator_id=_text(cells[i_ind]),
                place_code=_text(cells[i_place]),
                period=_period_text(cells[i_period]),
                value=value,
                value_error=value_error,
                value_text=_text(raw_value),
                unit=_text(cells[i_unit]) or None,
                qualifier=_qualifier(_text(cells[i_qual])) or None,
                note=_text(cells[i_note]) or None,
                source_ref=_text(cells[i_ref]) or None,
                revision=revision,
            )
        )
    return records, errors, skipped, set(index)


def place_lookup(catalogue: Catalogue) -> dict[str, str]:
    """Return place name (Chinese, or English in any case) or code → place code, for what people type."""
    found: dict[str, str] = {}
    for place in catalogue.places:
        found[place.name_zh] = place.code
        found[place.name_en] = place.code
        found[place.name_en.lower()] = place.code
        found[place.code] = place.code
    return found


def _check_record(checker: ObservationChecker, rec: Record) -> tuple[CheckedValue | None, list[RowError]]:
    # The store's own checks of the value, then what only a file can get wrong: no number, long text.
    checked, problems = checker.check(
        rec.indicator_id, rec.place_code, rec.period, rec.value, rec.unit, rec.qualifier
    )
    row_errors = [RowError(rec.row, p.column, p.message, p.hint, p.code, p.params) for p in problems]
    if rec.value_error:
        # The checker saw no number; say what was there instead of "must be a number (got None)".
        row_errors = [e for e in row_errors if e.column != "value"]
        row_errors.append(
            RowError(
                rec.row,
                "value",
                rec.value_error,
                "write e.g. 15000, 15,000, 1.5万, 1.2亿 or 百分之八十 (for a %)",
                "import.not_a_number",
                {"given": rec.value_text},
            )
        )
    for name, text in (("note", rec.note), ("source_ref", rec.source_ref)):
        too_long = text_problem(name, text)
        if too_long:
            row_errors.append(
                RowError(rec.row, name, too_long.message, too_long.hint, too_long.code, too_long.params)
            )
    return checked, row_errors


def _status(latest: CurrentCell | None, checked: CheckedValue, rec: Record, compare_note: bool) -> Status:
    # What importing the row would do to its cell: a first value, nothing, or a new revision.
    if latest is None or latest.retracted:
        return "new"
    if (
        _same_value(latest.value, checked.value)
        and latest.qualifier == checked.qualifier
        and (not compare_note or latest.note == rec.note)
        and (rec.source_ref is None or latest.source_ref == rec.source_ref)
    ):
        return "unchanged"
    return "changed"


def _changed_since_export(rec: Record, cell: Cell, latest: CurrentCell) -> RowError:
    # Someone saved the cell after the file was exported: importing would overwrite their change unseen.
    return RowError(
        rec.row,
        "revision",
        f"{cell_text(cell)} was changed by {latest.entered_by} at {when_text(latest.entered_at)} "
        f"after this file was exported (revision {rec.revision}, now {latest.revision})",
        "export again and redo the edit, so their change is not overwritten",
        "import.changed_since_export",
        {
            **cell_params(cell),
            "who": latest.entered_by,
            "when": utc(latest.entered_at),
            "revision": rec.revision,
            "now": latest.revision,
        },
    )


def plan_records(
    store: Store,
    records: Sequence[Record],
    *,
    filename: str,
    user: str,
    source_kind: str = "import",
    compare_note: bool = True,
    errors: list[RowError] | None = None,
) -> ImportPlan:
    """Check records against the catalogue and the store's current values; nothing is written."""
    plan = ImportPlan(filename=filename, user=user, source_kind=source_kind, errors=list(errors or []))
    if not user or not user.strip():
        plan.errors.append(
            RowError(0, "", "who imports must be given", "pass --user NAME", "store.no_author")
        )
    checker = ObservationChecker(store.catalogue)
    indicator_ids = {canonical_cell(r.indicator_id, "", "")[0] for r in records} & set(
        store.catalogue.indicators
    )
    current: dict[Cell, CurrentCell] = store.current_cells(sorted(indicator_ids)) if indicator_ids else {}
    seen: dict[Cell, int] = {}
    place_codes = place_lookup(store.catalogue)
    for rec in records:
        if rec.place_code not in store.catalogue.place_by_code and rec.place_code in place_codes:
            # People write 无棣县 as readily as 371623; both name the same place.
            rec = replace(rec, place_code=place_codes[rec.place_code])
        checked, row_errors = _check_record(checker, rec)
        cell = canonical_cell(rec.indicator_id, rec.place_code, rec.period)
        if cell in seen:
            row_errors.append(
                RowError(
                    rec.row,
                    "",
                    f"{cell_text(cell)} is already on row {seen[cell]}",
                    code="import.duplicate_row",
                    params={**cell_params(cell), "other_row": seen[cell]},
                )
            )
        seen.setdefault(cell, rec.row)
        if row_errors or checked is None:
            plan.errors.extend(row_errors)
            continue
        latest = current.get(cell)
        status = _status(latest, checked, rec, compare_note)
        now = latest.revision if latest else 0
        if status != "unchanged" and rec.revision is not None and rec.revision != now and latest is not None:
            plan.errors.append(_changed_since_export(rec, cell, latest))
            continue
        plan.rows.append(
            PlannedRow(
                row=rec.row,
                indicator_id=checked.indicator_id,
                place_code=checked.place_code,
                period=checked.period,
                value=checked.value,
                unit=checked.unit,
                qualifier=checked.qualifier,
                note=rec.note,
                source_ref=rec.source_ref,
                status=status,
                expected_revision=now,
                old_value=latest.value if latest else None,
                current_by=latest.entered_by if latest else None,
            )
        )
    return plan


def dry_run(store: Store, table: Table, user: str) -> ImportPlan:
    """Say what importing the table would do — new, changed, unchanged rows — and every error."""
    records, errors, skipped, columns = _records(table)
    plan = plan_records(
        store,
        records,
        filename=table.filename,
        user=user,
        compare_note="note" in columns,
        errors=errors,
    )
    plan.skipped = skipped
    _refuse_locked(store, plan)
    return plan


def _refuse_locked(store: Store, plan: ImportPlan) -> None:
    # A row that would change a locked period is an error of the dry run already, not only of the write.
    from indicators.store.locks import active_locks, lock_for, lock_problem

    with store.engine.connect() as conn:
        locks = active_locks(conn)
    if not locks:
        return
    keep = []
    for planned in plan.rows:
        lock = lock_for(locks, planned.period, planned.place_code) if planned.status != "unchanged" else None
        if lock is None:
            keep.append(planned)
            continue
        problem = lock_problem(lock, planned.cell)
        plan.errors.append(RowError(planned.row, "period", problem.message, problem.hint))
    plan.rows = keep
    plan.errors.sort(key=lambda e: e.row)


def apply(store: Store, plan: ImportPlan, reason: str | None = None, *, seed: bool = False) -> int:
    """Write the plan's new and changed rows in one transaction; raise and write nothing on any problem.

    `reason` is recorded on changed rows; by default it names the file and row. `seed`: the shipped seed
    articles' figures, approved as written (only `init`; see indicators.store.approval).
    """
    if plan.errors:
        raise IndicatorsError(plan.problems())
    now = dt.datetime.now(dt.UTC)
    rows = []
    expected: dict[Cell, int] = {}
    for p in plan.rows:
        if p.status == "unchanged":
            continue
        checked = CheckedValue(p.indicator_id, p.place_code, p.period, p.value, p.unit, p.qualifier)
        row = store.row(
            checked,
            note=p.note,
            source_kind=plan.source_kind,
            source_ref=p.source_ref or f"{plan.filename} row {p.row}",
            entered_by=plan.user,
            reason=(reason or f"changed by {plan.filename} row {p.row}") if p.status == "changed" else None,
            entered_at=now,
        )
        row["_where"] = f"row {p.row}"
        rows.append(row)
        expected[p.cell] = p.expected_revision
    try:
        return store.append_many(rows, expected, seed=seed)
    except IndicatorsError as exc:
        raise IndicatorsError(
            [
                Problem(p.message, file=plan.filename, path=p.path, hint=p.hint, code=p.code, params=p.params)
                for p in exc.problems
            ]
        ) from exc


# --- writing files ------------------------------------------------------------------------------


def _names(catalogue: Catalogue, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["name_zh"] = [
        catalogue.indicators[i].name_zh if i in catalogue.indicators else "" for i in frame["indicator_id"]
    ]
    frame["place_name_zh"] = [
        catalogue.place_by_code[c].name_zh if c in catalogue.place_by_code else ""
        for c in frame["place_code"]
    ]
    return frame


def current_table(store: Store) -> pd.DataFrame:
    """Return current values with indicator and place names, in the export's column order."""
    frame = _names(store.catalogue, store.current_frame())
    return frame[EXPORT_COLUMNS]


def history_table(store: Store) -> pd.DataFrame:
    """Return every revision, cell by cell and oldest first, with names."""
    frame = store.changes_frame().sort_values(["indicator_id", "place_code", "period", "revision"])
    return _names(store.catalogue, frame)[HISTORY_COLUMNS].reset_index(drop=True)


def _encode(frame: pd.DataFrame, fmt: Format, sheets: dict[str, pd.DataFrame] | None = None) -> bytes:
    if fmt == "csv":
        return to_csv_bytes(frame)
    if fmt == "xlsx":
        return to_xlsx_bytes(frame, sheets)
    raise IndicatorsError(
        [
            Problem(
                f"unknown format '{fmt}'",
                path="format",
                hint="use csv or xlsx",
                code="import.format",
                params={"given": fmt},
            )
        ]
    )


def export_current(store: Store, fmt: Format) -> bytes:
    """Return current values as a CSV or XLSX file that `import` reads back unchanged."""
    return _encode(current_table(store), fmt)


def export_history(store: Store, fmt: Format) -> bytes:
    """Return every revision of every cell as a CSV or XLSX file, for audit."""
    return _encode(history_table(store), fmt)


def template_table(catalogue: Catalogue) -> pd.DataFrame:
    """Return one blank entry row per indicator, with its id, names, unit and frequency."""
    place = catalogue.framework.default_place
    rows = [
        {
            "indicator_id": ind.id,
            "name_zh": ind.name_zh,
            "name_en": ind.name_en,
            "unit": ind.unit,
            "frequency": ind.frequency,
            "period_example": example_for(ind.frequency),
            "place_code": place,
            "period": None,
            "value": None,
            "qualifier": None,
            "note": None,
            "source_ref": None,
        }
        for theme in catalogue.themes
        for first in theme.first_level
        for ind in first.indicators
    ]
    return pd.DataFrame(rows, columns=TEMPLATE_COLUMNS).astype(object)


def template(catalogue: Catalogue, fmt: Format) -> bytes:
    """Return the entry template (all indicators; places on a second sheet in XLSX)."""
    places = pd.DataFrame(
        [(p.code, p.name_zh, p.name_en, p.level) for p in catalogue.places],
        columns=["地区代码", "地区名称", "英文名称", "级别"],
    )
    # Chinese headers for the people filling it in; the place column takes a name (无棣县) or a code.
    frame = template_table(catalogue)
    frame["frequency"] = frame["frequency"].map(FREQUENCY_ZH)
    frame = frame.rename(columns=COLUMN_HEADERS_ZH)
    return _encode(frame, fmt, {"places": places})
