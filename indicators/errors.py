"""The one exception the domain raises, carrying every problem found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, with where it is and how to fix it."""

    message: str
    file: str | None = None
    line: int | None = None
    path: str = ""
    hint: str = ""
    # A machine-readable kind, e.g. "conflict" (reload the form). A problem people see in the app also
    # has a locale key `problem.<code>` (zh and en), filled from `params`; `message` is the English
    # fallback for logs and the CLI.
    code: str = ""
    params: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.code:
            _check_code(self.code, self.params)

    def location(self) -> str:
        """Return `FILE:LINE` (or the parts known) for this problem."""
        if self.file is None:
            return ""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        return where

    def __str__(self) -> str:
        parts = []
        loc = self.location()
        if loc:
            parts.append(loc)
        if self.path:
            parts.append(self.path)
        text = ": ".join(parts + [self.message])
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def as_dict(self) -> dict[str, object]:
        """Return the problem as a JSON-ready mapping."""
        return {
            "file": self.file,
            "line": self.line,
            "path": self.path,
            "message": self.message,
            "hint": self.hint,
            "code": self.code,
            "params": {k: str(v) for k, v in self.params.items()},
        }


def _check_code(code: str, params: Mapping[str, object]) -> None:
    # A programming error, not bad input: the registry (indicators/problem_codes.py) is the code's contract.
    from indicators.problem_codes import CODES

    needed = CODES.get(code)
    if needed is None:
        raise ValueError(f"unregistered problem code {code!r}: add it to indicators/problem_codes.py")
    missing = [name for name in needed if name not in params]
    if missing:
        raise ValueError(f"problem {code!r} needs the params {missing} its message uses")


@dataclass
class IndicatorsError(Exception):
    """Every problem found in one operation; raised once, never half-way."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ProblemCollector:
    """Collects problems so an operation can report all of them at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        path: str = "",
        hint: str = "",
        code: str = "",
        params: Mapping[str, object] | None = None,
    ) -> None:
        """Record one problem."""
        self.problems.append(
            Problem(
                message=message,
                file=str(file) if file is not None else None,
                line=line,
                path=path,
                hint=hint,
                code=code,
                params=dict(params or {}),
            )
        )

    def extend(self, problems: list[Problem]) -> None:
        """Record several problems found elsewhere."""
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        """Raise `IndicatorsError` with everything collected, if anything was."""
        if self.problems:
            raise IndicatorsError(list(self.problems))
