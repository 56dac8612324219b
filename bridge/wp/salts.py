"""WordPress's keys and salts, and the HMAC-MD5 `wp_hash()` built on them."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

from .db import Connection
from .options import add_option, get_option

SCHEMES = ("auth", "secure_auth", "logged_in", "nonce")
CONSTANT_NAMES = (
    "AUTH_KEY",
    "SECURE_AUTH_KEY",
    "LOGGED_IN_KEY",
    "NONCE_KEY",
    "AUTH_SALT",
    "SECURE_AUTH_SALT",
    "LOGGED_IN_SALT",
    "NONCE_SALT",
)
PLACEHOLDER = "put your unique phrase here"

# The characters wp_generate_password(64, true, true) draws from.
_SALT_ALPHABET = string.ascii_letters + string.digits + "!@#$%^&*()-_ []{}<>~`+=,.;:/?|"


class Salts:
    """Resolves `salt(scheme)` from wp-config constants, then from options."""

    def __init__(self, constants: dict[str, str] | None = None) -> None:
        self.constants = dict(constants or {})
        self._cache: dict[str, str] = {}

    def _usable(self) -> dict[str, str]:
        # A constant counts only when set, not the placeholder, and not shared
        # with any other key or salt constant (SECRET_KEY and SECRET_SALT included).
        names = (*CONSTANT_NAMES, "SECRET_KEY", "SECRET_SALT")
        seen: dict[str, int] = {PLACEHOLDER: 2}
        for name in names:
            if name in self.constants:
                value = self.constants[name]
                seen[value] = seen.get(value, 0) + 1
        return {
            name: self.constants[name]
            for name in names
            if self.constants.get(name) and seen[self.constants[name]] == 1
        }

    def from_constants(self, scheme: str) -> tuple[str, str]:
        """Return the (key, salt) that wp-config alone gives; either may be empty."""
        if scheme not in SCHEMES:
            raise ValueError(f"unknown salt scheme {scheme!r}")
        usable = self._usable()
        key = usable.get(f"{scheme.upper()}_KEY") or usable.get("SECRET_KEY", "")
        salt = usable.get(f"{scheme.upper()}_SALT", "")
        if not salt and scheme == "auth":
            salt = usable.get("SECRET_SALT", "")
        return key, salt

    def salt(self, conn: Connection, scheme: str) -> str:
        """Return key + salt of a scheme, creating missing options as WordPress does."""
        if scheme in self._cache:
            return self._cache[scheme]
        key, salt = self.from_constants(scheme)
        if not key:
            key = _option_or_new(conn, f"{scheme}_key")
        if not salt:
            salt = _option_or_new(conn, f"{scheme}_salt")
        self._cache[scheme] = key + salt
        return key + salt

    def hash(self, conn: Connection, data: str, scheme: str = "auth") -> str:
        """Return wp_hash(data, scheme): hex HMAC-MD5 keyed with the scheme's salt."""
        secret = self.salt(conn, scheme).encode("utf-8")
        return hmac.new(secret, data.encode("utf-8"), hashlib.md5).hexdigest()

    def missing(self) -> list[str]:
        """Name the schemes whose key or salt must come from the options."""
        return [s for s in SCHEMES if not all(self.from_constants(s))]


def _option_or_new(conn: Connection, name: str) -> str:
    value = get_option(conn, name)
    if isinstance(value, str) and value:
        return value
    value = "".join(secrets.choice(_SALT_ALPHABET) for _ in range(64))
    if not add_option(conn, name, value):
        # Another process added it first; theirs wins, as in WordPress.
        value = str(get_option(conn, name) or value)
    return value
