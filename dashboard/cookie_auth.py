"""Sign-in and sign-out as plain HTTP routes beside the Streamlit app (served by st.App, see serve.py).

The browser posts name and password to `/account/sign-in`; on success the response sets an HttpOnly,
SameSite=Strict cookie holding an opaque session token (the database keeps only its SHA-256) and redirects
back. Every page run reads the cookie from `st.context.cookies` (it arrives with the websocket handshake)
and asks the database whether the session is still alive, so a reload, a new tab or a bookmark stays signed
in, and a sign-out in one tab ends the session in every other tab on its next action. No cookie is written
by JavaScript. Cross-site posts are refused twice over: the browser does not send a SameSite=Strict cookie
with them, and the routes accept a POST only when its Origin (or Referer) is this server.

This module does not import streamlit: the routes run in the web server, not in a script run.
"""

from __future__ import annotations

import html
import threading
import urllib.parse

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from dashboard.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from indicators.accounts import SESSION_ABSOLUTE, Accounts, open_accounts
from indicators.errors import IndicatorsError, Problem

COOKIE = "xinan_session"
SIGN_IN_PATH = "/account/sign-in"
SIGN_OUT_PATH = "/account/sign-out"
MAX_FORM_BYTES = 8 * 1024

# Set when serve.py builds the st.App: pages then offer the cookie sign-in instead of the in-session form.
ENABLED = False

_accounts: Accounts | None = None
_accounts_lock = threading.Lock()


def accounts() -> Accounts:
    """Return the accounts of the configured database (opened once per process)."""
    global _accounts
    with _accounts_lock:
        if _accounts is None:
            _accounts = open_accounts()
        return _accounts


# Streamlit's own /_stcore/health says the server is up; this one says the database is too.
HEALTH_PATH = "/healthz"


def routes() -> list[Route]:
    """Return the sign-in and sign-out routes for st.App."""
    return [
        Route(SIGN_IN_PATH, sign_in_page, methods=["GET"]),
        Route(SIGN_IN_PATH, sign_in, methods=["POST"]),
        Route(SIGN_OUT_PATH, sign_out, methods=["POST"]),
        Route(HEALTH_PATH, health_check, methods=["GET"]),
    ]


async def health_check(request: Request) -> Response:
    """Answer monitoring: 200 when the database answers with the expected schema, else 503 (JSON)."""
    from starlette.responses import JSONResponse

    from indicators.store.health import health

    report = await run_in_threadpool(health)
    return JSONResponse(report.as_dict(), status_code=200 if report.ok else 503)


def _same_origin(request: Request) -> bool:
    # Browsers send Origin with every form POST; older ones at least a Referer. Neither from elsewhere.
    host = request.headers.get("host", "")
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    if not origin or origin == "null":
        return False
    return urllib.parse.urlsplit(origin).netloc == host


_LOOPBACK = {"127.0.0.1", "::1"}


def client_address(request: Request) -> str | None:
    """Return the address a sign-in comes from: nginx's X-Real-IP when nginx (on this machine) sent it."""
    peer = request.client.host if request.client else None
    # Only a proxy on this machine (deploy/nginx/xinan.conf sets X-Real-IP) is believed; from anywhere
    # else the header is the client's own claim and would let it pick a fresh address per guess.
    forwarded = request.headers.get("x-real-ip", "").strip()
    if peer in _LOOPBACK and forwarded:
        return forwarded[:150]
    return peer


def _back_to(request: Request, wanted: str) -> str:
    # Only a path on this server: an absolute or protocol-relative URL could send people elsewhere.
    parsed = urllib.parse.urlsplit(wanted or "")
    # Browsers read "/\\evil.example" as "//evil.example": a backslash never names a path of ours.
    if (
        parsed.scheme
        or parsed.netloc
        or not parsed.path.startswith("/")
        or parsed.path.startswith("//")
        or "\\" in (wanted or "")
    ):
        referer = urllib.parse.urlsplit(request.headers.get("referer", ""))
        if referer.netloc == request.headers.get("host", "") and referer.path.startswith("/"):
            parsed = referer
        else:
            return "/"
    if parsed.path.startswith("/account/"):
        return "/"
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return {}
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {k: v for k, v in pairs}


