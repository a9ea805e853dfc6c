"""The 来源 page in the app: who may add a document, pasted text reviewed figure by figure, duplicates refused."""

from __future__ import annotations

import pytest
from app_pages import open_page
from streamlit.testing.v1 import AppTest

from indicators.accounts import open_accounts
from indicators.articles.documents import list_documents, reviews_of
from indicators.paths import PROJECT_DIR
from indicators.store.store import Store

# Page scripts driven through AppTest.
pytestmark = pytest.mark.slow

APP = str(PROJECT_DIR / "dashboard" / "app.py")
PASSWORD = "correct horse battery"
REPORT = "阳信县2024年养老服务简报\n\n2024年，阳信县完成适老化改造860户，建成长者食堂12个。"


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("XINAN_DB_URL", url)
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    accounts = open_accounts(url)
    accounts.add_user("zhang", "editor", themes=["habitat"], password=PASSWORD)
    accounts.add_user("li", "viewer", password=PASSWORD)
    return url


def _signed_in(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(PASSWORD)
    next(b for b in at.button if b.label.startswith("登录")).click()
    at.run()
    open_page(at, "sources").run()
    assert not at.exception
    return at


def _add(at: AppTest, text: str) -> AppTest:
    at.text_area(key="documents_paste").input(text)
    at.text_input(key="documents_publisher").input("阳信县民政局")
    next(b for b in at.button if b.label == "添加并审核数字").click()
    return at.run()


def test_a_viewer_gets_no_add_form(db_url):
    at = _signed_in("li")
    assert not [f for f in at.get("form") if f.proto.form.form_id == "documents_add"]


def test_pasted_text_is_stored_and_nothing_is_saved_until_a_figure_is_accepted(db_url, catalogue):
    at = _add(_signed_in("zhang"), REPORT)
    assert not at.exception
    assert any("已添加《阳信县2024年养老服务简报》" in s.value for s in at.success)
    with Store(db_url, catalogue=catalogue) as store:
        [doc] = list_documents(store)
        assert doc.publisher == "阳信县民政局" and doc.added_by == "zhang"
        assert store.current_frame().empty
    # Two proposals, each with indicator, place and period filled in.
    offsets = [doc.text.index("860户"), doc.text.index("12个")]
    for offset in offsets:
        key = f"{doc.id}_{offset}"
        assert at.selectbox(key=f"proposal_place_{key}").value == "371622"
        assert at.text_input(key=f"proposal_period_{key}").value == "2024"
    assert at.selectbox(key=f"proposal_ind_{doc.id}_{offsets[0]}").value == "elderly_home_retrofits"
    at.button(key=f"proposal_accept_{doc.id}_{offsets[0]}").click()
    at.run()
    assert not at.exception
    at.button(key=f"proposal_skip_{doc.id}_{offsets[1]}").click()
    at.run()
    with Store(db_url, catalogue=catalogue) as store:
        [stored] = store.history("elderly_home_retrofits", "371622", "2024")
        assert (stored.value, stored.source_kind, stored.entered_by) == (860, "article", "zhang")
        assert (stored.document_id, stored.quote_offset) == (doc.id, offsets[0])
        assert stored.quote == "2024年，阳信县完成适老化改造860户，建成长者食堂12个。"
        decisions = reviews_of(store, [doc.id])
        assert decisions[(doc.id, offsets[1])].decision == "skipped"
        assert store.history("elderly_dining_halls", "371622", "2024") == []


def test_the_same_text_twice_is_refused_in_chinese(db_url):
    at = _add(_signed_in("zhang"), REPORT)
    at = _add(at, REPORT.replace("，", "，\n"))
    shown = [e.value.replace("\\", "") for e in at.error]  # markdown escapes in the shown text
    assert any("已收录为 #1《阳信县2024年养老服务简报》" in s and "未重复添加" in s for s in shown), shown
