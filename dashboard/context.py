"""The run's context: what app.py reads once at the start of a run (the views of the data version, who is
signed in, the sidebar's place, the registered pages) and hands to the page.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import streamlit as st

from dashboard.cached_views import Views, read_views
from dashboard.resources import _display_names, _in_script_run, approved_only, db_url
from indicators.access import User
from indicators.catalogue import Catalogue

T = TypeVar("T")


# Where a session keeps the context of its run under way (one run at a time per session).
RUN_KEY = "_run_context"


@dataclass(frozen=True)
class RunContext:
    """What app.py reads once at the start of a run and hands to the page: the views of the data version,
    who is signed in, the place chosen in the sidebar, the registered pages (for links) and per-run scratch.
    """

    views: Views
    scratch: dict[str, Any] = field(default_factory=dict)
    user: User | None = None
    place: str = ""
    pages: dict[str, Any] = field(default_factory=dict)

    @property
    def catalogue(self) -> Catalogue:
        """The validated catalogue."""
        return self.views.catalogue

    @property
    def version(self) -> str:
        """The data version read at the start of this run; it changes with every write."""
        return self.views.version

    def memo(self, build: Callable[..., T], *args: Hashable) -> T:
        """Return `build(views, *args)` in the session's language, built once per data version (see Views.memo)."""
        return self.views.memo(build, *args)

    def shared(self, build: Callable[..., T], *args: Hashable) -> T:
        """Return `build(views, *args)` built once per data version for every language; never modify it."""
        return self.views.shared(build, *args)

    def per_run(self, key: str, build: Callable[[], T]) -> T:
        """Return what `build()` returns, building it at most once in this run."""
        if key not in self.scratch:
            self.scratch[key] = build()
        return self.scratch[key]

    def page(self, url_path: str) -> Any:
        """Return the registered page of a URL path, for st.page_link and st.switch_page."""
        return self.pages.get(url_path, url_path)


def begin_run() -> RunContext:
    """Read the data version once at the start of a run (app.py); the rest of the run uses this context."""
    context = RunContext(read_views(approved=approved_only()))
    set_run_context(context)
    return context


def set_run_context(context: RunContext) -> None:
    """Keep the run's context for the helpers a page calls without it (sign-in, display names)."""
    st.session_state[RUN_KEY] = context


def run_context() -> RunContext:
    """Return this session's run context, for helpers outside pages (pages are handed theirs by app.py)."""
    if not _in_script_run():
        # Outside a script run (server start, AppTest formatting widget values) the data are read now.
        return RunContext(read_views())
    found = st.session_state.get(RUN_KEY)
    return found if found is not None else begin_run()


def per_run(key: str, build: Callable[[], T]) -> T:
    """Return what `build()` returns, building it at most once per run (e.g. who is signed in)."""
    return run_context().per_run(key, build)


def person(login: object) -> str:
    """Return how a person is shown: their display name (王芳) if the account has one, else the login."""
    if login is None or (isinstance(login, float) and login != login):
        return "—"
    name = str(login)
    names = per_run("display_names", lambda: _display_names(db_url()))
    return names.get(name, name)
