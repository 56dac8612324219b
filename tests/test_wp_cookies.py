import hashlib
from urllib.parse import quote

import pytest

from bridge.wp import cookies
from bridge.wp.cookies import (
    clear_logged_in,
    cookie_hmac,
    cookie_path,
    issue_logged_in,
    logged_in_cookie_name,
    parse,
    password_fragment,
    php_cookie_encode,
    validate_logged_in,
)
from bridge.wp.options import update_option
from bridge.wp.passwords import hash_password
from bridge.wp.salts import Salts
from bridge.wp.sessions import SessionTokens
from bridge.wp.users import get_user, insert_user, set_password

NOW = 1_700_000_000
SALTS = {
    "LOGGED_IN_KEY": "test-logged-in-key",
    "LOGGED_IN_SALT": "test-logged-in-salt",
    "NONCE_KEY": "test-nonce-key",
    "NONCE_SALT": "test-nonce-salt",
}
SITE = "http://portal.test"


@pytest.fixture
def salts():
    return Salts(SALTS)


@pytest.fixture
def user(conn):
    user_id = insert_user(
        conn,
        login="jane@example.com",
        email="jane@example.com",
        password="s3cret pass",
        role="subscriber",
    )
    return get_user(conn, user_id)


@pytest.fixture
def issued(conn, salts, user):
    return issue_logged_in(conn, salts, user, now=NOW, site_url=SITE, home_url=SITE)


def fields_of(cookie):
    return parse(cookie.value)


def encode(login, expiration, token, mac):
    return php_cookie_encode(f"{login}|{expiration}|{token}|{mac}")


# -- the known-answer vectors ------------------------------------------------------


def test_cookie_hmac_vector_phpass(salts):
    user_pass = "$P$Babcdefgh" + "X" * 22
    assert (
        cookie_hmac(None, salts, "admin", 1700000000, "TOKEN123", user_pass, 53496)
        == "1d9350f4fce23b0ec557654686de8202ebc151fe0a6c3aa9af8e058167c534da"
    )


def test_cookie_hmac_vector_wp68(salts):
    user_pass = "$wp$2y$10$abcdefghijklmnopqrstuuWXYZ0123456789abcdefghijklmnopq"
    assert (
        cookie_hmac(None, salts, "admin", 1700000000, "TOKEN123", user_pass, 60421)
        == "a93fb5446b7660f93218c4ff14a9b1b1cc845e98dbeff87c519b3a21d4aec9fb"
    )


def test_password_fragment_by_hash_format():
    phpass = "$P$Babcdefgh" + "X" * 22
    bcrypt = "$2y$10$abcdefghijklmnopqrstuu"
    prefixed = "$wp$2y$10$abcdefghijklmnopqrstuuWXYZ"
    argon = "$argon2id$v=19$m=65536,t=4,p=1$c2FsdA$aGFzaA"
    assert password_fragment(phpass, 60421) == "efgh"
    assert password_fragment(bcrypt, 60421) == "bcde"
    assert password_fragment(prefixed, 60421) == "WXYZ"
    assert password_fragment(argon, 60421) == "aGFzaA"[-4:]
    # WordPress 6.1 takes characters 8 to 11 of any hash.
    assert password_fragment(prefixed, 53496) == "0$ab"
    assert password_fragment(argon, 53496) == argon[8:12]


def test_cookie_name_and_path():
    digest = hashlib.md5(SITE.encode()).hexdigest()  # noqa: S324
    assert logged_in_cookie_name(SITE) == "wordpress_logged_in_" + digest
    assert cookie_path("http://portal.test") == "/"
    assert cookie_path("https://portal.test/blog") == "/blog/"
    assert cookie_path("HTTPS://Portal.test:8443/a/b") == "/a/b/"


def test_php_cookie_encoding():
    # What PHP's setcookie() sends for these characters (rawurlencode).
    assert php_cookie_encode("a b+c|d@e~f_g.h-i") == "a%20b%2Bc%7Cd%40e~f_g.h-i"
    assert php_cookie_encode("é") == "%C3%A9"


# -- issuing and validating --------------------------------------------------------


