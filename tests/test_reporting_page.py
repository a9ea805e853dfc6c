"""报送情况 as a department's editor uses it: the page starts on their department, and each value they
still owe opens the entry form on exactly that cell."""

from __future__ import annotations

import pytest
from app_pages import open_page, sign_in
from streamlit.testing.v1 import AppTest

from indicators.accounts import open_accounts
from tests.test_pages import APP, PASSWORD, _article_db

pytestmark = pytest.mark.slow  # page scripts through AppTest

EDITOR = "yibao.editor"


@pytest.fixture
def department_editor(tmp_path, catalogue, monkeypatch) -> str:
    """Article figures and an editor of 市医保局 (scoped by department, not by theme)."""
    url = _article_db(tmp_path / "r.db", catalogue)
    open_accounts(url).add_user(EDITOR, "editor", departments=["medical_insurance"], password=PASSWORD)
    monkeypatch.setenv("XINAN_DB_URL", url)
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    return url


def _signed_in() -> AppTest:
    at = sign_in(AppTest.from_file(APP, default_timeout=120).run(), EDITOR, PASSWORD)
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_department_editor_starts_on_their_department_and_each_owed_value_opens_its_entry_form(
    department_editor, catalogue
):
    at = _signed_in()
    at.session_state["reporting_tab"] = "未报清单"
    open_page(at, "reporting").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.multiselect(key="reporting_departments").value == ["medical_insurance"]
    owed = next(df.value for df in at.dataframe if "打开" in df.value.columns)
    assert set(owed["责任单位"]) == {"市医保局"}
    row = owed.iloc[0]
    path, _, query = row["打开"].partition("?")
    params = dict(pair.split("=") for pair in query.split("&"))
    assert path == "entry" and catalogue.indicators[params["id"]].department == "medical_insurance"

    followed = _signed_in()
    for name, value in params.items():
        followed.query_params[name] = value
    open_page(followed, "entry").run()
    assert not followed.exception, [e.message for e in followed.exception]
    assert followed.selectbox(key="entry_indicator").value == params["id"]
    assert followed.selectbox(key="entry_place").value == params["place"]
    assert (
        followed.selectbox(key=f"entry_period_{catalogue.indicators[params['id']].frequency}").value
        == (params["period"])
    )
    assert row["地区"] == catalogue.place_by_code[params["place"]].name_zh and row["期次"] == params["period"]


def test_an_empty_table_says_so_in_the_pages_language(department_editor):
    # No period is locked yet: the lock history has no rows, and Streamlit's empty grid says "empty".
    at = _signed_in()
    at.session_state["reporting_tab"] = "锁定期次"
    open_page(at, "reporting").run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.dataframe
    assert "暂无记录" in [c.value for c in at.caption]
