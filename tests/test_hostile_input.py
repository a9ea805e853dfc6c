"""Hostile input end to end: limits before parsing, formulas neutralised on export, SQL-like text harmless in
every filter, HTML and script in notes and names shown as text."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
import sqlalchemy as sa
from app_pages import open_page
from cli_helpers import add_accounts
from streamlit.testing.v1 import AppTest

from indicators import bulk, tabular
from indicators.access import User
from indicators.accounts import open_accounts
from indicators.errors import IndicatorsError
from indicators.guarded import GuardedStore
from indicators.paths import PROJECT_DIR
from indicators.store.store import Store
from indicators.tabular import MAX_ROWS
from indicators.uploads import MAX_UPLOAD_BYTES, read_upload

CITY = "371600"
SQL = "'; DROP TABLE observations; --"
SCRIPT = "<script>alert('xss')</script>"
IMG = '<img src=x onerror="alert(1)">'
LINK = "[点此领取](http://evil.example/phish)"
FORMULA = '=HYPERLINK("http://evil.example","点我")'
ZHANG = User(name="zhang", role="editor", themes=("health",))


@pytest.fixture
def db_url(sqlite_url) -> str:
    return sqlite_url


@pytest.fixture
def store(db_url, catalogue):
    with Store(db_url, catalogue=catalogue) as s:
        yield s


def _health_indicator(catalogue) -> str:
    return next(
        i
        for i, ind in catalogue.indicators.items()
        if catalogue.theme_of[i] == "health" and ind.frequency == "year" and ind.unit == "%"
    )


# --- uploads ---------------------------------------------------------------------------------------------


def test_oversized_upload_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(tabular, "read_table", lambda *a, **k: pytest.fail("parsed an oversized file"))
    with pytest.raises(IndicatorsError, match=f"{MAX_UPLOAD_BYTES:,} bytes"):
        read_upload("values.csv", b"x" * (MAX_UPLOAD_BYTES + 1))


def test_file_with_more_rows_than_the_limit_is_refused(catalogue):
    ind = _health_indicator(catalogue)
    data = ("indicator_id,place_code,period,value\n" + f"{ind[:3]},1,2,3\n" * (MAX_ROWS + 1)).encode()
    assert len(data) < MAX_UPLOAD_BYTES
    with pytest.raises(IndicatorsError, match="at most 200,000"):
        read_upload("values.csv", data)


def test_zip_bomb_never_reaches_openpyxl(monkeypatch):
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("openpyxl opened a zip bomb"))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" * (30 * 1024 * 1024))
    with pytest.raises(IndicatorsError, match="zip bomb"):
        read_upload("bomb.xlsx", out.getvalue())


def test_command_line_import_refuses_a_zip_bomb_before_opening_it(tmp_path, capsys):
    from indicators.cli.main import main

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"<" * (30 * 1024 * 1024))
    db = f"sqlite:///{tmp_path / 'x.db'}"
    add_accounts(db, ("li",))
    assert main(["import", str(bomb), "--db", db, "--user", "li", "--dry-run"]) == 1
    assert "zip bomb" in capsys.readouterr().err


def test_damaged_workbook_gets_a_clear_message_naming_the_file():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<not really a workbook")
    with pytest.raises(IndicatorsError) as err:
        read_upload("damaged.xlsx", out.getvalue())
    assert err.value.problems[0].file == "damaged.xlsx"
    with pytest.raises(IndicatorsError, match="not a zip archive"):
        read_upload("renamed.xlsx", b"indicator_id,place_code\n")


# --- formula injection -----------------------------------------------------------------------------------


def test_formula_in_an_imported_note_is_stored_as_text_and_exported_neutralised(store, catalogue):
    ind = _health_indicator(catalogue)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [["indicator_id", "place_code", "period", "value", "note"], [ind, CITY, "2024", "41", FORMULA]]
    )
    guarded = GuardedStore(store, ZHANG)
    guarded.apply_import(guarded.dry_run_import(read_upload("values.csv", buffer.getvalue().encode())))
    assert store.history(ind, CITY, "2024")[0].note == FORMULA

    exported = list(csv.reader(io.StringIO(bulk.export_current(store, "csv").decode("utf-8-sig"))))
    note_at = exported[0].index("note")
    assert exported[1][note_at] == "'" + FORMULA

    book = openpyxl.load_workbook(io.BytesIO(bulk.export_current(store, "xlsx")))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    cell = sheet.cell(2, header.index("note") + 1)
    assert cell.data_type == "s" and cell.value == FORMULA  # text, not a formula Excel would run


# --- SQL-like text in filters ------------------------------------------------------------------------------


def test_sql_like_text_in_every_filter_finds_nothing_and_drops_nothing(store, catalogue, db_url):
    ind = _health_indicator(catalogue)
    GuardedStore(store, ZHANG).save(ind, CITY, "2024", 50.0, note=SQL, source_ref=SQL)
    assert store.history(SQL, SQL, SQL) == []
    assert store.current_frame(indicator_ids=[SQL]).empty
    assert store.current_frame(place_codes=[SQL]).empty
    assert store.changes_frame(indicator_id=SQL).empty
    assert store.changes_frame(place_code=SQL).empty
    assert store.changes_frame(entered_by=SQL).empty
    assert store.current_cells([SQL]) == {}
    assert store.current_revision(SQL, SQL, SQL) == 0
    accounts = open_accounts(db_url)
    with pytest.raises(IndicatorsError, match="wrong user name or password"):
        accounts.sign_in(SQL, SQL)
    assert accounts.user_for_identity(SQL, SQL) is None
    assert accounts.session_user(SQL) is None
    # Still there, and the text was stored as text.
    assert store.history(ind, CITY, "2024")[0].note == SQL
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM observations")).scalar_one() == 1


def test_user_name_with_sql_or_html_is_refused():
    accounts_problems = []
    for name in (SQL, SCRIPT, "zhang wei", "张伟"):
        try:
            User(name=name, role="viewer")
        except ValueError:
            accounts_problems.append(name)
    assert accounts_problems == [SQL, SCRIPT, "zhang wei", "张伟"]


# --- HTML and script shown as text -----------------------------------------------------------------------

APP = str(PROJECT_DIR / "dashboard" / "app.py")


def _unsafe_html(at: AppTest) -> list[str]:
    """Return markdown bodies that would render hostile markup: raw HTML where allowed, or a live link."""
    bodies = [(m.proto.body, m.proto.allow_html) for m in at.get("markdown")]
    bodies += [
        (e.proto.body, False) for kind in ("error", "warning", "info", "success") for e in at.get(kind)
    ]
    return [
        body
        for body, allow_html in bodies
        if (allow_html and any(bad in body for bad in ("<script", "<img")))
        or "](http" in body
        or "http://evil" in body
    ]


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_html_and_script_in_notes_sources_and_names_are_never_rendered(db_url, catalogue, monkeypatch):
    monkeypatch.setenv("XINAN_DB_URL", db_url)
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    ind = _health_indicator(catalogue)
    with Store(db_url, catalogue=catalogue) as store:
        GuardedStore(store, ZHANG).save(
            ind, CITY, "2024", 50.0, note=SCRIPT + IMG + LINK, source_ref=IMG + LINK
        )
    open_accounts(db_url).add_user(
        "zhang", "editor", themes=["health"], password="correct horse battery", display_name=SCRIPT
    )
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["id"] = ind
    at.run()
    at.text_input(key="signin_name").input("zhang")
    at.text_input(key="signin_password").input("correct horse battery")
    next(b for b in at.button if b.label.startswith("登录")).click()
    at.run()
    assert any(SCRIPT in t.value for t in at.sidebar.text)
    for page in ("overview", "indicator", "entry", "history", "places", "theme"):
        open_page(at, page).run()
        assert not at.exception, page
        if page == "entry":  # show the stored record with its hostile source and note
            at.selectbox(key="entry_indicator").set_value(ind).run()
            period = next(sb for sb in at.selectbox if sb.key.startswith("entry_period"))
            period.set_value("2024").run()
            assert any("alert" in m.proto.body for m in at.get("markdown")), "record not shown"
        assert _unsafe_html(at) == [], page


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
@pytest.mark.parametrize("param", ["id", "place", "lang"])
def test_sql_like_text_in_the_address_bar_is_harmless(db_url, monkeypatch, param, catalogue):
    monkeypatch.setenv("XINAN_DB_URL", db_url)
    for page in ("indicator", "theme", "overview"):
        at = AppTest.from_file(APP, default_timeout=60)
        at.query_params[param] = SQL
        at.run()
        open_page(at, page).run()
        assert not at.exception, (page, [e.message for e in at.exception])
    with Store(db_url, catalogue=catalogue) as store, store.engine.connect() as conn:
        assert "observations" in sa.inspect(conn).get_table_names()
