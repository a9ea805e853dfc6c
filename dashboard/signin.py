"""The sign-in block every page shares: who is signed in, the name + password form, sign-out, OIDC.

Served through dashboard/serve.py (what `make run` does), signing in is an HTML form posting to the
sign-in route (dashboard/cookie_auth.py), which sets an HttpOnly session cookie: reloads, new tabs and
bookmarks stay signed in. Run as plain dashboard/app.py (tests), the sidebar offers the in-session form and
the token lives only in this browser session's server-side state. Either way the database decides on every
page run whether the session is still valid (idle and absolute expiry, disabled account). Pages never trust a
widget for who the user is: they call `current_user()`, and the domain checks the role again on write.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import streamlit as st

from dashboard import context, cookie_auth, resources
from dashboard.i18n import current_language, name_of, t
from dashboard.messages import problem_message
from indicators.access import User, login_required, writable_indicators
from indicators.accounts import Accounts
from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError

TOKEN_KEY = "auth_token"
NOTICE_KEY = "auth_notice"
DEAD_COOKIE_KEY = "auth_dead_cookie"
DRAFT_NOTICE_KEY = "auth_draft_restored"
# The idle timer looks this often, and warns this long before the session would end.
IDLE_CHECK_SECONDS = 30
IDLE_WARN = dt.timedelta(minutes=5)
# Form fields (widget keys) kept for the user when the session ends under them; restored after sign-in.
# The cell's selectors are kept with the typed fields, so a restored value lands on the cell it was typed
# for; a draft is kept only when something was typed.
DRAFT_PREFIXES = ("entry_",)
DRAFT_TYPED = ("entry_value", "entry_note", "entry_reason", "entry_source_ref", "entry_retract_reason")


@st.cache_resource(show_spinner=False)
def _accounts(url: str) -> Accounts:
    # The store's engine: opening it has applied every migration, the users table included.
    return Accounts(resources.store().engine)


def accounts() -> Accounts:
    """Return the accounts of the configured database."""
    return _accounts(resources.db_url())


def _secrets_section(name: str) -> dict[str, Any] | None:
    # st.secrets raises when no secrets.toml exists; that simply means "not configured".
    try:
        if name in st.secrets:
            return dict(st.secrets[name])
    except Exception:
        return None
    return None


def oidc_providers() -> list[str]:
    """Return the OIDC providers configured in secrets.toml [auth] ("" is the unnamed default); [] if none."""
    # Looking into st.secrets searches for secrets files each time; once per run is enough.
    return context.per_run("oidc_providers", _oidc_providers)


def _oidc_providers() -> list[str]:
    auth = _secrets_section("auth")
    if not auth:
        return []
    if "client_id" in auth:
        return [""]
    return [key for key, value in auth.items() if isinstance(value, dict) and "client_id" in value]


def require_login() -> bool:
    """Return True when this installation requires a sign-in to see anything."""
    return context.per_run(
        "require_login", lambda: login_required((_secrets_section("xinan") or {}).get("require_login"))
    )


def _oidc_identity() -> tuple[str | None, bool, str | None] | None:
    if not oidc_providers():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        email = st.user.get("email")
        verified = st.user.get("email_verified") is True
        subject = f"{st.user.get('iss') or ''}|{st.user.get('sub')}" if st.user.get("sub") else None
    except Exception:
        return None
    # Never the name claim: anyone can pick a name at the identity provider (see user_for_identity).
    return (str(email) if email else None, verified, subject)


def _cookie_token() -> str | None:
    if not cookie_auth.ENABLED:
        return None
    try:
        token = st.context.cookies.get(cookie_auth.COOKIE)
    except Exception:
        return None
    return token or None


def session_token() -> str | None:
    """Return this session's sign-in token: the cookie's when served with the sign-in routes, else the tab's."""
    return _cookie_token() or st.session_state.get(TOKEN_KEY)


def current_user() -> User | None:
    """Return the signed-in user, checked against the database once per page run; None when nobody."""
    token = session_token()
    # Sign-in and sign-out are callbacks, done before the run starts: one check serves the whole run.
    return context.per_run(f"user:{token or ''}", _current_user)


