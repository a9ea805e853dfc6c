"""Only editors change data, and only in the themes assigned to them."""

from __future__ import annotations

import pytest

from indicators.access import User, authorize, login_required, writable_indicators
from indicators.errors import IndicatorsError


def _first_indicator_of(catalogue, theme_id: str) -> str:
    return next(i for i, t in catalogue.theme_of.items() if t == theme_id and i in catalogue.indicators)


def test_anonymous_visitor_may_read_but_not_enter(catalogue):
    authorize(None, "read", catalogue=catalogue)
    with pytest.raises(IndicatorsError, match="not signed in"):
        authorize(None, "enter", _first_indicator_of(catalogue, "safety"), catalogue=catalogue)


def test_reading_needs_sign_in_when_the_installation_requires_it(catalogue):
    with pytest.raises(IndicatorsError, match="sign in"):
        authorize(None, "read", catalogue=catalogue, require_login=True)
    authorize(User(name="wang", role="viewer"), "read", require_login=True)


def test_viewer_cannot_enter_or_import(catalogue):
    viewer = User(name="li", role="viewer")
    for action in ("enter", "import"):
        with pytest.raises(IndicatorsError, match="only editors change data") as err:
            authorize(viewer, action, _first_indicator_of(catalogue, "safety"), catalogue=catalogue)
        assert "li" in str(err.value)


def test_editor_writes_only_in_assigned_themes_and_is_told_which(catalogue):
    editor = User(name="zhang", role="editor", themes=("health",))
    authorize(editor, "enter", _first_indicator_of(catalogue, "health"), catalogue=catalogue)
    outside = _first_indicator_of(catalogue, "safety")
    with pytest.raises(IndicatorsError) as err:
        authorize(editor, "import", outside, catalogue=catalogue)
    text = str(err.value)
    assert outside in text and "'safety'" in text and "health" in text


def test_unknown_indicator_is_refused_not_allowed(catalogue):
    editor = User(name="zhang", role="editor", themes=("health",))
    with pytest.raises(IndicatorsError, match="unknown indicator"):
        authorize(editor, "enter", "no_such_indicator", catalogue=catalogue)


def test_only_admin_manages_users():
    authorize(User(name="root1", role="admin"), "manage_users")
    with pytest.raises(IndicatorsError, match="only an admin"):
        authorize(User(name="zhang", role="editor", themes=("health",)), "manage_users")


def test_writable_indicators_are_the_assigned_themes_only(catalogue):
    editor = User(name="zhang", role="editor", themes=("health", "peace"))
    ids = writable_indicators(editor, catalogue)
    assert ids and {catalogue.theme_of[i] for i in ids} == {"health", "peace"}
    assert writable_indicators(User(name="li", role="viewer"), catalogue) == []
    assert writable_indicators(None, catalogue) == []


@pytest.mark.parametrize(
    ("env", "setting", "expected"), [("", None, False), ("1", None, True), ("0", True, True)]
)
def test_login_requirement_comes_from_env_or_config(monkeypatch, env, setting, expected):
    monkeypatch.setenv("XINAN_REQUIRE_LOGIN", env)
    assert login_required(setting) is expected
