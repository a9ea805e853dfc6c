"""CI counts as set for any value but empty, 0 or false, so CI=1 does not skip the PostgreSQL tests."""

from __future__ import annotations

import pytest
from ci_env import running_in_ci


@pytest.mark.parametrize("value", ["true", "1", "yes", "TRUE", "on"])
def test_any_other_value_means_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert running_in_ci()


@pytest.mark.parametrize("value", ["", "0", "false", "False", " false "])
def test_empty_zero_and_false_mean_not_ci(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CI", value)
    assert not running_in_ci()


def test_unset_means_not_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert not running_in_ci()
