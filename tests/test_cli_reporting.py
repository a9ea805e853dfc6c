"""The reporting commands end to end: reporting status, review approve|return, lock / unlock, and a CLI import
into a locked period — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import add_accounts
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
    add_accounts(db_url)
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
    with Store(filled, catalogue=load_catalogue(SMALL_CATALOGUE_DIR)) as store:
        store.save(HOMES, CITY, "2023", 9, entered_by="boss")  # an admin enters values and reviews
    code, _, err = run(
        capsys, "review", "approve", HOMES, "--place", CITY, "--period", "2023", "--by", "boss", *db
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


def _approve(capsys, db: list[str], by: str) -> tuple[int, str, str]:
    return run(capsys, "review", "approve", HOMES, "--place", CITY, "--period", "2024", "--by", by, *db)


@pytest.mark.parametrize(
    ("by", "says"),
    [
        ("nobody_at_all", "no account named 'nobody_at_all'"),
        ("vic", "only a reviewer or admin can review"),
        ("li", "only a reviewer or admin can review"),  # an editor, and the one who entered it
    ],
)
def test_review_by_a_name_that_is_not_a_reviewers_account_is_refused(capsys, filled, by, says):
    code, _, err = _approve(capsys, ["--db", filled, *CAT], by)
    assert code == 1 and says in err
    with Store(filled, catalogue=load_catalogue(SMALL_CATALOGUE_DIR)) as store:
        assert rounds.review_history(store, (HOMES, CITY, "2024")) == []


def test_a_disabled_reviewer_cannot_act_and_a_revision_is_approved_once(capsys, filled):
    db = ["--db", filled, *CAT]
    assert _approve(capsys, db, "ZHAO")[0] == 0  # another spelling of one account is that account
    code, _, err = _approve(capsys, db, "boss")
    assert code == 1 and "already approved by zhao" in err
    with Store(filled, catalogue=load_catalogue(SMALL_CATALOGUE_DIR)) as store:
        history = rounds.review_history(store, (HOMES, CITY, "2024"))
        assert [(h["action"], h["reviewed_by"]) for h in history] == [("approve", "zhao")]
        from indicators.accounts import Accounts

        Accounts(store.engine).disable_user("zhao")
    code, _, err = run(capsys, "lock", "2024", "--by", "zhao", "--reason", "年度考核", *db)
    assert code == 1 and "disabled" in err


@pytest.mark.parametrize("by", ["vic", "li", "nobody_at_all"])
def test_lock_and_unlock_by_an_account_without_the_right_are_refused(capsys, filled, by):
    db = ["--db", filled, *CAT]
    code, _, err = run(capsys, "lock", "2024", "--by", by, "--reason", "年度考核", *db)
    assert code == 1 and err
    assert run(capsys, "lock", "2024", "--by", "zhao", "--reason", "年度考核", *db)[0] == 0
    code, _, err = run(capsys, "unlock", "2024", "--by", "zhao", "--reason", "更正", *db)
    assert code == 1 and "only an admin unlocks" in err
    with Store(filled, catalogue=load_catalogue(SMALL_CATALOGUE_DIR)) as store:
        assert [lk.set_by for lk in rounds.locks_in_force(store)] == ["zhao"]


def test_returning_a_seed_figure_from_the_cli_makes_score_stop_counting_it(capsys, db_url):
    from test_rounds import _seed_metric

    from indicators.initdb import load_metrics

    with Store(db_url, catalogue=load_catalogue(SMALL_CATALOGUE_DIR)) as store:
        load_metrics(store, [_seed_metric(15000, "2024")])
    add_accounts(db_url, ("zhao",))
    db = ["--db", db_url, *CAT]

    def counted() -> list[float]:
        code, out, _ = run(capsys, "score", "--json", *db)
        assert code == 0
        return [
            i["value"]
            for i in json.loads(out)["indicators"]
            if i["indicator_id"] == HOMES and i["value"] is not None
        ]

    assert counted() == [15000.0]
    code, _, _ = run(
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
        "口径",
        *db,
    )
    assert code == 0
    assert counted() == []
