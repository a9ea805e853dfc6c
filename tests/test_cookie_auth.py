"""The sign-in routes' guards, without a server: posts from another site are refused, and after signing in
the browser is sent only to a path on this server (no open redirect)."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from dashboard.cookie_auth import _back_to, _same_origin, sign_in_form_html


def _request(**headers: str) -> Request:
    raw = [
        (k.replace("_", "-").encode(), v.encode()) for k, v in {"host": "dash.local:8501", **headers}.items()
    ]
    return Request({"type": "http", "method": "POST", "path": "/account/sign-in", "headers": raw})


@pytest.mark.parametrize(
    "headers,same",
    [
        ({"origin": "http://dash.local:8501"}, True),
        ({"referer": "http://dash.local:8501/entry?place=371623"}, True),
        ({"origin": "https://evil.example"}, False),
        ({"origin": "null"}, False),
        ({"origin": "http://dash.local:8502"}, False),
        ({}, False),
    ],
)
def test_only_posts_from_this_server_are_accepted(headers, same):
    assert _same_origin(_request(**headers)) is same


@pytest.mark.parametrize(
    "wanted,back",
    [
        ("/entry?place=371623", "/entry?place=371623"),
        ("https://evil.example/x", "/entry"),
        ("//evil.example/x", "/entry"),
        ("/\\evil.example", "/entry"),
        ("", "/entry"),
        ("/account/sign-in", "/"),
    ],
)
def test_after_sign_in_the_browser_goes_back_only_to_a_page_of_this_server(wanted, back):
    request = _request(referer="http://dash.local:8501/entry")
    assert _back_to(request, wanted) == back
    assert _back_to(_request(referer="https://evil.example/entry"), "https://evil.example/") == "/"


def test_the_form_escapes_what_it_echoes_and_names_fields_the_sanitiser_keeps():
    html = sign_in_form_html("zh", '"><script>alert(1)</script>', name="<b>x</b>")
    assert "<script>" not in html and "<b>x</b>" not in html
    # st.html's sanitiser drops name="name" and name="lang" (properties of a form element).
    assert 'name="username"' in html and 'name="ui_lang"' in html and 'name="name"' not in html


def test_the_health_route_reports_the_database_and_503_when_it_is_down(tmp_path, monkeypatch):
    import asyncio
    import json

    from dashboard.cookie_auth import HEALTH_PATH, health_check, routes
    from indicators.store.store import Store

    assert HEALTH_PATH in {r.path for r in routes()}
    request = Request({"type": "http", "method": "GET", "path": HEALTH_PATH, "headers": []})
    url = f"sqlite:///{tmp_path / 'h.db'}"
    Store(url).close()  # created and migrated
    monkeypatch.setenv("XINAN_DB_URL", url)
    ok = asyncio.run(health_check(request))
    assert ok.status_code == 200 and json.loads(ok.body)["database"]["backend"] == "sqlite"
    monkeypatch.setenv("XINAN_DB_URL", "postgresql+psycopg://u:secret@127.0.0.1:1/none")
    down = asyncio.run(health_check(request))
    assert down.status_code == 503 and json.loads(down.body)["ok"] is False
    assert b"secret" not in down.body


def _from(peer: str, **headers: str) -> Request:
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": raw, "client": (peer, 40000)})


def test_the_client_address_is_nginxs_x_real_ip_only_when_nginx_on_this_machine_sent_it():
    from dashboard.cookie_auth import client_address

    assert client_address(_from("127.0.0.1", x_real_ip="203.0.113.9")) == "203.0.113.9"
    assert client_address(_from("::1", x_real_ip="203.0.113.9")) == "203.0.113.9"
    # From elsewhere the header is the client's own claim: the peer counts.
    assert client_address(_from("198.51.100.7", x_real_ip="203.0.113.9")) == "198.51.100.7"
    assert client_address(_from("127.0.0.1")) == "127.0.0.1"


def test_a_failed_sign_in_behind_nginx_is_counted_for_the_real_client_address(tmp_path, monkeypatch):
    import asyncio
    import urllib.parse

    import sqlalchemy as sa

    from dashboard import cookie_auth
    from indicators.accounts import open_accounts, sign_in_throttle

    accounts = open_accounts(f"sqlite:///{tmp_path / 'a.db'}")
    monkeypatch.setattr(cookie_auth, "_accounts", accounts)
    body = urllib.parse.urlencode({"username": "nobody", "password": "wrong", "next": "/"}).encode()
    headers = {"host": "dash.local", "origin": "http://dash.local", "x_real_ip": "203.0.113.9"}
    raw = [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]
    scope = {"type": "http", "method": "POST", "path": "/account/sign-in", "headers": raw}
    scope["client"] = ("127.0.0.1", 40000)

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    response = asyncio.run(cookie_auth.sign_in(Request(scope, receive)))
    assert response.status_code == 401
    with accounts.engine.connect() as conn:
        keys = set(conn.execute(sa.select(sign_in_throttle.c.key)).scalars())
    # Not "addr:127.0.0.1", which would let one guesser lock everyone behind the proxy out.
    assert keys == {"name:nobody", "addr:203.0.113.9"}
