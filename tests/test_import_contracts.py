"""The layering rules and "no import cycles" hold: the import-linter contracts in pyproject.toml are kept.

`make lint` runs them too; this puts them in the developer's quick loop, so a cycle or a page importing the
store fails the tests where it is made, not only in `make test`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from indicators.paths import PROJECT_DIR


def test_the_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    run = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout and "kept" in run.stdout
