"""Load the YAML catalogue into models and cross-check it, reporting every problem."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from indicators.errors import IndicatorsError, ProblemCollector
from indicators.models import (
    TARGET_KINDS,
    ArticleOrigin,
    Department,
    DepartmentList,
    FirstLevel,
    Framework,
    Indicator,
    InferredOrigin,
    Place,
    PlaceList,
    Standard,
    StandardOrigin,
    StandardPart,
    TargetSource,
    Theme,
)
from indicators.paths import DEFINITIONS_DIR, SEEDS_DIR
from indicators.periods import check_frequency, parse_period
from indicators.text import quote_in_seed
from indicators.units import PERCENT_TOP, value_bound
from indicators.yamlsource import YamlDocument, YamlPath, format_path, load_yaml, model_problems

FRAMEWORK_FILE = "framework.yaml"
PLACES_FILE = "places.yaml"
DEPARTMENTS_FILE = "departments.yaml"


@dataclass
class Catalogue:
    """The validated indicator system with lookups by id."""

    framework: Framework
    themes: list[Theme]
    places: list[Place]
    directory: Path
    indicators: dict[str, Indicator] = field(default_factory=dict)
    first_levels: dict[str, FirstLevel] = field(default_factory=dict)
    theme_of: dict[str, str] = field(default_factory=dict)
    first_level_of: dict[str, str] = field(default_factory=dict)
    place_by_code: dict[str, Place] = field(default_factory=dict)
    departments: list[Department] = field(default_factory=list)
    department_by_id: dict[str, Department] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for theme in self.themes:
            for first in theme.first_level:
                self.first_levels[first.id] = first
                self.theme_of[first.id] = theme.id
                for ind in first.indicators:
                    self.indicators[ind.id] = ind
                    self.theme_of[ind.id] = theme.id
                    self.first_level_of[ind.id] = first.id
        self.place_by_code = {p.code: p for p in self.places}
        self.department_by_id = {d.id: d for d in self.departments}

    def department_name(self, department_id: str, lang: str = "zh") -> str:
        """Return a department's name in the language, falling back to its id."""
        dept = self.department_by_id.get(department_id)
        return department_id if dept is None else dept.name_zh if lang == "zh" else dept.name_en

    def department_names(self, indicator_id: str, lang: str = "zh") -> str:
        """Return the indicator's departments by name (、-joined in zh), falling back to their ids."""
        names = [self.department_name(d, lang) for d in self.indicators[indicator_id].departments]
        return ("、" if lang == "zh" else "; ").join(names)

    def indicators_of_department(self, department_id: str) -> list[str]:
        """Return the ids of the indicators a department is responsible for (alone or with others)."""
        return [i for i, ind in self.indicators.items() if department_id in ind.departments]

    def theme(self, theme_id: str) -> Theme:
        """Return the theme with this id."""
        return next(t for t in self.themes if t.id == theme_id)

    def theme_weights(self) -> dict[str, float]:
        """Return theme weights from the framework, normalised to sum to 1."""
        total = sum(t.weight for t in self.framework.themes)
        return {t.id: t.weight / total for t in self.framework.themes}

    def counties(self, city_code: str) -> list[Place]:
        """Return the county-level places under a city."""
        return [p for p in self.places if p.parent == city_code and not p.comparison]

    def towns(self, county_code: str) -> list[Place]:
        """Return the towns and streets (乡镇/街道) under a county; the shipped catalogue lists none."""
        return [p for p in self.places if p.parent == county_code and p.level == "town"]

    def with_places(self, extra: Iterable[Place]) -> Catalogue:
        """Return a copy of this catalogue that also knows the given places (e.g. generated towns)."""
        known = set(self.place_by_code)
        added = [p for p in extra if p.code not in known]
        return Catalogue(
            framework=self.framework,
            themes=self.themes,
            places=[*self.places, *added],
            directory=self.directory,
            departments=self.departments,
        )

    def summary(self) -> dict[str, Any]:
        """Return the counts a user checks after editing the catalogue."""
        inds = list(self.indicators.values())
        kinds = [i.target.kind for i in inds if i.target is not None]
        return {
            "themes": len(self.themes),
            "first_level": len(self.first_levels),
            "second_level": len(inds),
            "with_target": sum(1 for i in inds if i.target is not None),
            "with_baseline": sum(1 for i in inds if i.baseline is not None),
            "from_articles": sum(1 for i in inds if i.origin.kind == "article"),
            "proposed": sum(1 for i in inds if i.origin.kind == "proposed"),
            "from_standard": sum(1 for i in inds if i.origin.kind == "standard"),
            "targets_by_kind": {k: kinds.count(k) for k in TARGET_KINDS},
            "with_aliases": sum(1 for i in inds if i.aliases),
            "aliases": sum(len(i.aliases) for i in inds),
            "places": len(self.places),
            "comparison_places": sum(1 for p in self.places if p.comparison),
        }


