"""CI counts as set for any value but empty, 0 or false, so CI=1 does not skip the PostgreSQL tests."""

from __future__ import annotations

from pathlib import Path

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


pytest_plugins = ["pytester"]

_SKIPPING_BROWSER_TEST = """
import pytest

pytestmark = pytest.mark.browser


@pytest.mark.skipif(True, reason="needs Debian's chromium")
def test_in_a_browser():
    pass
"""


@pytest.mark.parametrize(("ci", "outcome"), [("true", "errors"), ("", "skipped")])
def test_a_browser_test_that_skips_fails_in_ci_only(
    pytester: pytest.Pytester, monkeypatch, ci, outcome
) -> None:
    # The project's own conftest (its CI hook), in a run of its own.
    pytester.makeconftest((Path(__file__).parent / "conftest.py").read_text(encoding="utf-8"))
    pytester.makeini("[pytest]\nmarkers =\n    browser: real browser\n    slow: slow\n")
    pytester.makepyfile(test_skipping=_SKIPPING_BROWSER_TEST)
    monkeypatch.setenv("CI", ci)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(**{outcome: 1})
    if outcome == "errors":  # a skip at setup (skipif) turns into an error there
        result.stdout.fnmatch_lines(["*a browser test may not skip in CI:*needs Debian's chromium*"])
