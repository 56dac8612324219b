"""Portal access from the plugin: the JWT checks, the user it makes, the email, the CLI.

Runs on SQLite and MariaDB, against a real SMTP server; tokens are made with PyJWT
as the plugin makes them (HS256, the shared secret, a minute's life).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from bridge.admin_api import (
    ADMIN_AUDIENCE,
    SSO_AUDIENCE,
    AccessError,
    TokenError,
    claim_token_id,
    set_portal_access,
)
from bridge.config import load_settings
from bridge.wp.db import Connection, Database
from bridge.wp.meta import get_meta, update_meta
from bridge.wp.options import get_option, update_option
from bridge.wp.passwords import check_password
from bridge.wp.posts import insert_post
from bridge.wp.sessions import SessionTokens
from bridge.wp.users import (
    CLIENT_ROLE,
    ensure_client_role,
    get_roles,
    get_user,
    get_user_by,
    insert_user,
)
from tests import smtp
from tests.conftest import SITE_URL, TEST_SECRET
from tests.smtp import SMTPServer

smtp_server = smtp.smtp_server

API = "/portal/api/admin/portal-access"


# -- the site --------------------------------------------------------------------------


def make_contact(
    conn: Connection,
    title: str,
    email: str,
    *,
    kind: str = "person",
    is_client: bool = True,
    portal: bool = False,
) -> int:
    post_type = "ndpv_org" if kind == "org" else "ndpv_person"
    contact_id = insert_post(conn, post_type=post_type, post_title=title)
    meta: dict[str, Any] = {"ws_id": 1, "email": email, "client_portal": portal}
    if is_client:
        meta["is_client"] = 1
    if kind == "org":
        meta["name"] = title
    else:
        meta["first_name"] = title.split()[0]
    for key, value in meta.items():
        update_meta(conn, "post", contact_id, key, value)
    return contact_id


def make_client_user(conn: Connection, email: str, client_id: int, portal: bool) -> int:
    user_id = insert_user(
        conn, login=email, email=email, password="old password", role=CLIENT_ROLE
    )
    update_meta(conn, "user", user_id, "ndpv_client_id", client_id)
    update_meta(conn, "user", user_id, "ndpv_client_type", "person")
    update_meta(conn, "user", user_id, "ndpv_client_portal", portal)
    return user_id


@pytest.fixture
def site(conn: Connection) -> dict[str, int]:
    """An agency site: an administrator, an editor, a business and some contacts."""
    ensure_client_role(conn)
    ids = {
        "admin": insert_user(
            conn,
            login="boss",
            email="boss@agency.test",
            password="admin password",
            role="administrator",
        ),
        "editor": insert_user(
            conn,
            login="ed",
            email="ed@agency.test",
            password="editor password",
            role="editor",
        ),
        "maya": make_contact(conn, "Maya Chen", "maya@example.com"),
        "acme": make_contact(conn, "Acme & Sons", "billing@acme.example", kind="org"),
        "lead": make_contact(conn, "Lee Lead", "lee@example.com", is_client=False),
        "mute": make_contact(conn, "No Mail", ""),
        "bad": make_contact(conn, "Bad Mail", "not-an-address"),
        "boss": make_contact(conn, "Boss Client", "boss@agency.test"),
    }
    business = insert_post(conn, post_type="ndpv_business", post_title="Northwind")
    update_meta(conn, "post", business, "org_name", "Northwind Studio")
    update_meta(conn, "post", business, "default", 1)
    ids["business"] = business
    return ids


@pytest.fixture
def app_config(app_config: dict, smtp_server: SMTPServer) -> dict:
    return {**app_config, "BRIDGE_SMTP_URL": smtp_server.url}


@pytest.fixture
def app(app_config: dict, site: dict):
    from bridge import create_app

    return create_app(app_config)


def token(
    sub: int | str,
    *,
    secret: str = TEST_SECRET,
    audience: str = ADMIN_AUDIENCE,
    algorithm: str = "HS256",
    **changes: Any,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": SITE_URL,
        "aud": audience,
        "sub": str(sub),
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
    }
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, secret, algorithm=algorithm)


def call(client, body: Any, bearer: str | None):
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return client.post(API, json=body, headers=headers)


def turn(client, site, client_id: int, enabled: bool, **extra: Any):
    body = {"client_id": client_id, "enabled": enabled, **extra}
    return call(client, body, token(site["admin"]))


def reset_link(text: str) -> str:
    match = re.search(r"http://\S+wp-login\.php\?action=rp\S+", text)
    assert match, text
    return match.group(0)


# -- turning access on -----------------------------------------------------------------


def test_turning_access_on_creates_the_user_and_emails_a_password_link(
    client, conn, site, smtp_server
):
    answer = turn(client, site, site["maya"], True)

    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["ok"] is True
    assert body["user_created"] is True
    assert body["email_sent"] is True
    assert "Maya Chen" in body["message"]
    assert "emailed to maya@example.com" in body["message"]

    user = get_user_by(conn, "email", "maya@example.com")
    assert user is not None and user["user_login"] == "maya@example.com"
    assert int(user["ID"]) == body["user_id"]
    assert user["display_name"] == "Maya Chen"
    assert get_meta(conn, "user", user["ID"], "first_name") == "Maya"
    assert get_meta(conn, "user", user["ID"], "last_name") == "Chen"
    assert get_roles(conn, user["ID"]) == [CLIENT_ROLE]
    assert get_meta(conn, "user", user["ID"], "ndpv_client_id") == str(site["maya"])
    assert get_meta(conn, "user", user["ID"], "ndpv_client_type") == "person"
    assert get_meta(conn, "user", user["ID"], "ndpv_client_portal") == "1"
    assert get_meta(conn, "post", site["maya"], "client_portal") == "1"

    (mail,) = smtp_server.wait_for(1)
    assert mail.recipients == ["maya@example.com"]
    assert mail.message["Subject"] == "Your client portal at Northwind Studio"
    assert mail.message["From"] == "Northwind Studio <owner@portal.test>"
    assert f"Portal: {SITE_URL}/portal/" in mail.text
    assert "Username: maya@example.com" in mail.text

    link = urlsplit(reset_link(mail.text))
    assert f"{link.scheme}://{link.netloc}" == SITE_URL
    query = parse_qs(link.query)
    assert query["action"] == ["rp"] and query["login"] == ["maya@example.com"]
    stamp, _, hashed = str(user["user_activation_key"]).partition(":")
    assert abs(int(stamp) - time.time()) < 60
    # This site is 6.1: the key is stored as a phpass hash, as WordPress checks it.
    assert hashed.startswith("$P$") and check_password(query["key"][0], hashed)
    assert query["key"][0] not in str(user["user_pass"])


def test_an_organization_gets_a_user_of_type_org(client, conn, site):
    answer = turn(client, site, site["acme"], True)

    assert answer.status_code == 200, answer.json
    user = get_user(conn, answer.json["user_id"])
    assert user is not None
    assert user["display_name"] == "Acme &amp; Sons"  # as WordPress stores it
    assert get_meta(conn, "user", user["ID"], "ndpv_client_type") == "org"


def test_turning_access_on_twice_changes_nothing_the_second_time(
    client, conn, site, smtp_server
):
    first = turn(client, site, site["maya"], True)
    before = get_user(conn, first.json["user_id"])
    second = turn(client, site, site["maya"], True)

    assert second.status_code == 200
    assert second.json["user_created"] is False
    assert second.json["email_sent"] is False
    assert "already on" in second.json["message"]
    assert second.json["user_id"] == first.json["user_id"]
    assert conn.scalar("SELECT COUNT(*) FROM {users}") == 3
    assert get_user(conn, first.json["user_id"]) == before
    time.sleep(0.3)
    assert len(smtp_server.messages) == 1


def test_resend_sends_a_new_link_and_keeps_the_password(
    client, conn, site, smtp_server
):
    first = turn(client, site, site["maya"], True)
    hash_before = get_user(conn, first.json["user_id"])["user_pass"]

    again = turn(client, site, site["maya"], True, resend=True)

    assert again.status_code == 200, again.json
    assert again.json["email_sent"] is True
    first_mail, second_mail = smtp_server.wait_for(2)
    assert reset_link(first_mail.text) != reset_link(second_mail.text)
    assert "password you already have" in second_mail.text
    assert get_user(conn, first.json["user_id"])["user_pass"] == hash_before


def test_an_existing_client_user_of_this_client_is_reused(
    client, conn, site, smtp_server
):
    user_id = make_client_user(conn, "maya@example.com", site["maya"], portal=False)
    hash_before = get_user(conn, user_id)["user_pass"]

    answer = turn(client, site, site["maya"], True)

    assert answer.status_code == 200, answer.json
    assert answer.json["user_created"] is False
    assert answer.json["user_id"] == user_id
    assert "existing WordPress user" in answer.json["message"]
    assert get_meta(conn, "user", user_id, "ndpv_client_portal") == "1"
    assert get_user(conn, user_id)["user_pass"] == hash_before
    (mail,) = smtp_server.wait_for(1)
    assert "Sign in with the password you already have" in mail.text


def test_a_client_user_linked_to_no_client_yet_is_adopted(client, conn, site):
    user_id = insert_user(
        conn,
        login="maya.chen",
        email="maya@example.com",
        password="pw",
        role=CLIENT_ROLE,
    )
    answer = turn(client, site, site["maya"], True)

    assert answer.status_code == 200, answer.json
    assert answer.json["user_id"] == user_id
    assert get_meta(conn, "user", user_id, "ndpv_client_id") == str(site["maya"])


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("boss", "boss@agency.test belongs to the WordPress user boss (administrator)"),
        ("other client", "belongs to the portal user of another client"),
        ("login taken", "the username maya@example.com is taken"),
        ("moved", "already has the portal user"),
    ],
)
def test_an_address_that_is_not_this_clients_is_refused(
    client, conn, site, smtp_server, who: str, expected: str
):
    target = site["maya"]
    if who == "boss":
        target = site["boss"]
    elif who == "other client":
        make_client_user(conn, "maya@example.com", site["acme"], portal=True)
    elif who == "login taken":
        insert_user(
            conn,
            login="maya@example.com",
            email="someone@else.test",
            password="pw",
            role="subscriber",
        )
    else:
        make_client_user(conn, "maya@old.example", site["maya"], portal=False)
    users_before = conn.scalar("SELECT COUNT(*) FROM {users}")

    answer = turn(client, site, target, True)

    assert answer.status_code == 409
    assert answer.json["ok"] is False
    assert expected in answer.json["error"]
    # Nothing was written.
    assert conn.scalar("SELECT COUNT(*) FROM {users}") == users_before
    assert get_meta(conn, "post", target, "client_portal") == ""
    time.sleep(0.2)
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("name", "status", "expected"),
    [
        ("unknown", 404, "there is no client with the id"),
        ("business", 404, "there is no client with the id"),
        ("lead", 422, "is a contact but not a client"),
        ("mute", 422, "has no email address"),
        ("bad", 422, "'not-an-address', is not valid"),
    ],
)
def test_contacts_that_cannot_have_access(
    client, conn, site, name: str, status: int, expected: str
):
    client_id = site.get(name, 987654)
    answer = turn(client, site, client_id, True)

    assert answer.status_code == status
    assert answer.json == {"ok": False, "error": answer.json["error"]}
    assert expected in answer.json["error"]


# -- turning access off ----------------------------------------------------------------


def test_turning_access_off_ends_the_users_sessions(client, conn, site):
    user_id = turn(client, site, site["maya"], True).json["user_id"]
    tokens = SessionTokens(conn, user_id)
    tokens.create(int(time.time()) + 3600)
    tokens.create(int(time.time()) + 3600)

    answer = turn(client, site, site["maya"], False)

    assert answer.status_code == 200, answer.json
    assert answer.json["sessions_ended"] == 2
    assert answer.json["message"] == (
        "Client Portal Access is off for Maya Chen; 2 open sessions ended."
    )
    assert get_meta(conn, "post", site["maya"], "client_portal") == ""
    assert get_meta(conn, "user", user_id, "ndpv_client_portal") == ""
    assert SessionTokens(conn, user_id).all() == []
    assert get_meta(conn, "user", user_id, "session_tokens") is None
    # The emailed password link stops working with the access.
    assert get_user(conn, user_id)["user_activation_key"] == ""
    # The user stays, for turning access on again.
    assert get_user(conn, user_id) is not None

    again = turn(client, site, site["maya"], False)
    assert again.status_code == 200
    assert "already off" in again.json["message"]


def test_access_on_off_on_reuses_the_user_and_invites_again(
    client, conn, site, smtp_server
):
    first = turn(client, site, site["maya"], True).json
    turn(client, site, site["maya"], False)
    third = turn(client, site, site["maya"], True).json

    assert third["user_id"] == first["user_id"]
    assert third["user_created"] is False
    assert third["email_sent"] is True
    assert len(smtp_server.wait_for(2)) == 2


def test_turning_off_a_client_without_an_email_works(client, site):
    answer = turn(client, site, site["mute"], False)
    assert answer.status_code == 200
    assert "already off" in answer.json["message"]


# -- the site's own template -----------------------------------------------------------


def test_the_sites_template_with_a_password_sets_and_sends_one(
    client, conn, site, smtp_server
):
    update_option(
        conn,
        "ndpv_email_client_portal_password",
        {
            "subject": "{org_name} client portal credentials",
            "msg": "Hi {client_name}\nLogin: {login_url}\nEmail: {email}\n"
            "Password: {password}",
        },
    )
    answer = turn(client, site, site["maya"], True)
    (mail,) = smtp_server.wait_for(1)

    assert mail.message["Subject"] == "Northwind Studio client portal credentials"
    password = re.search(r"Password: (\S+)", mail.text).group(1)
    assert len(password) >= 20
    user = get_user(conn, answer.json["user_id"])
    assert check_password(password, user["user_pass"])
    assert user["user_activation_key"] == ""

    # An existing user is never given a new password.
    turn(client, site, site["maya"], True, resend=True)
    _, second = smtp_server.wait_for(2)
    assert "Password: (unchanged; to choose a new one, open http://" in second.text
    assert get_user(conn, user["ID"])["user_pass"] == user["user_pass"]


# -- mail problems ---------------------------------------------------------------------


def test_a_mail_failure_is_reported_and_access_stays_on(
    client, conn, site, smtp_server
):
    smtp_server.refuse.add("maya@example.com")
    answer = turn(client, site, site["maya"], True)

    assert answer.status_code == 200
    body = answer.json
    assert body["ok"] is True
    assert body["email_sent"] is False
    assert "refused the address maya@example.com" in body["email_error"]
    assert "could not be sent" in body["message"]
    assert get_meta(conn, "post", site["maya"], "client_portal") == "1"
    assert get_meta(conn, "user", body["user_id"], "ndpv_client_portal") == "1"


def test_without_a_mail_server_nothing_is_sent_and_the_answer_says_so(
    app_config, site, conn
):
    from bridge import create_app

    app = create_app({**app_config, "BRIDGE_SMTP_URL": ""})
    answer = turn(app.test_client(), site, site["maya"], True)

    assert answer.status_code == 200
    assert answer.json["email_sent"] is False
    assert "BRIDGE_SMTP_URL" in answer.json["message"]


# -- who may call ----------------------------------------------------------------------


def _tampered(site: dict) -> str:
    header, _payload, signature = token(site["admin"]).split(".")
    forged = token(site["admin"], secret="another-secret-" + "y" * 40)
    return f"{header}.{forged.split('.')[1]}.{signature}"


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda s: None, "a Bearer token"),
        (lambda s: "not.a.jwt", "malformed"),
        (
            lambda s: token(s["admin"], secret="another-secret-" + "y" * 40),
            "shared secret differs",
        ),
        (lambda s: _tampered(s), "shared secret differs"),
        (
            lambda s: token(
                s["admin"], iat=int(time.time()) - 200, exp=int(time.time()) - 30
            ),
            "expired",
        ),
        (lambda s: token(s["admin"], audience=SSO_AUDIENCE), "not meant for this use"),
        (lambda s: token(s["admin"], iss="http://elsewhere.test"), "comes from"),
        (lambda s: token(s["admin"], jti=None), "lacks the claim 'jti'"),
        (lambda s: token(s["admin"], exp=None), "lacks the claim 'exp'"),
        (lambda s: token(s["admin"], iss=None), "lacks the claim 'iss'"),
        (lambda s: token(s["admin"], iat=int(time.time()) + 600), "in the future"),
        (lambda s: token(s["admin"], exp=int(time.time()) + 3600), "lives too long"),
        (lambda s: token(s["admin"], algorithm="HS512"), "another algorithm"),
        (lambda s: token("abc"), "not a user id"),
    ],
)
@pytest.mark.filterwarnings("ignore:The HMAC key is")
def test_bad_tokens_are_refused(client, conn, site, make, expected: str):
    answer = call(client, {"client_id": site["maya"], "enabled": True}, make(site))

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json["ok"] is False
    assert expected in answer.json["error"]
    assert get_user_by(conn, "email", "maya@example.com") is None


def test_an_unsigned_token_is_refused(client, site):
    unsigned = jwt.encode(
        {
            "iss": SITE_URL,
            "aud": ADMIN_AUDIENCE,
            "sub": str(site["admin"]),
            "iat": int(time.time()),
            "exp": int(time.time()) + 60,
            "jti": "x",
        },
        None,
        algorithm="none",
    )
    answer = call(client, {"client_id": site["maya"], "enabled": True}, unsigned)
    assert answer.status_code == 401


def test_the_issuer_may_differ_in_scheme_and_trailing_slash(client, site):
    issuer = SITE_URL.replace("http://", "https://") + "/"
    answer = call(
        client,
        {"client_id": site["maya"], "enabled": True},
        token(site["admin"], iss=issuer),
    )
    assert answer.status_code == 200, answer.json


@pytest.mark.parametrize(
    ("who", "expected"),
    [("editor", "is not an administrator"), ("nobody", "does not exist")],
)
def test_only_administrators_may_change_access(client, site, who, expected):
    sub = site.get(who, 99999)
    answer = call(client, {"client_id": site["maya"], "enabled": True}, token(sub))

    assert answer.status_code == 403
    assert expected in answer.json["error"]


def test_a_token_is_good_for_one_call(client, site):
    bearer = token(site["admin"])
    body = {"client_id": site["maya"], "enabled": True}

    assert call(client, body, bearer).status_code == 200
    replay = call(client, body, bearer)
    assert replay.status_code == 401
    assert "used already" in replay.json["error"]


def test_used_token_ids_are_transients_pruned_after_expiry(conn):
    now = int(time.time())
    old = {"aud": ADMIN_AUDIENCE, "jti": "old", "exp": now - 100}
    claim_token_id(conn, old)
    names = [
        row["option_name"]
        for row in conn.query(
            "SELECT option_name FROM {options} WHERE option_name LIKE %s",
            ("%wppb_jti_%",),
        )
    ]
    assert len(names) == 2
    assert any(name.startswith("_transient_timeout_wppb_jti_") for name in names)

    # An expired record no longer blocks (its token is expired anyway) and goes.
    claim_token_id(conn, {"aud": ADMIN_AUDIENCE, "jti": "new", "exp": now + 60})
    claim_token_id(conn, old)
    with pytest.raises(TokenError, match="used already"):
        claim_token_id(conn, {"aud": ADMIN_AUDIENCE, "jti": "new", "exp": now + 60})
    # The same id for the other audience is another token.
    claim_token_id(conn, {"aud": SSO_AUDIENCE, "jti": "new", "exp": now + 60})
    count = conn.scalar(
        "SELECT COUNT(*) FROM {options} WHERE option_name LIKE %s",
        ("%wppb_jti_%",),
    )
    # The expired record was pruned again by the later claims.
    assert count == 4


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("not json", "send a JSON object"),
        ([1, 2], "send a JSON object"),
        ({"enabled": True}, "client_id must be"),
        ({"client_id": True, "enabled": True}, "client_id must be"),
        ({"client_id": -3, "enabled": True}, "client_id must be"),
        ({"client_id": 5, "enabled": "yes"}, "enabled must be"),
        ({"client_id": 5, "enabled": True, "resend": 1}, "resend must be"),
        ({"client_id": 5, "enabled": False, "resend": True}, "only be resent"),
    ],
)
def test_malformed_requests(client, site, body, expected):
    headers = {"Authorization": f"Bearer {token(site['admin'])}"}
    if isinstance(body, str):
        answer = client.post(
            API, data=body, headers={**headers, "Content-Type": "application/json"}
        )
    else:
        answer = client.post(API, json=body, headers=headers)

    assert answer.status_code == 400
    assert expected in answer.json["error"]


def test_a_string_client_id_is_accepted(client, site):
    headers = {"Authorization": f"Bearer {token(site['admin'])}"}
    body = {"client_id": str(site["maya"]), "enabled": True}
    assert client.post(API, json=body, headers=headers).status_code == 200


# -- concurrency -----------------------------------------------------------------------


def test_two_enables_at_once_make_one_user(backend, database_url, conn, site, app):
    config = app.config["BRIDGE"]
    config.smtp_url = ""
    results: list[Any] = []

    def enable() -> None:
        with Database(database_url).connect() as own:
            try:
                results.append(set_portal_access(own, config, site["maya"], True))
            except Exception as exc:  # noqa: BLE001 - reported below
                results.append(exc)

    threads = [threading.Thread(target=enable) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.user_created for r in results) == 1
    assert len({r.user_id for r in results}) == 1
    assert (
        conn.scalar(
            "SELECT COUNT(*) FROM {users} WHERE user_email = %s", ("maya@example.com",)
        )
        == 1
    )


# -- the command line ------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, database_url, smtp_server):
    for name, value in {
        "BRIDGE_DATABASE_URL": database_url,
        "BRIDGE_SECRET": TEST_SECRET,
        "BRIDGE_SITE_URL": SITE_URL,
        "BRIDGE_SMTP_URL": smtp_server.url,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BRIDGE_WP_CONFIG", raising=False)


def test_the_command_line_turns_access_on_and_off(
    cli_env, conn, site, smtp_server, capsys
):
    from bridge.cli import main

    assert main(["portal-access", "enable", str(site["maya"])]) == 0
    out = capsys.readouterr().out
    assert "Client Portal Access is on for Maya Chen" in out
    assert "emailed to maya@example.com" in out
    (mail,) = smtp_server.wait_for(1)
    assert reset_link(mail.text).startswith(f"{SITE_URL}/wp-login.php")

    assert main(["portal-access", "enable", str(site["maya"]), "--resend"]) == 0
    smtp_server.wait_for(2)

    user = get_user_by(conn, "email", "maya@example.com")
    SessionTokens(conn, user["ID"]).create(int(time.time()) + 600)
    assert main(["portal-access", "disable", str(site["maya"])]) == 0
    assert "off for Maya Chen; 1 open session ended." in capsys.readouterr().out
    assert get_meta(conn, "user", user["ID"], "ndpv_client_portal") == ""


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["portal-access", "enable", "424242"], "there is no client with the id"),
        (["portal-access", "disable", "7", "--resend"], "--resend goes with enable"),
    ],
)
def test_the_command_line_reports_errors(cli_env, site, capsys, argv, expected):
    from bridge.cli import main

    assert main(argv) == 1
    assert expected in capsys.readouterr().err


def test_the_api_and_the_command_line_share_one_code_path(conn, site, database_url):
    config = load_settings(
        {
            "BRIDGE_DATABASE_URL": database_url,
            "BRIDGE_SECRET": TEST_SECRET,
            "BRIDGE_SITE_URL": SITE_URL,
        }
    )
    with pytest.raises(AccessError) as caught:
        set_portal_access(conn, config, site["lead"], True)
    assert caught.value.status == 422
    assert get_option(conn, "wppb_settings") is None


def test_the_invitation_is_in_the_users_wordpress_language(
    cli_env, conn, site, smtp_server, capsys
):
    from bridge.cli import main

    user_id = make_client_user(conn, "maya@example.com", site["maya"], portal=False)
    update_meta(conn, "user", user_id, "locale", "de_DE")

    assert main(["portal-access", "enable", str(site["maya"])]) == 0

    (mail,) = smtp_server.wait_for(1)
    assert mail.message["Subject"] == "Ihr Kundenportal bei Northwind Studio"
    assert "Hallo Maya Chen," in mail.text
    assert "Melden Sie sich mit Ihrem bisherigen Passwort an" in mail.text
    assert reset_link(mail.text).startswith(f"{SITE_URL}/wp-login.php")
