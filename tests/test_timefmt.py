"""Times are stored in UTC and shown in Beijing time (or XINAN_TIMEZONE), labelled, wherever people read
them: the history page, the entry page's record, messages, data exports and the briefing."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
import sqlalchemy as sa
from app_pages import open_page
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from dashboard import texts, timefmt
from dashboard.export.charts import ChartMeta
from dashboard.export.data import local_times, to_csv, to_xlsx
from indicators.accounts import open_accounts
from indicators.paths import PROJECT_DIR
from indicators.store.store import Store, observations

APP = str(PROJECT_DIR / "dashboard" / "app.py")
UTC_EVENING = dt.datetime(2026, 12, 3, 13, 5, tzinfo=dt.UTC)  # 21:05 in Beijing


@pytest.fixture(autouse=True)
def chinese(monkeypatch):
    monkeypatch.delenv(timefmt.TIMEZONE_ENV, raising=False)


def test_a_utc_time_is_shown_in_beijing_time_with_its_label():
    assert timefmt.time_text(UTC_EVENING) == "2026-12-03 21:05（北京时间）"
    # The database hands back naive UTC times (SQLite): the same instant.
    assert timefmt.time_text(UTC_EVENING.replace(tzinfo=None)) == "2026-12-03 21:05（北京时间）"
    assert timefmt.time_text(UTC_EVENING, lang="en") == "2026-12-03 21:05 (Beijing time)"
    # Late evening UTC is the next morning in Beijing: the date moves too.
    assert timefmt.time_text(dt.datetime(2026, 12, 3, 23, 30)) == "2026-12-04 07:30（北京时间）"
    assert timefmt.time_text(None) == "—"


def test_the_zone_is_configurable(monkeypatch):
    monkeypatch.setenv(timefmt.TIMEZONE_ENV, "Europe/Berlin")
    assert timefmt.time_text(UTC_EVENING) == "2026-12-03 14:05（Europe/Berlin）"
    monkeypatch.setenv(timefmt.TIMEZONE_ENV, "Not/AZone")
    assert timefmt.time_text(UTC_EVENING) == "2026-12-03 21:05（北京时间）"


def test_a_day_chosen_in_beijing_starts_at_16_00_utc_the_day_before():
    assert timefmt.day_start_utc(dt.date(2026, 12, 4)) == dt.datetime(2026, 12, 3, 16, 0)


def test_exported_data_carries_beijing_times_and_says_so_in_the_header():
    frame = pd.DataFrame({"value": [1.0], "entered_at": pd.to_datetime([UTC_EVENING], utc=True)})
    local = local_times(frame)
    assert list(local.columns) == ["value", "entered_at（北京时间）"]
    assert local.iloc[0, 1] == pd.Timestamp("2026-12-03 21:05")
    assert "2026-12-03 21:05:00" in to_csv(frame).decode("utf-8-sig")
    meta = ChartMeta(title="t", unit="个", place="滨州市", period="2024", source="s")
    sheet = load_workbook(io.BytesIO(to_xlsx(frame, meta))).worksheets[0]
    assert sheet.cell(1, 2).value == "entered_at（北京时间）"
    assert sheet.cell(2, 2).value == dt.datetime(2026, 12, 3, 21, 5)


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_the_history_page_shows_beijing_times_and_display_names(tmp_path, monkeypatch, catalogue):
    url = f"sqlite:///{tmp_path / 'h.db'}"
    monkeypatch.setenv("XINAN_DB_URL", url)
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    open_accounts(url).add_user(
        "wang.fang", "editor", themes=["health"], password="correct horse battery", display_name="王芳"
    )
    with Store(url, catalogue) as store:
        store.save("xinan_cells", "371623", "2024", 12, entered_by="wang.fang")
        # Saved "at" 13:05 UTC: set the stored time so the test knows what Beijing time to expect (the
        # append-only trigger is lifted for this one test edit; the app never rewrites a time).
        with store.engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER observations_no_update"))
            conn.execute(sa.update(observations).values(entered_at=UTC_EVENING.replace(tzinfo=None)))
    at = AppTest.from_file(APP, default_timeout=60).run()
    open_page(at, "history").run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "录入时间" in df.value.columns)
    assert table["录入时间"].tolist() == ["2026-12-03 21:05（北京时间）"]
    assert table["录入人"].tolist() == ["王芳"]


def test_a_stored_record_is_told_with_beijing_time(catalogue, tmp_path, monkeypatch):
    monkeypatch.setenv("XINAN_DB_URL", f"sqlite:///{tmp_path / 'r.db'}")
    record = {
        "indicator_id": "xinan_cells",
        "place_code": "371623",
        "period": "2024",
        "value": 12.0,
        "unit": catalogue.indicators["xinan_cells"].unit,
        "qualifier": "exact",
        "source_kind": "form",
        "source_ref": None,
        "entered_by": "li",
        "entered_at": UTC_EVENING,
        "revision": 1,
    }
    assert "2026-12-03 21:05（北京时间）" in texts.record_text(record, catalogue)
