"""The README's code map and the docs cannot rot: the files they name exist, and the map names every module."""

from __future__ import annotations

import re
from pathlib import Path

from indicators.paths import PROJECT_DIR

# A path to a Python file of the project, as the docs write it: `indicators/store/store.py`.
SOURCE_PATH = re.compile(r"\b(?:indicators|dashboard|tests|bench)/[\w./-]*?\.py\b")
# Placeholders the docs use on purpose (how to name a new migration).
TEMPLATES = {"indicators/store/migrations/versions/000N_what.py"}
CODE_MAP = "## Layout (the code map)"


def _named_paths() -> dict[str, list[str]]:
    named: dict[str, list[str]] = {}
    for doc in [PROJECT_DIR / "README.md", *sorted((PROJECT_DIR / "docs").glob("*.md"))]:
        for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
            for path in SOURCE_PATH.findall(line):
                named.setdefault(path, []).append(f"{doc.name}:{number}")
    return named


def _code_map() -> str:
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(CODE_MAP) + len(CODE_MAP) :]
    return section.split("\n## ", 1)[0]


def _modules() -> list[Path]:
    # The modules the map describes one by one: pages are "one file per page", migrations are alembic's.
    found = []
    for package in ("indicators", "dashboard"):
        for path in sorted((PROJECT_DIR / package).rglob("*.py")):
            parts = path.relative_to(PROJECT_DIR).parts
            if path.name in ("__init__.py", "__main__.py") or "pages_" in parts or "migrations" in parts:
                continue
            found.append(path)
    return found


def test_the_docs_name_source_files() -> None:
    named = _named_paths()
    # The scan really reads the docs: files the storage and export docs name.
    assert {"indicators/tabular.py", "dashboard/export/pack.py", "indicators/store/store.py"} <= set(named)


def test_every_source_file_the_readme_and_docs_name_exists() -> None:
    missing = {
        path: where
        for path, where in _named_paths().items()
        if path not in TEMPLATES and not (PROJECT_DIR / path).is_file()
    }
    assert missing == {}


def test_the_code_map_names_every_module() -> None:
    text = _code_map()
    # cli/ modules are named by their command family (`score`, `store`, …), the rest by file name.
    unnamed = [
        str(path.relative_to(PROJECT_DIR))
        for path in _modules()
        if f"`{path.name}`" not in text
        and not (path.parent.name == "cli" and f"`{path.stem}`" in text)
        and f"{path.name}`" not in text
    ]
    assert len(_modules()) > 60  # the walk really finds the modules
    assert unnamed == []


def test_every_file_the_code_map_names_is_in_the_tree() -> None:
    names = set(re.findall(r"\b(\w+\.py)\b", _code_map()))
    tree = {
        p.name
        for top in ("indicators", "dashboard", "tests", "bench")
        for p in (PROJECT_DIR / top).rglob("*.py")
    }
    assert "catalogue.py" in names
    assert sorted(names - tree) == []
