"""JSON Schemas generated from the models, so YAML editors can autocomplete and check."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from indicators.models import DepartmentList, Framework, PlaceList, Theme
from indicators.scoring.validation import RuleList

SCHEMAS: dict[str, type[BaseModel]] = {
    "framework.schema.json": Framework,
    "theme.schema.json": Theme,
    "places.schema.json": PlaceList,
    "departments.schema.json": DepartmentList,
    "rules.schema.json": RuleList,
}


def schema_text(model: type[BaseModel]) -> str:
    """Return the JSON Schema of a model as stable, pretty JSON."""
    return json.dumps(model.model_json_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema file into a directory and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in SCHEMAS.items():
        path = directory / name
        path.write_text(schema_text(model), encoding="utf-8")
        written.append(path)
    return written