def _known_keys() -> set[str]:
    keys: set[str] = set()
    for model in (
        Framework,
        Theme,
        FirstLevel,
        Indicator,
        Place,
        PlaceList,
        ArticleOrigin,
        InferredOrigin,
        StandardOrigin,
        TargetSource,
        Standard,
        StandardPart,
        Department,
        DepartmentList,
    ):
        keys.update(model.model_fields)
    for model in (Framework, Indicator):
        for fld in model.model_fields.values():
            ann = fld.annotation
            if isinstance(ann, type) and issubclass(ann, BaseModel):
                keys.update(ann.model_fields)
    keys.update({"value", "period", "kind", "note", "min", "max"})
    return keys


def _validate(model: type[BaseModel], doc: YamlDocument, out: ProblemCollector) -> Any:
    if doc.data is None:
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        out.extend(model_problems(exc, doc, _known_keys()))
        return None


@dataclass(frozen=True)
class _Located:
    """A place in one YAML file that checks report against: each problem gets its file, line and path."""

    doc: YamlDocument
    out: ProblemCollector
    base: YamlPath = ()

    def at(self, *sub: str | int) -> _Located:
        """Return the place `sub` below this one."""
        return _Located(self.doc, self.out, self.base + sub)

    def add(
        self,
        message: str,
        sub: YamlPath = (),
        hint: str = "",
        code: str = "",
        params: dict[str, object] | None = None,
    ) -> None:
        """Record a problem at `sub` below this place."""
        where = self.base + sub
        self.out.add(
            message,
            file=self.doc.file,
            line=self.doc.line_of(where),
            path=format_path(where),
            hint=hint,
            code=code,
            params=params,
        )


def _check_origin(origin: Any, at: _Located, seeds: Path, parts: set[str] | None = None) -> None:
    if isinstance(origin, StandardOrigin):
        if parts is not None and origin.part not in parts:
            at.add(
                f"origin names part '{origin.part}', which framework.yaml's standard does not list",
                ("part",),
                hint="use a code from standard.parts in framework.yaml, e.g. "
                + ", ".join(sorted(parts)[-1:]),
                code="catalogue.unknown_standard_part",
                params={"part": origin.part},
            )
        return
    if not isinstance(origin, ArticleOrigin | InferredOrigin) or origin.seed is None:
        return
    seed_path = seeds / origin.seed
    found = quote_in_seed(origin.quote or "", seed_path) if origin.quote else True
    if found is None:
        at.add(
            f"seed file '{origin.seed}' not found in {seeds}",
            ("seed",),
            hint="use a file name from seeds/, e.g. 000_cbbc4acc49a2d301.txt",
        )
    elif not found:
        at.add(
            f"quote does not occur in {origin.seed}",
            ("quote",),
            hint="copy the words exactly from the article; line breaks and spaces may differ",
        )


