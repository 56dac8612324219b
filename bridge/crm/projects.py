"""Projects: the CRM's `ndpv_project` posts, as the client they belong to sees them.

A client sees a project when the project's `person_id` is the client (a person) or
its `org_id` is the client (an organization). A person who belongs to an organization
also sees the organization's projects unless the admin turned that off with the
option `wppb_org_projects_visible`. Every query here takes a `Scope` that says this,
so that a record of another client is never read, only missed.

Admins choose per project which of tasks, notes and files its clients see and may
add to; the choice is the project meta `wppb_client_permissions`, an array
`{tasks: {view, add}, notes: {...}, files: {...}}`. What is absent is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any, Generic, TypeVar

from ..money import compute_totals, currency_code, is_on, to_decimal
from ..wp.db import Connection, placeholders
from ..wp.meta import get_meta, get_metas, update_meta
from ..wp.options import get_option
from .values import meta_int, meta_text

PROJECT_TYPE = "ndpv_project"
STATUS_TAXONOMY = "ndpv_project_status"
TAG_TAXONOMY = "ndpv_tag"
DOCUMENT_TYPE = "ndpv_estinv"
ORG_PROJECTS_OPTION = "wppb_org_projects_visible"
PERMISSIONS_META = "wppb_client_permissions"
SECTIONS = ("tasks", "notes", "files")
PROJECT_META = (
    "title",
    "person_id",
    "org_id",
    "budget",
    "currency",
    "start_date",
    "due_date",
    PERMISSIONS_META,
)
DOCUMENT_META = (
    "path",
    "num",
    "status",
    "date",
    "due_date",
    "invoice",
    "paid",
    "due",
)
# Statuses of a document still waiting for the client.
OPEN_STATUSES = ("sent", "viewed")
# A project's documents are few; this bounds a page that would otherwise not be.
MAX_DOCUMENTS = 500

T = TypeVar("T")


class ProjectError(ValueError):
    """A client's input that cannot be saved; the message is shown to the client."""


class PermissionsError(ProjectError):
    """Permissions an admin chose that cannot be stored.

    `section` names the section whose choice contradicts itself (adding without
    seeing); it is empty when the input was not understood at all.
    """

    def __init__(self, message: str, section: str = "") -> None:
        super().__init__(message)
        self.section = section


# -- who sees what -----------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The contacts whose projects one client sees, and the client itself."""

    client_id: int
    person_ids: tuple[int, ...] = ()
    org_ids: tuple[int, ...] = ()

    @property
    def contact_ids(self) -> tuple[int, ...]:
        return tuple(sorted({*self.person_ids, *self.org_ids}))

    def condition(self, alias: str = "p") -> tuple[str, list[Any]]:
        """SQL saying that post `alias` is a project of this scope, and its values."""
        parts = []
        params: list[Any] = []
        for key, ids in (("person_id", self.person_ids), ("org_id", self.org_ids)):
            if ids:
                marks = placeholders(len(ids))
                parts.append(f"(sm.meta_key = %s AND sm.meta_value IN ({marks}))")
                params += [key, *(str(i) for i in ids)]
        if not parts:
            return "1 = 0", []
        sql = (
            f"{alias}.post_type = %s AND {alias}.post_status = %s AND EXISTS ("
            f"SELECT 1 FROM {{postmeta}} sm WHERE sm.post_id = {alias}.ID "
            f"AND ({' OR '.join(parts)}))"
        )
        return sql, [PROJECT_TYPE, "publish", *params]


def project_scope(
    conn: Connection, client_id: int, kind: str, org_id: int = 0
) -> Scope:
    """Build the scope of a client: a person, or an organization (`kind` = `org`).

    `org_id` is the organization a person belongs to, already checked to exist.
    """
    if kind == "org":
        return Scope(client_id=int(client_id), org_ids=(int(client_id),))
    org_ids: tuple[int, ...] = ()
    if org_id and org_projects_visible(conn):
        org_ids = (int(org_id),)
    return Scope(
        client_id=int(client_id), person_ids=(int(client_id),), org_ids=org_ids
    )


def org_projects_visible(conn: Connection) -> bool:
    """Whether people see their organization's projects; on unless turned off.

    The plugin's settings store `1` or `0`; an absent option is on, while `0`, an
    empty string (WordPress's `false`) and words such as `off` are off.
    """
    value = get_option(conn, ORG_PROJECTS_OPTION)
    return True if value is None else is_on(value)


# -- what clients may do on a project ----------------------------------------------


@dataclass(frozen=True)
class Access:
    """Whether clients see one section of a project, and whether they may add to it."""

    view: bool = True
    add: bool = True


