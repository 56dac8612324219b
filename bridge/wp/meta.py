"""Post, user and term meta, read and written as WordPress's metadata API does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .db import Connection, placeholders
from .serialization import maybe_serialize, maybe_unserialize

# kind -> (table, owner column, primary key)
_TABLES = {
    "post": ("postmeta", "post_id", "meta_id"),
    "user": ("usermeta", "user_id", "umeta_id"),
    "term": ("termmeta", "term_id", "meta_id"),
    "comment": ("commentmeta", "comment_id", "meta_id"),
}


def _table(kind: str) -> tuple[str, str, str]:
    try:
        return _TABLES[kind]
    except KeyError:
        raise ValueError(f"unknown meta kind {kind!r}") from None


def get_meta(
    conn: Connection, kind: str, object_id: int, key: str, default: Any = None
) -> Any:
    """Return the first value of one meta key, unserialized, or `default`."""
    table, owner, pk = _table(kind)
    row = conn.query_one(
        f"SELECT meta_value FROM {{{table}}} WHERE {owner} = %s AND meta_key = %s "
        f"ORDER BY {pk} LIMIT 1",
        (object_id, key),
    )
    if row is None:
        return default
    return maybe_unserialize(row["meta_value"])


def get_meta_values(conn: Connection, kind: str, object_id: int, key: str) -> list[Any]:
    """Return every value of one meta key, in the order they were added."""
    table, owner, pk = _table(kind)
    rows = conn.query(
        f"SELECT meta_value FROM {{{table}}} WHERE {owner} = %s AND meta_key = %s "
        f"ORDER BY {pk}",
        (object_id, key),
    )
    return [maybe_unserialize(row["meta_value"]) for row in rows]


def get_metas(
    conn: Connection,
    kind: str,
    object_ids: Iterable[int],
    keys: Iterable[str] | None = None,
) -> dict[int, dict[str, Any]]:
    """Read the meta of many objects in one query: {id: {key: first value}}.

    Every requested id is in the result, with an empty dict when it has no meta.
    """
    ids = sorted({int(i) for i in object_ids})
    result: dict[int, dict[str, Any]] = {i: {} for i in ids}
    if not ids:
        return result

    table, owner, pk = _table(kind)
    sql = (
        f"SELECT {owner} AS owner, meta_key, meta_value FROM {{{table}}} "
        f"WHERE {owner} IN ({placeholders(len(ids))})"
    )
    params: list[Any] = list(ids)
    wanted = sorted(set(keys)) if keys is not None else None
    if wanted is not None:
        if not wanted:
            return result
        sql += f" AND meta_key IN ({placeholders(len(wanted))})"
        params += wanted
    sql += f" ORDER BY {pk}"

    for row in conn.query(sql, params):
        values = result[int(row["owner"])]
        if row["meta_key"] not in values:
            values[row["meta_key"]] = maybe_unserialize(row["meta_value"])
    return result


def add_meta(conn: Connection, kind: str, object_id: int, key: str, value: Any) -> int:
    """Add one meta row, even if the key already has one; return its id."""
    table, owner, _ = _table(kind)
    return conn.insert(
        table,
        {owner: object_id, "meta_key": key, "meta_value": maybe_serialize(value)},
    )


def update_meta(
    conn: Connection, kind: str, object_id: int, key: str, value: Any
) -> None:
    """Set a meta key to one value, adding the row when the key is absent."""
    table, owner, _ = _table(kind)
    stored = maybe_serialize(value)
    cursor = conn.execute(
        f"UPDATE {{{table}}} SET meta_value = %s WHERE {owner} = %s AND meta_key = %s",
        (stored, object_id, key),
    )
    if cursor.rowcount == 0 and not _exists(conn, table, owner, object_id, key):
        conn.insert(table, {owner: object_id, "meta_key": key, "meta_value": stored})


def _exists(conn: Connection, table: str, owner: str, object_id: int, key: str) -> bool:
    # MySQL reports 0 changed rows when the value was already the same.
    return (
        conn.scalar(
            f"SELECT 1 FROM {{{table}}} WHERE {owner} = %s AND meta_key = %s LIMIT 1",
            (object_id, key),
        )
        is not None
    )


def delete_meta(conn: Connection, kind: str, object_id: int, key: str) -> int:
    """Delete every row of one meta key; return how many went."""
    table, owner, _ = _table(kind)
    cursor = conn.execute(
        f"DELETE FROM {{{table}}} WHERE {owner} = %s AND meta_key = %s",
        (object_id, key),
    )
    return cursor.rowcount