def _check_indicator(ind: Indicator, at: _Located) -> None:
    # In this order, so problems are listed as before: shape, values, target source, aliases, the path.
    _check_shape(ind, at)
    _check_values(ind, at)
    _check_target_source(ind, at)
    _check_aliases(ind, at)
    _check_path(ind, at)


def _check_shape(ind: Indicator, at: _Located) -> None:
    # Weight, direction and the bounds a 'range' indicator needs.
    if ind.weight <= 0:
        at.add(f"weight must be positive (got {ind.weight})", ("weight",), "omit it for the default weight 1")
    if ind.direction == "range" and ind.range is None:
        at.add("direction 'range' needs bounds", ("direction",), "add  range: {min: ..., max: ...}")
    if ind.range is not None:
        if ind.direction != "range":
            at.add(
                f"bounds given but direction is '{ind.direction}'",
                ("range",),
                "remove range or set direction: range",
            )
        if ind.range.min >= ind.range.max:
            at.add(f"range min {ind.range.min} must be below max {ind.range.max}", ("range",))


def _check_values(ind: Indicator, at: _Located) -> None:
    # Baseline, target and milestones: each value within its unit's bounds, each period of the frequency.
    values: list[tuple[str, YamlPath, float]] = []
    if ind.baseline is not None:
        values.append(("baseline", ("baseline", "value"), ind.baseline.value))
    if ind.target is not None:
        values.append(("target", ("target", "value"), ind.target.value))
    for i, ms in enumerate(ind.milestones):
        values.append((f"milestone {i + 1}", ("milestones", i, "value"), ms.value))
    for label, sub, value in values:
        bound = value_bound(value, ind.unit)
        if bound == "out_of_range":
            at.add(f"{label} {value}{ind.unit} is outside 0–{PERCENT_TOP[ind.unit]:g}", sub)
        elif bound == "negative":
            at.add(f"{label} {value} cannot be negative for unit {ind.unit}", sub)
    for label, sub, pv in (
        [("baseline", ("baseline", "period"), ind.baseline)]
        + [("target", ("target", "period"), ind.target)]
        + [(f"milestone {i + 1}", ("milestones", i, "period"), m) for i, m in enumerate(ind.milestones)]
    ):
        if pv is None:
            continue
        msg = check_frequency(pv.period, ind.frequency)
        if msg:
            at.add(f"{label} {msg}", sub)


def _check_target_source(ind: Indicator, at: _Located) -> None:
    # A target a document sets names that document; an example target names none.
    tgt = ind.target
    if tgt is not None and tgt.kind != "example" and tgt.source is None:
        at.add(
            f"target kind '{tgt.kind}' needs its source (document, clause, year, figure)",
            ("target", "kind"),
            "add  source: {document: ..., clause: ..., year: ..., figure: ...}  or set kind: example",
            code="catalogue.target_source_missing",
            params={"kind": tgt.kind, "indicator": ind.id},
        )
    if tgt is not None and tgt.kind == "example" and tgt.source is not None:
        at.add(
            "an example target has no source; a target a document sets is national, provincial or municipal",
            ("target", "source"),
            "set the kind the document's authority gives, or remove source",
            code="catalogue.example_target_with_source",
            params={"indicator": ind.id},
        )


def _check_aliases(ind: Indicator, at: _Located) -> None:
    for ai, alias in enumerate(ind.aliases):
        if not alias.strip():
            at.add(
                "alias is empty",
                ("aliases", ai),
                "remove it or write the word articles and staff use",
                code="catalogue.alias_empty",
                params={"indicator": ind.id},
            )
        elif alias.strip() in (ind.name_zh, ind.name_en):
            at.add(
                f"alias '{alias}' repeats the indicator's name",
                ("aliases", ai),
                "an alias is another word",
                code="catalogue.alias_is_name",
                params={"alias": alias, "indicator": ind.id},
            )
    if len({a.strip() for a in ind.aliases}) != len(ind.aliases):
        at.add(
            "an alias is listed twice",
            ("aliases",),
            code="catalogue.alias_repeated",
            params={"indicator": ind.id},
        )


