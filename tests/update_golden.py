"""Rewrite the golden error files of tests/fixtures/broken (review the diff before committing)."""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalogue_helpers import BROKEN, catalogue_with_theme, problems_as_text

for case in sorted(BROKEN.glob("*.yaml")):
    with tempfile.TemporaryDirectory() as tmp:
        lines = problems_as_text(catalogue_with_theme(Path(tmp), case))
    case.with_suffix(".expected").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"== {case.stem}")
    print("\n".join(lines))
