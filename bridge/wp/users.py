"""WordPress users: look-ups, roles and capabilities, creation, passwords, reset keys.

Users are written as `wp_insert_user()`, `wp_set_password()` and
`get_password_reset_key()` write them, so that WordPress itself reads them back as
its own, on sites before and after the 6.8 change of password hashing.
"""

from __future__ import annotations

import html.entities
import re
import secrets
import string
import time
from datetime import UTC, datetime
from typing import Any

from .db import Connection
from .errors import WordPressError
from .meta import add_meta, get_meta, update_meta
from .options import get_option, update_option
from .passwords import BCRYPT_DB_VERSION, fast_hash, hash_password, phpass_hash
from .passwords import verify_fast_hash as _verify_fast_hash

USER_FIELDS = {"id": "ID", "login": "user_login", "email": "user_email"}

CLIENT_ROLE = "ndpv_client_role"
CLIENT_ROLE_DEFINITION = {"name": "Client", "capabilities": {"read": True}}

MAX_LOGIN_LENGTH = 60
MAX_NICENAME_LENGTH = 50
RESET_KEY_LENGTH = 20
RESET_KEY_LIFETIME = 86400

_LOGIN = re.compile(r"[A-Za-z0-9 _.\-@]+\Z")
_EMAIL_LOCAL = re.compile(r"[a-zA-Z0-9!#$%&'*+/=?^_`{|}~.-]+\Z")
_EMAIL_LABEL = re.compile(r"[a-zA-Z0-9-]+\Z")
_LEVEL = re.compile(r"level_(10|[0-9])\Z", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")
_KEY_ALPHABET = string.ascii_letters + string.digits


class UserError(WordPressError, ValueError):
    """A user that cannot be created or changed as asked; the message says why."""


# -- look-ups --------------------------------------------------------------------


def get_user(conn: Connection, user_id: int) -> dict[str, Any] | None:
    """Return the `users` row of an id, or None."""
    return conn.query_one("SELECT * FROM {users} WHERE ID = %s", (int(user_id),))


def get_user_by(conn: Connection, field: str, value: Any) -> dict[str, Any] | None:
    """Find a user by `id`, `login` or `email`, case-insensitively as MySQL does.

    The columns carry a case-insensitive collation on both backends (MySQL's
    utf8mb4_unicode_520_ci, SQLite's NOCASE), so the look-up uses the index.
    """
    column = USER_FIELDS[field]
    if field == "id":
        try:
            return get_user(conn, int(value))
        except (TypeError, ValueError):
            return None
    text = str(value)
    if not text:
        return None
    return conn.query_one(
        f"SELECT * FROM {{users}} WHERE {column} = %s ORDER BY ID LIMIT 1",
        (text,),
    )


def get_user_by_login(conn: Connection, login: str) -> dict[str, Any] | None:
    return get_user_by(conn, "login", login)


def get_user_by_email(conn: Connection, email: str) -> dict[str, Any] | None:
    return get_user_by(conn, "email", email)


def find_user(conn: Connection, login_or_email: str) -> dict[str, Any] | None:
    """Find a user by login, or by email when the text has an `@` and no login matches.

    WordPress's login form does the same: an email-looking name is tried as an
    email only after it failed as a login.
    """
    text = login_or_email.strip()
    user = get_user_by(conn, "login", text)
    if user is None and "@" in text:
        user = get_user_by(conn, "email", text)
    return user


def db_version(conn: Connection) -> int:
    """Return the `db_version` option (53496 is 6.1, 60421 is 6.8), 0 if unset."""
    value = get_option(conn, "db_version")
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return 0


# -- roles and capabilities ------------------------------------------------------


def role_definitions(conn: Connection) -> dict[str, Any]:
    """Return the site's roles: {role: {"name": ..., "capabilities": {...}}}."""
    roles = get_option(conn, f"{conn.database.prefix}user_roles", {})
    return roles if isinstance(roles, dict) else {}


def role_capabilities(conn: Connection) -> dict[str, dict[str, bool]]:
    """Return each role's capabilities: {role: {capability: granted}}."""
    result: dict[str, dict[str, bool]] = {}
    for name, definition in role_definitions(conn).items():
        caps = definition.get("capabilities") if isinstance(definition, dict) else None
        result[str(name)] = (
            {str(cap): bool(on) for cap, on in caps.items()}
            if isinstance(caps, dict)
            else {}
        )
    return result


def user_caps(conn: Connection, user_id: int) -> dict[str, Any]:
    """Return the user's own `{prefix}capabilities` meta: roles and granted caps."""
    caps = get_meta(conn, "user", int(user_id), f"{conn.database.prefix}capabilities")
    return caps if isinstance(caps, dict) else {}


def get_roles(conn: Connection, user_id: int) -> list[str]:
    """Return the user's roles: the keys of `{prefix}capabilities` that are roles."""
    roles = role_definitions(conn)
    return [str(name) for name in user_caps(conn, user_id) if str(name) in roles]


def all_capabilities(conn: Connection, user_id: int) -> dict[str, bool]:
    """Return WordPress's `allcaps`: the roles' capabilities, then the user's own."""
    defined = role_capabilities(conn)
    own = user_caps(conn, user_id)
    merged: dict[str, bool] = {}
    for name in own:
        merged.update(defined.get(str(name), {}))
    merged.update({str(cap): bool(on) for cap, on in own.items()})
    return merged


def user_can(conn: Connection, user: dict[str, Any] | int, capability: str) -> bool:
    """Tell whether a user has a primitive capability (or is in a role of that name).

    Meta capabilities that WordPress maps per object (`edit_post`, `edit_user`...)
    are not mapped here: ask for the primitive capability instead.
    """
    user_id = int(user["ID"]) if isinstance(user, dict) else int(user)
    if capability == "exist":
        return True
    if capability == "do_not_allow":
        return False
    return bool(all_capabilities(conn, user_id).get(capability))


def ensure_client_role(conn: Connection) -> bool:
    """Add the CRM's client role (capability `read`) if missing; return if it was."""
    option = f"{conn.database.prefix}user_roles"
    with conn.transaction():
        roles = role_definitions(conn)
        if CLIENT_ROLE in roles:
            return False
        if not roles and get_option(conn, option) is None:
            raise UserError(
                f"the option {option} is missing: is this an installed WordPress "
                "with this table prefix?"
            )
        roles[CLIENT_ROLE] = {
            "name": CLIENT_ROLE_DEFINITION["name"],
            "capabilities": dict(CLIENT_ROLE_DEFINITION["capabilities"]),
        }
        update_option(conn, option, roles)
    return True


def user_level(conn: Connection, caps: dict[str, Any]) -> int:
    """Return the user level WordPress derives from a capabilities array."""
    defined = role_capabilities(conn)
    names = set(caps)
    for name in caps:
        names.update(defined.get(str(name), {}))
    levels = [int(m.group(1)) for n in names if (m := _LEVEL.match(str(n)))]
    return max(levels, default=0)


def set_role(conn: Connection, user_id: int, role: str) -> None:
    """Make `role` the user's only role, and update the user level, as WordPress."""
    roles = role_definitions(conn)
    if role and role not in roles:
        raise UserError(f"there is no role {role!r}; roles: {', '.join(roles)}")
    prefix = conn.database.prefix
    with conn.transaction():
        caps = {k: v for k, v in user_caps(conn, user_id).items() if k not in roles}
        if role:
            caps[role] = True
        update_meta(conn, "user", user_id, f"{prefix}capabilities", caps)
        update_meta(
            conn, "user", user_id, f"{prefix}user_level", user_level(conn, caps)
        )


# -- creating users --------------------------------------------------------------


def insert_user(
    conn: Connection,
    *,
    login: str,
    email: str,
    password: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    display_name: str | None = None,
    db_version: int | None = None,
) -> int:
    """Create a user exactly as `wp_insert_user()` does; return the new id.

    Writes the `users` row (hash in the site's format, unique nicename, UTC
    registration time), the default meta in WordPress's order, then the role and
    user level. Refuses, with a UserError, logins and emails WordPress would not
    take or that are taken.
    """
    login = check_login(login)
    email = check_email(email)
    first_name = sanitize_name(first_name)
    last_name = sanitize_name(last_name)
    if display_name:
        display = sanitize_name(display_name)
    elif first_name and last_name:
        display = f"{first_name} {last_name}"
    else:
        display = first_name or last_name or login

    with conn.transaction():
        roles = role_definitions(conn)
        if role not in roles:
            raise UserError(
                f"there is no role {role!r} on this site; roles: {', '.join(roles)}"
            )
        if get_user_by(conn, "login", login) is not None:
            raise UserError(f"the username {login!r} is already taken")
        if get_user_by(conn, "email", email) is not None:
            raise UserError(f"the email address {email!r} is already used")

        version = _version(conn, db_version)
        user_id = conn.insert(
            "users",
            {
                "user_pass": hash_password(password, version),
                "user_nicename": _unique_nicename(conn, login),
                "user_email": email,
                "user_url": "",
                "user_registered": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "user_activation_key": "",
                "display_name": display,
                "user_login": login,
            },
        )
        meta = {
            "nickname": login,
            "first_name": first_name,
            "last_name": last_name,
            "description": "",
            "rich_editing": "true",
            "syntax_highlighting": "true",
            "comment_shortcuts": "false",
            "admin_color": "fresh",
            "use_ssl": "0",
            "show_admin_bar_front": "true",
            "locale": "",
        }
        for key, value in meta.items():
            add_meta(conn, "user", user_id, key, value)
        set_role(conn, user_id, role)
    return user_id


def check_login(login: str) -> str:
    """Return `login` if WordPress would store it unchanged, else raise UserError.

    WordPress silently strips what its strict `sanitize_user()` refuses; the bridge
    refuses instead, so that a user always logs in with the name that was asked for.
    """
    if not isinstance(login, str) or not login.strip():
        raise UserError("a username is required")
    if len(login) > MAX_LOGIN_LENGTH:
        raise UserError("a username may not be longer than 60 characters")
    if not _LOGIN.match(login):
        raise UserError(
            "a username may hold only letters A-Z, digits, spaces and the "
            "characters _ . - @"
        )
    if login != login.strip() or "  " in login:
        raise UserError(
            "a username may not start or end with a space, or hold two in a row"
        )
    return login


def check_email(email: str) -> str:
    """Return the trimmed address if WordPress's `is_email()` accepts it, else raise."""
    if not isinstance(email, str):
        raise UserError("an email address is required")
    email = email.strip()
    if not is_email(email):
        raise UserError(f"{email!r} is not a valid email address")
    if len(email) > 100:
        raise UserError("an email address may not be longer than 100 characters")
    return email


def is_email(email: str) -> bool:
    """Apply WordPress's `is_email()` rules."""
    if len(email) < 6 or email.find("@", 1) == -1:
        return False
    local, domain = email.split("@", 1)
    if not _EMAIL_LOCAL.match(local):
        return False
    if ".." in domain or domain.strip(" \t\n\r\0\x0b.") != domain:
        return False
    labels = domain.split(".")
    if len(labels) < 2:
        return False
    return all(
        label.strip(" \t\n\r\0\x0b-") == label and _EMAIL_LABEL.match(label)
        for label in labels
    )


def sanitize_name(value: str) -> str:
    """Clean a first, last or display name as WordPress's save filters do.

    Whitespace runs become one space and the ends are trimmed; `&` (outside an
    entity) and `>` are stored as HTML entities, as `wp_filter_kses` and
    `_wp_specialchars` store them. Markup is refused rather than stripped.
    """
    if not isinstance(value, str):
        raise UserError("a name must be text")
    if "<" in value:
        raise UserError("a name may not contain '<'")
    if re.search(r"%[0-9A-Fa-f]{2}", value):
        raise UserError("a name may not contain percent-encoded characters")
    text = re.sub(r"[\r\n\t ]+", " ", value).strip()
    out, last = [], 0
    for match in _ENTITY.finditer(text):
        name = match.group(0)[1:]
        if name.startswith("#") or name in html.entities.html5:
            out.append(_escape(text[last : match.start()]))
            out.append(match.group(0))
            last = match.end()
    out.append(_escape(text[last:]))
    return "".join(out)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace(">", "&gt;")


def nicename_of(login: str) -> str:
    """Return the `user_nicename` WordPress derives from a (valid) login."""
    text = login[:MAX_NICENAME_LENGTH].lower()
    text = text.replace(".", "-")
    text = re.sub(r"[^a-z0-9 _-]", "", text)
    text = re.sub(r"\s+", "-", text)
    text = re.sub(r"-+", "-", text)
    return text.strip("-")


def _unique_nicename(conn: Connection, login: str) -> str:
    base = nicename_of(login)
    candidate, suffix = base, 2
    while _nicename_taken(conn, candidate, login):
        candidate = base[: 49 - len(str(suffix))] + f"-{suffix}"
        suffix += 1
    return candidate


def _nicename_taken(conn: Connection, nicename: str, login: str) -> bool:
    return (
        conn.scalar(
            "SELECT ID FROM {users} WHERE user_nicename = %s AND user_login != %s "
            "LIMIT 1",
            (nicename, login),
        )
        is not None
    )


# -- passwords and reset keys ----------------------------------------------------


def set_password(
    conn: Connection, user_id: int, password: str, db_version: int | None = None
) -> str:
    """Store a new password hash as `wp_set_password()` does; return the hash.

    The pending reset key is cleared; since the logged-in cookies' HMAC depends on
    the hash, every cookie of the user stops working.
    """
    hashed = hash_password(password, _version(conn, db_version))
    cursor = conn.execute(
        "UPDATE {users} SET user_pass = %s, user_activation_key = %s WHERE ID = %s",
        (hashed, "", int(user_id)),
    )
    if cursor.rowcount == 0 and get_user(conn, user_id) is None:
        raise UserError(f"there is no user {user_id}")
    return hashed


def make_reset_key(
    conn: Connection,
    user_id: int,
    db_version: int | None = None,
    now: int | None = None,
) -> str:
    """Make a password reset key that `wp-login.php?action=rp` accepts for a day.

    Stores `time:hash` in `user_activation_key` (phpass before 6.8, the BLAKE2b
    fast hash from 6.8 on) and returns the key for the link
    `wp-login.php?action=rp&key=KEY&login=LOGIN`.
    """
    key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(RESET_KEY_LENGTH))
    version = _version(conn, db_version)
    hashed = fast_hash(key) if version >= BCRYPT_DB_VERSION else phpass_hash(key)
    stamp = int(time.time()) if now is None else int(now)
    cursor = conn.execute(
        "UPDATE {users} SET user_activation_key = %s WHERE ID = %s",
        (f"{stamp}:{hashed}", int(user_id)),
    )
    if cursor.rowcount == 0 and get_user(conn, user_id) is None:
        raise UserError(f"there is no user {user_id}")
    return key


def check_reset_key(
    conn: Connection, key: str, login: str, now: int | None = None
) -> dict[str, Any] | None:
    """Return the user a reset key is valid for, as `check_password_reset_key()`."""
    key = re.sub(r"[^a-zA-Z0-9]", "", key or "")
    if not key or not login:
        return None
    user = get_user_by(conn, "login", login)
    if user is None:
        return None
    stored = str(user.get("user_activation_key") or "")
    stamp, sep, hashed = stored.partition(":")
    if not sep or not stamp.isdigit() or not hashed:
        return None
    now = int(time.time()) if now is None else now
    if now >= int(stamp) + RESET_KEY_LIFETIME:
        return None
    return user if _verify_fast_hash(key, hashed) else None


def _version(conn: Connection, given: int | None) -> int:
    return db_version(conn) if given is None else int(given)
