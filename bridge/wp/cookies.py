"""WordPress's logged-in cookie: read, check and issue it exactly as WordPress does.

The cookie `wordpress_logged_in_<md5 of the site URL>` holds
`login|expiration|token|hmac`, percent-encoded the way PHP's setcookie() writes it.
The HMAC is keyed with `wp_hash()` of the login, four characters of the user's
password hash, the expiration and the token, so that changing the password ends
every cookie; the token names a session in `session_tokens`, so that logging out
ends one. Checking never raises on what a client sent: a bad cookie is no login.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import quote, unquote_to_bytes, urlsplit

from .db import Connection
from .errors import WordPressError
from .options import get_option
from .passwords import BCRYPT_DB_VERSION
from .salts import Salts
from .sessions import SessionTokens
from .users import db_version as site_db_version
from .users import get_user_by

log = logging.getLogger(__name__)

COOKIE_PREFIX = "wordpress_logged_in_"
DAY = 86400
SESSION_DAYS = 2
REMEMBER_DAYS = 14
# A remembered cookie outlives its expiration in the browser by half a day, as in
# WordPress; the server refuses it from the expiration on.
REMEMBER_GRACE = 12 * 3600

# No honest cookie comes near these sizes; anything larger is refused unread.
MAX_COOKIE_LENGTH = 4096
MAX_LOGIN_LENGTH = 60
_EXPIRATION = re.compile(r"[0-9]{1,20}\Z")
_SCHEME_AND_HOST = re.compile(r"https?://[^/]+", re.IGNORECASE)


class CookieParts(NamedTuple):
    """The four fields of a logged-in cookie, as text, unchecked."""

    login: str
    expiration: str
    token: str
    hmac: str


@dataclass(frozen=True)
class LoggedIn:
    """A cookie that checked out: its user row, session token and expiration."""

    user: dict[str, Any]
    token: str
    expiration: int

    @property
    def user_id(self) -> int:
        return int(self.user["ID"])


@dataclass(frozen=True)
class IssuedCookie:
    """A logged-in cookie to set: name, encoded value and attributes.

    `max_age` is None for a session cookie (WordPress's default without "remember
    me"). `paths` has the home URL's path first, and the site URL's when different.
    """

    name: str
    value: str
    expiration: int
    token: str
    max_age: int | None
    paths: tuple[str, ...] = ("/",)
    secure: bool = False
    httponly: bool = True
    expires: int | None = field(default=None)

    @property
    def path(self) -> str:
        return self.paths[0]


@dataclass(frozen=True)
class ClearedCookie:
    """What to send to remove the logged-in cookie: its name on each of its paths."""

    name: str
    paths: tuple[str, ...]
    secure: bool = False


def logged_in_cookie_name(site_url: str) -> str:
    """Return the cookie name WordPress derives from the `siteurl` option."""
    return COOKIE_PREFIX + hashlib.md5(site_url.encode("utf-8")).hexdigest()  # noqa: S324


def cookie_path(url: str) -> str:
    """Return the cookie path WordPress derives from the home (or site) URL."""
    return _SCHEME_AND_HOST.sub("", url + "/", count=1) or "/"


# -- reading -----------------------------------------------------------------------


def parse(value: str | bytes | None) -> CookieParts | None:
    """Split a raw cookie value into its four fields, or None when malformed.

    The value is percent-decoded as PHP decodes `$_COOKIE` (a `+` stays a `+`, a
    `%` not followed by two hex digits stays as it is).
    """
    try:
        if value is None or len(value) == 0 or len(value) > MAX_COOKIE_LENGTH:
            return None
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        text = unquote_to_bytes(raw).decode("utf-8")
    except (UnicodeError, TypeError, ValueError):
        return None
    fields = text.split("|")
    if len(fields) != 4:
        return None
    return CookieParts(*fields)


def validate_logged_in(
    conn: Connection,
    salts: Salts,
    raw_value: str | bytes | None,
    now: int | None = None,
    *,
    db_version: int | None = None,
) -> LoggedIn | None:
    """Check a logged-in cookie as `wp_validate_auth_cookie()` does; None if invalid.

    The steps and their order are WordPress's: four fields, expiration, the user by
    login, the HMAC over the password fragment (compared in constant time), and
    last the session token. Only database failures escape.
    """
    parts = parse(raw_value)
    if parts is None:
        return None
    login, expiration_text, token, given_hmac = parts

    now = int(time.time()) if now is None else now
    if not _EXPIRATION.match(expiration_text):
        return None
    expiration = int(expiration_text)
    if expiration < now:
        return None

    if not login or len(login) > MAX_LOGIN_LENGTH:
        return None
    user = get_user_by(conn, "login", login)
    if user is None:
        return None

    user_pass = str(user["user_pass"] or "")
    expected = cookie_hmac(
        conn, salts, login, expiration_text, token, user_pass, db_version
    )
    if not hmac.compare_digest(
        expected.encode("ascii"), given_hmac.encode("utf-8", "surrogatepass")
    ):
        return None

    if not SessionTokens(conn, int(user["ID"]), now=now).verify(token):
        return None
    return LoggedIn(user=user, token=token, expiration=expiration)


def password_fragment(user_pass: str, db_version: int) -> str:
    """Return the four characters of `user_pass` that a cookie's HMAC depends on.

    WordPress 6.1 always takes characters 8 to 11; 6.8 does so for phpass and plain
    bcrypt hashes, and takes the last four of any other hash.
    """
    if user_pass.startswith(("$P$", "$2y$")) or db_version < BCRYPT_DB_VERSION:
        return user_pass[8:12]
    return user_pass[-4:]


def cookie_hmac(
    conn: Connection,
    salts: Salts,
    login: str,
    expiration: str | int,
    token: str,
    user_pass: str,
    db_version: int | None = None,
) -> str:
    """Return the hex HMAC-SHA256 a logged-in cookie carries.

    The site's `db_version` is read only when the hash format needs it.
    """
    if db_version is None and not user_pass.startswith(("$P$", "$2y$")):
        db_version = site_db_version(conn)
    fragment = password_fragment(user_pass, db_version or 0)
    key = salts.hash(conn, f"{login}|{fragment}|{expiration}|{token}", "logged_in")
    message = f"{login}|{expiration}|{token}".encode("utf-8", "surrogatepass")
    return hmac.new(key.encode("ascii"), message, hashlib.sha256).hexdigest()


# -- issuing -----------------------------------------------------------------------


class CookieError(WordPressError):
    """A cookie that cannot be issued, such as one for a user without a login."""


def issue_logged_in(
    conn: Connection,
    salts: Salts,
    user: dict[str, Any],
    remember: bool = False,
    ip: str = "",
    ua: str = "",
    now: int | None = None,
    *,
    site_url: str | None = None,
    home_url: str | None = None,
    db_version: int | None = None,
) -> IssuedCookie:
    """Start a WordPress session for `user` and return the logged-in cookie for it.

    As `wp_set_auth_cookie()`: the session lasts two days, or fourteen with
    `remember`; only a remembered cookie outlives the browser session. Site and
    home URLs default to the `siteurl` and `home` options.
    """
    login = str(user.get("user_login") or "")
    if not login:
        raise CookieError("cannot issue a logged-in cookie for a user without a login")
    site_url = site_url if site_url is not None else _option_url(conn, "siteurl")
    home_url = home_url if home_url is not None else _option_url(conn, "home")
    home_url = home_url or site_url

    now = int(time.time()) if now is None else now
    lifetime = (REMEMBER_DAYS if remember else SESSION_DAYS) * DAY
    expiration = now + lifetime
    token = SessionTokens(conn, int(user["ID"]), now=now).create(
        expiration, ip=ip, ua=ua, login=now
    )
    user_pass = str(user.get("user_pass") or "")
    signature = cookie_hmac(
        conn, salts, login, expiration, token, user_pass, db_version
    )
    value = f"{login}|{expiration}|{token}|{signature}"

    expires = expiration + REMEMBER_GRACE if remember else None
    return IssuedCookie(
        name=logged_in_cookie_name(site_url),
        value=php_cookie_encode(value),
        expiration=expiration,
        token=token,
        max_age=expires - now if expires is not None else None,
        paths=_paths(site_url, home_url),
        secure=_secure(site_url, home_url),
        expires=expires,
    )


def clear_logged_in(site_url: str, home_url: str | None = None) -> ClearedCookie:
    """Describe the cookies to expire on logout (the session itself is separate)."""
    home_url = home_url or site_url
    return ClearedCookie(
        name=logged_in_cookie_name(site_url),
        paths=_paths(site_url, home_url),
        secure=_secure(site_url, home_url),
    )


def php_cookie_encode(value: str) -> str:
    """Percent-encode a cookie value as PHP's setcookie() does (RFC 3986)."""
    return quote(value, safe="")


def _paths(site_url: str, home_url: str) -> tuple[str, ...]:
    # WordPress sets the cookie on the home path and, when it differs, the site path.
    home, site = cookie_path(home_url), cookie_path(site_url)
    return (home,) if home == site else (home, site)


def _secure(site_url: str, home_url: str) -> bool:
    # WordPress marks it Secure when the login happened over HTTPS and home is
    # HTTPS; logins happen on the site URL.
    return (
        urlsplit(site_url).scheme.lower() == "https"
        and urlsplit(home_url).scheme.lower() == "https"
    )


def _option_url(conn: Connection, name: str) -> str:
    value = get_option(conn, name)
    return value if isinstance(value, str) else ""
