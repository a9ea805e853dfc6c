"""The reviewer sees, in the review queue beside the value, the plausibility flags the entry form raised
and the reason the editor confirmed them with (next to the validation rules' findings)."""

from __future__ import annotations

import pytest
from app_pages import open_page, sign_in
from streamlit.testing.v1 import AppTest

from indicators.accounts import open_accounts
from indicators.store.store import Store
from tests.test_pages import APP, PASSWORD, _article_db

pytestmark = pytest.mark.slow  # a page script through AppTest

EDITOR, REVIEWER = "wang.editor", "zhao.reviewer"
FLAGGED = ("xinan_cells", "371600", "2025")  # the article has 100 个 for 2024
PLAIN = ("xinan_cells", "371602", "2025")
REASON = "年报口径调整，已与统计局核实"


@pytest.fixture
def queued(tmp_path, catalogue, monkeypatch) -> str:
    """Article figures, an editor's flagged (confirmed) value and an unflagged one, and a reviewer."""
    url = _article_db(tmp_path / "q.db", catalogue)
    accounts = open_accounts(url)
    accounts.add_user(EDITOR, "editor", themes=[t.id for t in catalogue.themes], password=PASSWORD)
    accounts.add_user(REVIEWER, "reviewer", password=PASSWORD)
    with Store(url, catalogue) as store:
        assert store.plausibility(*FLAGGED, 10000)  # 100× the history: the form asks for a reason
        store.save(*FLAGGED, 10000, entered_by=EDITOR, flag_reason=REASON)
        assert not store.plausibility(*PLAIN, 3)
        store.save(*PLAIN, 3, entered_by=EDITOR)
    monkeypatch.setenv("XINAN_DB_URL", url)
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    return url


def _reviewer(lang: str) -> AppTest:
    """A session signed in as the reviewer, in this language."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = lang
    return sign_in(at.run(), REVIEWER, PASSWORD)


def _queue(lang: str) -> dict:
    at = _reviewer(lang)
    # The review tab is drawn only once it is chosen, as a reviewer's click does in the browser.
    at.session_state["reporting_tab"] = "审核" if lang == "zh" else "Review"
    open_page(at, "reporting").run()
    assert not at.exception, [e.message for e in at.exception]
    rules = "校验规则" if lang == "zh" else "Validation rules"
    return next(df.value for df in at.dataframe if rules in df.value.columns)


def test_a_flagged_value_shows_its_flag_and_confirmed_reason_in_the_review_queue(queued):
    queue = _queue("zh")
    columns = list(queue.columns)
    # Flags, the confirmed reason and the rule findings sit right beside the value, in its row.
    at = columns.index("数值")
    assert columns[at + 1 : at + 4] == ["核对提示", "确认原因", "校验规则"]
    rows = queue.set_index("地区")
    flagged, plain = rows.loc["滨州市"], rows.loc["滨城区"]
    assert flagged["数值"].startswith("⚠ ") and "10,000" in flagged["数值"]
    assert flagged["核对提示"].startswith("⚠ 与历史相差很大")
    assert flagged["确认原因"] == REASON
    assert (plain["核对提示"], plain["确认原因"]) == ("", "")
    assert not plain["数值"].startswith("⚠")


def test_the_queue_flag_is_translated_for_an_english_reviewer(queued):
    queue = _queue("en")
    flagged = queue[queue["Flags"] != ""]
    assert len(flagged) == 1
    assert flagged["Flags"].iloc[0].startswith("⚠ ") and "与历史" not in flagged["Flags"].iloc[0]
    assert flagged["Reason confirmed"].iloc[0] == REASON


def test_the_reporting_page_draws_only_the_tab_that_is_open(queued):
    # The queue (a grid, a form and a history grid) is what made 报送情况 the slowest page to open; a
    # visitor who only looks at progress should not pay for it.
    at = _reviewer("zh")
    open_page(at, "reporting").run()
    assert not at.exception, [e.message for e in at.exception]
    assert [tab.label for tab in at.tabs] == ["报送进度", "未报清单", "审核", "锁定期次"]
    assert not any("校验规则" in df.value.columns for df in at.dataframe)
    assert any(m.label == "应报" for m in at.metric)  # the progress tab, open by default, is drawn
    at.session_state["reporting_tab"] = "审核"
    at.run()
    assert any("校验规则" in df.value.columns for df in at.dataframe)
    assert not any(m.label == "应报" for m in at.metric)


def test_a_link_to_the_review_tab_opens_the_queue_and_the_url_follows_the_open_tab(queued):
    # A reviewer's bookmark or the link in a notice (/reporting?tab=review) opens the queue itself.
    at = _reviewer("zh")
    at.query_params["tab"] = "review"
    open_page(at, "reporting").run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("校验规则" in df.value.columns for df in at.dataframe)
    # Choosing another tab writes it to the URL, so a reload keeps the tab the person chose.
    at.session_state["reporting_tab"] = "锁定期次"
    at.run()
    assert at.query_params["tab"] == "locks"
    assert not any("校验规则" in df.value.columns for df in at.dataframe)