@dataclass(frozen=True)
class Permissions:
    tasks: Access = Access()
    notes: Access = Access()
    files: Access = Access()

    def __getitem__(self, section: str) -> Access:
        if section not in SECTIONS:
            raise KeyError(section)
        return getattr(self, section)


def parse_permissions(value: Any) -> Permissions:
    """Read the permissions meta; anything absent or unreadable is allowed."""
    if not isinstance(value, Mapping):
        return Permissions()
    sections = {}
    for section in SECTIONS:
        entry = value.get(section)
        if not isinstance(entry, Mapping):
            sections[section] = Access()
            continue
        view = is_on(entry["view"]) if "view" in entry else True
        add = is_on(entry["add"]) if "add" in entry else True
        # Adding to a section one cannot see makes no sense to a client.
        sections[section] = Access(view=view, add=view and add)
    return Permissions(**sections)


def permissions_value(permissions: Permissions) -> dict[str, dict[str, bool]]:
    """The meta value that stores `permissions`, as an admin screen would save it."""
    return {
        section: {"view": permissions[section].view, "add": permissions[section].add}
        for section in SECTIONS
    }


# What a ticked checkbox of the admin's form sends; an unticked one sends nothing.
_CHECKED = "1"


def permission_field(section: str, flag: str) -> str:
    """The form field of one choice, such as `tasks_view` or `notes_add`."""
    return f"{section}_{flag}"


def read_permissions_form(fields: Mapping[str, Any]) -> Permissions:
    """Read the admin's checkboxes: `{section}_view` and `{section}_add`, `1` if ticked.

    Other fields are ignored. Adding implies seeing, so a section that clients may
    add to but not see is refused rather than silently changed.

    :raise PermissionsError: when a value is not a ticked checkbox's, or a choice
        contradicts itself.
    """
    sections = {}
    for section in SECTIONS:
        flags = {}
        for flag in ("view", "add"):
            value = fields.get(permission_field(section, flag))
            if value not in (None, _CHECKED):
                raise PermissionsError("The permissions form was not understood.")
            flags[flag] = value == _CHECKED
        if flags["add"] and not flags["view"]:
            raise PermissionsError(
                f"Clients can add only to what they see ({section}).", section
            )
        sections[section] = Access(**flags)
    return Permissions(**sections)


def project_exists(conn: Connection, project_id: int) -> bool:
    """Whether a published project of this id exists, whichever client's it is."""
    found = conn.scalar(
        "SELECT ID FROM {posts} WHERE ID = %s AND post_type = %s AND post_status = %s",
        (int(project_id), PROJECT_TYPE, "publish"),
    )
    return found is not None


def set_client_permissions(
    conn: Connection, project_id: int, permissions: Permissions
) -> bool:
    """Store what clients see of a project and may add to it, as an admin chose.

    Returns False, writing nothing, when there is no published project of that id.
    Nothing is recorded in the activity log: that log is the clients' own.
    """
    with conn.transaction():
        if conn.backend == "mysql":
            # One change at a time: update_meta checks, then inserts the row.
            conn.execute(
                "SELECT ID FROM {posts} WHERE ID = %s FOR UPDATE", (int(project_id),)
            )
        if not project_exists(conn, project_id):
            return False
        update_meta(
            conn,
            "post",
            int(project_id),
            PERMISSIONS_META,
            permissions_value(permissions),
        )
    return True


# -- a client's email choices for a project -------------------------------------------

NOTIFY_EVENTS = ("note", "file", "document")


def notify_meta_key(project_id: int) -> str:
    """The user meta that keeps one user's email choices for one project."""
    return f"wppb_project_notify_{int(project_id)}"


def notification_choices(
    conn: Connection, user_id: int, project_id: int
) -> dict[str, bool]:
    """Which project events a user wants an email about; all of them by default."""
    stored = get_meta(conn, "user", int(user_id), notify_meta_key(project_id))
    stored = stored if isinstance(stored, Mapping) else {}
    return {
        event: is_on(stored[event]) if event in stored else True
        for event in NOTIFY_EVENTS
    }


def save_notification_choices(
    conn: Connection, user_id: int, project_id: int, wanted: Iterable[str]
) -> dict[str, bool]:
    """Keep a user's email choices for a project: the events in `wanted` are on."""
    wanted = set(wanted)
    choices = {event: event in wanted for event in NOTIFY_EVENTS}
    update_meta(conn, "user", int(user_id), notify_meta_key(project_id), choices)
    return choices


# -- dates, as the CRM stores them -------------------------------------------------