def _lang(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def _problem_text(problem: Problem, lang: str) -> str:
    key = f"problem.{problem.code}"
    text = translate(key, lang, **dict(problem.params))
    return problem.message if text == f"⟨{key}⟩" else text


def _secure(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto == "https"


def sign_in_form_html(lang: str, back: str, *, error: str = "", name: str = "") -> str:
    """Return the sign-in form (HTML) that posts to the sign-in route; used in the sidebar and its page."""
    # Field names must not be properties of a form element ("name", "lang"): st.html's sanitizer drops them.
    tr = lambda key: html.escape(translate(key, lang))  # noqa: E731
    err = f'<p class="xinan-signin-error" role="alert">{html.escape(error)}</p>' if error else ""
    return (
        f'<form class="xinan-signin" method="post" action="{SIGN_IN_PATH}">'
        f'<input type="hidden" name="next" value="{html.escape(back)}">'
        f'<input type="hidden" name="ui_lang" value="{html.escape(lang)}">'
        f'<label>{tr("session.name")}<br><input name="username" autocomplete="username" required '
        f'value="{html.escape(name)}" aria-label="{tr("session.name")}"></label><br>'
        f'<label>{tr("session.password")}<br><input name="password" type="password" required '
        f'autocomplete="current-password" aria-label="{tr("session.password")}"></label><br>'
        f'<button type="submit">{tr("session.sign_in")}</button>{err}</form>'
    )


def sign_out_form_html(lang: str) -> str:
    """Return the sign-out button (an HTML form posting to the sign-out route)."""
    label = html.escape(translate("session.sign_out", lang))
    return (
        f'<form class="xinan-signout" method="post" action="{SIGN_OUT_PATH}">'
        f'<input type="hidden" name="ui_lang" value="{html.escape(lang)}">'
        f'<button type="submit">{label}</button></form>'
    )


_PAGE = """<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:"Noto Sans CJK SC",sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}}
input{{width:100%;padding:.4rem;margin:.2rem 0 .8rem;font-size:1rem}}button{{padding:.4rem 1.2rem;font-size:1rem}}
.xinan-signin-error{{color:#b00020}}</style></head>
<body><h1>{title}</h1>{form}<p><a href="{back}">{back_label}</a></p></body></html>"""


def _page(lang: str, back: str, *, error: str = "", name: str = "", status: int = 200) -> HTMLResponse:
    body = _PAGE.format(
        lang="zh-CN" if lang == "zh" else "en",
        title=html.escape(translate("session.title", lang)),
        form=sign_in_form_html(lang, back, error=error, name=name),
        back=html.escape(back),
        back_label=html.escape(translate("session.back", lang)),
    )
    # The page holds a password field: never cached, never framed by another site.
    headers = {"Cache-Control": "no-store", "X-Frame-Options": "DENY"}
    return HTMLResponse(body, status_code=status, headers=headers)


async def sign_in_page(request: Request) -> Response:
    """GET: the sign-in page (for a bookmark, or after a failed attempt)."""
    lang = _lang(request.query_params.get("lang"))
    return _page(lang, _back_to(request, request.query_params.get("next", "/")))


async def sign_in(request: Request) -> Response:
    """POST name + password: on success set the session cookie and go back; else show why."""
    form = await _form(request)
    lang = _lang(form.get("ui_lang"))
    back = _back_to(request, form.get("next", "/"))
    if not _same_origin(request):
        return _page(lang, back, error=translate("session.cross_site", lang), status=403)
    name = form.get("username", "").strip()
    try:
        # argon2 takes a while on purpose; keep it off the event loop that serves every websocket.
        session = await run_in_threadpool(
            accounts().sign_in, name, form.get("password", ""), client_address(request)
        )
    except IndicatorsError as exc:
        error = "；".join(_problem_text(p, lang) for p in exc.problems)
        return _page(lang, back, error=error, name=name, status=401)
    response = RedirectResponse(back, status_code=303)
    response.set_cookie(
        COOKIE,
        session.token,
        max_age=int(SESSION_ABSOLUTE.total_seconds()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


async def sign_out(request: Request) -> Response:
    """POST: end the session of this browser's cookie (every tab) and clear the cookie."""
    if not _same_origin(request):
        lang = _lang((await _form(request)).get("ui_lang"))
        return _page(lang, "/", error=translate("session.cross_site", lang), status=403)
    token = request.cookies.get(COOKIE)
    await run_in_threadpool(accounts().sign_out, token)
    response = RedirectResponse(_back_to(request, ""), status_code=303)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request))
    return response
