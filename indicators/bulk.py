"""Bulk import (CSV/XLSX, dry run, all-or-nothing) and export of observations, and the entry template."""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError, Problem
from indicators.observations import ObservationChecker
from indicators.periods import example_for
from indicators.store import Cell, CurrentCell, Store, cell_text, utc, when_text

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
SHEET_NAME = "observations"
MAX_ERRORS_LISTED = 200

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"); full-width
# forms are included because some spreadsheet apps normalise them, tab and CR because they start DDE payloads.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def neutralise(text: str) -> str:
    """Prefix a quote to a CSV cell a spreadsheet would run as a formula; numbers stay numbers."""
    if _PLAIN_NUMBER.match(text):
        return text
    if text.lstrip("'").startswith(_FORMULA_START):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Undo `neutralise`, so exported text imports back exactly."""
    if text.startswith("'") and text.lstrip("'").startswith(_FORMULA_START):
        return text[1:]
    return text


# --- reading ------------------------------------------------------------------------------------


@dataclass
class Table:
    """Rows of an uploaded file as read: header names and cells, with spreadsheet row numbers."""

    filename: str
    columns: list[str]
    rows: list[tuple[int, list[Any]]]


def _decode(data: bytes, filename: str) -> str:
    # Excel in China saves CSV as GB18030/GBK unless told UTF-8; try UTF-8 (with or without BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IndicatorsError(
        [Problem("cannot read the file as text", file=filename, hint="save it as CSV UTF-8 from Excel")]
    )


def _read_csv(data: bytes, filename: str) -> Table:
    text = _decode(data, filename)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise IndicatorsError([Problem("the file is empty", file=filename, line=1)]) from None
    except csv.Error as exc:
        raise IndicatorsError([Problem(f"not a CSV file: {exc}", file=filename, line=1)]) from exc
    rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            if any(c.strip() for c in cells):
                rows.append((number, [restore(c) for c in cells]))
    except csv.Error as exc:
        raise IndicatorsError(
            [Problem(f"not a CSV file: {exc}", file=filename, line=reader.line_num)]
        ) from exc
    return Table(filename, [h.strip() for h in header], rows)


def _read_xlsx(data: bytes, filename: str) -> Table:
    from openpyxl import load_workbook

    from indicators.uploads import check_xlsx_container

    # Every path that opens a workbook (page upload and command line) refuses zip bombs first; the size
    # and row limits stay with uploads, since the command line is run by whoever holds the database.
    check_xlsx_container(filename, data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or mislabelled file
        raise IndicatorsError(
            [Problem(f"cannot open as an Excel workbook: {exc}", file=filename, hint="save it as .xlsx")]
        ) from exc
    sheet = book[SHEET_NAME] if SHEET_NAME in book.sheetnames else book.worksheets[0]
    rows_iter = sheet.iter_rows(values_only=True)
    header_cells = next(rows_iter, None)
    if header_cells is None:
        book.close()
        raise IndicatorsError([Problem("the sheet is empty", file=filename, line=1)])
    header = ["" if h is None else str(h).strip() for h in header_cells]
    rows = []
    for number, cells in enumerate(rows_iter, start=2):
        values = list(cells)
        if any(v is not None and str(v).strip() for v in values):
            rows.append((number, values))
    book.close()
    return Table(filename, header, rows)


def read_table(path_or_bytes: str | Path | bytes, filename: str | None = None) -> Table:
    """Read a CSV or XLSX file (path, or bytes with its file name) into a Table."""
    if isinstance(path_or_bytes, bytes):
        data = path_or_bytes
        name = filename or "upload"
    else:
        path = Path(path_or_bytes)
        name = filename or path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise IndicatorsError([Problem(f"cannot read the file: {exc.strerror}", file=str(path))]) from exc
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        return _read_csv(data, name)
    if suffix == ".xlsx":
        return _read_xlsx(data, name)
    raise IndicatorsError(
        [Problem(f"cannot import '{suffix or name}' files", file=name, hint="use a .csv or .xlsx file")]
    )


# --- planning -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem in an import file, at a row and column."""

    row: int
    column: str
    message: str
    hint: str = ""

    def problem(self, filename: str) -> Problem:
        """Return the problem as the CLI and pages show it."""
        where = f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"
        return Problem(self.message, file=filename, path=where, hint=self.hint)


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
            listed.append(
                Problem(f"… and {len(self.errors) - MAX_ERRORS_LISTED} more errors", file=self.filename)
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
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        return float(text), None
    except ValueError:
        return None, f"'{text}' is not a number"


def number_text(value: float) -> str:
    """Return a number as export writes it: 15000 not 15000.0, and every digit needed to read it back."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _same_value(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _records(table: Table) -> tuple[list[Record], list[RowError], list[int], set[str]]:
    errors: list[RowError] = []
    index: dict[str, int] = {}
    known = set(INPUT_COLUMNS) | set(INFO_COLUMNS)
    for i, name in enumerate(table.columns):
        if not name:
            continue
        if name in index:
            errors.append(RowError(1, name, f"column '{name}' appears twice"))
        elif name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "start from the template"
            errors.append(RowError(1, name, f"unknown column '{name}'", hint))
        index.setdefault(name, i)
    missing = [c for c in REQUIRED_COLUMNS if c not in index]
    for name in missing:
        errors.append(RowError(1, name, f"required column '{name}' is missing", "start from the template"))
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
        stray = [i + 1 for i in unnamed if i < len(raw) and _text(raw[i])]
        stray += [i + 1 for i in range(width, len(raw)) if _text(raw[i])]
        if stray:
            errors.append(
                RowError(
                    number,
                    "",
                    f"row has data in column {stray[0]}, which has no header",
                    "add the column name in row 1, or delete the stray data",
                )
            )
            continue
        raw_value = cells[i_value]
        if raw_value is None or _text(raw_value) == "":
            skipped.append(number)  # a template row nobody filled in
            continue
        value, value_error = _number(raw_value)
        revision_text = _text(cells[i_rev])
        revision: int | None = None
        if revision_text:
            if revision_text.isdigit():
                revision = int(revision_text)
            else:
                errors.append(
                    RowError(number, "revision", f"revision '{revision_text}' is not a whole number")
                )
        records.append(
            Record(
                row=number,
                indicator_id=_text(cells[i_ind]),
                place_code=_text(cells[i_place]),
                period=_period_text(cells[i_period]),
                value=value,
                value_error=value_error,
                unit=_text(cells[i_unit]) or None,
                qualifier=_text(cells[i_qual]) or None,
                note=_text(cells[i_note]) or None,
                source_ref=_text(cells[i_ref]) or None,
                revision=revision,
            )
        )
    return records, errors, skipped, set(index)


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
        plan.errors.append(RowError(0, "", "who imports must be given", "pass --user NAME"))
    checker = ObservationChecker(store.catalogue)
    indicator_ids = {r.indicator_id for r in records if r.indicator_id in store.catalogue.indicators}
    current: dict[Cell, CurrentCell] = store.current_cells(sorted(indicator_ids)) if indicator_ids else {}
    seen: dict[Cell, int] = {}
    for rec in records:
        checked, problems = checker.check(
            rec.indicator_id, rec.place_code, rec.period, rec.value, rec.unit, rec.qualifier
        )
        row_errors = [RowError(rec.row, p.column, p.message, p.hint) for p in problems]
        if rec.value_error:
            # The checker saw no number; say what was there instead of "must be a number (got None)".
            row_errors = [e for e in row_errors if e.column != "value"]
            row_errors.append(
                RowError(
                    rec.row, "value", rec.value_error, "write the number only; put 万/亿 in the unit column"
                )
            )
        cell = (rec.indicator_id, rec.place_code, rec.period)
        if cell in seen:
            row_errors.append(RowError(rec.row, "", f"{cell_text(cell)} is already on row {seen[cell]}"))
        seen.setdefault(cell, rec.row)
        if row_errors or checked is None:
            plan.errors.extend(row_errors)
            continue
        latest = current.get(cell)
        status: Status
        if latest is None or latest.retracted:
            status = "new"
        elif (
            _same_value(latest.value, checked.value)
            and latest.qualifier == checked.qualifier
            and (not compare_note or latest.note == rec.note)
            and (rec.source_ref is None or latest.source_ref == rec.source_ref)
        ):
            status = "unchanged"
        else:
            status = "changed"
        now = latest.revision if latest else 0
        if status != "unchanged" and rec.revision is not None and rec.revision != now and latest is not None:
            plan.errors.append(
                RowError(
                    rec.row,
                    "revision",
                    f"{cell_text(cell)} was changed by {latest.entered_by} at {when_text(latest.entered_at)} "
                    f"after this file was exported (revision {rec.revision}, now {now})",
                    "export again and redo the edit, so their change is not overwritten",
                )
            )
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
    from indicators.rounds import active_locks, lock_for, lock_problem

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


def apply(store: Store, plan: ImportPlan, reason: str | None = None) -> int:
    """Write the plan's new and changed rows in one transaction; raise and write nothing on any problem.

    `reason` is recorded on changed rows; by default it names the file and row.
    """
    if plan.errors:
        raise IndicatorsError(plan.problems())
    from indicators.observations import CheckedValue

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
        return store.append_many(rows, expected)
    except IndicatorsError as exc:
        raise IndicatorsError(
            [
                Problem(p.message, file=plan.filename, path=p.path, hint=p.hint, code=p.code, params=p.params)
                for p in exc.problems
            ]
        ) from exc


# --- writing files ------------------------------------------------------------------------------


def _cell_out(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return utc(value.to_pydatetime() if isinstance(value, pd.Timestamp) else value).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars from pandas
        return value.item()
    return value


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """Return the frame as UTF-8 CSV (with BOM, so Excel shows Chinese) with formulas neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(frame.columns))
    for values in frame.itertuples(index=False, name=None):
        out = []
        for value in values:
            value = _cell_out(value)
            if value is None:
                out.append("")
            elif isinstance(value, bool):
                out.append("true" if value else "false")
            elif isinstance(value, int | float):
                out.append(number_text(float(value)))
            else:
                out.append(neutralise(str(value)))
        writer.writerow(out)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx_bytes(frame: pd.DataFrame, sheets: dict[str, pd.DataFrame] | None = None) -> bytes:
    """Return the frame as an .xlsx workbook; text is stored as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    first = book.active
    assert first is not None
    for n, (name, data) in enumerate({SHEET_NAME: frame, **(sheets or {})}.items()):
        sheet = first if n == 0 else book.create_sheet()
        sheet.title = name
        sheet.append(list(data.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in data.itertuples(index=False, name=None):
            sheet.append([_cell_out(v) for v in values])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                # openpyxl turns any "=…" string into a formula; say it is text.
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        for i, column in enumerate(data.columns, start=1):
            width = max([len(str(column))] + [len(str(v)) for v in data[column].head(200)]) + 2
            sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(max(width, 8), 60)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


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
    raise IndicatorsError([Problem(f"unknown format '{fmt}'", path="format", hint="use csv or xlsx")])


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
        columns=["place_code", "name_zh", "name_en", "level"],
    )
    return _encode(template_table(catalogue), fmt, {"places": places})