def test_issued_cookie_validates(conn, salts, user, issued):
    assert issued.name == logged_in_cookie_name(SITE)
    assert issued.value.startswith("jane%40example.com%7C1700172800%7C")
    assert "|" not in issued.value and "@" not in issued.value
    assert issued.expiration == NOW + 2 * 86400
    assert issued.max_age is None and issued.expires is None
    assert issued.paths == ("/",) and issued.path == "/"
    assert issued.httponly and not issued.secure

    logged_in = validate_logged_in(conn, salts, issued.value, now=NOW + 60)
    assert logged_in is not None
    assert logged_in.user["user_login"] == "jane@example.com"
    assert logged_in.user_id == user["ID"]
    assert logged_in.token == issued.token
    assert logged_in.expiration == issued.expiration


def test_issue_records_the_session(conn, salts, user):
    issued = issue_logged_in(
        conn,
        salts,
        user,
        remember=True,
        ip="10.0.0.1",
        ua="pytest",
        now=NOW,
        site_url=SITE,
        home_url=SITE,
    )
    session = SessionTokens(conn, user["ID"], now=NOW).get(issued.token)
    assert session == {
        "expiration": NOW + 14 * 86400,
        "ip": "10.0.0.1",
        "ua": "pytest",
        "login": NOW,
    }
    assert issued.expiration == NOW + 14 * 86400
    assert issued.expires == NOW + 14 * 86400 + 12 * 3600
    assert issued.max_age == 14 * 86400 + 12 * 3600


def test_paths_and_secure_follow_the_urls(conn, salts, user):
    issued = issue_logged_in(
        conn,
        salts,
        user,
        now=NOW,
        site_url="https://example.com/wp",
        home_url="https://example.com",
    )
    assert issued.paths == ("/", "/wp/")
    assert issued.secure
    assert issued.name == logged_in_cookie_name("https://example.com/wp")
    plain = issue_logged_in(
        conn, salts, user, now=NOW, site_url="https://x.test", home_url="http://x.test"
    )
    assert not plain.secure


def test_urls_default_to_the_options(conn, salts, user):
    update_option(conn, "siteurl", "https://shop.test/wordpress")
    update_option(conn, "home", "https://shop.test")
    issued = issue_logged_in(conn, salts, user, now=NOW)
    assert issued.name == logged_in_cookie_name("https://shop.test/wordpress")
    assert issued.paths == ("/", "/wordpress/")
    assert issued.secure


def test_clear_logged_in():
    cleared = clear_logged_in("https://example.com/wp", "https://example.com")
    assert cleared.name == logged_in_cookie_name("https://example.com/wp")
    assert cleared.paths == ("/", "/wp/")
    assert cleared.secure


def test_unencoded_cookie_also_validates(conn, salts, issued):
    parts = fields_of(issued)
    raw = "|".join(parts)
    assert validate_logged_in(conn, salts, raw, now=NOW) is not None
    lowercase = issued.value.replace("%7C", "%7c").replace("%40", "%40")
    assert validate_logged_in(conn, salts, lowercase, now=NOW) is not None
    assert validate_logged_in(conn, salts, raw.encode(), now=NOW) is not None


def test_expiration_is_inclusive(conn, salts, issued):
    assert validate_logged_in(conn, salts, issued.value, now=issued.expiration)
    assert not validate_logged_in(conn, salts, issued.value, now=issued.expiration + 1)


def test_logout_ends_the_cookie(conn, salts, user, issued):
    SessionTokens(conn, user["ID"], now=NOW).destroy(issued.token)
    assert validate_logged_in(conn, salts, issued.value, now=NOW) is None


def test_password_change_ends_the_cookie(conn, salts, user, issued):
    set_password(conn, user["ID"], "another password", 53496)
    assert validate_logged_in(conn, salts, issued.value, now=NOW) is None


def test_other_salts_refuse_the_cookie(conn, user, issued):
    other = Salts({**SALTS, "LOGGED_IN_SALT": "another-salt"})
    assert validate_logged_in(conn, other, issued.value, now=NOW) is None


@pytest.mark.parametrize("version", [53496, 60421])
def test_every_hash_format_round_trips(conn, salts, user, version):
    update_option(conn, "db_version", str(version))
    for user_pass in (
        hash_password("x", version),
        "$2y$10$" + "a" * 53,
        "$argon2id$v=19$m=65536,t=4,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
        hashlib.md5(b"x").hexdigest(),  # noqa: S324
    ):
        conn.execute(
            "UPDATE {users} SET user_pass = %s WHERE ID = %s", (user_pass, user["ID"])
        )
        row = get_user(conn, user["ID"])
        cookie = issue_logged_in(conn, salts, row, now=NOW, site_url=SITE)
        assert validate_logged_in(conn, salts, cookie.value, now=NOW) is not None


