"""The app's shared resources: the database URL, the catalogue and the store (one per server process), and
people's display names.
"""

from __future__ import annotations

import streamlit as st

from indicators.catalogue import Catalogue, load_catalogue
from indicators.store.db import display_url as _hide_password
from indicators.store.db import resolve_url
from indicators.store.store import Store


def db_url() -> str:
    """Return the database URL the app reads (env XINAN_DB_URL, else the project's SQLite file)."""
    return resolve_url()


def display_url() -> str:
    """Return the database URL without any password, for the sidebar."""
    return _hide_password(db_url())


@st.cache_resource(show_spinner=False)
def _catalogue() -> Catalogue:
    return load_catalogue()


def catalogue() -> Catalogue:
    """Return the validated catalogue, loaded once per server."""
    return _catalogue()


@st.cache_resource(show_spinner=False)
def _store(url: str) -> Store:
    return Store(url=url, catalogue=_catalogue())


def store() -> Store:
    """Return the store of the configured database (writes and documents; pages read through their views)."""
    return _store(resolve_url())


@st.cache_data(show_spinner=False, ttl=60)
def _display_names(url: str) -> dict[str, str]:
    # Accounts change rarely; a minute's delay before a new display name shows is fine.
    from indicators.accounts import Accounts

    return Accounts(_store(url).engine).display_names()


# The sidebar switch 含待审核数据: off (default) shows approved values only, on the working view.
INCLUDE_PENDING_KEY = "include_pending"


def _in_script_run() -> bool:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    return get_script_run_ctx(suppress_warning=True) is not None


def approved_only() -> bool:
    """Return True unless this session switched to the working view (values awaiting review included)."""
    return not (_in_script_run() and st.session_state.get(INCLUDE_PENDING_KEY, False))
