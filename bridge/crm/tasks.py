"""Tasks and activities of a project: `ndpv_task` posts as Propovoice writes them.

A task hangs off its project through the meta `tab_id`; its status, type (Task,
Email, Call, Meeting, Presentation) and priority are terms, and a status whose term
meta `type` is `done` means the task is finished. Tasks a client adds carry the
client's WordPress user as `post_author`, which is how the portal knows whose they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..money import is_on, rows
from ..wp.db import Connection
from ..wp.meta import get_metas, update_meta
from ..wp.posts import insert_post, site_timezone, update_post, utc_now
from ..wp.terms import insert_term, set_object_terms
from .projects import (
    Page,
    ProjectError,
    Term,
    clean_line,
    clean_text,
    iso_date,
    local_midnight,
    page_bounds,
    parse_date,
    taxonomy_terms,
    typed_terms,
    workspace_id,
)

TASK_TYPE = "ndpv_task"
STATUS_TAXONOMY = "ndpv_task_status"
TYPE_TAXONOMY = "ndpv_task_type"
PRIORITY_TAXONOMY = "ndpv_task_priority"
TAXONOMIES = (STATUS_TAXONOMY, TYPE_TAXONOMY, PRIORITY_TAXONOMY)
TASK_META = ("tab_id", "start_date", "due_date", "note", "checklist")
NEW_STATUS = "Todo"
NEW_PRIORITY = "Medium"
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
# Checklist items have been stored with different flag names over the CRM's versions.
_CHECKED_KEYS = ("checked", "done", "completed", "is_done", "status")


@dataclass
class Task:
    id: int
    title: str
    description: str
    author_id: int
    author_name: str
    status: Term | None
    type: Term | None
    priority: Term | None
    start_date: datetime | None
    due_date: datetime | None
    note: str
    checklist_done: int = 0
    checklist_total: int = 0

    @property
    def is_done(self) -> bool:
        return self.status is not None and self.status.type == "done"


def list_tasks(
    conn: Connection, project_id: int, *, page: int = 1, per_page: int = 50
) -> Page[Task]:
    """A project's tasks, newest first, in four queries whatever their number."""
    where = (
        "WHERE p.post_type = %s AND p.post_status = %s AND EXISTS ("
        "SELECT 1 FROM {postmeta} m WHERE m.post_id = p.ID "
        "AND m.meta_key = %s AND m.meta_value = %s)"
    )
    params = [TASK_TYPE, "publish", "tab_id", str(int(project_id))]
    total = int(conn.scalar(f"SELECT COUNT(*) FROM {{posts}} p {where}", params))
    limit, offset = page_bounds(page, per_page)
    found = conn.query(
        "SELECT p.ID, p.post_title, p.post_content, p.post_author, u.display_name "
        f"FROM {{posts}} p LEFT JOIN {{users}} u ON u.ID = p.post_author {where} "
        "ORDER BY p.post_date DESC, p.ID DESC LIMIT %s OFFSET %s",
        [*params, limit, offset],
    )
    return Page(_tasks(conn, found), total, max(1, int(page)), per_page)


def get_task(conn: Connection, project_id: int, task_id: int) -> Task | None:
    """One task of a project, or None when it is missing or hangs off another."""
    found = conn.query(
        "SELECT p.ID, p.post_title, p.post_content, p.post_author, u.display_name "
        "FROM {posts} p JOIN {postmeta} m ON m.post_id = p.ID AND m.meta_key = %s "
        "LEFT JOIN {users} u ON u.ID = p.post_author "
        "WHERE p.ID = %s AND p.post_type = %s AND p.post_status = %s "
        "AND m.meta_value = %s",
        ["tab_id", int(task_id), TASK_TYPE, "publish", str(int(project_id))],
    )
    tasks = _tasks(conn, found)
    return tasks[0] if tasks else None


def _tasks(conn: Connection, found: list[dict[str, Any]]) -> list[Task]:
    ids = [int(row["ID"]) for row in found]
    metas = get_metas(conn, "post", ids, TASK_META)
    terms = typed_terms(conn, ids, TAXONOMIES)
    tasks = []
    for row in found:
        task_id = int(row["ID"])
        meta = metas[task_id]
        done, total = checklist_progress(meta.get("checklist"))
        tasks.append(
            Task(
                id=task_id,
                title=str(row["post_title"] or ""),
                description=str(row["post_content"] or ""),
                author_id=int(row["post_author"] or 0),
                author_name=str(row.get("display_name") or ""),
                status=_first(terms[task_id][STATUS_TAXONOMY]),
                type=_first(terms[task_id][TYPE_TAXONOMY]),
                priority=_first(terms[task_id][PRIORITY_TAXONOMY]),
                start_date=parse_date(meta.get("start_date")),
                due_date=parse_date(meta.get("due_date")),
                note=meta.get("note") if isinstance(meta.get("note"), str) else "",
                checklist_done=done,
                checklist_total=total,
            )
        )
    return tasks