def _current_user() -> User | None:
    cookie = _cookie_token()
    if cookie:
        user = accounts().session_user(cookie)
        if user is not None:
            return user
        # The cookie stays in the browser until it expires; say so once per tab, not on every run.
        _keep_draft_of(cookie)
        if st.session_state.get(DEAD_COOKIE_KEY) != cookie:
            st.session_state[DEAD_COOKIE_KEY] = cookie
            st.session_state[NOTICE_KEY] = t("session.expired")
    token = st.session_state.get(TOKEN_KEY)
    if token:
        user = accounts().session_user(token)
        if user is not None:
            return user
        _keep_draft_of(token)
        del st.session_state[TOKEN_KEY]
        st.session_state[NOTICE_KEY] = t("session.expired")
    identity = _oidc_identity()
    if identity is not None:
        email, verified, subject = identity
        return accounts().user_for_identity(email, email_verified=verified, subject=subject)
    return None


@st.cache_resource(show_spinner=False)
def _drafts() -> tuple[threading.Lock, dict[str, dict[str, object]]]:
    # In this server process only: a draft is a convenience, never the record (that is the store).
    return threading.Lock(), {}


def _draft_fields() -> dict[str, object]:
    return {
        key: value
        for key, value in st.session_state.items()
        if isinstance(key, str)
        and key.startswith(DRAFT_PREFIXES)
        and isinstance(value, str | int | float)
        and not isinstance(value, bool)
        and value != ""
    }


def _keep_draft_of(token: str | None) -> None:
    # Asks the database whose session it was only when something typed is at stake.
    fields = _draft_fields()
    if token and any(key in fields for key in DRAFT_TYPED):
        _keep_draft(accounts().session_owner(token))


def _keep_draft(owner: str | None) -> None:
    fields = _draft_fields()
    if owner and any(key in fields for key in DRAFT_TYPED):
        lock, drafts = _drafts()
        with lock:
            drafts[owner] = fields


def restore_draft(user: User | None) -> None:
    """Put back the form fields a user had typed when their session ended (once, before widgets draw)."""
    if user is None:
        return
    lock, drafts = _drafts()
    with lock:
        fields = drafts.pop(user.name, None)
    if not fields:
        return
    for key, value in fields.items():
        st.session_state.setdefault(key, value)
    st.session_state[DRAFT_NOTICE_KEY] = True


def _sign_in() -> None:
    name = st.session_state.get("signin_name", "").strip()
    password = st.session_state.get("signin_password", "")
    st.session_state["signin_password"] = ""
    try:
        # Per-address throttling (indicators.accounts): behind nginx this is the proxy's address unless
        # the st.App endpoint of issue 12b passes X-Real-IP from a trusted proxy instead.
        address = st.context.ip_address
        session = accounts().sign_in(name, password, client=address if isinstance(address, str) else None)
    except IndicatorsError as exc:
        st.session_state[NOTICE_KEY] = "\n".join(problem_message(p) for p in exc.problems)
        return
    st.session_state[TOKEN_KEY] = session.token
    st.session_state.pop(NOTICE_KEY, None)


def _sign_out() -> None:
    accounts().sign_out(st.session_state.pop(TOKEN_KEY, None))
    st.session_state[NOTICE_KEY] = t("session.signed_out")


def sidebar_block() -> User | None:
    """Draw the sign-in block in the sidebar and return the signed-in user (None when nobody)."""
    user = current_user()
    restore_draft(user)
    with st.sidebar, st.container(border=True, key="signin_block"):
        notice = st.session_state.pop(NOTICE_KEY, None)
        if user is not None:
            st.markdown(f"**{t('session.signed_in')}**")
            # st.text shows user data literally: names are never rendered as Markdown or HTML.
            st.text(
                t(
                    "session.user_label",
                    name=user.display_name or user.name,
                    role=t(f"session.role_{user.role}"),
                )
            )
            if user.themes or user.departments:
                st.caption(scope_text(user))
            if _cookie_token():
                st.html(cookie_auth.sign_out_form_html(current_language()) + FORM_CSS)
            elif st.session_state.get(TOKEN_KEY):
                st.button(t("session.sign_out"), key="signout", on_click=_sign_out)
            elif st.button(t("session.sign_out"), key="signout_oidc"):
                st.logout()
            if _cookie_token() or st.session_state.get(TOKEN_KEY):
                idle_guard()
        else:
            _sign_in_form(notice)
            identity = _oidc_identity()
            if identity is not None:
                st.warning(t("session.no_account", who=identity[0] or identity[1]))
        if notice and user is not None:
            st.caption(notice)
    if st.session_state.pop(DRAFT_NOTICE_KEY, False):
        # Where the person looks: above the page, not in small print in the sidebar.
        st.info(t("session.draft_restored"), icon=":material/restore:")
    return user


