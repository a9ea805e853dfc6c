"""Every YAML file the app reads is loaded safely: a Python tag is an error and is never run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from catalogue_helpers import MIN_CATALOGUE

from indicators.catalogue import load_catalogue
from indicators.errors import IndicatorsError
from indicators.paths import PROJECT_DIR

TAGS = [
    "!!python/object/apply:pathlib.Path.touch [{marker}]",
    "!!python/object/new:pathlib.Path [{marker}]",
    "!!python/name:os.system",
    "!custom {marker}",
]


@pytest.mark.parametrize("file_name", ["framework.yaml", "safety.yaml", "places.yaml"])
@pytest.mark.parametrize("tag", TAGS)
def test_catalogue_file_with_unsafe_tag_is_refused_and_not_run(tmp_path, file_name, tag):
    folder = tmp_path / "definitions"
    shutil.copytree(MIN_CATALOGUE, folder)
    marker = tmp_path / "executed"
    target = folder / file_name
    target.write_text(
        target.read_text(encoding="utf-8") + f"\nhostile: {tag.format(marker=marker)}\n", encoding="utf-8"
    )
    with pytest.raises(IndicatorsError) as err:
        load_catalogue(folder)
    problem = next(p for p in err.value.problems if p.file and p.file.endswith(file_name))
    assert "only plain YAML is allowed" in problem.hint and problem.line is not None
    assert not marker.exists()


def _python_sources() -> list[Path]:
    return [p for d in ("indicators", "dashboard") for p in (PROJECT_DIR / d).rglob("*.py")]


def test_no_module_uses_an_unsafe_yaml_loader():
    unsafe = re.compile(
        r"yaml\.(load|unsafe_load|full_load|load_all|unsafe_load_all|full_load_all)\(|"
        r"Loader=(?!yaml\.SafeLoader)|yaml\.(Unsafe|Full)?Loader\b|yaml\.CLoader"
    )
    offenders = [
        f"{path.relative_to(PROJECT_DIR)}:{n}: {line.strip()}"
        for path in _python_sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if unsafe.search(line)
    ]
    assert offenders == []


def test_every_module_reading_yaml_is_known_to_load_it_safely():
    # A new YAML reader must be added here together with a test that feeds it an unsafe tag.
    readers = sorted(
        str(path.relative_to(PROJECT_DIR))
        for path in _python_sources()
        if re.search(r"^\s*(import yaml|from yaml )", path.read_text(encoding="utf-8"), re.M)
    )
    assert set(readers) <= {"indicators/yamlsource.py", "dashboard/i18n.py"}


@pytest.mark.parametrize("tag", TAGS)
def test_locale_file_with_unsafe_tag_is_refused_and_not_run(tmp_path, monkeypatch, tag):
    import yaml

    from dashboard import i18n

    marker = tmp_path / "executed"
    (tmp_path / "zh.yaml").write_text(f"app:\n  title: {tag.format(marker=marker)}\n", encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES_DIR", tmp_path)
    i18n.load_locale.cache_clear()
    try:
        with pytest.raises(yaml.constructor.ConstructorError):
            i18n.load_locale("zh")
    finally:
        i18n.load_locale.cache_clear()
    assert not marker.exists()


def test_the_fast_loader_reads_every_shipped_yaml_file_with_the_same_data_and_lines():
    # Files are parsed with libyaml when it is there; a file:line in an error must not depend on that.
    import yaml

    from indicators import yamlsource

    files = sorted((PROJECT_DIR / "indicators").rglob("*.yaml")) + sorted(
        (PROJECT_DIR / "dashboard" / "locales").glob("*.yaml")
    )
    assert len(files) >= 8
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast, fast_problems = yamlsource._parse(text, path.name, yamlsource._FAST_LOADER)
        slow, slow_problems = yamlsource._parse(text, path.name, yaml.SafeLoader)
        assert (fast.data, fast.lines, fast_problems) == (slow.data, slow.lines, slow_problems), path
