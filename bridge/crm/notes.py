"""Notes on a project: `ndpv_note` posts whose text is the post content.

A note hangs off its project through the meta `tab_id`, as Propovoice writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..wp.db import Connection
from ..wp.meta import update_meta
from ..wp.posts import insert_post, utc_now
from .projects import (
    Page,
    ProjectError,
    clean_text,
    page_bounds,
    parse_date,
    workspace_id,
)

NOTE_TYPE = "ndpv_note"
MAX_NOTE = 5000


@dataclass
class Note:
    id: int
    text: str
    author_id: int
    author_name: str
    date: datetime | None


def list_notes(
    conn: Connection, project_id: int, *, page: int = 1, per_page: int = 50
) -> Page[Note]:
    """A project's notes, newest first, in two queries."""
    where = (
        "WHERE p.post_type = %s AND p.post_status = %s AND EXISTS ("
        "SELECT 1 FROM {postmeta} m WHERE m.post_id = p.ID "
        "AND m.meta_key = %s AND m.meta_value = %s)"
    )
    params = [NOTE_TYPE, "publish", "tab_id", str(int(project_id))]
    total = int(conn.scalar(f"SELECT COUNT(*) FROM {{posts}} p {where}", params))
    limit, offset = page_bounds(page, per_page)
    found = conn.query(
        "SELECT p.ID, p.post_content, p.post_author, p.post_date_gmt, u.display_name "
        f"FROM {{posts}} p LEFT JOIN {{users}} u ON u.ID = p.post_author {where} "
        "ORDER BY p.post_date DESC, p.ID DESC LIMIT %s OFFSET %s",
        [*params, limit, offset],
    )
    notes = [
        Note(
            id=int(row["ID"]),
            text=str(row["post_content"] or ""),
            author_id=int(row["post_author"] or 0),
            author_name=str(row["display_name"] or ""),
            date=parse_date(row["post_date_gmt"]),
        )
        for row in found
    ]
    return Page(notes, total, max(1, int(page)), per_page)


def add_note(
    conn: Connection,
    *,
    project_id: int,
    author_id: int,
    text: Any,
    now: datetime | None = None,
) -> int:
    """Add a note to a project; return its id. Raises ProjectError on bad input."""
    text = clean_text(text)
    if not text:
        raise ProjectError("Write something in the note.")
    if len(text) > MAX_NOTE:
        raise ProjectError(f"The note is too long (at most {MAX_NOTE} characters).")
    with conn.transaction():
        note_id = insert_post(
            conn,
            now=now or utc_now(),
            post_type=NOTE_TYPE,
            post_content=text,
            post_author=int(author_id),
        )
        update_meta(conn, "post", note_id, "ws_id", workspace_id(conn))
        update_meta(conn, "post", note_id, "tab_id", int(project_id))
    return note_id