_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\Z"
)


def parse_date(value: Any) -> datetime | None:
    """Read a stored date (ISO 8601 as a browser writes it, or a plain date) in UTC.

    A value without a zone is taken as UTC. Empty or unreadable values are None.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    match = _ISO.match(str(value or "").strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    text = f"{year}-{month}-{day}T{hour or '00'}:{minute or '00'}:{second or '00'}"
    if fraction:
        text += "." + fraction.ljust(6, "0")
    if zone and zone != "Z":
        text += zone if ":" in zone else f"{zone[:3]}:{zone[3:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def iso_date(moment: datetime) -> str:
    """Write a moment as JavaScript's Date.toISOString() does: UTC, milliseconds, Z."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def local_midnight(day: date, zone: tzinfo) -> datetime:
    """The start of `day` in the site's time zone, as a date picker there means it."""
    return datetime.combine(day, time(0, 0), tzinfo=zone)


# -- pages of records --------------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a longer list."""

    items: list[T]
    total: int
    page: int = 1
    per_page: int = 20

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def first_index(self) -> int:
        return 0 if not self.items else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


def page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """Return (limit, offset) for a 1-based page number."""
    page = max(1, int(page))
    return per_page, (page - 1) * per_page


# -- terms with their `type` meta --------------------------------------------------


@dataclass(frozen=True)
class Term:
    id: int
    name: str
    slug: str
    type: str = ""


def typed_terms(
    conn: Connection, object_ids: Iterable[int], taxonomies: Iterable[str]
) -> dict[int, dict[str, list[Term]]]:
    """The terms of many objects with their `type` term meta, in one query."""
    ids = sorted({int(i) for i in object_ids})
    names = sorted(set(taxonomies))
    result: dict[int, dict[str, list[Term]]] = {
        i: {name: [] for name in names} for i in ids
    }
    if not ids or not names:
        return result
    rows = conn.query(
        "SELECT tr.object_id, tt.taxonomy, t.term_id, t.name, t.slug, "
        "(SELECT tm.meta_value FROM {termmeta} tm WHERE tm.term_id = t.term_id "
        "AND tm.meta_key = %s ORDER BY tm.meta_id LIMIT 1) AS term_type "
        "FROM {term_relationships} tr "
        "JOIN {term_taxonomy} tt ON tt.term_taxonomy_id = tr.term_taxonomy_id "
        "JOIN {terms} t ON t.term_id = tt.term_id "
        f"WHERE tr.object_id IN ({placeholders(len(ids))}) "
        f"AND tt.taxonomy IN ({placeholders(len(names))}) "
        "ORDER BY tr.term_order, t.name, t.term_id",
        ["type", *ids, *names],
    )
    for row in rows:
        result[int(row["object_id"])][row["taxonomy"]].append(_term(row))
    return result


def taxonomy_terms(conn: Connection, taxonomy: str) -> list[Term]:
    """Every term of one taxonomy with its `type` meta, in the CRM's own order.

    Propovoice orders its status and type terms by the term meta `tax_pos`.
    """
    rows = conn.query(
        "SELECT t.term_id, t.name, t.slug, "
        "(SELECT tm.meta_value FROM {termmeta} tm WHERE tm.term_id = t.term_id "
        "AND tm.meta_key = %s ORDER BY tm.meta_id LIMIT 1) AS term_type, "
        "(SELECT tm.meta_value FROM {termmeta} tm WHERE tm.term_id = t.term_id "
        "AND tm.meta_key = %s ORDER BY tm.meta_id LIMIT 1) AS position "
        "FROM {terms} t JOIN {term_taxonomy} tt ON tt.term_id = t.term_id "
        "WHERE tt.taxonomy = %s",
        ("type", "tax_pos", taxonomy),
    )
    rows.sort(key=lambda row: (meta_int(row["position"], 10**9), int(row["term_id"])))
    return [_term(row) for row in rows]


def _term(row: Mapping[str, Any]) -> Term:
    return Term(
        id=int(row["term_id"]),
        name=str(row["name"] or ""),
        slug=str(row["slug"] or ""),
        type=str(row["term_type"] or ""),
    )


# -- projects ----------------------------------------------------------------------


