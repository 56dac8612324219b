import re
from datetime import UTC, datetime

import pytest

from bridge.wp.meta import get_meta
from bridge.wp.options import get_option, update_option
from bridge.wp.passwords import check_password, hash_password
from bridge.wp.users import (
    UserError,
    all_capabilities,
    check_reset_key,
    db_version,
    ensure_client_role,
    find_user,
    get_roles,
    get_user,
    get_user_by,
    insert_user,
    is_email,
    make_reset_key,
    nicename_of,
    role_capabilities,
    role_definitions,
    sanitize_name,
    set_password,
    set_role,
    user_can,
)

NOW = 1_700_000_000


def make(conn, login="jane@example.com", email=None, role="subscriber", **extra):
    return insert_user(
        conn,
        login=login,
        email=email or (login if "@" in login else f"{login}@example.com"),
        password="pass word",
        role=role,
        **extra,
    )


def meta_rows(conn, user_id):
    return conn.query(
        "SELECT meta_key, meta_value FROM {usermeta} WHERE user_id = %s "
        "ORDER BY umeta_id",
        (user_id,),
    )


def test_insert_user_writes_what_wp_insert_user_writes(conn):
    before = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    user_id = make(conn, first_name="Jane", last_name="Doe")
    user = get_user(conn, user_id)

    assert user["user_login"] == "jane@example.com"
    assert user["user_email"] == "jane@example.com"
    assert user["user_nicename"] == "janeexample-com"
    assert user["display_name"] == "Jane Doe"
    assert user["user_url"] == ""
    assert user["user_activation_key"] == ""
    assert int(user["user_status"]) == 0
    assert user["user_pass"].startswith("$P$B")
    assert check_password("pass word", user["user_pass"])
    registered = user["user_registered"]
    if isinstance(registered, str):
        registered = datetime.strptime(registered, "%Y-%m-%d %H:%M:%S")
    assert before <= registered <= datetime.now(UTC).replace(tzinfo=None)

    prefix = conn.database.prefix
    assert [(r["meta_key"], r["meta_value"]) for r in meta_rows(conn, user_id)] == [
        ("nickname", "jane@example.com"),
        ("first_name", "Jane"),
        ("last_name", "Doe"),
        ("description", ""),
        ("rich_editing", "true"),
        ("syntax_highlighting", "true"),
        ("comment_shortcuts", "false"),
        ("admin_color", "fresh"),
        ("use_ssl", "0"),
        ("show_admin_bar_front", "true"),
        ("locale", ""),
        (f"{prefix}capabilities", 'a:1:{s:10:"subscriber";b:1;}'),
        (f"{prefix}user_level", "0"),
    ]


def test_wordpress_68_sites_get_prefixed_bcrypt(conn):
    update_option(conn, "db_version", "60421")
    user_id = make(conn)
    assert get_user(conn, user_id)["user_pass"].startswith("$wp$2y$10$")
    other = make(conn, "old@example.com", db_version=53496)
    assert get_user(conn, other)["user_pass"].startswith("$P$B")


def test_administrator_level(conn):
    user_id = make(conn, "boss", role="administrator")
    assert get_meta(conn, "user", user_id, f"{conn.database.prefix}user_level") == "10"
    assert get_roles(conn, user_id) == ["administrator"]
    assert user_can(conn, user_id, "manage_options")


def test_display_name_rules(conn):
    assert get_user(conn, make(conn, "a1", first_name="Ann"))["display_name"] == "Ann"
    assert get_user(conn, make(conn, "a2", last_name="Lee"))["display_name"] == "Lee"
    assert get_user(conn, make(conn, "a3"))["display_name"] == "a3"
    named = make(conn, "a4", first_name="A", last_name="B", display_name="The Boss")
    assert get_user(conn, named)["display_name"] == "The Boss"


def test_names_are_stored_as_wordpress_filters_them():
    assert sanitize_name("  Zoë \t O'Brien  ") == "Zoë O'Brien"
    assert sanitize_name("Smith & Sons") == "Smith &amp; Sons"
    assert sanitize_name("Smith &amp; Sons") == "Smith &amp; Sons"
    assert sanitize_name("a > b") == "a &gt; b"
    with pytest.raises(UserError):
        sanitize_name("<b>bold</b>")


def test_nicenames_are_unique(conn):
    first = make(conn, "john.smith", email="j1@example.com")
    second = make(conn, "john-smith", email="j2@example.com")
    third = make(conn, "John Smith", email="j3@example.com")
    nicenames = [get_user(conn, i)["user_nicename"] for i in (first, second, third)]
    assert nicenames == ["john-smith", "john-smith-2", "john-smith-3"]


def test_nicename_of():
    assert nicename_of("Jane.Doe@Example.com") == "jane-doeexample-com"
    assert nicename_of("a__b  c--d") == "a__b-c-d"
    assert nicename_of("x" * 60) == "x" * 50
    assert nicename_of("-.-") == ""


def test_duplicate_login_is_refused(conn):
    make(conn, "jane")
    with pytest.raises(UserError, match="already taken"):
        make(conn, "JANE", email="other@example.com")


def test_duplicate_email_is_refused(conn):
    make(conn, "jane", email="jane@example.com")
    with pytest.raises(UserError, match="already used"):
        make(conn, "jane2", email="Jane@Example.com")


@pytest.mark.parametrize(
    "login", ["", "   ", "x" * 61, "jäne", "jane<script>", " jane", "jane ", "ja  ne"]
)
def test_bad_logins_are_refused(conn, login):
    with pytest.raises(UserError):
        make(conn, login, email="ok@example.com")
    assert conn.scalar("SELECT COUNT(*) FROM {users}") == 0


