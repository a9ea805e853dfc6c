"""In the app: no sign-in, no form; a viewer cannot write; an editor writes only in assigned themes and the
revision carries the editor's name; the sign-in block is shared by every page."""

from __future__ import annotations

import pytest
from app_pages import open_page
from streamlit.testing.v1 import AppTest

from indicators.accounts import open_accounts
from indicators.paths import PROJECT_DIR
from indicators.store.store import Store

APP = str(PROJECT_DIR / "dashboard" / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("XINAN_DB_URL", url)
    monkeypatch.delenv("XINAN_REQUIRE_LOGIN", raising=False)
    accounts = open_accounts(url)
    accounts.add_user("zhang", "editor", themes=["health"], password=PASSWORD)
    accounts.add_user("li", "viewer", password=PASSWORD, display_name="<b>李</b><script>alert(1)</script>")
    return url


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    return at


def _sign_in(at: AppTest, name: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    next(b for b in at.button if b.label.startswith("登录")).click()
    return at.run()


def _forms(at: AppTest) -> list[str]:
    return [f.proto.form.form_id for f in at.get("form")]


def _open(at: AppTest, page: str) -> AppTest:
    open_page(at, page).run()
    assert not at.exception
    return at


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_without_sign_in_entry_and_import_pages_show_no_form(db_url):
    at = _open(_app(), "entry")
    assert _forms(at) == ["signin_form"]
    assert any("需要登录" in w.value for w in at.warning)
    at = _open(at, "bulk_import")
    assert len(at.get("file_uploader")) == 0


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_viewer_signed_in_sees_who_but_gets_no_entry_form(db_url):
    at = _sign_in(_app(), "li")
    shown = [t.value for t in at.sidebar.text]
    # The display name is shown literally, never as HTML.
    assert any("<script>alert(1)</script>" in s for s in shown)
    at = _open(at, "entry")
    assert "entry_form" not in _forms(at)
    assert any("查看账号" in w.value for w in at.warning)


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_editor_enters_a_value_in_an_assigned_theme_and_the_revision_shows_the_name(db_url, catalogue):
    at = _open(_sign_in(_app(), "zhang"), "entry")
    assert "entry_form" in _forms(at)
    assert at.selectbox(key="entry_theme").options == [catalogue.theme("health").name_zh]
    ind_id = at.selectbox(key="entry_indicator").value
    assert catalogue.theme_of[ind_id] == "health"
    assert not [t for t in at.text_input if t.key == "entry_entered_by"]
    period = next(sb for sb in at.selectbox if sb.key.startswith("entry_period"))
    period.set_value(next(p for p in period.options if p.startswith("2024"))).run()
    at.text_input(key="entry_value").input("50")
    at.button(key="entry_save").click()  # labelled "保存到 <place> · <period>"
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with Store(db_url, catalogue=catalogue) as store:
        frame = store.current_frame()
    assert frame["entered_by"].tolist() == ["zhang"] and frame["indicator_id"].tolist() == [ind_id]


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_wrong_password_is_told_and_nobody_is_signed_in(db_url):
    at = _sign_in(_app(), "zhang", "not the password")
    assert any("用户名或密码错误" in e.value for e in at.sidebar.error)
    assert _forms(at) == ["signin_form"]


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_sign_out_ends_the_session(db_url):
    at = _sign_in(_app(), "zhang")
    at.button(key="signout").click().run()
    at = _open(at, "entry")
    assert "entry_form" not in _forms(at)


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_required_sign_in_hides_every_page_until_signed_in(db_url, monkeypatch):
    monkeypatch.setenv("XINAN_REQUIRE_LOGIN", "1")
    at = _app()
    assert any("需要登录后查看" in i.value for i in at.info)
    assert len(at.main.get("metric")) == 0
    at = _sign_in(at, "li")
    assert not any("需要登录后查看" in i.value for i in at.info)


@pytest.mark.slow  # runs the CLI in a subprocess or a page script through AppTest
def test_sso_button_appears_only_when_an_auth_section_is_configured(db_url):
    at = _app()
    assert not [b for b in at.button if b.key == "signin_oidc"]
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "xinan",
        "client_secret": "secret",
        "server_metadata_url": "https://sso.example.invalid/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception
    assert [b for b in at.button if b.key == "signin_oidc"]


@pytest.mark.slow  # a page script through AppTest
def test_the_sidebar_names_the_role_in_the_sessions_language(db_url):
    at = _sign_in(_app(), "zhang")
    assert "zhang（录入）" in [t.value for t in at.sidebar.text]
    assert any(c.value == "主题：健康" for c in at.sidebar.caption)
    at.sidebar.radio(key="lang").set_value("en").run()
    assert "zhang (editor)" in [t.value for t in at.sidebar.text]
    assert any(c.value == "Themes: Health" for c in at.sidebar.caption)
