"""The README's code map and the docs cannot rot: the files they name exist, and the map names every module."""

from __future__ import annotations

import ast
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


def _registered_url_paths() -> list[str]:
    # dashboard/app.py runs the app when imported: read its PAGES table from the source instead.
    tree = ast.parse((PROJECT_DIR / "dashboard" / "app.py").read_text(encoding="utf-8"))
    table = next(
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "PAGES" for t in node.targets)
    )
    return [entry.elts[1].value for entry in table.elts]  # type: ignore[attr-defined]


def test_the_dashboard_doc_and_the_readme_list_every_page() -> None:
    urls = _registered_url_paths()
    assert len(urls) >= 10 and "reporting" in urls and "briefing" in urls
    dashboard_doc = (PROJECT_DIR / "docs" / "dashboard.md").read_text(encoding="utf-8")
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    assert [u for u in urls if f"| `/{u}" not in dashboard_doc] == []
    assert [u for u in urls if f"`/{u}`" not in readme] == []


def test_the_security_doc_describes_every_role() -> None:
    from indicators.access import ROLES

    security = (PROJECT_DIR / "docs" / "security.md").read_text(encoding="utf-8")
    assert [role for role in ROLES if f"| `{role}` |" not in security] == []


def test_the_generated_data_set_is_described_with_the_catalogues_indicator_count(catalogue) -> None:
    doc = (PROJECT_DIR / "docs" / "dashboard.md").read_text(encoding="utf-8")
    said = re.search(r"every indicator of the catalogue \((\d+)\)", doc)
    assert said is not None and int(said.group(1)) == len(catalogue.indicators)
