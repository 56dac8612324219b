"""The activity log: what clients did in the portal, kept in the WordPress database.

Each entry is a post of type `wppb_activity` (private to the bridge, as Propovoice's
own records are): the actor is `post_author`, the project `post_parent`, the action
`post_title`, the date WordPress's own columns; the rest is post meta.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..wp.db import Connection, placeholders
from ..wp.meta import get_metas, update_meta
from ..wp.posts import insert_post

POST_TYPE = "wppb_activity"
ACTIONS = (
    "login",
    "logout",
    "password_change",
    "estimate_view",
    "estimate_accept",
    "estimate_decline",
    "invoice_view",
    "task_add",
    "task_status",
    "note_add",
    "file_upload",
    "link_add",
    "settings_change",
)
_META = ("client_id", "object_type", "object_id", "ip", "detail")


def record_activity(
    conn: Connection,
    *,
    actor_id: int,
    client_id: int,
    action: str,
    object_type: str = "",
    object_id: int = 0,
    project_id: int = 0,
    ip: str = "",
    detail: str = "",
) -> int:
    """Write one log entry in the caller's transaction, if any; return its id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown activity {action!r}")
    with conn.transaction():
        entry_id = insert_post(
            conn,
            post_type=POST_TYPE,
            post_status="private",
            post_author=actor_id,
            post_parent=project_id,
            post_title=action,
            post_content=detail[:2000],
        )
        values = {
            "client_id": client_id,
            "object_type": object_type,
            "object_id": object_id,
            "ip": ip[:100],
            "detail": detail[:2000],
        }
        for key, value in values.items():
            update_meta(conn, "post", entry_id, key, value)
    return entry_id


def list_activity(
    conn: Connection,
    *,
    project_ids: Iterable[int] | None = None,
    client_id: int | None = None,
    hidden_object_types: Iterable[str] = (),
    limit: int = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Newest first: entries of some projects and/or of one client, in two queries.

    Entries about objects of `hidden_object_types` (say, notes clients may not
    see) are left out, so that the log never shows what the page hides.
    """
    sql = (
        "SELECT p.ID, p.post_author, p.post_parent, p.post_title, p.post_date_gmt, "
        "u.display_name FROM {posts} p LEFT JOIN {users} u ON u.ID = p.post_author "
        "WHERE p.post_type = %s"
    )
    params: list[Any] = [POST_TYPE]
    if project_ids is not None:
        ids = sorted({int(i) for i in project_ids})
        if not ids:
            return []
        sql += f" AND p.post_parent IN ({placeholders(len(ids))})"
        params += ids
    if client_id is not None:
        sql += (
            " AND p.ID IN (SELECT post_id FROM {postmeta} "
            "WHERE meta_key = 'client_id' AND meta_value = %s)"
        )
        params.append(str(client_id))
    hidden = sorted(set(hidden_object_types))
    if hidden:
        marks = placeholders(len(hidden))
        sql += (
            " AND p.ID NOT IN (SELECT post_id FROM {postmeta} "
            f"WHERE meta_key = 'object_type' AND meta_value IN ({marks}))"
        )
        params += hidden
    sql += " ORDER BY p.post_date_gmt DESC, p.ID DESC LIMIT %s OFFSET %s"
    params += [int(limit), int(offset)]

    rows = conn.query(sql, params)
    metas = get_metas(conn, "post", [row["ID"] for row in rows], _META)
    return [
        {
            "id": int(row["ID"]),
            "action": row["post_title"],
            "actor_id": int(row["post_author"]),
            "actor_name": row["display_name"] or "",
            "project_id": int(row["post_parent"]),
            "time_gmt": row["post_date_gmt"],
            **{key: metas[int(row["ID"])].get(key, "") for key in _META},
        }
        for row in rows
    ]
