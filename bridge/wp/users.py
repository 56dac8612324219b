"""WordPress users: look-ups, roles and capabilities."""

from __future__ import annotations

from typing import Any

from .db import Connection
from .meta import get_meta
from .options import get_option

USER_FIELDS = {"id": "ID", "login": "user_login", "email": "user_email"}


def get_user(conn: Connection, user_id: int) -> dict[str, Any] | None:
    return conn.query_one("SELECT * FROM {users} WHERE ID = %s", (user_id,))


def get_user_by(conn: Connection, field: str, value: Any) -> dict[str, Any] | None:
    """Find a user by `id`, `login` or `email` (case-insensitive, as in MySQL)."""
    column = USER_FIELDS[field]
    if field == "id":
        return get_user(conn, int(value))
    return conn.query_one(
        f"SELECT * FROM {{users}} WHERE LOWER({column}) = LOWER(%s) "
        "ORDER BY ID LIMIT 1",
        (str(value),),
    )


def get_roles(conn: Connection, user_id: int) -> list[str]:
    """Return the user's roles from `{prefix}capabilities` (those set to true)."""
    caps = get_meta(conn, "user", user_id, f"{conn.database.prefix}capabilities")
    if not isinstance(caps, dict):
        return []
    roles = role_definitions(conn)
    return [str(name) for name, on in caps.items() if on and str(name) in roles]


def role_definitions(conn: Connection) -> dict[str, Any]:
    """Return the site's roles: {role: {"name": ..., "capabilities": {...}}}."""
    roles = get_option(conn, f"{conn.database.prefix}user_roles", {})
    return roles if isinstance(roles, dict) else {}
