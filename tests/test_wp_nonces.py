import pytest

from bridge.wp.nonces import create_nonce, nonce_tick, verify_nonce
from bridge.wp.salts import Salts

SALTS = Salts({"NONCE_KEY": "test-nonce-key", "NONCE_SALT": "test-nonce-salt"})
NOW = 1_700_000_000


def test_nonce_vector():
    assert create_nonce(None, SALTS, "wp_rest", 1, "TOKEN123", now=NOW) == "55e9062d17"


def test_tick():
    assert nonce_tick(43200) == 1
    assert nonce_tick(43201) == 2
    assert nonce_tick(NOW) == 39352


def test_verify_this_tick_and_the_one_before():
    nonce = create_nonce(None, SALTS, "wp_rest", 1, "TOKEN123", now=NOW)
    assert verify_nonce(None, SALTS, nonce, "wp_rest", 1, "TOKEN123", now=NOW) == 1
    later = NOW + 43200
    assert verify_nonce(None, SALTS, nonce, "wp_rest", 1, "TOKEN123", now=later) == 2
    too_late = NOW + 86400
    assert not verify_nonce(None, SALTS, nonce, "wp_rest", 1, "TOKEN123", now=too_late)


@pytest.mark.parametrize(
    ("action", "user_id", "token"),
    [("other", 1, "TOKEN123"), ("wp_rest", 2, "TOKEN123"), ("wp_rest", 1, "TOKEN124")],
)
def test_nonce_is_bound_to_action_user_and_session(action, user_id, token):
    nonce = create_nonce(None, SALTS, "wp_rest", 1, "TOKEN123", now=NOW)
    assert verify_nonce(None, SALTS, nonce, action, user_id, token, now=NOW) is False


@pytest.mark.parametrize("nonce", ["", "55e9062d1", "55E9062D17", "é" * 10, None, 5])
def test_bad_nonces(nonce):
    assert verify_nonce(None, SALTS, nonce, "wp_rest", 1, "TOKEN123", now=NOW) is False


def test_integer_action_as_wordpress_default():
    nonce = create_nonce(None, SALTS, -1, 0, "", now=NOW)
    assert len(nonce) == 10
    assert verify_nonce(None, SALTS, nonce, "-1", 0, "", now=NOW) == 1
