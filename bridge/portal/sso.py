"""The sign-on hand-off from WordPress, for a portal that cannot read its cookie.

When the portal runs on another host than WordPress, the plugin signs a one-minute
token for the logged-in user (the user id and the SHA-256 of their WordPress session
token) and sends the browser to `/sso`. The portal checks it, uses it once, and keeps
its own signed session naming that WordPress session. Every request checks again
that the WordPress session is still there, so logging out of WordPress (or losing
portal access, which ends the user's sessions) ends the portal session too.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import abort, redirect, request, session

from ..admin_api import SSO_AUDIENCE, TokenError, claim_token_id, verify_token
from ..web import get_db, settings
from ..wp.db import Connection
from ..wp.meta import delete_meta, get_meta, update_meta
from ..wp.serialization import SerializationError
from ..wp.sessions import META_KEY as SESSION_TOKENS
from ..wp.users import get_user
from . import bp, csrf

log = logging.getLogger(__name__)

SESSION_KEY = "wppb_sso"
MAX_TOKEN_LENGTH = 4096
MAX_NEXT_LENGTH = 2000
# Never longer than WordPress's own "remember me" cookie.
MAX_SESSION_SECONDS = 14 * 86400
_VERIFIER = re.compile(r"[0-9a-f]{64}\Z")
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


@dataclass(frozen=True)
class SSOLogin:
    """A portal session from the hand-off that still holds: user and WP session."""

    user: dict[str, Any]
    verifier: str
    expiration: int

    @property
    def user_id(self) -> int:
        return int(self.user["ID"])


@bp.get("/sso")
@csrf.exempt
def sso():
    """Check the plugin's hand-off token and start the portal session it names."""
    token = request.args.get("token", "")
    if not token or len(token) > MAX_TOKEN_LENGTH:
        abort(400, description=_refusal("the link has no sign-in token"))

    conn = get_db()
    try:
        claims = verify_token(token, settings(), SSO_AUDIENCE)
        user = get_user(conn, int(claims["sub"]))
        if user is None:
            raise TokenError(f"the user #{claims['sub']} does not exist")
        verifier = str(claims.get("sth") or "")
        if not _VERIFIER.match(verifier):
            raise TokenError("the token names no WordPress session")
        wordpress_session = live_session(conn, int(user["ID"]), verifier)
        if wordpress_session is None:
            raise TokenError("the WordPress session it names has ended")
        claim_token_id(conn, claims)
    except TokenError as exc:
        log.warning("sign-on hand-off refused: %s", exc)
        abort(403, description=_refusal(str(exc)))

    expiration = min(
        int(wordpress_session["expiration"]), int(time.time()) + MAX_SESSION_SECONDS
    )
    # A fresh session: nothing from before the sign-on carries over.
    session.clear()
    session[SESSION_KEY] = {
        "uid": int(user["ID"]),
        "sth": verifier,
        "exp": expiration,
        "pw": _password_mark(str(user["user_pass"] or "")),
    }
    log.info("user %s signed on through the hand-off", user["ID"])

    response = redirect(safe_next(request.args.get("next", "")))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _refusal(reason: str) -> str:
    return (
        f"This sign-in link cannot be used: {reason}. Go back to the website and "
        "open the portal again, or log in once more."
    )


def sso_login(
    conn: Connection | None = None, now: int | None = None
) -> SSOLogin | None:
    """Return the hand-off login of this request if it still holds, else None.

    It holds while its WordPress session is in the user's `session_tokens` and
    the user's password is the one it began with, as for WordPress's own cookie.
    A session that no longer holds is forgotten.
    """
    data = session.get(SESSION_KEY)
    if data is None:
        return None
    login = _check(conn or get_db(), data, int(time.time()) if now is None else now)
    if login is None:
        session.pop(SESSION_KEY, None)
    return login


