"""The sign-in block every page shares: who is signed in, the name + password form, sign-out, OIDC.

The session token lives only in this browser session's server-side state; the database decides on every
page run whether it is still valid (idle and absolute expiry, disabled account). Pages never trust a
widget for who the user is: they call `current_user()`, and the domain checks the role again on write.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import data
from dashboard.i18n import t
from indicators.access import User, login_required, writable_indicators
from indicators.accounts import Accounts
from indicators.catalogue import Catalogue
from indicators.errors import IndicatorsError

TOKEN_KEY = "auth_token"
NOTICE_KEY = "auth_notice"


@st.cache_resource(show_spinner=False)
def _accounts(url: str) -> Accounts:
    # The store's engine: opening it has applied every migration, the users table included.
    return Accounts(data.store().engine)


def accounts() -> Accounts:
    """Return the accounts of the configured database."""
    return _accounts(data.db_url())


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
    return data.per_run("oidc_providers", _oidc_providers)


def _oidc_providers() -> list[str]:
    auth = _secrets_section("auth")
    if not auth:
        return []
    if "client_id" in auth:
        return [""]
    return [key for key, value in auth.items() if isinstance(value, dict) and "client_id" in value]


def require_login() -> bool:
    """Return True when this installation requires a sign-in to see anything."""
    return data.per_run(
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


def current_user() -> User | None:
    """Return the signed-in user, checked against the database once per page run; None when nobody."""
    token = st.session_state.get(TOKEN_KEY)
    # Sign-in and sign-out are callbacks, done before the run starts: one check serves the whole run.
    return data.per_run(f"user:{token or ''}", _current_user)


def _current_user() -> User | None:
    token = st.session_state.get(TOKEN_KEY)
    if token:
        user = accounts().session_user(token)
        if user is not None:
            return user
        del st.session_state[TOKEN_KEY]
        st.session_state[NOTICE_KEY] = "登录已过期，请重新登录 / your session has expired; sign in again"
    identity = _oidc_identity()
    if identity is not None:
        email, verified, subject = identity
        return accounts().user_for_identity(email, email_verified=verified, subject=subject)
    return None


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
        st.session_state[NOTICE_KEY] = "\n".join(p.message for p in exc.problems)
        return
    st.session_state[TOKEN_KEY] = session.token
    st.session_state.pop(NOTICE_KEY, None)


def _sign_out() -> None:
    accounts().sign_out(st.session_state.pop(TOKEN_KEY, None))
    st.session_state[NOTICE_KEY] = "已退出 / signed out"


def sidebar_block() -> User | None:
    """Draw the sign-in block in the sidebar and return the signed-in user (None when nobody)."""
    user = current_user()
    with st.sidebar, st.container(border=True, key="signin_block"):
        notice = st.session_state.pop(NOTICE_KEY, None)
        if user is not None:
            st.markdown("**已登录 / Signed in**")
            # st.text shows user data literally: names are never rendered as Markdown or HTML.
            st.text(user.label())
            if user.themes:
                st.caption("主题 / themes: " + ", ".join(user.themes))
            if st.session_state.get(TOKEN_KEY):
                st.button("退出登录 / Sign out", key="signout", on_click=_sign_out)
            elif st.button("退出登录 / Sign out", key="signout_oidc"):
                st.logout()
        else:
            _sign_in_form(notice)
            identity = _oidc_identity()
            if identity is not None:
                st.warning(
                    f"统一身份账号 {identity[0] or identity[1]} 未在本系统登记，请联系管理员 / "
                    "this identity has no account here; ask an admin"
                )
        if notice and user is not None:
            st.caption(notice)
    return user


def _sign_in_form(notice: str | None) -> None:
    st.markdown("**登录 / Sign in**")
    with st.form("signin_form", border=False):
        st.text_input("用户名 / User name", key="signin_name", autocomplete="username")
        st.text_input(
            "密码 / Password", key="signin_password", type="password", autocomplete="current-password"
        )
        st.form_submit_button("登录 / Sign in", on_click=_sign_in)
    if notice:
        st.error(notice)
    providers = oidc_providers()
    if providers and st.button("统一身份认证登录 / Sign in with SSO", key="signin_oidc"):
        st.login(providers[0] or None)


def gate(user: User | None) -> None:
    """Stop the page (after the sidebar) when this installation requires a sign-in and nobody is."""
    if user is None and require_login():
        st.info("本系统需要登录后查看，请在左侧登录 / sign in (left) to see this dashboard")
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