def _check_path(ind: Indicator, at: _Located) -> None:
    # Baseline → milestones → target: in time order, in the indicator's direction, within its range.
    base, tgt = ind.baseline, ind.target
    if base is not None and tgt is not None:
        if parse_period(tgt.period) <= parse_period(base.period):
            at.add(
                f"target period {tgt.period} must come after baseline period {base.period}",
                ("target", "period"),
            )
        if ind.direction == "increase" and tgt.value < base.value:
            at.add(
                f"target {tgt.value} is below baseline {base.value} but direction is 'increase'",
                ("target", "value"),
                "raise the target or set direction: decrease",
            )
        if ind.direction == "decrease" and tgt.value > base.value:
            at.add(
                f"target {tgt.value} is above baseline {base.value} but direction is 'decrease'",
                ("target", "value"),
                "lower the target or set direction: increase",
            )
        lo, hi = sorted((base.value, tgt.value))
        p0, p1 = parse_period(base.period), parse_period(tgt.period)
        for i, ms in enumerate(ind.milestones):
            if not lo <= ms.value <= hi:
                at.add(
                    f"milestone value {ms.value} is outside baseline..target ({lo}..{hi})",
                    ("milestones", i, "value"),
                )
            if not p0 <= parse_period(ms.period) <= p1:
                at.add(
                    f"milestone period {ms.period} is outside {base.period}..{tgt.period}",
                    ("milestones", i, "period"),
                )
    elif ind.milestones:
        at.add("milestones need both a baseline and a target", ("milestones",))
    if (
        ind.direction == "range"
        and ind.range is not None
        and tgt is not None
        and not ind.range.min <= tgt.value <= ind.range.max
    ):
        at.add(
            f"target {tgt.value} lies outside the range {ind.range.min}..{ind.range.max}",
            ("target", "value"),
        )


def _part_codes(framework: Framework | None, doc: YamlDocument, out: ProblemCollector) -> set[str] | None:
    # None: no standard recorded, so part names cannot be checked (small test catalogues).
    if framework is None or framework.standard is None:
        return None
    std = framework.standard
    at = _Located(doc, out, ("standard",))
    if std.in_force < std.published:
        at.add(f"standard in_force {std.in_force} comes before published {std.published}", ("in_force",))
    seen: set[int] = set()
    for i, part in enumerate(std.parts):
        if part.number in seen:
            at.add(f"standard part {part.number} is listed twice", ("parts", i, "number"))
        seen.add(part.number)
    return {p.code for p in std.parts}


def _display(path: Path) -> str:
    # Inside the working folder a relative path is shorter to read and click; outside it, absolute.
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def _read(root: Path, name: str, out: ProblemCollector) -> YamlDocument:
    # A missing or unreadable file is a problem like any other; its document is then empty.
    path = root / name
    display = _display(path)
    if not path.exists():
        out.add(f"file not found: {name}", file=display, hint=f"expected in {root}")
        return YamlDocument(display, None)
    doc, problems = load_yaml(path, display)
    out.extend(problems)
    return doc


def _declared_ids(doc: YamlDocument) -> Iterator[tuple[str, YamlPath]]:
    # Read from the raw YAML, not the models: a file with a typo elsewhere still has its ids checked.
    data = doc.data if isinstance(doc.data, dict) else {}
    firsts = data.get("first_level")
    for fi, first in enumerate(firsts if isinstance(firsts, list) else []):
        if not isinstance(first, dict):
            continue
        fwhere: YamlPath = ("first_level", fi)
        if isinstance(first.get("id"), str):
            yield first["id"], fwhere
        inds = first.get("indicators")
        for ii, ind in enumerate(inds if isinstance(inds, list) else []):
            if isinstance(ind, dict) and isinstance(ind.get("id"), str):
                yield ind["id"], fwhere + ("indicators", ii)


