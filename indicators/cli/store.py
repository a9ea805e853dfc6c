"""Commands for the observation store: init, import, export, template, history."""

from __future__ import annotations

import argparse
import getpass
import json
from pathlib import Path

from indicators.bulk import ImportPlan, PlannedRow, export_current, export_history
from indicators.bulk import template as template_bytes
from indicators.canonical import canonical_cell
from indicators.catalogue import Catalogue, load_catalogue
from indicators.errors import IndicatorsError, Problem
from indicators.guarded import GuardedStore
from indicators.initdb import initialise
from indicators.paths import DEFINITIONS_DIR
from indicators.store.db import ENV_VAR, display_url
from indicators.store.observations import ObservationChecker
from indicators.store.store import Store
from indicators.uploads import read_upload_file

ROWS_LISTED = 100


def _catalogue(args: argparse.Namespace) -> Catalogue:
    return load_catalogue(args.definitions)


def _store(args: argparse.Namespace) -> Store:
    return Store(args.db, catalogue=_catalogue(args))


def _format(args: argparse.Namespace) -> str:
    fmt = args.format or Path(args.out).suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise IndicatorsError(
            [
                Problem(
                    f"cannot tell the format of '{args.out}'",
                    path="--format",
                    hint="pass --format csv or xlsx",
                )
            ]
        )
    return fmt


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise IndicatorsError([Problem(f"cannot write the file: {exc.strerror}", file=path)]) from exc


def _init(args: argparse.Namespace) -> int:
    with _store(args) as store:
        report = initialise(store)
        print(f"database: {display_url(store.url)} (schema {report.schema_revision})")
        print(f"documents: {report.documents_added} seed articles added")
        print(
            f"article figures: {report.added} added, {report.unchanged} already stored, "
            f"{report.kept_staff_changes} kept as staff changed them"
        )
    return 0


def _row_text(r: PlannedRow) -> str:
    cell = f"{r.indicator_id} {r.place_code} {r.period}"
    if r.status == "changed":
        old = "retracted" if r.old_value is None else f"{r.old_value:g}"
        return f"  row {r.row:>6}  changed  {cell}: {old} → {r.value:g} {r.unit}"
    return f"  row {r.row:>6}  new      {cell}: {r.value:g} {r.unit}"


def _print_plan(plan: ImportPlan) -> None:
    s = plan.summary()
    print(
        f"{plan.filename}: {s['new']} new, {s['changed']} changed, {s['unchanged']} unchanged, "
        f"{s['skipped_blank']} blank rows skipped, {s['errors']} errors"
    )
    listed = [r for r in plan.rows if r.status != "unchanged"]
    for r in listed[:ROWS_LISTED]:
        print(_row_text(r))
    if len(listed) > ROWS_LISTED:
        print(f"  … and {len(listed) - ROWS_LISTED} more new or changed rows")


def _import(args: argparse.Namespace) -> int:
    with _store(args) as store:
        guarded = GuardedStore.as_account(store, args.user, "--user")
        table = read_upload_file(args.file)
        plan = guarded.dry_run_import(table)
        _print_plan(plan)
        if plan.errors:
            print("Nothing was imported.")
            raise IndicatorsError(plan.problems())
        if args.dry_run:
            print("Dry run: nothing was written.")
            return 0
        written = guarded.apply_import(plan)
        print(
            f"Imported: {written} revisions written by {plan.user} in one transaction; "
            "they count once a reviewer approves them."
        )
    return 0


def _export(args: argparse.Namespace) -> int:
    fmt = _format(args)
    with _store(args) as store:
        data = export_history(store, fmt) if args.history else export_current(store, fmt)  # type: ignore[arg-type]
    _write(args.out, data)
    print(f"wrote {'history' if args.history else 'current values'} to {args.out}")
    return 0


def _template(args: argparse.Namespace) -> int:
    fmt = _format(args)
    _write(args.out, template_bytes(_catalogue(args), fmt))  # type: ignore[arg-type]
    print(f"wrote template to {args.out}")
    return 0


def _history(args: argparse.Namespace) -> int:
    with _store(args) as store:
        checker = ObservationChecker(store.catalogue)
        args.indicator_id, args.place, args.period = canonical_cell(
            args.indicator_id, args.place, args.period
        )
        problems = [
            p for p in (checker.check_indicator(args.indicator_id), checker.check_place(args.place)) if p
        ]
        if problems:
            raise IndicatorsError([Problem(p.message, path=p.column, hint=p.hint) for p in problems])
        revisions = store.history(args.indicator_id, args.place, args.period)
    if args.json:
        print(json.dumps([o.model_dump(mode="json") for o in revisions], ensure_ascii=False, indent=2))
        return 0
    if not revisions:
        print(f"{args.indicator_id} at {args.place} for {args.period}: no values stored")
        return 0
    for o in revisions:
        value = "retracted" if o.retracted else f"{o.value:g} {o.unit} ({o.qualifier})"
        when = o.entered_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        extra = "; ".join(x for x in (o.reason and f"reason: {o.reason}", o.source_ref) if x)
        print(f"rev {o.revision}  {when}  {o.entered_by:<16} {o.source_kind:<7} {value}  {extra}".rstrip())
    return 0


def _common(p: argparse.ArgumentParser, db: bool = True) -> None:
    if db:
        p.add_argument(
            "--db",
            metavar="URL",
            help=f"database URL (default: ${ENV_VAR}, else sqlite file data/xinan.db); "
            "e.g. postgresql://user@host/dbname",
        )
    p.add_argument("--definitions", default=str(DEFINITIONS_DIR), help="catalogue folder with framework.yaml")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the store commands to the CLI."""
    p = sub.add_parser("init", help="create or migrate the database and load the article figures")
    _common(p)
    p.set_defaults(handler=_init)

    p = sub.add_parser("import", help="import values from CSV or XLSX (all rows or none)")
    p.add_argument("file", help=".csv or .xlsx, e.g. a filled-in template or an export")
    _common(p)
    p.add_argument(
        "--user",
        default=getpass.getuser(),
        help="your account (an editor of these indicators, or an admin; default: your login name)",
    )
    p.add_argument("--dry-run", action="store_true", help="list new/changed/unchanged rows and errors only")
    p.set_defaults(handler=_import)

    p = sub.add_parser("export", help="export current values (or every revision) to CSV or XLSX")
    _common(p)
    p.add_argument("--history", action="store_true", help="every revision instead of current values")
    p.add_argument("--format", choices=["csv", "xlsx"], help="default: from the --out suffix")
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(handler=_export)

    p = sub.add_parser("template", help="write the entry template listing every indicator")
    _common(p, db=False)
    p.add_argument("--format", choices=["csv", "xlsx"], help="default: from the --out suffix")
    p.add_argument("--out", required=True, metavar="FILE")
    p.set_defaults(handler=_template)

    p = sub.add_parser("history", help="show every revision of one cell")
    p.add_argument("indicator_id")
    p.add_argument("--place", required=True, metavar="CODE")
    p.add_argument("--period", required=True, metavar="P")
    _common(p)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_history)
