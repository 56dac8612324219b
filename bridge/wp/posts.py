"""WordPress posts: read one, insert and update them as wp_insert_post() stores them."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .db import Connection
from .options import get_option

POST_COLUMNS = (
    "ID",
    "post_author",
    "post_date",
    "post_date_gmt",
    "post_content",
    "post_title",
    "post_excerpt",
    "post_status",
    "comment_status",
    "ping_status",
    "post_password",
    "post_name",
    "to_ping",
    "pinged",
    "post_modified",
    "post_modified_gmt",
    "post_content_filtered",
    "post_parent",
    "guid",
    "menu_order",
    "post_type",
    "post_mime_type",
    "comment_count",
)
MYSQL_TIME = "%Y-%m-%d %H:%M:%S"


def get_post(
    conn: Connection, post_id: int, post_type: str | None = None
) -> dict[str, Any] | None:
    """Return one post row, or None when absent or of another type."""
    row = conn.query_one("SELECT * FROM {posts} WHERE ID = %s", (post_id,))
    if row is None or (post_type is not None and row["post_type"] != post_type):
        return None
    return row


def site_timezone(conn: Connection) -> ZoneInfo | UTC.__class__:
    """Return the site's time zone from `timezone_string`, else `gmt_offset`."""
    name = get_option(conn, "timezone_string") or ""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        offset = float(get_option(conn, "gmt_offset") or 0)
    except (TypeError, ValueError):
        offset = 0.0
    from datetime import timezone

    return timezone(timedelta(hours=offset))


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def insert_post(conn: Connection, *, now: datetime | None = None, **fields: Any) -> int:
    """Insert a post with WordPress's defaults for every column not given."""
    now = now or utc_now()
    local = now.astimezone(site_timezone(conn)).strftime(MYSQL_TIME)
    gmt = now.astimezone(UTC).strftime(MYSQL_TIME)
    values: dict[str, Any] = {
        "post_author": 0,
        "post_date": local,
        "post_date_gmt": gmt,
        "post_content": "",
        "post_title": "",
        "post_excerpt": "",
        "post_status": "publish",
        "comment_status": "closed",
        "ping_status": "closed",
        "post_password": "",
        "post_name": "",
        "to_ping": "",
        "pinged": "",
        "post_modified": local,
        "post_modified_gmt": gmt,
        "post_content_filtered": "",
        "post_parent": 0,
        "guid": "",
        "menu_order": 0,
        "post_type": "post",
        "post_mime_type": "",
        "comment_count": 0,
    }
    unknown = set(fields) - set(values)
    if unknown:
        raise ValueError(f"unknown post columns: {sorted(unknown)}")
    values.update(fields)
    if not values["post_name"] and values["post_status"] == "publish":
        values["post_name"] = sanitize_title(values["post_title"]) or ""
    return conn.insert("posts", values)


def update_post(
    conn: Connection, post_id: int, *, now: datetime | None = None, **fields: Any
) -> None:
    """Change some columns of a post and stamp its modification time."""
    unknown = set(fields) - set(POST_COLUMNS)
    if unknown or "ID" in fields:
        raise ValueError(f"cannot update post columns: {sorted(unknown | {'ID'})}")
    now = now or utc_now()
    fields.setdefault(
        "post_modified", now.astimezone(site_timezone(conn)).strftime(MYSQL_TIME)
    )
    fields.setdefault("post_modified_gmt", now.astimezone(UTC).strftime(MYSQL_TIME))
    assignments = ", ".join(f"{column} = %s" for column in fields)
    conn.execute(
        f"UPDATE {{posts}} SET {assignments} WHERE ID = %s",
        [*fields.values(), post_id],
    )


def sanitize_title(title: str) -> str:
    """Make a URL slug the way sanitize_title() does for plain titles."""
    text = unicodedata.normalize("NFKD", title)
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    text = re.sub(r"[^a-z0-9 _-]", "", text)
    text = re.sub(r"[\s_]+", "-", text.strip())
    return re.sub(r"-+", "-", text).strip("-")[:200]