@dataclass
class Project:
    id: int
    title: str
    description: str
    person_id: int
    org_id: int
    status: Term | None
    tags: list[str]
    start_date: datetime | None
    due_date: datetime | None
    budget: Decimal | None
    currency: str
    permissions: Permissions
    tasks_total: int = 0
    tasks_done: int = 0

    @property
    def progress(self) -> int:
        """Done tasks over all tasks, in whole percent (0 without tasks)."""
        if not self.tasks_total:
            return 0
        return int(self.tasks_done * 100 // self.tasks_total)

    @property
    def is_completed(self) -> bool:
        return self.status is not None and self.status.type == "completed"


def list_projects(
    conn: Connection, scope: Scope, *, page: int = 1, per_page: int = 20
) -> Page[Project]:
    """The client's projects, newest first, in five queries whatever their number."""
    where, params = scope.condition("p")
    total = int(conn.scalar(f"SELECT COUNT(*) FROM {{posts}} p WHERE {where}", params))
    limit, offset = page_bounds(page, per_page)
    rows = conn.query(
        "SELECT p.ID, p.post_title, p.post_content FROM {posts} p "
        f"WHERE {where} ORDER BY p.post_date DESC, p.ID DESC LIMIT %s OFFSET %s",
        [*params, limit, offset],
    )
    return Page(_projects(conn, rows), total, max(1, int(page)), per_page)


def get_project(conn: Connection, scope: Scope, project_id: int) -> Project | None:
    """One of the client's projects, or None when missing or someone else's."""
    where, params = scope.condition("p")
    rows = conn.query(
        "SELECT p.ID, p.post_title, p.post_content FROM {posts} p "
        f"WHERE p.ID = %s AND {where}",
        [int(project_id), *params],
    )
    projects = _projects(conn, rows)
    return projects[0] if projects else None


def _projects(conn: Connection, rows: list[dict[str, Any]]) -> list[Project]:
    ids = [int(row["ID"]) for row in rows]
    if not ids:
        return []
    metas = get_metas(conn, "post", ids, PROJECT_META)
    terms = typed_terms(conn, ids, (STATUS_TAXONOMY, TAG_TAXONOMY))
    counts = task_counts(conn, ids)
    projects = []
    for row in rows:
        project_id = int(row["ID"])
        meta = metas[project_id]
        statuses = terms[project_id][STATUS_TAXONOMY]
        budget = meta_text(meta.get("budget"))
        total, done = counts.get(project_id, (0, 0))
        projects.append(
            Project(
                id=project_id,
                title=meta_text(row["post_title"]) or meta_text(meta.get("title")),
                description=str(row["post_content"] or ""),
                person_id=meta_int(meta.get("person_id")),
                org_id=meta_int(meta.get("org_id")),
                status=statuses[0] if statuses else None,
                tags=[term.name for term in terms[project_id][TAG_TAXONOMY]],
                start_date=parse_date(meta.get("start_date")),
                due_date=parse_date(meta.get("due_date")),
                budget=to_decimal(budget) if budget else None,
                currency=meta_text(meta.get("currency")),
                permissions=parse_permissions(meta.get(PERMISSIONS_META)),
                tasks_total=total,
                tasks_done=done,
            )
        )
    return projects


def task_counts(
    conn: Connection, project_ids: Iterable[int]
) -> dict[int, tuple[int, int]]:
    """{project id: (tasks, done tasks)} in one query.

    A task is done when its status term has the term meta `type` = `done`.
    """
    ids = sorted({int(i) for i in project_ids})
    if not ids:
        return {}
    rows = conn.query(
        "SELECT m.meta_value AS project_id, COUNT(*) AS total, "
        "SUM(CASE WHEN EXISTS ("
        "SELECT 1 FROM {term_relationships} tr "
        "JOIN {term_taxonomy} tt ON tt.term_taxonomy_id = tr.term_taxonomy_id "
        "JOIN {termmeta} tm ON tm.term_id = tt.term_id "
        "WHERE tr.object_id = t.ID AND tt.taxonomy = %s "
        "AND tm.meta_key = %s AND tm.meta_value = %s"
        ") THEN 1 ELSE 0 END) AS done "
        "FROM {posts} t JOIN {postmeta} m ON m.post_id = t.ID AND m.meta_key = %s "
        f"WHERE t.post_type = %s AND t.post_status = %s "
        f"AND m.meta_value IN ({placeholders(len(ids))}) "
        "GROUP BY m.meta_value",
        [
            "ndpv_task_status",
            "type",
            "done",
            "tab_id",
            "ndpv_task",
            "publish",
            *(str(i) for i in ids),
        ],
    )
    return {
        meta_int(row["project_id"]): (int(row["total"] or 0), int(row["done"] or 0))
        for row in rows
    }


# -- the project's estimates and invoices ------------------------------------------


@dataclass
class ProjectDocument:
    """An estimate or invoice of a project, with the figures the portal shows.

    The figures follow the estimate and invoice pages: what is due is Propovoice's
    own `due` figure when it kept one, and nothing once the invoice is paid.
    """

    id: int
    path: str
    number: str
    status: str
    date: datetime | None
    due_date: datetime | None
    currency: str
    total: Decimal
    paid: Decimal = Decimal(0)
    due: Decimal = Decimal(0)

    def display_status(self, cutoff: datetime) -> str:
        """The stored status, or `overdue` / `expired` when open past its due date.

        `cutoff` is the start of the site's today; neither is ever stored.
        """
        if (
            self.status in OPEN_STATUSES
            and self.due_date is not None
            and self.due_date < cutoff
        ):
            return "overdue" if self.path == "invoice" else "expired"
        return self.status


@dataclass
class MoneySummary:
    """What a project's invoices add up to, per currency."""

    invoiced: dict[str, Decimal] = field(default_factory=dict)
    paid: dict[str, Decimal] = field(default_factory=dict)
    due: dict[str, Decimal] = field(default_factory=dict)


def project_documents(
    conn: Connection, scope: Scope, project_id: int
) -> tuple[list[ProjectDocument], MoneySummary]:
    """The project's estimates and invoices addressed to this client, never drafts.

    Two queries: the documents, then their meta.
    """
    contacts = scope.contact_ids
    if not contacts:
        return [], MoneySummary()
    rows = conn.query(
        "SELECT p.ID FROM {posts} p "
        "JOIN {postmeta} mm ON mm.post_id = p.ID AND mm.meta_key = %s "
        "WHERE p.post_type = %s AND p.post_status = %s AND mm.meta_value = %s "
        "AND NOT EXISTS (SELECT 1 FROM {postmeta} s WHERE s.post_id = p.ID "
        "AND s.meta_key = %s AND s.meta_value = %s) "
        "AND EXISTS (SELECT 1 FROM {postmeta} t WHERE t.post_id = p.ID "
        f"AND t.meta_key = %s AND t.meta_value IN ({placeholders(len(contacts))})) "
        "ORDER BY p.post_date DESC, p.ID DESC LIMIT %s",
        [
            "module_id",
            DOCUMENT_TYPE,
            "publish",
            str(int(project_id)),
            "status",
            "draft",
            "to",
            *(str(i) for i in contacts),
            MAX_DOCUMENTS,
        ],
    )
    ids = [int(row["ID"]) for row in rows]
    metas = get_metas(conn, "post", ids, DOCUMENT_META)

    documents = []
    summary = MoneySummary()
    for doc_id in ids:
        document = _document(doc_id, metas[doc_id])
        if document.path not in ("estimate", "invoice"):
            continue
        documents.append(document)
        if document.path == "invoice":
            code = document.currency
            for bucket, amount in (
                (summary.invoiced, document.total),
                (summary.paid, document.paid),
                (summary.due, document.due),
            ):
                bucket[code] = bucket.get(code, Decimal(0)) + amount
    return documents, summary


def _document(doc_id: int, meta: Mapping[str, Any]) -> ProjectDocument:
    invoice = meta.get("invoice")
    invoice = invoice if isinstance(invoice, Mapping) else {}
    status = meta_text(meta.get("status"))
    total = compute_totals(invoice).grand_total
    paid = to_decimal(meta.get("paid"))
    stored_due = meta.get("due")
    if status == "paid":
        due = Decimal(0)
    elif stored_due not in (None, ""):
        due = to_decimal(stored_due)
    else:
        due = total - paid
    return ProjectDocument(
        id=doc_id,
        path=meta_text(meta.get("path")),
        number=meta_text(meta.get("num")) or meta_text(invoice.get("num")),
        status=status,
        date=parse_date(meta.get("date") or invoice.get("date")),
        due_date=parse_date(meta.get("due_date") or invoice.get("due_date")),
        currency=currency_code(invoice.get("currency")),
        total=total,
        paid=paid,
        due=due,
    )


# -- what clients type -------------------------------------------------------------

_TAG = re.compile(r"<[A-Za-z/!?][^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_line(value: Any) -> str:
    """One line of text as WordPress's sanitize_text_field() leaves it."""
    text = _TAG.sub("", _CONTROL.sub("", str(value or "")))
    return " ".join(text.split())


def clean_text(value: Any) -> str:
    """Several lines of text without tags or control characters."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _TAG.sub("", _CONTROL.sub("", text))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def workspace_id(conn: Connection) -> int:
    """The workspace id every new CRM record carries as `ws_id`."""
    return meta_int(get_option(conn, "ndpv_workspace_default"), 0)