def _check_unique_ids(docs: list[YamlDocument], out: ProblemCollector) -> None:
    # Themes, first-level and second-level ids share one namespace because URLs and stored observations
    # name them without their parents.
    seen: dict[str, tuple[str, int | None]] = {}
    for doc in docs:
        for ident, where in _declared_ids(doc):
            line = doc.line_of(where + ("id",))
            if ident in seen:
                first_file, first_line = seen[ident]
                place = f"line {first_line}" if first_file == doc.file else f"{first_file}:{first_line}"
                _Located(doc, out, where).add(
                    f"id '{ident}' is already used on {place}",
                    ("id",),
                    hint="every id must be unique across the catalogue",
                )
            else:
                seen[ident] = (doc.file, line)


def _check_departments(
    department_list: DepartmentList | None, doc: YamlDocument, out: ProblemCollector
) -> list[str] | None:
    # None: the file is broken, so references cannot be checked (its own problems are reported).
    if department_list is None:
        return None
    seen: dict[str, int] = {}
    for i, dept in enumerate(department_list.departments):
        if dept.id in seen:
            _Located(doc, out).add(f"department '{dept.id}' is listed twice", ("departments", i, "id"))
        seen[dept.id] = i
    return list(seen)


def _check_department_refs(ind: Indicator, at: _Located, known: list[str] | None) -> None:
    if known is None:
        return
    listed = isinstance(ind.department, list)
    if listed and not ind.departments:
        at.add(
            "department list is empty",
            ("department",),
            hint="name at least one department id from departments.yaml",
        )
    for k, dept_id in enumerate(ind.departments):
        if dept_id in known:
            continue
        sub: YamlPath = ("department", k) if listed else ("department",)
        close = difflib.get_close_matches(dept_id, known, n=1, cutoff=0.6)
        at.add(
            f"unknown department '{dept_id}'",
            sub,
            hint=f"did you mean '{close[0]}'?" if close else f"use an id from {DEPARTMENTS_FILE}",
        )


def _load_themes(
    framework: Framework | None, fw_doc: YamlDocument, root: Path, out: ProblemCollector
) -> tuple[list[tuple[Theme, YamlDocument]], list[YamlDocument]]:
    # Each theme file framework.yaml lists, read and validated; the models that loaded, and every document
    # read (a theme that failed validation still has its ids checked for duplicates).
    themes: list[tuple[Theme, YamlDocument]] = []
    docs: list[YamlDocument] = []
    if framework is None:
        return themes, docs
    seen_theme: dict[str, int] = {}
    for i, ref in enumerate(framework.themes):
        at = _Located(fw_doc, out, ("themes", i))
        if ref.weight <= 0:
            at.add(
                f"theme weight must be positive (got {ref.weight})",
                ("weight",),
                hint="weights are relative; they are divided by their sum",
            )
        if ref.id in seen_theme:
            at.add(f"theme '{ref.id}' is listed twice")
        seen_theme[ref.id] = i
        doc = _read(root, ref.file, out)
        docs.append(doc)
        theme = _validate(Theme, doc, out)
        if theme is None:
            continue
        if theme.id != ref.id:
            _Located(doc, out).add(
                f"file declares theme '{theme.id}' but framework.yaml lists it as '{ref.id}'", ("id",)
            )
        themes.append((theme, doc))
    return themes, docs


def _check_theme(
    theme: Theme, at: _Located, seeds: Path, parts: set[str] | None, department_ids: list[str] | None
) -> None:
    # A theme's origin and standard part, then each first-level indicator and its indicators.
    _check_origin(theme.origin, at.at("origin"), seeds, parts)
    if parts is not None and theme.standard_part is not None and theme.standard_part not in parts:
        at.add(
            f"standard_part '{theme.standard_part}' is not one of framework.yaml's standard parts",
            ("standard_part",),
            hint="known parts: " + ", ".join(sorted(parts)),
            code="catalogue.unknown_standard_part",
            params={"part": theme.standard_part},
        )
    for fi, first in enumerate(theme.first_level):
        fat = at.at("first_level", fi)
        if first.weight <= 0:
            fat.add(f"weight must be positive (got {first.weight})", ("weight",))
        if not first.indicators:
            fat.add(
                f"first-level indicator '{first.id}' has no second-level indicators",
                hint="add at least one entry under indicators:",
            )
        _check_origin(first.origin, fat.at("origin"), seeds, parts)
        for ii, ind in enumerate(first.indicators):
            iat = fat.at("indicators", ii)
            _check_indicator(ind, iat)
            _check_department_refs(ind, iat, department_ids)
            _check_origin(ind.origin, iat.at("origin"), seeds, parts)


