"""Where the project's shipped files live."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DEFINITIONS_DIR = PACKAGE_DIR / "definitions"
SEEDS_DIR = PROJECT_DIR / "seeds"
DATA_DIR = PROJECT_DIR / "data"
