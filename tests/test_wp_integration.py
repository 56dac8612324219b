"""The bridge's WordPress identity against a real WordPress, 6.1 and 6.8.

Each test runs on every variant of the `wordpress` fixture: both releases, with
keys and salts in the config or only in the options.
"""

import base64
import hashlib
import json
import re
import secrets
import time
from urllib.parse import urljoin

import pytest
import requests
from wordpress import wordpress  # noqa: F401 - the fixture

from bridge.wp.cookies import (
    issue_logged_in,
    logged_in_cookie_name,
    validate_logged_in,
)
from bridge.wp.nonces import create_nonce, verify_nonce
from bridge.wp.passwords import check_password
from bridge.wp.sessions import SessionTokens
from bridge.wp.users import (
    db_version,
    ensure_client_role,
    get_user,
    get_user_by,
    insert_user,
    make_reset_key,
    set_password,
)

pytestmark = pytest.mark.wordpress


@pytest.fixture
def wp(wordpress):  # noqa: F811 - the imported fixture
    return wordpress


@pytest.fixture
def conn(wp):
    with wp.database().connect() as connection:
        yield connection


@pytest.fixture
def salts(wp):
    return wp.salts()


def php_value(value):
    """A PHP expression for a JSON-able Python value."""
    encoded = base64.b64encode(json.dumps(value).encode()).decode()
    return f"json_decode(base64_decode('{encoded}'), true)"


def unique(name="user"):
    return f"{name}{secrets.token_hex(3)}"


def wp_insert_user(wp, **userdata):
    user_id = wp.php(f"return wp_insert_user(wp_slash({php_value(userdata)}));")
    assert isinstance(user_id, int), user_id
    return user_id


def wp_userdata(wp, user_id):
    """What WordPress sees of a user: row, roles, capabilities and all meta."""
    return wp.php(
        f"""
        $user = get_userdata({int(user_id)});
        $meta = get_user_meta({int(user_id)});
        unset($meta['session_tokens']);
        return [
            'data' => (array) $user->data,
            'roles' => array_values($user->roles),
            'caps' => $user->caps,
            'allcaps' => $user->allcaps,
            'level' => $user->user_level,
            'meta' => $meta,
        ];
        """
    )


def logged_in_cookie(wp, response):
    name = logged_in_cookie_name(wp.url)
    # The raw Set-Cookie value, percent-encoded as PHP wrote it.
    values = [c.value for c in response.cookies if c.name == name and c.value.strip()]
    assert values, f"no {name} in {list(response.cookies.keys())}"
    return values[0]


def rest_me(wp, cookie_name, cookie_value, nonce=None):
    headers = {"Cookie": f"{cookie_name}={cookie_value}"}
    if nonce is not None:
        headers["X-WP-Nonce"] = nonce
    return requests.get(
        f"{wp.url}/?rest_route=/wp/v2/users/me&context=edit",
        headers=headers,
        timeout=30,
    )


def test_the_site_is_what_we_think(wp, conn):
    assert db_version(conn) == wp.db_version
    assert wp.db_version == (53496 if wp.version.startswith("6.1.") else 60421)


def test_salts_match_wordpress(wp, conn, salts):
    theirs = wp.php(
        "return array_map('wp_salt', ['auth','secure_auth','logged_in','nonce']);"
    )
    ours = [salts.salt(conn, s) for s in ("auth", "secure_auth", "logged_in", "nonce")]
    assert ours == theirs
    assert wp.php("return wp_hash('abc', 'logged_in');") == salts.hash(
        conn, "abc", "logged_in"
    )


# -- passwords ---------------------------------------------------------------------


def test_a_wordpress_user_verifies_in_the_bridge(wp, conn):
    login = unique()
    user_id = wp_insert_user(
        wp,
        user_login=login,
        user_email=f"{login}@example.com",
        user_pass="Tr0ub4dor & 3 ✓",
        role="subscriber",
    )
    user = get_user(conn, user_id)
    expected_prefix = "$P$B" if wp.version.startswith("6.1.") else "$wp$2y$10$"
    assert user["user_pass"].startswith(expected_prefix)
    assert check_password("Tr0ub4dor & 3 ✓", user["user_pass"])
    assert not check_password("Tr0ub4dor & 3", user["user_pass"])
    assert not check_password("", user["user_pass"])


