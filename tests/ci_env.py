"""Whether the tests run in CI, read one way everywhere."""

from __future__ import annotations

import os

# CI services set CI=true, CI=1 or CI=yes; only an empty value, 0 or false mean "not CI".
_NOT_SET = {"", "0", "false"}


def running_in_ci() -> bool:
    """True when the CI variable holds any value but empty, 0 or false (any case)."""
    return os.environ.get("CI", "").strip().lower() not in _NOT_SET