def _check(conn: Connection, data: Any, now: int) -> SSOLogin | None:
    if not isinstance(data, dict):
        return None
    user_id, verifier = data.get("uid"), data.get("sth")
    expiration = data.get("exp")
    if not isinstance(user_id, int) or not isinstance(expiration, int):
        return None
    if not isinstance(verifier, str) or expiration < now:
        return None
    user = get_user(conn, user_id)
    if user is None:
        return None
    mark = _password_mark(str(user["user_pass"] or ""))
    if not hmac.compare_digest(mark, str(data.get("pw") or "")):
        return None
    if live_session(conn, user_id, verifier, now) is None:
        return None
    return SSOLogin(user=user, verifier=verifier, expiration=expiration)


def end_sso_session(
    conn: Connection | None = None, end_wordpress_session: bool = True
) -> None:
    """Forget the hand-off login, and by default end its WordPress session as well."""
    data = session.pop(SESSION_KEY, None)
    if not end_wordpress_session or not isinstance(data, dict):
        return
    user_id, verifier = data.get("uid"), data.get("sth")
    if isinstance(user_id, int) and isinstance(verifier, str):
        destroy_session(conn or get_db(), user_id, verifier)


def _password_mark(user_pass: str) -> str:
    # Binds the session to the password as WordPress binds its cookie, without
    # putting anything of the hash into a cookie that the browser can read.
    key = settings().secret.encode()
    digest = hmac.new(key, b"sso-password|" + user_pass.encode(), "sha256")
    return digest.hexdigest()[:32]


# -- WordPress sessions by their verifier -------------------------------------------


def live_session(
    conn: Connection, user_id: int, verifier: str, now: int | None = None
) -> dict[str, Any] | None:
    """Return the unexpired WordPress session stored under a verifier, or None.

    The verifier is the key of the `session_tokens` entry, the SHA-256 of the
    session token; the hand-off knows only that, never the token.
    """
    sessions = _stored_sessions(conn, user_id)
    entry = sessions.get(verifier)
    if isinstance(entry, int) and not isinstance(entry, bool):
        entry = {"expiration": entry}  # sessions from before WordPress 4.0
    if not isinstance(entry, dict):
        return None
    try:
        expiration = int(str(entry.get("expiration")))
    except ValueError:
        return None
    now = int(time.time()) if now is None else now
    return {**entry, "expiration": expiration} if expiration >= now else None


def destroy_session(conn: Connection, user_id: int, verifier: str) -> None:
    """End one WordPress session of a user, named by its verifier (logging out)."""
    with conn.transaction():
        if conn.backend == "mysql":
            conn.execute(
                "SELECT ID FROM {users} WHERE ID = %s FOR UPDATE", (int(user_id),)
            )
        sessions = _stored_sessions(conn, user_id)
        if sessions.pop(verifier, None) is None:
            return
        now = int(time.time())
        kept = {k: v for k, v in sessions.items() if _expiration(v) >= now}
        if kept:
            update_meta(conn, "user", user_id, SESSION_TOKENS, kept)
        else:
            delete_meta(conn, "user", user_id, SESSION_TOKENS)


def _stored_sessions(conn: Connection, user_id: int) -> dict[str, Any]:
    try:
        stored = get_meta(conn, "user", int(user_id), SESSION_TOKENS)
    except SerializationError:
        return {}
    return dict(stored) if isinstance(stored, dict) else {}


def _expiration(entry: Any) -> int:
    value = entry.get("expiration") if isinstance(entry, dict) else entry
    try:
        return int(str(value))
    except ValueError:
        return 0


# -- where to land --------------------------------------------------------------------


def safe_next(target: str) -> str:
    """Return the portal page to land on: `next` when it is a path in the portal.

    The plugin sends paths relative to the portal (`/invoices/12`); a path that
    already starts with the portal's prefix is taken as it is. Anything that a
    browser could read as another host, or that has no place in a path, gives the
    dashboard.
    """
    prefix = settings().url_prefix
    home = prefix + "/"
    if not target or len(target) > MAX_NEXT_LENGTH or _UNSAFE.search(target):
        return home
    if not target.startswith("/") or target.startswith("//"):
        return home
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return home
    path = target if target == prefix or target.startswith(home) else prefix + target
    if path == prefix or urlsplit(path).path == prefix + "/sso":
        return home
    return path
