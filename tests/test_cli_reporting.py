"""The reporting commands end to end: reporting status, review approve|return, lock / unlock, and a CLI import
into a locked period — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SMALL_CATALOGUE_DIR

from indicators.catalogue import load_catalogue
from indicators.cli.main import main
from indicators.store import rounds
from indicators.store.store import Store

HOMES = "homes_adapted_for_elderly"
CITY = "371600"
CAT = ["--definitions", str(SMALL_CATALOGUE_DIR)]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def filled(db_url: str) -> str:
    with Store(db_url, catalogue=load_catalogue(SMALL_CATALOGUE_DIR)) as store:
        store.save(HOMES, CITY, "2024", 10, entered_by="li")
    return db_url


def test_review_return_then_approve_and_self_approval_refused(capsys, filled):
    db = ["--db", filled, *CAT]
    code, _, err = run(
        capsys, "review", "return", HOMES, "--place", CITY, "--period", "2024", "--by", "zhao", *db
    )
    assert code == 1 and "needs a reason" in err
    code, out, _ = run(
        capsys,
        "review",
        "return",
        HOMES,
        "--place",
        CITY,
        "--period",
        "2024",
        "--by",
        "zhao",
        "--reason",
        "请核实",
        *db,
    )
    assert code == 0 and "returned" in out
    code, _, err = run(
        capsys, "review", "approve", HOMES, "--place", CITY, "--period", "2024", "--by", "li", *db
    )
    assert code == 1 and "cannot approve their own value" in err
    code, out, _ = run(
        capsys, "review", "approve", HOMES, "--place", CITY, "--period", "2024", "--by", "zhao", *db
    )
    assert code == 0
    with Store(filled, catalogue=load_catalogue(SMALL_CATALOGUE_DIR)) as store:
        assert rounds.cell_states(store)[(HOMES, CITY, "2024")].state == "approved"


def test_reporting_json_counts_the_department_round(capsys, filled):
    db = ["--db", filled, *CAT]
    code, out, _ = run(
        capsys,
        "reporting",
        "--period",
        "2024",
        "--department",
        "civil_affairs",
        "--date",
        "2025-02-10",
        "--json",
        *db,
    )
    assert code == 0
    rows = json.loads(out)["rows"]
    assert [(r["expected"], r["submitted"], r["missing"], r["overdue"]) for r in rows] == [(2, 1, 1, 1)]
    code, _, err = run(capsys, "reporting", "--department", "civil_affair", *db)
    assert code == 1 and "did you mean 'civil_affairs'" in err


def test_a_locked_period_refuses_a_cli_import_and_unlocking_needs_a_reason(capsys, filled, tmp_path: Path):
    db = ["--db", filled, *CAT]
    assert run(capsys, "lock", "2024", "--by", "zhao", "--reason", "年度考核", *db)[0] == 0
    sheet = tmp_path / "values.csv"
    sheet.write_text(
        f"indicator_id,place_code,period,value,unit\n{HOMES},{CITY},2024,12,户\n", encoding="utf-8"
    )
    code, _, err = run(capsys, "import", str(sheet), "--user", "li", *db)
    assert code == 1 and "period 2024 is locked" in err and "zhao" in err
    code, _, err = run(capsys, "unlock", "2024", "--by", "boss", "--reason", " ", *db)
    assert code == 1 and "needs a reason" in err
    assert run(capsys, "unlock", "2024", "--by", "boss", "--reason", "更正", *db)[0] == 0
    code, out, _ = run(capsys, "import", str(sheet), "--user", "li", *db)
    assert code == 0, out
    code, out, _ = run(capsys, "lock", "--list", *db)
    assert "unlock" in out and "更正" in out and "年度考核" in out
