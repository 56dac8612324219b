"""WordPress login sessions, kept in the `session_tokens` user meta.

The meta value is a PHP-serialized array keyed by the hex SHA-256 of each token
(the token itself is only ever in the user's cookie). Each entry holds
`expiration`, then `ip` and `ua` when known, then `login` (the time it began), in
that order, as `WP_Session_Tokens::create()` writes them. Expired entries are
ignored when read and dropped on every write; when none is left the meta row goes.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import string
import time
from typing import Any

from .db import Connection
from .meta import delete_meta, get_meta, update_meta
from .serialization import SerializationError

log = logging.getLogger(__name__)

META_KEY = "session_tokens"
TOKEN_LENGTH = 43
_TOKEN_ALPHABET = string.ascii_letters + string.digits

Session = dict[str, Any]


def hash_token(token: str) -> str:
    """Return the verifier a token is stored under: its hex SHA-256."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token() -> str:
    """Return a new session token: 43 random letters and digits."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(TOKEN_LENGTH))


class SessionTokens:
    """The login sessions of one user, read and written as WordPress does.

    `now` fixes the clock (for tests); by default each call reads the time.
    """

    def __init__(self, conn: Connection, user_id: int, now: int | None = None) -> None:
        self.conn = conn
        self.user_id = int(user_id)
        self._now = now

    def now(self) -> int:
        return int(time.time()) if self._now is None else self._now

    # -- reading -------------------------------------------------------------------

    def get(self, token: str) -> Session | None:
        """Return the unexpired session of a token, or None."""
        return self.get_by_verifier(hash_token(token))

    def get_by_verifier(self, verifier: str) -> Session | None:
        """Return the unexpired session stored under a verifier (a token's hash)."""
        return self._sessions().get(verifier)

    def verify(self, token: str) -> bool:
        """Tell whether a token names an unexpired session of this user."""
        return bool(self.get(token))

    def all(self) -> list[Session]:
        """Return every unexpired session, oldest entry first."""
        return list(self._sessions().values())

    # -- writing -------------------------------------------------------------------

    def create(
        self,
        expiration: int,
        ip: str = "",
        ua: str = "",
        login: int | None = None,
    ) -> str:
        """Start a session ending at `expiration`; return its new token."""
        session: Session = {"expiration": int(expiration)}
        if ip:
            session["ip"] = ip
        if ua:
            session["ua"] = ua
        session["login"] = self.now() if login is None else int(login)

        token = new_token()
        self.update(token, session)
        return token

    def update(self, token: str, session: Session) -> None:
        """Store (or replace) the session of a token."""
        verifier = hash_token(token)
        with self.conn.transaction():
            sessions = self._sessions(lock=True)
            sessions[verifier] = dict(session)
            self._write(sessions)

    def destroy(self, token: str) -> None:
        """End the session of one token (logging out)."""
        self.destroy_by_verifier(hash_token(token))

    def destroy_by_verifier(self, verifier: str) -> None:
        """End the session stored under a verifier, for code without the token."""
        with self.conn.transaction():
            sessions = self._sessions(lock=True)
            sessions.pop(verifier, None)
            self._write(sessions)

    def destroy_others(self, token: str) -> None:
        """End every session but this token's; all of them if it has none."""
        verifier = hash_token(token)
        with self.conn.transaction():
            sessions = self._sessions(lock=True)
            kept = {verifier: sessions[verifier]} if verifier in sessions else {}
            self._write(kept)

    def destroy_all(self) -> None:
        """End every session of this user."""
        with self.conn.transaction():
            self._lock()
            self._write({})

    # -- storage -------------------------------------------------------------------

    def _sessions(self, lock: bool = False) -> dict[str, Session]:
        if lock:
            self._lock()
        try:
            stored = get_meta(self.conn, "user", self.user_id, META_KEY)
        except SerializationError:
            # WordPress reads a malformed value as no sessions at all.
            log.warning("unreadable session_tokens meta of user %s", self.user_id)
            return {}
        if not isinstance(stored, dict):
            return {}

        now = self.now()
        sessions: dict[str, Session] = {}
        for verifier, entry in stored.items():
            session = _prepare(entry)
            if session is not None and session["expiration"] >= now:
                sessions[str(verifier)] = session
        return sessions

    def _lock(self) -> None:
        # Serialize read-modify-write of one user's sessions between processes;
        # SQLite's BEGIN IMMEDIATE already holds the whole database.
        if self.conn.backend == "mysql":
            self.conn.execute(
                "SELECT ID FROM {users} WHERE ID = %s FOR UPDATE", (self.user_id,)
            )

    def _write(self, sessions: dict[str, Session]) -> None:
        if sessions:
            update_meta(self.conn, "user", self.user_id, META_KEY, sessions)
        else:
            delete_meta(self.conn, "user", self.user_id, META_KEY)


def _prepare(entry: Any) -> Session | None:
    # Sessions from before WordPress 4.0 were a bare expiration time.
    if isinstance(entry, bool):
        return None
    if isinstance(entry, int):
        return {"expiration": entry}
    if not isinstance(entry, dict):
        return None
    expiration = entry.get("expiration")
    if isinstance(expiration, str) and expiration.isdigit():
        expiration = int(expiration)
    if isinstance(expiration, bool) or not isinstance(expiration, int):
        return None
    return {**entry, "expiration": expiration}
