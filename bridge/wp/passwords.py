"""Password hashes in every format WordPress reads, and the one each version writes.

WordPress 6.1 writes phpass portable hashes (`$P$B...`); from 6.8 (`db_version`
60421) it writes `$wp$2y$...`: bcrypt over a base64 HMAC-SHA384 of the password.
Both also verify plain MD5 from very old sites, and hashes that PHP's
`password_verify()` understands (bcrypt, argon2). Checking never raises: a hash the
bridge cannot read is a password that does not verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets

import argon2
import bcrypt

from .errors import WordPressError

log = logging.getLogger(__name__)

# The first db_version whose WordPress (6.8) writes `$wp$2y$` hashes.
BCRYPT_DB_VERSION = 60421

# WordPress refuses longer passwords, whatever the hash.
MAX_PASSWORD_BYTES = 4096

BCRYPT_COST = 10
PHPASS_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# WordPress's PasswordHash(8, true): 2**13 = 8,192 rounds, written as "B".
PHPASS_COST_LOG2 = 13

_PREHASH_KEY = b"wp-sha384"
_FAST_HASH_KEY = b"wp_fast_hash_6.8+"
_FAST_HASH_PREFIX = "$generic$"
_BCRYPT_PREFIXES = ("$2y$", "$2b$", "$2a$")
_ARGON2_PREFIXES = ("$argon2i$", "$argon2id$")
# What PHP's trim() strips by default.
_PHP_WHITESPACE = " \t\n\r\0\x0b"

_argon2 = argon2.PasswordHasher()


class PasswordError(WordPressError, ValueError):
    """A password that cannot be hashed, such as one over 4,096 bytes."""


def check_password(password: str | bytes, stored_hash: str) -> bool:
    """Tell whether `password` matches a stored `user_pass`, in any known format."""
    try:
        return _check(_bytes(password), stored_hash)
    except Exception:  # a hash we cannot read never verifies
        log.debug("password hash could not be checked", exc_info=True)
        return False


def _check(password: bytes, stored: str) -> bool:
    if not isinstance(stored, str) or not stored:
        return False
    if len(password) > MAX_PASSWORD_BYTES:
        return False

    if len(stored) <= 32:
        expected = hashlib.md5(password).hexdigest()  # noqa: S324 - legacy format
        return hmac.compare_digest(stored.encode("utf-8"), expected.encode("ascii"))
    if stored.startswith("$wp$2y$"):
        return _bcrypt_verify(_prehash(password), stored[3:])
    if stored.startswith(("$P$", "$H$")):
        computed = phpass_crypt(password, stored)
        return computed is not None and hmac.compare_digest(
            computed.encode("ascii"), stored.encode("utf-8")
        )
    if stored.startswith(_BCRYPT_PREFIXES):
        return _bcrypt_verify(password, stored)
    if stored.startswith(_ARGON2_PREFIXES):
        try:
            return _argon2.verify(stored, password)
        except argon2.exceptions.VerificationError:
            return False
        except argon2.exceptions.InvalidHashError:
            return False
    return False


def _bcrypt_verify(password: bytes, stored: str) -> bool:
    # PHP's crypt() reads the password as a C string and bcrypt uses 72 bytes of
    # it; the bcrypt library refuses what PHP silently cuts, so cut it the same way.
    password = password.split(b"\0", 1)[0][:72]
    try:
        return bcrypt.checkpw(password, stored.encode("ascii"))
    except ValueError:
        return False


def hash_password(password: str | bytes, db_version: int) -> str:
    """Hash a new password in the format the site's WordPress writes and reads.

    Like WordPress, leading and trailing whitespace is trimmed before hashing.
    """
    raw = _bytes(password)
    if len(raw) > MAX_PASSWORD_BYTES:
        raise PasswordError("passwords longer than 4,096 bytes are not supported")
    raw = raw.strip(_PHP_WHITESPACE.encode("ascii"))

    if db_version >= BCRYPT_DB_VERSION:
        salt = bcrypt.gensalt(rounds=BCRYPT_COST)
        hashed = bcrypt.hashpw(_prehash(raw), salt).decode("ascii")
        # The library writes $2b$; PHP names only $2y$ as bcrypt, so write that.
        return "$wp$2y$" + hashed[4:]
    return phpass_hash(raw)


def needs_rehash(stored_hash: str, db_version: int) -> bool:
    """Tell whether WordPress would replace this hash at the user's next login."""
    if not isinstance(stored_hash, str):
        return True
    if db_version < BCRYPT_DB_VERSION:
        return len(stored_hash) <= 32
    if not stored_hash.startswith("$wp$2y$"):
        return True
    return stored_hash[7:9] != f"{BCRYPT_COST:02d}"


