"""Safe YAML loading that remembers the line of every key and list item."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from indicators.errors import Problem

YamlPath = tuple[str | int, ...]

# libyaml's safe loader builds the same nodes and line marks as the pure-Python one about ten times faster
# (the catalogue is read by every command and at every app start). Its error messages differ, so a file that
# fails is read again with the pure-Python loader, whose messages the golden error tests fix.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlDocument:
    """Parsed YAML data plus the line (1-based) where each path starts."""

    file: str
    data: Any
    lines: dict[YamlPath, int] = field(default_factory=dict)

    def line_of(self, path: YamlPath) -> int | None:
        """Return the line of the deepest known prefix of `path`."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


def format_path(path: YamlPath) -> str:
    """Render a YAML path as `themes[0].indicators[2].unit`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _walk(node: yaml.Node, path: YamlPath, doc: YamlDocument, problems: list[Problem]) -> None:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        f"key '{key}' appears twice in the same mapping (first on line {seen[key]})",
                        file=doc.file,
                        line=line,
                        path=format_path(path + (key,)),
                        hint="YAML keeps only the last one; delete or rename one of them",
                    )
                )
                continue
            seen[key] = line
            doc.lines[path + (key,)] = line
            _walk(value_node, path + (key,), doc, problems)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            doc.lines[path + (index,)] = item.start_mark.line + 1
            _walk(item, path + (index,), doc, problems)


def load_yaml(path: str | Path, display_name: str | None = None) -> tuple[YamlDocument, list[Problem]]:
    """Load one YAML file safely; return the document and any problems found."""
    name = display_name or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return YamlDocument(name, None), [Problem(f"cannot read file: {exc}", file=name)]
    return load_yaml_text(text, name)


def load_yaml_text(text: str, name: str) -> tuple[YamlDocument, list[Problem]]:
    """Parse YAML text with the safe loader, keeping line numbers."""
    if _FAST_LOADER is not yaml.SafeLoader:
        try:
            return _parse(text, name, _FAST_LOADER)
        except yaml.YAMLError:
            pass
    try:
        return _parse(text, name, yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or str(exc)
        hint = "check indentation, colons and quotes around this line"
        if isinstance(exc, yaml.constructor.ConstructorError):
            hint = "only plain YAML is allowed; remove the '!' tag"
        return YamlDocument(name, None), [Problem(f"invalid YAML: {reason}", file=name, line=line, hint=hint)]
    except yaml.YAMLError as exc:
        return YamlDocument(name, None), [Problem(f"invalid YAML: {exc}", file=name)]


def _parse(text: str, name: str, loader_class: type) -> tuple[YamlDocument, list[Problem]]:
    problems: list[Problem] = []
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(name, None), [Problem("file is empty", file=name, line=1)]
        doc = YamlDocument(name, None)
        _walk(node, (), doc, problems)
        doc.data = loader.construct_document(node)
    finally:
        loader.dispose()
    return doc, problems


def model_problems(exc: ValidationError, doc: YamlDocument, known_keys: Iterable[str] = ()) -> list[Problem]:
    """Turn pydantic errors into problems located at their YAML line, with a hint where we have one."""
    keys = sorted(known_keys)
    problems = []
    for err in exc.errors():
        loc: YamlPath = tuple(err["loc"])
        # Discriminated unions add the tag to the location; drop parts the YAML does not have.
        yaml_loc: list[str | int] = []
        for part in loc:
            candidate = tuple(yaml_loc) + (part,)
            if candidate in doc.lines:
                yaml_loc.append(part)
        message = _friendly(err)
        problems.append(
            Problem(
                message,
                file=doc.file,
                line=doc.line_of(tuple(yaml_loc)),
                path=format_path(loc),
                hint=_hint(err, keys),
            )
        )
    return problems


def _friendly(err: dict[str, Any]) -> str:
    kind = err["type"]
    loc = err["loc"]
    field_name = str(loc[-1]) if loc else "value"
    if kind == "extra_forbidden":
        return f"unknown key '{field_name}'"
    if kind == "missing":
        return f"required key '{field_name}' is missing"
    if kind == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag")
        return f"origin kind must be article, inferred, proposed or standard (got {tag!r})"
    given = err.get("input")
    shown = repr(given) if not isinstance(given, dict | list) else type(given).__name__
    msg = str(err["msg"]).removeprefix("Value error, ")
    return f"{msg} (got {shown})" if repr(given) not in msg else msg


def _hint(err: dict[str, Any], known_keys: list[str]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(err["loc"][-1]), known_keys, n=1, cutoff=0.6)
        if close:
            return f"did you mean '{close[0]}'?"
        return "check the spelling; allowed keys are listed in the JSON schema (python -m indicators schema)"
    if kind in ("float_parsing", "float_type"):
        return "write a plain number in base units, such as 1.5 or 15000 (not 1.5万), without quotes"
    if kind == "string_pattern_mismatch" and err["loc"] and err["loc"][-1] == "id":
        return "ids are lower-case ASCII letters, digits and underscores, starting with a letter"
    if kind == "literal_error":
        return "use one of the values listed"
    return ""
