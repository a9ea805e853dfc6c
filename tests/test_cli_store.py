"""The store commands end to end: init, export, import, history, template — on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from cli_helpers import add_accounts
from conftest import SMALL_CATALOGUE_DIR

import indicators.initdb
from indicators.articles.metrics import ArticleMetric
from indicators.cli.main import main
from indicators.store.db import ENV_VAR
from indicators.store.store import Store

HOMES = "homes_adapted_for_elderly"
VISITS = "home_visits"
CITY = "371600"
CAT = ["--definitions", str(SMALL_CATALOGUE_DIR)]


def metric(indicator: str, place: str, period: str, value: float, unit: str, **more: str) -> ArticleMetric:
    """An article figure as indicators.articles.metrics gives it: value in base units."""
    fields = {"qualifier": "exact", "seed": "000_cbbc4acc49a2d301.txt", "quote": f"{value:g}{unit}"} | more
    return ArticleMetric(indicator=indicator, place=place, period=period, value=value, unit=unit, **fields)


METRICS = [
    metric(HOMES, CITY, "2024", 15000, "户", quote="适老化改造1.5 万户"),
    metric(VISITS, CITY, "2024Q1", 160000, "人次", quote="16 万人次"),
    metric("social_work_station_coverage", "130000", "2022", 63.7, "%", seed="004_4ffd5773b4f85cfa.txt"),
]


@pytest.fixture
def article_metrics(monkeypatch: pytest.MonkeyPatch) -> list[ArticleMetric]:
    """Replace the curated figures (which name the real catalogue) with ones for the small catalogue."""
    metrics = list(METRICS)
    monkeypatch.setattr(indicators.initdb, "load_article_metrics", lambda **_: list(metrics))
    return metrics


def _small():
    from indicators.catalogue import load_catalogue

    return load_catalogue(SMALL_CATALOGUE_DIR)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_round_trip_init_export_import_change_and_a_bad_row(capsys, db_url, tmp_path, article_metrics):
    db = ["--db", db_url, *CAT]
    code, out, _ = run(capsys, "init", *db)
    assert code == 0 and "3 added" in out
    add_accounts(db_url, ("li",))

    exported = tmp_path / "current.csv"
    assert run(capsys, "export", *db, "--format", "csv", "--out", str(exported))[0] == 0
    rows = read_csv(exported)
    assert len(rows) == 3 and {r["source_kind"] for r in rows} == {"article"}
    homes = next(r for r in rows if r["indicator_id"] == HOMES)
    assert (homes["value"], homes["unit"], homes["name_zh"]) == ("15000", "户", "适老化改造户数")
    assert homes["source_ref"] == "000_cbbc4acc49a2d301.txt: 适老化改造1.5 万户"

    with Store(db_url, catalogue=_small()) as store:
        version = store.data_version()
    code, out, _ = run(capsys, "import", str(exported), *db, "--user", "li")
    assert code == 0 and "0 new, 0 changed, 3 unchanged" in out
    with Store(db_url, catalogue=_small()) as store:
        assert store.data_version() == version

    homes["value"] = "15200"
    changed = tmp_path / "changed.csv"
    write_csv(changed, rows)
    code, out, _ = run(capsys, "import", str(changed), *db, "--user", "li")
    assert code == 0 and "0 new, 1 changed, 2 unchanged" in out and "15000 → 15200" in out
    code, out, _ = run(capsys, "history", HOMES, "--place", CITY, "--period", "2024", *db, "--json")
    history = json.loads(out)
    assert [(h["revision"], h["value"], h["entered_by"], h["source_kind"]) for h in history] == [
        (1, 15000, "article-import", "article"),
        (2, 15200, "li", "import"),
    ]
    assert history[1]["reason"] == f"changed by changed.csv row {rows.index(homes) + 2}"

    bad = [dict(r) for r in rows]
    bad[0]["value"] = "16000"
    bad[2]["period"] = "2024Q2"
    broken = tmp_path / "broken.csv"
    write_csv(broken, bad)
    with Store(db_url, catalogue=_small()) as store:
        version = store.data_version()
    code, out, err = run(capsys, "import", str(broken), *db, "--user", "li")
    assert code == 1
    assert "Nothing was imported." in out
    assert "broken.csv: row 4, column period: period '2024Q2' does not fit frequency 'year'" in err
    with Store(db_url, catalogue=_small()) as store:
        assert store.data_version() == version
        assert len(store.changes_frame()) == 4


def test_init_twice_adds_nothing_and_keeps_corrections_made_by_staff(capsys, db_url, article_metrics):
    db = ["--db", db_url, *CAT]
    assert run(capsys, "init", *db)[0] == 0
    with Store(db_url, catalogue=_small()) as store:
        store.save(HOMES, CITY, "2024", 15100, entered_by="wang", expected_revision=1, reason="final figure")
        version = store.data_version()
    code, out, _ = run(capsys, "init", *db)
    assert code == 0 and "0 added, 2 already stored, 1 kept as staff changed them" in out
    with Store(db_url, catalogue=_small()) as store:
        assert store.data_version() == version
        assert [o.value for o in store.history(HOMES, CITY, "2024")] == [15000, 15100]
    # A corrected extraction replaces figures nobody has touched.
    article_metrics[1] = metric(VISITS, CITY, "2024Q1", 165000, "人次", qualifier="about")
    code, out, _ = run(capsys, "init", *db)
    assert "1 added" in out
    with Store(db_url, catalogue=_small()) as store:
        assert [o.value for o in store.history(VISITS, CITY, "2024Q1")] == [160000, 165000]


def test_article_figures_that_break_a_rule_stop_init_with_every_problem(capsys, db_url, article_metrics):
    article_metrics.append(metric("no_such", CITY, "2024", 1, "人"))
    article_metrics.append(metric(HOMES, CITY, "2024", 1, "%"))
    code, _, err = run(capsys, "init", "--db", db_url, *CAT)
    assert code == 1
    assert "metric 4, indicator_id: unknown indicator 'no_such'" in err
    assert "metric 5, unit: unit '%' cannot be converted" in err
    with Store(db_url, catalogue=_small()) as store:
        assert store.data_version() == 0


def test_dry_run_lists_rows_and_writes_nothing(capsys, db_url, tmp_path):
    path = tmp_path / "new.csv"
    path.write_text(f"indicator_id,place_code,period,value\n{HOMES},{CITY},2023,1200\n", encoding="utf-8")
    add_accounts(db_url, ("li",))
    code, out, _ = run(capsys, "import", str(path), "--db", db_url, *CAT, "--dry-run", "--user", "li")
    assert (
        code == 0
        and "1 new, 0 changed" in out
        and f"row      2  new      {HOMES} {CITY} 2023: 1200 户" in out
    )
    with Store(db_url, catalogue=_small()) as store:
        assert store.current_frame().empty


def test_database_url_can_come_from_the_environment(capsys, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, db_url)
    add_accounts(db_url, ("li",))
    path = tmp_path / "new.csv"
    path.write_text(f"indicator_id,place_code,period,value\n{HOMES},{CITY},2023,1200\n", encoding="utf-8")
    assert run(capsys, "import", str(path), *CAT, "--user", "li")[0] == 0
    code, out, _ = run(capsys, "history", HOMES, "--place", CITY, "--period", "2023", *CAT)
    assert code == 0 and "rev 1" in out and "1200 户 (exact)" in out and "li" in out


def test_history_of_an_unknown_indicator_is_an_error(capsys, db_url):
    code, _, err = run(capsys, "history", "nope", "--place", CITY, "--period", "2023", "--db", db_url, *CAT)
    assert code == 1 and "indicator_id: unknown indicator 'nope'" in err


def test_template_and_history_export_files_are_written(capsys, db_url, tmp_path, article_metrics):
    from openpyxl import load_workbook

    xlsx = tmp_path / "template.xlsx"
    assert run(capsys, "template", *CAT, "--out", str(xlsx))[0] == 0
    assert load_workbook(xlsx).sheetnames == ["observations", "places"]
    run(capsys, "init", "--db", db_url, *CAT)
    history = tmp_path / "history.xlsx"
    assert run(capsys, "export", "--db", db_url, *CAT, "--history", "--out", str(history))[0] == 0
    sheet = load_workbook(history)["observations"]
    assert sheet.max_row == 1 + len(METRICS)
    code, _, err = run(capsys, "export", "--db", db_url, *CAT, "--out", str(tmp_path / "x.pdf"))
    assert code == 1 and "pass --format csv or xlsx" in err


def test_init_loads_the_curated_article_figures_into_the_shipped_catalogue(capsys, db_url):
    from indicators.articles.metrics import load_article_metrics

    expected = load_article_metrics()
    code, out, err = run(capsys, "init", "--db", db_url)
    assert code == 0, err
    assert f"{len(expected)} added" in out
    with Store(db_url) as store:
        frame = store.current_frame()
        assert len(frame) == len(expected) and set(frame["source_kind"]) == {"article"}
        assert set(frame["entered_by"]) == {"article-import"}
        first = expected[0]
        (stored,) = store.history(first.indicator, first.place, first.period)
        assert stored.source_ref == f"{first.seed}: {first.quote}"
    code, out, _ = run(capsys, "init", "--db", db_url)
    assert f"0 added, {len(expected)} already stored" in out
