"""Helpers for catalogue tests: build a catalogue folder from the minimal fixture."""

from __future__ import annotations

import shutil
from pathlib import Path

from indicators.catalogue import load_catalogue
from indicators.errors import IndicatorsError

FIXTURES = Path(__file__).parent / "fixtures"
MIN_CATALOGUE = FIXTURES / "catalogue_min"
BROKEN = FIXTURES / "broken"


def catalogue_with_theme(tmp: Path, theme_file: Path) -> Path:
    """Copy the minimal catalogue into tmp with its safety.yaml replaced."""
    target = tmp / "definitions"
    shutil.copytree(MIN_CATALOGUE, target)
    shutil.copy(theme_file, target / "safety.yaml")
    return target


def problems_as_text(directory: Path) -> list[str]:
    """Load a catalogue and return its problems with file names shortened to the base name."""
    try:
        load_catalogue(directory)
    except IndicatorsError as exc:
        lines = []
        for problem in exc.problems:
            text = str(problem)
            if problem.file:
                text = text.replace(problem.file, Path(problem.file).name, 1)
            lines.append(text)
        return lines
    return []