# -- tampering ---------------------------------------------------------------------


def tampered(issued):
    login, expiration, token, mac = fields_of(issued)
    flipped_mac = ("0" if mac[0] != "0" else "1") + mac[1:]
    return {
        "login changed": encode("john@example.com", expiration, token, mac),
        "login case changed": encode(login.upper(), expiration, token, mac),
        "expiration changed": encode(login, int(expiration) + 1, token, mac),
        "expiration padded": encode(login, "0" + expiration, token, mac),
        "token changed": encode(login, expiration, token[:-1] + "x", mac),
        "hmac changed": encode(login, expiration, token, flipped_mac),
        "hmac uppercase": encode(login, expiration, token, mac.upper()),
        "hmac empty": encode(login, expiration, token, ""),
        "hmac non-ascii": encode(login, expiration, token, "é" * 64),
        "extra field": encode(login, expiration, token, mac) + "%7Cextra",
        "missing field": php_cookie_encode(f"{login}|{expiration}|{mac}"),
        "two fields": php_cookie_encode(f"{login}|{expiration}"),
        "empty": "",
        "only pipes": "|||",
        "bad percent-encoding": issued.value.replace("%7C", "%7G"),
        "invalid utf-8": "%FF%FE" + issued.value,
        "lone surrogate escape": "%ED%A0%80" + issued.value,
        "huge": issued.value + "A" * 100_000,
        "huge expiration": encode(login, "9" * 5000, token, mac),
        "non-numeric expiration": encode(login, "soon", token, mac),
        "negative expiration": encode(login, "-1", token, mac),
        "float expiration": encode(login, expiration + ".0", token, mac),
        "expiration with space": encode(login, " " + expiration, token, mac),
        "huge login": encode("a" * 100_000, expiration, token, mac)[:5000],
        "unknown user": encode("nobody", expiration, token, mac),
        "null bytes": issued.value.replace("%7C", "%00", 1),
        "plus instead of space": issued.value.replace("%40", "+"),
    }


def test_tampered_cookies_never_authenticate(conn, salts, issued):
    assert validate_logged_in(conn, salts, issued.value, now=NOW) is not None
    for what, value in tampered(issued).items():
        assert validate_logged_in(conn, salts, value, now=NOW) is None, what


@pytest.mark.parametrize("value", [None, b"\xff\xfe|||", "\udc80|a|b|c", 12345])
def test_odd_types_are_refused(conn, salts, value):
    assert validate_logged_in(conn, salts, value, now=NOW) is None


def test_expired_cookie(conn, salts, issued):
    assert validate_logged_in(conn, salts, issued.value, now=NOW + 3 * 86400) is None


def test_removed_session(conn, salts, user, issued):
    SessionTokens(conn, user["ID"], now=NOW).destroy_all()
    assert validate_logged_in(conn, salts, issued.value, now=NOW) is None


def test_deleted_user(conn, salts, user, issued):
    conn.execute("DELETE FROM {users} WHERE ID = %s", (user["ID"],))
    assert validate_logged_in(conn, salts, issued.value, now=NOW) is None


def test_a_cookie_forged_with_a_correct_hmac_but_no_session(conn, salts, user):
    expiration = NOW + 100
    mac = cookie_hmac(
        conn, salts, user["user_login"], expiration, "forged", user["user_pass"]
    )
    value = encode(user["user_login"], expiration, "forged", mac)
    assert validate_logged_in(conn, salts, value, now=NOW) is None


def test_parse():
    assert parse("a%7Cb%7Cc%7Cd") == ("a", "b", "c", "d")
    assert parse("a|b|c|d").login == "a"
    assert parse("a%2Bb+c|1|t|h").login == "a+b+c"
    assert parse("a%zz|1|t|h").login == "a%zz"
    assert parse("a|b|c") is None
    assert parse("a|b|c|d|e") is None
    assert parse("x" * (cookies.MAX_COOKIE_LENGTH + 1)) is None


def test_quote_matches_php_for_every_byte():
    # PHP's rawurlencode keeps exactly A-Z a-z 0-9 - _ . ~
    kept = {chr(c) for c in range(128) if php_cookie_encode(chr(c)) == chr(c)}
    expected = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
    assert kept == expected
    assert quote("|", safe="") == "%7C"