FORM_CSS = """<style>
.xinan-signin input{width:100%;box-sizing:border-box;padding:.4rem;margin:.15rem 0 .6rem;font-size:.95rem;
 border:1px solid #ccc;border-radius:.4rem}
.xinan-signin button,.xinan-signout button{padding:.35rem 1rem;border:1px solid #ccc;border-radius:.5rem;
 background:#fff;cursor:pointer;font-size:.95rem}
.xinan-signin label{font-size:.875rem}
</style>"""


def _sign_in_form(notice: str | None) -> None:
    st.markdown(f"**{t('session.title')}**")
    if cookie_auth.ENABLED:
        # A plain HTML form: the browser posts it to the sign-in route, which sets the HttpOnly cookie.
        st.html(cookie_auth.sign_in_form_html(current_language(), "") + FORM_CSS)
    else:
        with st.form("signin_form", border=False):
            st.text_input(t("session.name"), key="signin_name", autocomplete="username")
            st.text_input(
                t("session.password"), key="signin_password", type="password", autocomplete="current-password"
            )
            st.form_submit_button(t("session.sign_in"), on_click=_sign_in)
    if notice:
        st.error(notice)
    providers = oidc_providers()
    if providers and st.button(t("session.sso"), key="signin_oidc"):
        st.login(providers[0] or None)


@st.fragment(run_every=IDLE_CHECK_SECONDS)
def idle_guard() -> None:
    """Warn before an idle session ends, and say when it has ended; typed form fields are kept meanwhile."""
    # A timer run is not use: session_remaining does not extend the session, only a real action does.
    token = session_token()
    left = accounts().session_remaining(token)
    if left is None:
        _keep_draft_of(token)
        st.error(t("session.ended_idle"), icon=":material/lock_clock:")
    elif left <= IDLE_WARN:
        minutes = max(1, int(left.total_seconds() // 60))
        st.warning(t("session.idle_warning", minutes=minutes), icon=":material/timer:")
        if st.button(t("session.stay"), key="session_stay"):
            st.rerun(scope="app")


def theme_names(user: User) -> str:
    """Return the user's themes by name (健康、安心), not by id."""
    names = {th.id: name_of(th) for th in resources.catalogue().themes}
    return "、".join(names.get(x, x) for x in user.themes) or "—"


def department_names(user: User) -> str:
    """Return the user's departments by name (市医保局), as the reporting page names them, not by id."""
    departments = resources.catalogue().department_by_id
    return "、".join(name_of(departments[x]) if x in departments else x for x in user.departments)


def scope_text(user: User) -> str:
    """Return what the user may enter: all indicators (admin), their themes and/or their departments."""
    if user.role == "admin":
        return t("auth.scope_all")
    parts = []
    if user.themes:
        parts.append(t("session.themes", themes=theme_names(user)))
    if user.departments:
        parts.append(t("auth.scope_departments", departments=department_names(user)))
    return t("auth.scope_separator").join(parts) or "—"


def entering_as(user: User) -> str:
    """Return 'who is entering, for which themes or departments' by the names people know."""
    return t("auth.entering_as", name=user.display_name or user.name, scope=scope_text(user))


def gate(user: User | None) -> None:
    """Stop the page (after the sidebar) when this installation requires a sign-in and nobody is."""
    if user is None and require_login():
        st.info(t("session.required"))
        st.stop()


def require_writer(catalogue: Catalogue) -> User:
    """Return the signed-in user who may write; otherwise say why on the page and stop (no form is drawn)."""
    user = current_user()
    if user is None:
        st.warning(t("auth.not_signed_in"), icon=":material/lock:")
        st.stop()
    if not writable_indicators(user, catalogue):
        key = "auth.viewer_cannot" if user.role == "viewer" else "auth.no_themes"
        st.warning(t(key, name=user.name), icon=":material/lock:")
        st.stop()
    return user