def phpass_hash(password: str | bytes, salt: bytes | None = None) -> str:
    """Return a phpass portable hash (`$P$B` + 8 salt characters + 22 of hash)."""
    raw = _bytes(password)
    salt = secrets.token_bytes(6) if salt is None else salt
    setting = "$P$" + PHPASS_ALPHABET[PHPASS_COST_LOG2] + _phpass_base64(salt, 6)
    hashed = phpass_crypt(raw, setting)
    if hashed is None:
        raise PasswordError("could not make a phpass hash")
    return hashed


def phpass_crypt(password: str | bytes, setting: str) -> str | None:
    """Compute phpass's portable hash of `password` with the salt and cost of `setting`.

    Return None when `setting` is not a portable `$P$`/`$H$` setting phpass accepts.
    """
    if not setting.startswith(("$P$", "$H$")) or len(setting) < 12:
        return None
    count_log2 = PHPASS_ALPHABET.find(setting[3])
    if not 7 <= count_log2 <= 30:
        return None
    salt = setting[4:12]
    if not salt.isascii():
        return None

    raw = _bytes(password)
    digest = hashlib.md5(salt.encode("ascii") + raw).digest()  # noqa: S324
    for _ in range(1 << count_log2):
        digest = hashlib.md5(digest + raw).digest()  # noqa: S324 - phpass is MD5
    return setting[:12] + _phpass_base64(digest, 16)


def _phpass_base64(data: bytes, count: int) -> str:
    # phpass's own base-64: little-endian groups of three bytes, six bits a character.
    out = []
    i = 0
    while i < count:
        value = data[i]
        i += 1
        out.append(PHPASS_ALPHABET[value & 0x3F])
        if i < count:
            value |= data[i] << 8
        out.append(PHPASS_ALPHABET[(value >> 6) & 0x3F])
        if i >= count:
            break
        i += 1
        if i < count:
            value |= data[i] << 16
        out.append(PHPASS_ALPHABET[(value >> 12) & 0x3F])
        if i >= count:
            break
        i += 1
        out.append(PHPASS_ALPHABET[(value >> 18) & 0x3F])
    return "".join(out)


def prehash(password: str | bytes) -> str:
    """Return what WordPress 6.8 feeds to bcrypt: base64 of an HMAC-SHA384."""
    return _prehash(_bytes(password)).decode("ascii")


def _prehash(password: bytes) -> bytes:
    digest = hmac.new(_PREHASH_KEY, password, hashlib.sha384).digest()
    return base64.b64encode(digest)


def fast_hash(message: str | bytes) -> str:
    """Return WordPress 6.8's `wp_fast_hash()`: `$generic$` + BLAKE2b, base64url."""
    digest = hashlib.blake2b(
        _bytes(message), key=_FAST_HASH_KEY, digest_size=30
    ).digest()
    return _FAST_HASH_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")


def verify_fast_hash(message: str | bytes, stored_hash: str) -> bool:
    """Check a `wp_fast_hash()` value, falling back to phpass as WordPress 6.8 does."""
    try:
        if stored_hash.startswith(_FAST_HASH_PREFIX):
            return hmac.compare_digest(
                fast_hash(message).encode("ascii"), stored_hash.encode("utf-8")
            )
        raw = _bytes(message)
        if len(raw) > MAX_PASSWORD_BYTES:
            return False
        computed = phpass_crypt(raw, stored_hash)
        return computed is not None and hmac.compare_digest(
            computed.encode("ascii"), stored_hash.encode("utf-8")
        )
    except Exception:
        log.debug("fast hash could not be checked", exc_info=True)
        return False


def _bytes(value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    return value.encode("utf-8")
