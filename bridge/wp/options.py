"""WordPress options: read, add, update and delete, with the autoload flag."""

from __future__ import annotations

from typing import Any

from .db import Connection
from .serialization import maybe_serialize, maybe_unserialize

# WordPress 6.1 writes yes/no; 6.6 and later also on, off, auto, auto-on, auto-off.
AUTOLOAD_VALUES = ("yes", "on", "auto", "auto-on")


def get_option(conn: Connection, name: str, default: Any = None) -> Any:
    """Return an option's value, unserialized, or `default` when it is absent."""
    row = conn.query_one(
        "SELECT option_value FROM {options} WHERE option_name = %s LIMIT 1", (name,)
    )
    if row is None:
        return default
    return maybe_unserialize(row["option_value"])


def get_autoloaded(conn: Connection) -> dict[str, Any]:
    """Return every autoloaded option in one query, as WordPress loads them."""
    rows = conn.query(
        "SELECT option_name, option_value FROM {options} WHERE autoload IN "
        "(%s, %s, %s, %s)",
        AUTOLOAD_VALUES,
    )
    return {row["option_name"]: maybe_unserialize(row["option_value"]) for row in rows}


def add_option(conn: Connection, name: str, value: Any, autoload: bool = True) -> bool:
    """Add an option unless it exists; return whether it was added."""
    if conn.scalar("SELECT 1 FROM {options} WHERE option_name = %s", (name,)):
        return False
    conn.insert(
        "options",
        {
            "option_name": name,
            "option_value": maybe_serialize(value),
            "autoload": "yes" if autoload else "no",
        },
    )
    return True


def update_option(
    conn: Connection, name: str, value: Any, autoload: bool | None = None
) -> None:
    """Set an option, adding it when absent; `autoload` None keeps the current flag."""
    stored = maybe_serialize(value)
    exists = conn.scalar("SELECT 1 FROM {options} WHERE option_name = %s", (name,))
    if not exists:
        add_option(conn, name, value, autoload=True if autoload is None else autoload)
        return
    if autoload is None:
        conn.execute(
            "UPDATE {options} SET option_value = %s WHERE option_name = %s",
            (stored, name),
        )
    else:
        conn.execute(
            "UPDATE {options} SET option_value = %s, autoload = %s "
            "WHERE option_name = %s",
            (stored, "yes" if autoload else "no", name),
        )


def delete_option(conn: Connection, name: str) -> bool:
    cursor = conn.execute("DELETE FROM {options} WHERE option_name = %s", (name,))
    return cursor.rowcount > 0
