import re

import pytest

from bridge.wp.meta import get_meta, update_meta
from bridge.wp.sessions import SessionTokens, hash_token, new_token

NOW = 1_700_000_000


def raw_meta(conn, user_id):
    rows = conn.query(
        "SELECT meta_value FROM {usermeta} WHERE user_id = %s AND meta_key = %s",
        (user_id, "session_tokens"),
    )
    return [row["meta_value"] for row in rows]


@pytest.fixture
def tokens(conn):
    return SessionTokens(conn, 7, now=NOW)


def test_token_shape():
    token = new_token()
    assert re.fullmatch(r"[A-Za-z0-9]{43}", token)
    assert new_token() != token


def test_create_writes_what_wordpress_writes(conn, tokens):
    token = tokens.create(NOW + 172800, ip="127.0.0.1", ua="Mozilla/5.0 (X11)")
    verifier = hash_token(token)
    assert raw_meta(conn, 7) == [
        'a:1:{s:64:"' + verifier + '";a:4:{s:10:"expiration";i:1700172800;'
        's:2:"ip";s:9:"127.0.0.1";s:2:"ua";s:17:"Mozilla/5.0 (X11)";'
        's:5:"login";i:1700000000;}}'
    ]
    assert tokens.verify(token)
    assert tokens.get(token) == {
        "expiration": NOW + 172800,
        "ip": "127.0.0.1",
        "ua": "Mozilla/5.0 (X11)",
        "login": NOW,
    }


def test_empty_ip_and_ua_are_left_out(conn, tokens):
    token = tokens.create(NOW + 10)
    assert tokens.get(token) == {"expiration": NOW + 10, "login": NOW}


def test_several_sessions_and_destroy(conn, tokens):
    first = tokens.create(NOW + 100)
    second = tokens.create(NOW + 200)
    third = tokens.create(NOW + 300)
    assert [s["expiration"] for s in tokens.all()] == [NOW + 100, NOW + 200, NOW + 300]

    tokens.destroy(second)
    assert not tokens.verify(second)
    assert tokens.verify(first)
    assert tokens.verify(third)

    tokens.destroy_others(third)
    assert [s["expiration"] for s in tokens.all()] == [NOW + 300]
    assert not tokens.verify(first)

    tokens.destroy(third)
    assert raw_meta(conn, 7) == []


def test_destroy_others_with_an_unknown_token_destroys_all(conn, tokens):
    tokens.create(NOW + 100)
    tokens.destroy_others("not-a-token")
    assert raw_meta(conn, 7) == []


def test_destroy_all(conn, tokens):
    tokens.create(NOW + 100)
    tokens.create(NOW + 100)
    tokens.destroy_all()
    assert raw_meta(conn, 7) == []
    tokens.destroy_all()


def test_expired_sessions_are_ignored_and_dropped_on_write(conn, tokens):
    old = tokens.create(NOW + 5)
    later = SessionTokens(conn, 7, now=NOW + 6)
    assert not later.verify(old)
    assert later.all() == []
    # A session ending exactly now is still valid, as in WordPress.
    assert SessionTokens(conn, 7, now=NOW + 5).verify(old)

    fresh = later.create(NOW + 100)
    stored = get_meta(conn, "user", 7, "session_tokens")
    assert list(stored) == [hash_token(fresh)]


def test_update_replaces_a_session(conn, tokens):
    token = tokens.create(NOW + 100)
    tokens.update(token, {"expiration": NOW + 999, "login": NOW})
    assert tokens.get(token) == {"expiration": NOW + 999, "login": NOW}


def test_sessions_are_per_user(conn, tokens):
    token = tokens.create(NOW + 100)
    assert not SessionTokens(conn, 8, now=NOW).verify(token)


def test_bare_integer_sessions_from_old_wordpress(conn, tokens):
    update_meta(conn, "user", 7, "session_tokens", {hash_token("legacy"): NOW + 50})
    assert tokens.get("legacy") == {"expiration": NOW + 50}


@pytest.mark.parametrize(
    "stored",
    [
        "not serialized",
        'a:1:{s:3:"abc";',
        'O:8:"stdClass":0:{}',
        'a:1:{i:0;s:1:"x";}',
        'a:1:{s:64:"' + "0" * 64 + '";a:1:{s:2:"ip";s:1:"x";}}',
        'a:1:{s:64:"' + "0" * 64 + '";a:1:{s:10:"expiration";s:3:"abc";}}',
    ],
)
def test_unreadable_meta_means_no_sessions(conn, tokens, stored):
    conn.insert(
        "usermeta", {"user_id": 7, "meta_key": "session_tokens", "meta_value": stored}
    )
    assert tokens.all() == []
    assert not tokens.verify("0" * 43)
    token = tokens.create(NOW + 10)
    assert tokens.verify(token)


def test_a_failed_write_leaves_the_sessions_unchanged(conn, tokens, monkeypatch):
    token = tokens.create(NOW + 100)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("bridge.wp.sessions.update_meta", broken)
    with pytest.raises(RuntimeError):
        tokens.create(NOW + 200)
    assert [s["expiration"] for s in tokens.all()] == [NOW + 100]
    assert tokens.verify(token)


def test_sessions_by_verifier(conn, tokens):
    token = tokens.create(NOW + 100, ip="1.2.3.4")
    other = tokens.create(NOW + 100)
    verifier = hash_token(token)
    assert tokens.get_by_verifier(verifier) == tokens.get(token)
    tokens.destroy_by_verifier(verifier)
    assert not tokens.verify(token)
    assert tokens.verify(other)
    assert tokens.get_by_verifier("nope") is None