def test_a_bridge_user_logs_in_and_looks_like_a_wordpress_user(wp, conn):
    ours, theirs = unique("ours"), unique("theirs")
    names = {"first_name": "Zoë", "last_name": "O'Brien & Co"}
    our_id = insert_user(
        conn,
        login=f"{ours}@example.com",
        email=f"{ours}@example.com",
        password="bridge pass 1",
        role="subscriber",
        **names,
    )
    their_id = wp_insert_user(
        wp,
        user_login=f"{theirs}@example.com",
        user_email=f"{theirs}@example.com",
        user_pass="bridge pass 1",
        role="subscriber",
        **names,
    )

    response = wp.login(f"{ours}@example.com", "bridge pass 1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(f"{wp.url}/wp-admin/")
    assert logged_in_cookie(wp, response)

    mine, reference = wp_userdata(wp, our_id), wp_userdata(wp, their_id)
    for side, login in ((mine, ours), (reference, theirs)):
        data = side["data"]
        assert data["user_login"] == data["user_email"] == f"{login}@example.com"
        assert data["user_nicename"] == f"{login}example-com"
        assert side["meta"].pop("nickname") == [f"{login}@example.com"]
        for column in ("user_login", "user_email", "user_nicename", "ID"):
            data.pop(column)
        data.pop("user_registered")
        data.pop("user_pass")
    assert mine["data"] == reference["data"]
    assert mine["data"]["display_name"] == "Zoë O'Brien &amp; Co"
    assert mine["roles"] == reference["roles"] == ["subscriber"]
    assert mine["caps"] == reference["caps"] == {"subscriber": True}
    assert mine["allcaps"] == reference["allcaps"]
    assert mine["level"] == reference["level"] == "0"
    assert mine["meta"] == reference["meta"]
    assert list(mine["meta"]) == list(reference["meta"])


@pytest.mark.parametrize("role", ["administrator", "ndpv_client_role"])
def test_bridge_roles_are_wordpress_roles(wp, conn, role):
    ensure_client_role(conn)
    ensure_client_role(conn)
    login = unique()
    user_id = insert_user(
        conn,
        login=login,
        email=f"{login}@example.com",
        password="pw pw pw",
        role=role,
    )
    seen = wp_userdata(wp, user_id)
    assert seen["roles"] == [role]
    assert int(seen["level"]) == (10 if role == "administrator" else 0)
    can = wp.php(
        f"return [user_can({user_id}, 'read'), user_can({user_id}, 'manage_options'),"
        f" wp_roles()->get_role('ndpv_client_role')->capabilities];"
    )
    assert can == [True, role == "administrator", {"read": True}]


def test_a_password_set_by_the_bridge_works_at_wp_login(wp, conn):
    login = unique()
    user_id = wp_insert_user(
        wp, user_login=login, user_email=f"{login}@example.com", user_pass="old pass"
    )
    set_password(conn, user_id, "new pass", db_version(conn))

    accepted = wp.login(login, "new pass")
    assert accepted.status_code == 302
    assert logged_in_cookie(wp, accepted)

    refused = wp.login(login, "old pass")
    assert refused.status_code == 200
    assert logged_in_cookie_name(wp.url) not in refused.cookies
    assert "login_error" in refused.text


def test_old_hash_formats_are_upgraded_by_wordpress_and_still_read(wp, conn):
    login = unique()
    user_id = wp_insert_user(
        wp, user_login=login, user_email=f"{login}@example.com", user_pass="x"
    )
    md5 = hashlib.md5(b"legacy pass").hexdigest()  # noqa: S324 - the old format
    conn.execute("UPDATE {users} SET user_pass = %s WHERE ID = %s", (md5, user_id))
    assert check_password("legacy pass", md5)

    assert wp.login(login, "legacy pass").status_code == 302
    upgraded = get_user(conn, user_id)["user_pass"]
    assert upgraded != md5
    assert check_password("legacy pass", upgraded)


# -- cookies -----------------------------------------------------------------------


def test_a_wp_login_cookie_validates_in_the_bridge(wp, conn, salts):
    login = unique() + "@example.com"
    user_id = wp_insert_user(
        wp, user_login=login, user_email=login, user_pass="pw 123", role="editor"
    )
    response = wp.login(login, "pw 123", remember=True)
    cookie = logged_in_cookie(wp, response)
    assert "%40" in cookie and "%7C" in cookie

    logged_in = validate_logged_in(conn, salts, cookie)
    assert logged_in is not None
    assert logged_in.user_id == user_id
    assert logged_in.user["user_login"] == login
    session = SessionTokens(conn, user_id).get(logged_in.token)
    assert session["expiration"] == logged_in.expiration
    assert session["ua"] == "wp-portal-bridge tests"
    assert session["ip"] == "127.0.0.1"
    assert abs(logged_in.expiration - (time.time() + 14 * 86400)) < 120


def test_after_a_wordpress_logout_the_cookie_is_refused(wp, conn, salts):
    login = unique()
    user_id = wp_insert_user(
        wp, user_login=login, user_email=f"{login}@example.com", user_pass="pw"
    )
    response = wp.login(login, "pw")
    cookie = logged_in_cookie(wp, response)
    logged_in = validate_logged_in(conn, salts, cookie)
    assert logged_in is not None

    # The logout link's nonce, made by the bridge for this session.
    nonce = create_nonce(conn, salts, "log-out", user_id, logged_in.token)
    logout = response.session.get(
        f"{wp.url}/wp-login.php?action=logout&_wpnonce={nonce}",
        allow_redirects=False,
        timeout=30,
    )
    assert logout.status_code == 302
    assert "loggedout=true" in logout.headers["Location"]
    assert validate_logged_in(conn, salts, cookie) is None


def test_after_a_password_change_in_wordpress_the_cookie_is_refused(wp, conn, salts):
    login = unique()
    user_id = wp_insert_user(
        wp, user_login=login, user_email=f"{login}@example.com", user_pass="pw"
    )
    cookie = logged_in_cookie(wp, wp.login(login, "pw"))
    assert validate_logged_in(conn, salts, cookie) is not None

    wp.php(f"wp_set_password('changed', {user_id}); return true;")
    assert validate_logged_in(conn, salts, cookie) is None


def test_wordpress_accepts_a_bridge_cookie_and_nonce(wp, conn, salts):
    login = unique()
    user_id = insert_user(
        conn,
        login=login,
        email=f"{login}@example.com",
        password="pw pw",
        role="author",
    )
    issued = issue_logged_in(
        conn, salts, get_user(conn, user_id), ip="127.0.0.1", ua="pytest"
    )
    assert issued.name == logged_in_cookie_name(wp.url)
    assert issued.paths == ("/",)
    nonce = create_nonce(conn, salts, "wp_rest", user_id, issued.token)

    me = rest_me(wp, issued.name, issued.value, nonce)
    assert me.status_code == 200, me.text
    assert me.json()["id"] == user_id
    assert me.json()["username"] == login
    assert me.json()["roles"] == ["author"]

    # Without the nonce WordPress treats the request as anonymous.
    assert rest_me(wp, issued.name, issued.value).status_code == 401
    # Nor does a nonce for another session do.
    other = create_nonce(conn, salts, "wp_rest", user_id, "another-token")
    assert rest_me(wp, issued.name, issued.value, other).status_code == 403

    # WordPress's own nonce for this session verifies in the bridge.
    theirs = wp.php(
        f"""
        $_COOKIE[LOGGED_IN_COOKIE] = rawurldecode({php_value(issued.value)});
        wp_set_current_user({user_id});
        return wp_create_nonce('wp_rest');
        """
    )
    assert verify_nonce(conn, salts, theirs, "wp_rest", user_id, issued.token) == 1

    SessionTokens(conn, user_id).destroy(issued.token)
    assert rest_me(wp, issued.name, issued.value, nonce).status_code == 403


def test_wordpress_reads_bridge_sessions(wp, conn, salts):
    login = unique()
    user_id = insert_user(
        conn, login=login, email=f"{login}@example.com", password="pw", role="author"
    )
    issued = issue_logged_in(
        conn, salts, get_user(conn, user_id), remember=True, ip="10.1.2.3", ua="UA"
    )
    sessions = wp.php(f"return WP_Session_Tokens::get_instance({user_id})->get_all();")
    assert sessions == [
        {
            "expiration": issued.expiration,
            "ip": "10.1.2.3",
            "ua": "UA",
            "login": issued.expiration - 14 * 86400,
        }
    ]
    assert (
        wp.php(
            f"return wp_validate_auth_cookie(rawurldecode({php_value(issued.value)}),"
            " 'logged_in');"
        )
        == user_id
    )


# -- password reset ----------------------------------------------------------------


def test_a_bridge_reset_key_works_in_wordpress_reset_form(wp, conn):
    login = unique()
    user_id = insert_user(
        conn,
        login=login,
        email=f"{login}@example.com",
        password="forgotten",
        role="subscriber",
    )
    key = make_reset_key(conn, user_id)
    stored = get_user_by(conn, "id", user_id)["user_activation_key"]
    expected = r"\d+:\$P\$B" if wp.version.startswith("6.1.") else r"\d+:\$generic\$"
    assert re.match(expected, stored)
    assert (
        wp.php(
            f"$u = check_password_reset_key({php_value(key)}, {php_value(login)});"
            " return is_wp_error($u) ? $u->get_error_code() : $u->ID;"
        )
        == user_id
    )

    session = wp.session()
    first = session.get(
        f"{wp.url}/wp-login.php",
        params={"action": "rp", "key": key, "login": login},
        allow_redirects=False,
        timeout=30,
    )
    assert first.status_code == 302
    assert "invalidkey" not in first.headers["Location"]
    form = session.get(urljoin(wp.url, first.headers["Location"]), timeout=30)
    assert form.status_code == 200
    assert 'name="pass1"' in form.text
    rp_key = re.search(r'name="rp_key" value="([^"]*)"', form.text).group(1)
    assert rp_key == key

    done = session.post(
        f"{wp.url}/wp-login.php?action=resetpass",
        data={
            "pass1": "remembered now",
            "pass2": "remembered now",
            "rp_key": rp_key,
            "wp-submit": "Save Password",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 200
    assert "Your password has been reset" in done.text
    assert wp.login(login, "remembered now").status_code == 302
    assert check_password("remembered now", get_user(conn, user_id)["user_pass"])


def test_a_wrong_reset_key_is_refused_by_wordpress(wp, conn):
    login = unique()
    user_id = insert_user(
        conn, login=login, email=f"{login}@example.com", password="pw", role="author"
    )
    key = make_reset_key(conn, user_id)
    wrong = ("A" if key[0] != "A" else "B") + key[1:]
    answer = wp.session().get(
        f"{wp.url}/wp-login.php",
        params={"action": "rp", "key": wrong, "login": login},
        allow_redirects=True,
        timeout=30,
    )
    assert "invalidkey" in answer.url


# -- the builtin login form --------------------------------------------------------


def test_the_builtin_login_speaks_wordpress(wp, conn, salts, tmp_path):
    from bridge import create_app

    app = create_app(
        {
            "BRIDGE_WP_CONFIG": str(wp.config_file),
            "BRIDGE_SECRET": "integration-secret-" + "x" * 40,
            "BRIDGE_LOGIN": "builtin",
            "BRIDGE_UPLOADS_DIR": str(tmp_path),
            "TESTING": True,
        }
    )
    login = unique()
    user_id = wp_insert_user(
        wp, user_login=login, user_email=f"{login}@example.com", user_pass="pw 42"
    )
    client = app.test_client()
    form = client.get("/portal/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    answer = client.post(
        "/portal/login",
        data={"csrf_token": token, "log": f"{login}@example.com", "pwd": "pw 42"},
    )
    assert answer.status_code == 302
    name = logged_in_cookie_name(wp.url)
    value = next(
        h.split(";")[0].split("=", 1)[1]
        for h in answer.headers.getlist("Set-Cookie")
        if h.startswith(name + "=")
    )

    # WordPress takes the cookie the bridge's form set.
    logged_in = validate_logged_in(conn, salts, value)
    nonce = create_nonce(conn, salts, "wp_rest", user_id, logged_in.token)
    assert rest_me(wp, name, value, nonce).json()["id"] == user_id

    # The bridge takes the cookie WordPress's form set.
    theirs = logged_in_cookie(wp, wp.login(login, "pw 42"))
    with app.test_request_context(
        "/portal/login", headers={"Cookie": f"{name}={theirs}"}
    ):
        app.preprocess_request()
        from flask import g

        assert g.wp_user["ID"] == user_id
        assert g.wp_user["roles"] == ["subscriber"]

    # Logging out of the portal logs out of WordPress.
    assert client.post("/portal/logout", data={"csrf_token": token}).status_code == 302
    assert rest_me(wp, name, value, nonce).status_code == 403
