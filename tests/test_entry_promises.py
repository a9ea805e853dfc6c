"""The entry form says what will happen and keeps what a value said: a correction starts from the current
source and needs a reason, an unchanged save is refused, refusals name who reports the indicator, a link the
person cannot follow is explained, a locked period offers no buttons, and an error stays with its cell."""

from __future__ import annotations

import pytest
from app_pages import open_page, sign_in
from streamlit.testing.v1 import AppTest

from indicators.access import User
from indicators.accounts import open_accounts
from indicators.guarded import GuardedStore
from indicators.store.store import Store
from tests.test_pages import APP, PASSWORD, _article_db

pytestmark = pytest.mark.slow  # page scripts through AppTest

CIVIL = "min.zheng"  # a department editor: 市民政局 (civil_affairs)
HOMES = ("elderly_home_retrofits", "371623", "2024")  # civil_affairs, yearly, 户; 无棣县


@pytest.fixture
def civil_url(tmp_path, catalogue, monkeypatch) -> str:
    url = _article_db(tmp_path / "civil.db", catalogue)
    open_accounts(url).add_user(
        CIVIL, "editor", departments=["civil_affairs"], password=PASSWORD, display_name="郑民政"
    )
    with Store(url, catalogue) as store:
        GuardedStore(store, User(name="first.editor", role="admin")).save(
            *HOMES, 1200, unit="户", source_ref="无棣县民政局台账"
        )
    monkeypatch.setenv("XINAN_DB_URL", url)
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    return url


def _session(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "zh"
    sign_in(at.run(), CIVIL, PASSWORD)
    for key, value in query.items():
        at.query_params[key] = value
    open_page(at, "entry").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _homes() -> AppTest:
    at = _session(theme="habitat", id=HOMES[0], place=HOMES[1], period=HOMES[2])
    assert at.selectbox(key="entry_indicator").value == HOMES[0]
    assert at.selectbox(key="entry_place").value == HOMES[1]
    return at


def _press_save(at: AppTest, value: str, reason: str = "") -> AppTest:
    at.text_input(key="entry_value").input(value)
    at.text_input(key="entry_reason").input(reason)
    at.button(key="entry_save").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _revisions(url: str, catalogue) -> list[tuple[float | None, str | None, str | None]]:
    with Store(url, catalogue) as store:
        return [(h.value, h.source_ref, h.reason) for h in store.history(*HOMES)]


def test_a_correction_starts_from_the_current_source_needs_a_reason_and_changes_something(
    civil_url, catalogue
):
    at = _homes()
    # The current value's source is there to keep (v2 used to be saved with a blank source).
    assert at.text_input(key="entry_source_ref").value == "无棣县民政局台账"
    _press_save(at, "1300")
    assert any("修改原因" in e.value for e in at.error)
    assert not at.success and len(_revisions(civil_url, catalogue)) == 1
    _press_save(at, "1300", "按台账更正")
    assert at.success
    assert _revisions(civil_url, catalogue)[-1] == (1300.0, "无棣县民政局台账", "按台账更正")
    # The same value again, only to add a reason, is no new revision: it says what to do instead.
    _press_save(at, "1300", "补充说明")
    assert any("未保存新版本" in e.value for e in at.error)
    assert len(_revisions(civil_url, catalogue)) == 2


def test_an_error_typed_for_one_cell_does_not_stay_beside_another_cells_field(civil_url):
    at = _homes()
    _press_save(at, "abc", "x")
    assert any("不是数值" in e.value for e in at.error)
    at.selectbox(key="entry_period_year").set_value("2023").run()
    assert not at.exception
    assert not any("不是数值" in e.value for e in at.error)
    at.selectbox(key="entry_period_year").set_value("2024").run()
    # Back on the cell it was typed for, the form starts clean too: the value field was emptied.
    assert at.text_input(key="entry_value").value == ""


def test_a_link_to_an_indicator_of_another_department_is_explained_not_swapped(civil_url):
    at = _session(theme="peace", id="xinan_cells", place="371600", period="2024")
    warnings = " ".join(w.value for w in at.warning)
    assert "心安细胞数量" in warnings and "市委社会工作部" in warnings and "市民政局" in warnings
    # Only what this editor may enter is offered: no form for another department's indicator.
    offered = at.selectbox(key="entry_indicator").options
    assert offered and not any("心安细胞" in o for o in offered)


def test_a_period_that_cannot_be_entered_is_explained(civil_url):
    at = _session(theme="habitat", id=HOMES[0], place=HOMES[1], period="2099")
    assert any("2099" in w.value and "不能录入" in w.value for w in at.warning)
    assert at.selectbox(key="entry_period_year").value != "2099"


def test_a_locked_period_shows_the_lock_instead_of_the_buttons(civil_url, catalogue):
    reviewer = open_accounts(civil_url).add_user("zhao", "reviewer", password=PASSWORD, display_name="赵审核")
    with Store(civil_url, catalogue) as store:
        GuardedStore(store, reviewer).lock("2024", reason="年度考核")
    at = _homes()
    assert any("锁定" in e.value and "赵审核" in e.value for e in at.error)
    assert any("不能保存或撤回" in c.value for c in at.caption)
    # Neither the value form nor the withdrawal form is drawn.
    assert "entry_value" not in [w.key for w in at.text_input]
    assert "entry_retract_reason" not in [w.key for w in at.text_input]


def test_a_stale_save_names_who_changed_the_value_by_display_name(civil_url, catalogue):
    open_accounts(civil_url).add_user(
        "ma.second", "editor", departments=["civil_affairs"], password=PASSWORD, display_name="马民政"
    )
    mine = _homes()  # drawn on revision 1
    other = AppTest.from_file(APP, default_timeout=120)
    other.session_state["lang"] = "zh"
    sign_in(other.run(), "ma.second", PASSWORD)
    other.query_params.update(theme="habitat", id=HOMES[0], place=HOMES[1], period=HOMES[2])
    open_page(other, "entry").run()
    _press_save(other, "1250", "按台账更正")
    assert other.success
    _press_save(mine, "1300", "按台账更正")
    refusals = " ".join(e.value for e in mine.error).replace("\\", "")
    assert "马民政" in refusals and "ma.second" not in refusals
    assert _revisions(civil_url, catalogue)[-1][0] == 1250.0
