"""WordPress nonces: ten hex characters bound to an action, a user and a session.

A nonce is valid during the twelve-hour tick it was made in and the next one, so
for 12 to 24 hours. WordPress's REST API wants the `wp_rest` nonce from a client
that authenticates with the logged-in cookie.
"""

from __future__ import annotations

import hmac
import time
from typing import Literal

from .db import Connection
from .salts import Salts

NONCE_LIFE = 86400
REST_ACTION = "wp_rest"


def nonce_tick(now: float | None = None) -> int:
    """Return WordPress's `wp_nonce_tick()`: ceil(time / half the nonce life)."""
    now = time.time() if now is None else now
    half = NONCE_LIFE // 2
    return -(-int(now) // half)


def create_nonce(
    conn: Connection,
    salts: Salts,
    action: str | int,
    user_id: int,
    token: str,
    now: float | None = None,
) -> str:
    """Return the nonce WordPress makes for this action, user and session token."""
    return _nonce(conn, salts, nonce_tick(now), action, user_id, token)


def verify_nonce(
    conn: Connection,
    salts: Salts,
    nonce: str,
    action: str | int,
    user_id: int,
    token: str,
    now: float | None = None,
) -> Literal[1, 2, False]:
    """Return 1 for a nonce of this tick, 2 for one of the tick before, else False."""
    if not isinstance(nonce, str) or not nonce:
        return False
    given = nonce.encode("utf-8", "surrogatepass")
    tick = nonce_tick(now)
    for age, candidate in ((1, tick), (2, tick - 1)):
        expected = _nonce(conn, salts, candidate, action, user_id, token)
        if hmac.compare_digest(expected.encode("ascii"), given):
            return age
    return False


def _nonce(
    conn: Connection,
    salts: Salts,
    tick: int,
    action: str | int,
    user_id: int,
    token: str,
) -> str:
    return salts.hash(conn, f"{tick}|{action}|{int(user_id)}|{token}", "nonce")[-12:-2]
