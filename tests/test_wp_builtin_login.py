"""The portal's builtin login: WordPress's cookie set by the bridge's own form."""

import hashlib
import re
from urllib.parse import unquote

import pytest
from flask import g

from bridge.portal import auth  # registers the login routes on the blueprint
from bridge.wp.cookies import logged_in_cookie_name, validate_logged_in
from bridge.wp.passwords import check_password
from bridge.wp.salts import Salts
from bridge.wp.sessions import SessionTokens
from bridge.wp.users import ensure_client_role, get_user, insert_user

SITE = "http://portal.test"
COOKIE = logged_in_cookie_name(SITE)


@pytest.fixture
def user_id(conn):
    ensure_client_role(conn)
    return insert_user(
        conn,
        login="client@example.com",
        email="client@example.com",
        password="client pass",
        role="ndpv_client_role",
    )


def csrf_token(client):
    page = client.get("/portal/login")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def post_login(client, log, pwd, **extra):
    data = {"csrf_token": csrf_token(client), "log": log, "pwd": pwd, **extra}
    return client.post("/portal/login", data=data)


def cookie_value(response):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(COOKIE + "="):
            return header.split(";", 1)[0].split("=", 1)[1], header
    return None, None


def test_the_form(client):
    page = client.get("/portal/login")
    assert page.status_code == 200
    assert 'name="log"' in page.text and 'name="pwd"' in page.text
    assert 'name="csrf_token"' in page.text
    assert 'name="rememberme"' in page.text