def checklist_progress(checklist: Any) -> tuple[int, int]:
    """(ticked items, all items) of a stored checklist."""
    items = rows(checklist)
    done = 0
    for item in items:
        flag = next((item[key] for key in _CHECKED_KEYS if key in item), False)
        if (isinstance(flag, str) and flag.lower() == "done") or is_on(flag):
            done += 1
    return done, len(items)


def task_types(conn: Connection) -> list[Term]:
    return taxonomy_terms(conn, TYPE_TAXONOMY)


def task_statuses(conn: Connection) -> list[Term]:
    return taxonomy_terms(conn, STATUS_TAXONOMY)


def add_task(
    conn: Connection,
    *,
    project_id: int,
    author_id: int,
    title: Any,
    type_id: Any,
    due_date: Any = None,
    description: Any = "",
    now: datetime | None = None,
) -> int:
    """Add a task or activity to a project as Propovoice would; return its id.

    It starts as "Todo" with "Medium" priority. `due_date` is a date or a
    `YYYY-MM-DD` string, meant in the site's time zone. Raises ProjectError with
    a message for the client when the input cannot be saved.
    """
    title = clean_line(title)
    if not title:
        raise ProjectError("Give the task a title.")
    if len(title) > MAX_TITLE:
        raise ProjectError(f"The title is too long (at most {MAX_TITLE} characters).")
    description = clean_text(description)
    if len(description) > MAX_DESCRIPTION:
        raise ProjectError(
            f"The description is too long (at most {MAX_DESCRIPTION} characters)."
        )
    task_type = _choice(task_types(conn), type_id)
    if task_type is None:
        raise ProjectError("Choose the kind of task or activity.")
    due = _due_date(due_date)
    now = now or utc_now()

    with conn.transaction():
        status_id = _term_named(conn, STATUS_TAXONOMY, NEW_STATUS)
        priority_id = _term_named(conn, PRIORITY_TAXONOMY, NEW_PRIORITY)
        task_id = insert_post(
            conn,
            now=now,
            post_type=TASK_TYPE,
            post_title=title,
            post_content=description,
            post_author=int(author_id),
        )
        values: dict[str, Any] = {
            "ws_id": workspace_id(conn),
            "tab_id": int(project_id),
            "start_date": iso_date(now),
            "due_date": iso_date(local_midnight(due, site_timezone(conn)))
            if due
            else "",
            "note": "",
            "checklist": [],
        }
        for key, value in values.items():
            update_meta(conn, "post", task_id, key, value)
        set_object_terms(conn, task_id, STATUS_TAXONOMY, [status_id])
        set_object_terms(conn, task_id, TYPE_TAXONOMY, [task_type.id])
        set_object_terms(conn, task_id, PRIORITY_TAXONOMY, [priority_id])
    return task_id


def set_task_status(
    conn: Connection, task_id: int, status_id: Any, *, now: datetime | None = None
) -> Term:
    """Move a task to another status; return the new status term."""
    status = _choice(task_statuses(conn), status_id)
    if status is None:
        raise ProjectError("Choose one of the statuses.")
    with conn.transaction():
        set_object_terms(conn, int(task_id), STATUS_TAXONOMY, [status.id])
        update_post(conn, int(task_id), now=now)
    return status


def _choice(terms: list[Term], value: Any) -> Term | None:
    try:
        wanted = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return next((term for term in terms if term.id == wanted), None)


def _due_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ProjectError("Give the due date as a date, such as 2025-03-31.") from None


def _term_named(conn: Connection, taxonomy: str, name: str) -> int:
    """The term of a taxonomy with this name or slug, created when the site lacks it."""
    wanted = name.lower()
    for term in taxonomy_terms(conn, taxonomy):
        if term.name.lower() == wanted or term.slug == wanted:
            return term.id
    term_id, _ = insert_term(conn, name, taxonomy)
    return term_id


def _first(terms: list[Term]) -> Term | None:
    return terms[0] if terms else None