@pytest.mark.parametrize(
    "email", ["", "plain", "a@b", "a@b.", "@example.com", "a b@example.com", "a@-x.com"]
)
def test_bad_emails_are_refused(conn, email):
    with pytest.raises(UserError):
        insert_user(conn, login="jane", email=email, password="x", role="subscriber")


def test_is_email():
    assert is_email("jane@example.com")
    assert is_email("j.o'neil+tag@mail.example.co.uk")
    assert not is_email("jane@example..com")
    assert not is_email("jane@localhost")


def test_unknown_role_is_refused_and_nothing_is_written(conn):
    with pytest.raises(UserError, match="no role"):
        make(conn, role="ndpv_client_role")
    assert conn.scalar("SELECT COUNT(*) FROM {users}") == 0
    assert conn.scalar("SELECT COUNT(*) FROM {usermeta}") == 0


def test_lookups(conn):
    user_id = make(conn, "Jane", email="Jane@Example.com")
    assert get_user_by(conn, "id", user_id)["ID"] == user_id
    assert get_user_by(conn, "id", "nope") is None
    assert get_user_by(conn, "login", "jane")["ID"] == user_id
    assert get_user_by(conn, "email", "jane@example.COM")["ID"] == user_id
    assert get_user_by(conn, "login", "") is None
    assert get_user_by(conn, "login", "nobody") is None
    assert find_user(conn, "JANE")["ID"] == user_id
    assert find_user(conn, "jane@example.com")["ID"] == user_id
    assert find_user(conn, "nobody@example.com") is None


def test_client_role(conn):
    prefix = conn.database.prefix
    assert "ndpv_client_role" not in role_definitions(conn)
    assert ensure_client_role(conn) is True
    assert ensure_client_role(conn) is False
    roles = get_option(conn, f"{prefix}user_roles")
    assert roles["ndpv_client_role"] == {
        "name": "Client",
        "capabilities": {"read": True},
    }
    assert list(roles)[:5] == [
        "administrator",
        "editor",
        "author",
        "contributor",
        "subscriber",
    ]
    assert role_capabilities(conn)["ndpv_client_role"] == {"read": True}

    user_id = make(conn, role="ndpv_client_role")
    assert get_roles(conn, user_id) == ["ndpv_client_role"]
    assert user_can(conn, user_id, "read")
    assert not user_can(conn, user_id, "edit_posts")
    assert user_can(conn, user_id, "exist")
    assert not user_can(conn, user_id, "do_not_allow")


def test_capabilities_overlay_and_roles_as_wordpress(conn):
    prefix = conn.database.prefix
    user_id = make(conn)
    conn.execute(
        "UPDATE {usermeta} SET meta_value = %s WHERE user_id = %s AND meta_key = %s",
        (
            'a:3:{s:10:"subscriber";b:1;s:4:"read";b:0;s:10:"edit_posts";b:1;}',
            user_id,
            f"{prefix}capabilities",
        ),
    )
    assert get_roles(conn, user_id) == ["subscriber"]
    caps = all_capabilities(conn, user_id)
    assert caps["read"] is False and caps["edit_posts"] is True
    assert not user_can(conn, user_id, "read")


def test_set_role(conn):
    user_id = make(conn)
    set_role(conn, user_id, "editor")
    assert get_roles(conn, user_id) == ["editor"]
    assert get_meta(conn, "user", user_id, f"{conn.database.prefix}user_level") == "7"
    with pytest.raises(UserError):
        set_role(conn, user_id, "overlord")


def test_set_password(conn):
    user_id = make(conn)
    make_reset_key(conn, user_id)
    old = get_user(conn, user_id)["user_pass"]
    hashed = set_password(conn, user_id, "new password")
    user = get_user(conn, user_id)
    assert user["user_pass"] == hashed != old
    assert user["user_activation_key"] == ""
    assert check_password("new password", hashed)
    assert not check_password("pass word", hashed)
    with pytest.raises(UserError):
        set_password(conn, 999, "x")


@pytest.mark.parametrize(
    ("version", "pattern"),
    [(53496, r"1700000000:\$P\$B.{30}"), (60421, r"1700000000:\$generic\$.{40}")],
)
def test_reset_keys(conn, version, pattern):
    user_id = make(conn)
    key = make_reset_key(conn, user_id, version, now=NOW)
    assert re.fullmatch(r"[A-Za-z0-9]{20}", key)
    stored = get_user(conn, user_id)["user_activation_key"]
    assert re.fullmatch(pattern, stored)

    assert check_reset_key(conn, key, "jane@example.com", now=NOW + 10)["ID"] == user_id
    assert check_reset_key(conn, key + "-", "jane@example.com", now=NOW) is not None
    assert check_reset_key(conn, key, "jane@example.com", now=NOW + 86400) is None
    assert check_reset_key(conn, key[:-1], "jane@example.com", now=NOW) is None
    assert check_reset_key(conn, key, "john", now=NOW) is None
    assert check_reset_key(conn, "", "jane@example.com", now=NOW) is None


def test_db_version(conn):
    assert db_version(conn) == 53496
    update_option(conn, "db_version", "60421")
    assert db_version(conn) == 60421
    update_option(conn, "db_version", "garbage")
    assert db_version(conn) == 0


def test_passwords_are_hashed_once(conn):
    user_id = make(conn)
    stored = get_user(conn, user_id)["user_pass"]
    assert stored != hash_password("pass word", 53496)
