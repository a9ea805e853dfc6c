"""Who may do what: roles, the signed-in user, and the one check every write path calls."""

from __future__ import annotations

import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError, Problem

Role = Literal["viewer", "editor", "reviewer", "admin"]
Action = Literal["read", "enter", "import", "manage_users", "review", "lock", "unlock"]

ROLES: tuple[Role, ...] = ("viewer", "editor", "reviewer", "admin")
ACTION_ZH: dict[str, str] = {
    "read": "查看数据",
    "enter": "录入数据",
    "import": "批量导入",
    "manage_users": "管理用户",
    "review": "审核数据",
    "lock": "锁定期次",
    "unlock": "解锁期次",
}
# Reviewers (and admins) review and lock; only an admin reopens a locked period.
REVIEWERS: tuple[str, ...] = ("reviewer", "admin")
# User names are identifiers written into every revision; ASCII keeps them unambiguous in logs and exports.
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_.-]{1,63}$"
REQUIRE_LOGIN_ENV = "XINAN_REQUIRE_LOGIN"


class User(BaseModel):
    """A signed-in person: name (written into every revision), role, and the themes / departments they edit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=NAME_PATTERN)
    role: Role
    themes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    email: str | None = None
    display_name: str | None = None


def login_required(setting: object | None = None) -> bool:
    """Return True when the whole app needs a sign-in (env XINAN_REQUIRE_LOGIN or a config value)."""
    if setting is not None and _truthy(setting):
        return True
    return _truthy(os.environ.get(REQUIRE_LOGIN_ENV, ""))


def _truthy(value: object) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


def refused(message: str, hint: str = "", code: str = "", **params: object) -> IndicatorsError:
    """Return the error for a refused action (the caller raises it); `code` names its locale key."""
    return IndicatorsError([Problem(message, path="access", hint=hint, code=code, params=params)])


def authorize(
    user: User | None,
    action: Action,
    indicator_id: str | None = None,
    *,
    catalogue: Catalogue | None = None,
    require_login: bool = False,
) -> None:
    """Raise IndicatorsError unless `user` may do `action` (on `indicator_id`, for writes)."""
    if action == "read":
        if user is None and require_login:
            raise refused("sign in to see the data", "this installation requires a sign-in", "access.read")
        return
    if user is None:
        raise refused(
            f"not signed in: {action} needs an editor account",
            "sign in with the form in the sidebar",
            "access.not_signed_in",
            action=action,
        )
    if action == "manage_users":
        if user.role != "admin":
            raise refused("only an admin manages users", "", "access.not_admin", user=user.name)
        return
    if action in ("review", "lock"):
        if user.role not in REVIEWERS:
            raise refused(
                f"only a reviewer or admin can {action}",
                "ask an admin for a reviewer account",
                "access.not_reviewer",
                user=user.name,
                action=action,
            )
        return
    if action == "unlock":
        if user.role != "admin":
            raise refused("only an admin unlocks a period", "", "access.not_admin_unlock", user=user.name)
        return
    # enter / import: admins everywhere; editors within their assigned themes or departments.
    if user.role in ("viewer", "reviewer"):
        raise refused(
            f"user {user.name} has role '{user.role}' and cannot {action}; only editors change data",
            "ask an admin for an editor account with your themes",
            "access.viewer",
            user=user.name,
            action=action,
        )
    if user.role == "admin":
        # An admin runs the installation and enters data in every theme (the README's first account).
        if indicator_id is not None and catalogue is not None and indicator_id not in catalogue.theme_of:
            raise refused(
                f"unknown indicator {indicator_id!r}", "", "access.unknown_indicator", given=indicator_id
            )
        return
    if indicator_id is None:
        if not user.themes and not user.departments:
            raise refused(
                f"editor {user.name} has no themes or departments assigned",
                "",
                "access.no_themes",
                user=user.name,
            )
        return
    if catalogue is None:
        raise refused("internal: a theme check needs the catalogue", "", "access.internal")
    theme_id = catalogue.theme_of.get(indicator_id)
    if theme_id is None:
        raise refused(
            f"unknown indicator {indicator_id!r}", "", "access.unknown_indicator", given=indicator_id
        )
    if not may_write(user, indicator_id, catalogue):
        assigned = ", ".join(user.themes + user.departments) or "—"
        owners = ", ".join(catalogue.indicators[indicator_id].departments)
        raise refused(
            f"editor {user.name} may write only in themes or departments [{assigned}]; {indicator_id} is in "
            f"theme '{theme_id}', department(s) {owners}",
            "ask an admin to assign the theme or department, or ask an editor of that department",
            "access.wrong_theme",
            user=user.name,
            themes=user.themes,
            departments=user.departments,
            indicator=indicator_id,
            theme=theme_id,
            owners=tuple(catalogue.indicators[indicator_id].departments),
        )


def may_write(user: User, indicator_id: str, catalogue: Catalogue) -> bool:
    """Return True when the indicator is in one of the user's themes or departments."""
    if catalogue.theme_of.get(indicator_id) in user.themes:
        return True
    ind = catalogue.indicators.get(indicator_id)
    return ind is not None and any(d in user.departments for d in ind.departments)


def writable_indicators(user: User | None, catalogue: Catalogue) -> list[str]:
    """Return the indicator ids this user may enter values for, in catalogue order."""
    if user is None or user.role in ("viewer", "reviewer"):
        return []
    if user.role == "admin":
        return list(catalogue.indicators)
    return [i for i in catalogue.indicators if may_write(user, i, catalogue)]