def _check_places(
    place_list: PlaceList,
    places_doc: YamlDocument,
    framework: Framework | None,
    fw_doc: YamlDocument,
    out: ProblemCollector,
) -> None:
    # Codes unique, towns under their county, every parent listed, and the framework's default place among them.
    at = _Located(places_doc, out)
    codes: dict[str, int] = {}
    for i, place in enumerate(place_list.places):
        if place.code in codes:
            at.add(f"place code {place.code} is listed twice", ("places", i, "code"))
        codes[place.code] = i
    for i, place in enumerate(place_list.places):
        town_problem = _town_problem(place)
        if town_problem:
            at.add(
                town_problem,
                ("places", i, "code"),
                hint="a town (乡镇/街道) has a 9-digit code starting with its county's 6 digits",
            )
        if place.parent is not None and place.parent not in codes:
            at.add(f"parent {place.parent} of {place.name_zh} is not a listed place", ("places", i, "parent"))
    if framework is not None and framework.default_place not in codes:
        _Located(fw_doc, out).add(
            f"default_place {framework.default_place} is not in {PLACES_FILE}", ("default_place",)
        )


def load_catalogue(directory: str | Path | None = None, seeds_dir: str | Path | None = None) -> Catalogue:
    """Load and validate the catalogue; raise IndicatorsError listing every problem."""
    root = Path(directory) if directory is not None else DEFINITIONS_DIR
    seeds = Path(seeds_dir) if seeds_dir is not None else SEEDS_DIR
    out = ProblemCollector()
    fw_doc = _read(root, FRAMEWORK_FILE, out)
    framework: Framework | None = _validate(Framework, fw_doc, out)
    places_doc = _read(root, PLACES_FILE, out)
    place_list: PlaceList | None = _validate(PlaceList, places_doc, out)
    departments_doc = _read(root, DEPARTMENTS_FILE, out)
    department_list: DepartmentList | None = _validate(DepartmentList, departments_doc, out)
    department_ids = _check_departments(department_list, departments_doc, out)
    themes, theme_docs = _load_themes(framework, fw_doc, root, out)
    if framework is not None:
        _check_origin(framework.publication.origin, _Located(fw_doc, out, ("publication", "origin")), seeds)
    parts = _part_codes(framework, fw_doc, out)
    _check_unique_ids(theme_docs, out)
    for theme, doc in themes:
        _check_theme(theme, _Located(doc, out), seeds, parts, department_ids)
    if place_list is not None:
        _check_places(place_list, places_doc, framework, fw_doc, out)
    out.raise_if_any()
    assert framework is not None and place_list is not None and department_list is not None
    return Catalogue(
        framework=framework,
        themes=[t for t, _ in themes],
        places=place_list.places,
        directory=root,
        departments=department_list.departments,
    )


def _town_problem(place: Place) -> str | None:
    # Town codes extend their county's: 371602001 lies in 371602. Only towns have nine digits.
    is_town = place.level == "town"
    if is_town != (len(place.code) == 9):
        return f"place {place.code} ({place.name_zh}): level {place.level} needs a {9 if is_town else 6}-digit code"
    if is_town and (place.parent is None or place.code[:6] != place.parent):
        return f"town {place.code} ({place.name_zh}) must have its county {place.code[:6]} as parent"
    return None


__all__ = ["Catalogue", "IndicatorsError", "load_catalogue"]
