"""The sign-on hand-off: tokens made with PyJWT as the plugin makes them, on both
backends; the portal session it starts, and everything that ends that session.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import quote, urlsplit

import jwt
import pytest

from bridge.admin_api import ADMIN_AUDIENCE, SSO_AUDIENCE, set_portal_access
from bridge.portal.sso import SESSION_KEY
from bridge.wp.db import Connection
from bridge.wp.meta import get_meta, update_meta
from bridge.wp.posts import insert_post
from bridge.wp.sessions import SessionTokens, hash_token
from bridge.wp.users import CLIENT_ROLE, ensure_client_role, insert_user, set_password
from tests.conftest import SITE_URL, TEST_SECRET

SSO = "/portal/sso"


@pytest.fixture
def site(conn: Connection) -> dict[str, Any]:
    """A client with portal access, and a WordPress login session of theirs."""
    ensure_client_role(conn)
    client_id = insert_post(conn, post_type="ndpv_person", post_title="Maya Chen")
    for key, value in {
        "first_name": "Maya",
        "email": "maya@example.com",
        "is_client": 1,
        "client_portal": True,
    }.items():
        update_meta(conn, "post", client_id, key, value)
    user_id = insert_user(
        conn,
        login="maya@example.com",
        email="maya@example.com",
        password="maya password",
        role=CLIENT_ROLE,
        first_name="Maya",
        last_name="Chen",
    )
    update_meta(conn, "user", user_id, "ndpv_client_id", client_id)
    update_meta(conn, "user", user_id, "ndpv_client_type", "person")
    update_meta(conn, "user", user_id, "ndpv_client_portal", True)
    session_token = SessionTokens(conn, user_id).create(int(time.time()) + 2 * 86400)
    return {
        "client": client_id,
        "user": user_id,
        "token": session_token,
        "sth": hash_token(session_token),
    }


@pytest.fixture
def app_config(app_config: dict) -> dict:
    return {**app_config, "BRIDGE_LOGIN": "wordpress"}


@pytest.fixture
def app(app_config: dict, site: dict):
    from bridge import create_app

    return create_app(app_config)


def hand_off(
    user_id: int | str,
    sth: str | None,
    *,
    secret: str = TEST_SECRET,
    audience: str = SSO_AUDIENCE,
    algorithm: str = "HS256",
    **changes: Any,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": SITE_URL,
        "aud": audience,
        "sub": str(user_id),
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
        "sth": sth,
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, secret, algorithm=algorithm)


def sign_on(client, token: str, next_path: str | None = None):
    url = f"{SSO}?token={quote(token)}"
    if next_path is not None:
        url += f"&next={quote(next_path, safe='')}"
    return client.get(url)


def assert_signed_out(client) -> None:
    answer = client.get("/portal/")
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(f"{SITE_URL}/wp-login.php")


# -- a good hand-off -------------------------------------------------------------------


def test_a_hand_off_starts_a_portal_session(client, site):
    answer = sign_on(client, hand_off(site["user"], site["sth"]))

    assert answer.status_code == 302
    assert answer.headers["Location"] == "/portal/"
    assert answer.headers["Cache-Control"] == "no-store"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("portal_bridge_session=")
    assert "HttpOnly" in cookie and "Path=/portal" in cookie
    # A browser-session cookie, as WordPress's own without "remember me".
    assert "Expires" not in cookie

    page = client.get("/portal/")
    assert page.status_code == 200
    assert "Maya Chen" in page.get_data(as_text=True)


def test_the_portal_session_holds_no_wordpress_secret(client, site):
    sign_on(client, hand_off(site["user"], site["sth"]))
    with client.session_transaction("/portal/") as session:
        data = dict(session[SESSION_KEY])

    assert data["uid"] == site["user"] and data["sth"] == site["sth"]
    assert site["token"] not in str(data)
    assert set(data) == {"uid", "sth", "exp", "pw"}
    assert data["exp"] <= int(time.time()) + 2 * 86400


@pytest.mark.parametrize(
    ("next_path", "landing"),
    [
        ("/invoices/12", "/portal/invoices/12"),
        ("/estimates?page=2", "/portal/estimates?page=2"),
        ("/portal/projects/3", "/portal/projects/3"),
        ("/", "/portal/"),
        ("", "/portal/"),
        ("//evil.test/x", "/portal/"),
        ("https://evil.test/x", "/portal/"),
        ("/\\evil.test", "/portal/"),
        ("/in voices", "/portal/"),
        ("invoices", "/portal/"),
        ("/sso?token=abc", "/portal/"),
        ("/" + "x" * 3000, "/portal/"),
    ],
)
def test_where_a_hand_off_lands(client, site, next_path, landing):
    answer = sign_on(client, hand_off(site["user"], site["sth"]), next_path)
    assert answer.status_code == 302
    assert answer.headers["Location"] == landing


# -- refused tokens --------------------------------------------------------------------


def _tampered(site: dict) -> str:
    header, _payload, signature = hand_off(site["user"], site["sth"]).split(".")
    other = hand_off(site["user"] + 1, site["sth"], secret="x" * 48)
    return f"{header}.{other.split('.')[1]}.{signature}"


@pytest.mark.filterwarnings("ignore:The HMAC key is")
@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda s: hand_off(s["user"], s["sth"], secret="x" * 48), "shared secret"),
        (lambda s: _tampered(s), "shared secret"),
        (
            lambda s: hand_off(
                s["user"],
                s["sth"],
                iat=int(time.time()) - 120,
                exp=int(time.time()) - 20,
            ),
            "expired",
        ),
        (lambda s: hand_off(s["user"], s["sth"], audience=ADMIN_AUDIENCE), "meant"),
        (lambda s: hand_off(s["user"], s["sth"], iss="http://other.test"), "comes"),
        (lambda s: hand_off(s["user"], s["sth"], algorithm="HS512"), "algorithm"),
        (lambda s: hand_off(s["user"], s["sth"], jti=None), "jti"),
        (lambda s: hand_off(s["user"], None), "names no WordPress session"),
        (lambda s: hand_off(s["user"], "f" * 64), "has ended"),
        (lambda s: hand_off(s["user"], s["token"]), "names no WordPress session"),
        (lambda s: hand_off(987654, s["sth"]), "does not exist"),
        (lambda s: "a.b.c", "malformed"),
    ],
)
def test_refused_tokens_start_no_session(client, site, make, reason, caplog):
    caplog.set_level("WARNING", logger="bridge.portal.sso")
    answer = sign_on(client, make(site))

    assert answer.status_code == 403
    assert "This sign-in link cannot be used" in answer.get_data(as_text=True)
    assert reason in caplog.text
    assert "portal_bridge_session" not in answer.headers.get("Set-Cookie", "")
    assert_signed_out(client)


def test_a_link_without_a_token(client, site):
    assert client.get(SSO).status_code == 400


def test_a_token_is_used_once(client, app, site):
    token = hand_off(site["user"], site["sth"])
    assert sign_on(client, token).status_code == 302

    # Replayed in another browser, or on another worker of the same site.
    from bridge import create_app

    other = create_app(app.config["BRIDGE"]).test_client()
    replay = sign_on(other, token)
    assert replay.status_code == 403
    assert "used already" in replay.get_data(as_text=True)
    assert_signed_out(other)


def test_the_session_of_an_expired_wordpress_login_is_refused(client, conn, site):
    tokens = SessionTokens(conn, site["user"])
    short = tokens.create(int(time.time()) - 5)
    answer = sign_on(client, hand_off(site["user"], hash_token(short)))
    assert answer.status_code == 403


# -- what ends the portal session ------------------------------------------------------


def test_logging_out_of_wordpress_ends_the_portal_session(client, conn, site):
    sign_on(client, hand_off(site["user"], site["sth"]))
    assert client.get("/portal/").status_code == 200

    SessionTokens(conn, site["user"]).destroy(site["token"])

    assert_signed_out(client)
    with client.session_transaction("/portal/") as session:
        assert SESSION_KEY not in session


def test_another_wordpress_session_ending_leaves_this_one(client, conn, site):
    tokens = SessionTokens(conn, site["user"])
    other = tokens.create(int(time.time()) + 3600)
    sign_on(client, hand_off(site["user"], site["sth"]))

    tokens.destroy(other)

    assert client.get("/portal/").status_code == 200


def test_a_password_change_ends_the_portal_session(client, conn, site):
    sign_on(client, hand_off(site["user"], site["sth"]))
    set_password(conn, site["user"], "a new password")
    assert_signed_out(client)


def test_turning_portal_access_off_ends_the_portal_session(client, conn, app, site):
    sign_on(client, hand_off(site["user"], site["sth"]))
    assert client.get("/portal/").status_code == 200

    set_portal_access(conn, app.config["BRIDGE"], site["client"], False)

    assert_signed_out(client)
    assert get_meta(conn, "user", site["user"], "session_tokens") is None


def test_a_session_past_its_time_is_refused(client, site):
    sign_on(client, hand_off(site["user"], site["sth"]))
    with client.session_transaction("/portal/") as session:
        session[SESSION_KEY] = {**session[SESSION_KEY], "exp": int(time.time()) - 1}
    assert_signed_out(client)


def test_logging_out_of_the_portal_ends_the_wordpress_session(app_config, conn, site):
    from bridge import create_app

    app = create_app({**app_config, "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    other = SessionTokens(conn, site["user"]).create(int(time.time()) + 3600)
    sign_on(client, hand_off(site["user"], site["sth"]))

    answer = client.post("/portal/logout")

    assert answer.status_code == 302
    assert urlsplit(answer.headers["Location"]).path == "/wp-login.php"
    tokens = SessionTokens(conn, site["user"])
    assert not tokens.verify(site["token"])
    assert tokens.verify(other)
    assert_signed_out(client)


def test_a_wordpress_cookie_wins_over_a_hand_off_session(client, conn, app, site):
    """On one host both may be present; the cookie of the current login counts."""
    from bridge.wp.cookies import issue_logged_in

    config = app.config["BRIDGE"]
    admin = insert_user(
        conn, login="boss", email="boss@x.test", password="pw", role="administrator"
    )
    sign_on(client, hand_off(site["user"], site["sth"]))
    from bridge.wp.users import get_user

    cookie = issue_logged_in(
        conn, config.salts, get_user(conn, admin), site_url=SITE_URL, home_url=SITE_URL
    )
    client.set_cookie(cookie.name, cookie.value, path="/")

    answer = client.get("/portal/")
    # The administrator has not chosen a client to look at yet.
    assert answer.status_code == 302
    assert "/portal/choose-client" in answer.headers["Location"]