def test_login_sets_the_wordpress_cookie(client, conn, user_id, app):
    response = post_login(
        client, "client@example.com", "client pass", next="/portal/invoices?page=2"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/invoices?page=2"

    value, header = cookie_value(response)
    assert value.startswith("client%40example.com%7C")
    assert "HttpOnly" in header and "Path=/" in header
    assert "Max-Age" not in header and "Expires" not in header
    assert "Secure" not in header

    salts = app.config["BRIDGE"].salts
    logged_in = validate_logged_in(conn, salts, value)
    assert logged_in.user_id == user_id
    session = SessionTokens(conn, user_id).get(logged_in.token)
    assert session["ip"] == "127.0.0.1"
    assert session["expiration"] == logged_in.expiration


def test_the_cookie_makes_the_user_known(client, user_id):
    post_login(client, "client@example.com", "client pass")
    with client:
        client.get("/portal/login")
        assert g.wp_user["ID"] == user_id
        assert g.wp_user["roles"] == ["ndpv_client_role"]
        assert "user_pass" not in g.wp_user
        assert "user_activation_key" not in g.wp_user
        assert len(g.session_token) == 43


def test_a_logged_in_visitor_skips_the_form(client, user_id):
    post_login(client, "client@example.com", "client pass")
    again = client.get("/portal/login?next=/portal/projects")
    assert again.status_code == 302
    assert again.headers["Location"] == "/portal/projects"


def test_login_by_username_and_email(client, conn):
    insert_user(
        conn, login="Jane", email="jane@example.com", password="pw 1", role="author"
    )
    assert post_login(client, "jane", "pw 1").status_code == 302
    other = client.application.test_client()
    assert post_login(other, "JANE@example.com", "pw 1").status_code == 302


def test_remember_me(client, user_id):
    response = post_login(client, "client@example.com", "client pass", rememberme="1")
    _, header = cookie_value(response)
    assert f"Max-Age={14 * 86400 + 12 * 3600}" in header


@pytest.mark.parametrize(
    ("log", "pwd"),
    [
        ("client@example.com", "wrong"),
        ("client@example.com", "Client pass"),
        ("nobody@example.com", "client pass"),
        ("nobody", "client pass"),
    ],
)
def test_failures_answer_alike(client, user_id, log, pwd):
    response = post_login(client, log, pwd)
    assert response.status_code == 200
    assert "The username or password is incorrect." in response.text
    assert cookie_value(response) == (None, None)


def test_empty_fields(client, user_id):
    response = post_login(client, "", "")
    assert "Enter your username or email address and your password." in response.text


def test_passwords_are_trimmed_as_wordpress_does(client, user_id):
    assert (
        post_login(client, " client@example.com ", " client pass\n").status_code == 302
    )


def test_a_login_without_csrf_token_is_refused(client, user_id):
    response = client.post(
        "/portal/login", data={"log": "client@example.com", "pwd": "client pass"}
    )
    assert response.status_code == 400
    assert cookie_value(response) == (None, None)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/portal/",
        "//evil.example/portal/",
        "/\\evil.example",
        "/elsewhere",
        "/portal/logout",
        "/portal/login",
        "/portalx",
        "javascript:alert(1)",
    ],
)
def test_unsafe_next_goes_home(client, user_id, target):
    response = post_login(client, "client@example.com", "client pass", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/"


def test_safe_next(app):
    with app.test_request_context():
        assert auth.safe_next("/portal") == "/portal"
        assert auth.safe_next("/portal/estimates/3?x=1") == "/portal/estimates/3?x=1"
        assert auth.safe_next("/portal/estimates?") == "/portal/estimates"
        assert auth.safe_next("/portal/\nx") == ""


def test_an_old_md5_hash_is_upgraded_at_login(client, conn, user_id):
    md5 = hashlib.md5(b"client pass").hexdigest()  # noqa: S324 - the old format
    conn.execute("UPDATE {users} SET user_pass = %s WHERE ID = %s", (md5, user_id))
    response = post_login(client, "client@example.com", "client pass")
    assert response.status_code == 302
    upgraded = get_user(conn, user_id)["user_pass"]
    assert upgraded.startswith("$P$B")
    assert check_password("client pass", upgraded)


def test_wordpress_68_sites_upgrade_phpass_at_login(client, conn, user_id, app):
    conn.execute(
        "UPDATE {options} SET option_value = '60421' WHERE option_name = 'db_version'"
    )
    response = post_login(client, "client@example.com", "client pass")
    assert response.status_code == 302
    assert get_user(conn, user_id)["user_pass"].startswith("$wp$2y$10$")
    value, _ = cookie_value(response)
    assert validate_logged_in(conn, app.config["BRIDGE"].salts, value) is not None


def test_failed_logins_are_throttled(client, app, user_id):
    for _ in range(auth.THROTTLE_LIMIT):
        post_login(client, "client@example.com", "wrong")
    blocked = post_login(client, "client@example.com", "client pass")
    assert "Too many failed attempts" in blocked.text
    assert cookie_value(blocked) == (None, None)

    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert post_login(elsewhere, "client@example.com", "client pass").status_code == 302


def test_a_success_clears_the_failures(client, conn, user_id):
    for _ in range(auth.THROTTLE_LIMIT - 1):
        post_login(client, "client@example.com", "wrong")
    assert post_login(client, "client@example.com", "client pass").status_code == 302
    assert (
        conn.scalar(
            "SELECT COUNT(*) FROM {options} WHERE option_name LIKE %s",
            ("_transient_%bridge_login_%",),
        )
        == 0
    )


def test_logout_ends_the_wordpress_session(client, conn, app, user_id):
    token = csrf_token(client)
    login = post_login(client, "client@example.com", "client pass")
    value, _ = cookie_value(login)
    salts = app.config["BRIDGE"].salts
    assert validate_logged_in(conn, salts, value) is not None

    response = client.post("/portal/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/login"
    cleared, header = cookie_value(response)
    assert cleared == ""
    assert "Max-Age=0" in header or "1970" in header
    assert validate_logged_in(conn, salts, value) is None
    assert SessionTokens(conn, user_id).all() == []


def test_logout_needs_csrf(client, user_id):
    post_login(client, "client@example.com", "client pass")
    assert client.post("/portal/logout").status_code == 400


def test_login_required_sends_to_the_builtin_form(app):
    view = auth.login_required(lambda: "secret")
    with app.test_request_context("/portal/estimates/5?x=1"):
        app.preprocess_request()
        response = view()
        assert response.status_code == 302
        assert response.location == "/portal/login?next=/portal/estimates/5?x%3D1"


def test_login_required_lets_a_user_through(app, client, conn, user_id):
    login = post_login(client, "client@example.com", "client pass")
    value, _ = cookie_value(login)
    view = auth.login_required(lambda: "secret")
    with app.test_request_context(
        "/portal/estimates", headers={"Cookie": f"{COOKIE}={value}"}
    ):
        app.preprocess_request()
        assert view() == "secret"


def test_wordpress_mode_sends_to_wp_login(app, client):
    app.config["BRIDGE"].login = "wordpress"
    view = auth.login_required(lambda: "secret")
    with app.test_request_context("/portal/invoices?page=2", base_url="https://x.test"):
        app.preprocess_request()
        response = view()
        assert response.location == (
            f"{SITE}/wp-login.php?redirect_to="
            "https%3A%2F%2Fx.test%2Fportal%2Finvoices%3Fpage%3D2"
        )
        assert unquote(response.location.split("=", 1)[1]) == (
            "https://x.test/portal/invoices?page=2"
        )
    form = client.get("/portal/login")
    assert form.status_code == 302
    assert form.headers["Location"].startswith(f"{SITE}/wp-login.php?redirect_to=")


def test_a_tampered_cookie_is_anonymous(app, conn, user_id):
    salts = app.config["BRIDGE"].salts
    assert isinstance(salts, Salts)
    with app.test_request_context(
        "/portal/login",
        headers={"Cookie": f"{COOKIE}=client%40example.com%7C1%7Cx%7Cy"},
    ):
        app.preprocess_request()
        assert g.wp_user is None
        assert g.session_token is None
