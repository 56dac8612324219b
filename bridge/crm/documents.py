"""Estimates and invoices as the portal sees them: always through their client.

Both are `ndpv_estinv` posts told apart by the `path` meta. Every read here takes the
ids of the client asking (`client_ids_for()`) and filters by the `to` meta in SQL, and
never returns a draft: a record of another client, a draft, a record of another type
and a missing one are all simply not found. Lists page in SQL and read the meta of a
whole page in one query, so a page costs the same queries whatever the row count.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, tzinfo
from decimal import Decimal
from functools import cached_property
from typing import Any

from ..money import Totals, compute_totals, currency_code, to_decimal
from ..wp.db import Connection, placeholders
from ..wp.meta import get_meta, get_metas, update_meta
from ..wp.posts import site_timezone, update_post
from .activity import record_activity
from .values import meta_int, meta_text

log = logging.getLogger(__name__)

POST_TYPE = "ndpv_estinv"
PATHS = ("estimate", "invoice")
DRAFT = "draft"
OPEN = ("sent", "viewed")
DECISIONS = ("accept", "decline")
META_KEYS = (
    "path",
    "num",
    "status",
    "date",
    "due_date",
    "from",
    "to",
    "to_type",
    "module_id",
    "invoice",
    "total",
    "paid",
    "due",
    "token",
    "feedback",
    "feedback_by",
    "payment_info",
)
# Which stored statuses each list filter shows; "overdue" also needs a past due date.
FILTERS = {
    "estimate": {
        "open": OPEN,
        "accept": ("accept",),
        "decline": ("decline",),
    },
    "invoice": {
        "unpaid": (*OPEN, "paid_req"),
        "overdue": OPEN,
        "paid": ("paid",),
    },
}
PER_PAGE = 20
MAX_NOTE_LENGTH = 2000
TOKEN_PATTERN = re.compile(r"[0-9a-f]{40}\Z")


class DecisionError(Exception):
    """An estimate that cannot take the decision asked for."""


class AlreadyDecided(DecisionError):
    """The estimate was accepted or declined before; `status` says which."""

    def __init__(self, status: str) -> None:
        super().__init__(f"the estimate is already {status or 'decided'}")
        self.status = status


@dataclass
class Document:
    """One estimate or invoice with the meta the portal shows."""

    id: int
    path: str
    number: str
    status: str
    date: datetime | None
    due_date: datetime | None
    business_id: int
    client_id: int
    client_type: str
    project_id: int
    invoice: dict[str, Any] = field(default_factory=dict)
    paid: Decimal = Decimal(0)
    stored_due: Decimal | None = None
    token: str = ""
    feedback: dict[str, Any] = field(default_factory=dict)
    feedback_by: dict[str, Any] = field(default_factory=dict)
    payment_info: str = ""

    @cached_property
    def totals(self) -> Totals:
        return compute_totals(self.invoice)

    @property
    def currency(self) -> str:
        return currency_code(self.invoice.get("currency"))

    @property
    def lang(self) -> str:
        return str(self.invoice.get("lang") or "")

    @property
    def total(self) -> Decimal:
        return self.totals.grand_total

    @property
    def due(self) -> Decimal:
        """What is left to pay: Propovoice's own `due` figure when it kept one."""
        if self.status == "paid":
            return Decimal(0)
        if self.stored_due is not None:
            return self.stored_due
        return self.total - self.paid

    @property
    def decidable(self) -> bool:
        return self.path == "estimate" and self.status in OPEN

    def is_past_due(self, cutoff: datetime) -> bool:
        """Whether the due date fell before `cutoff` (the start of the site's today)."""
        return (
            self.status in OPEN and self.due_date is not None and self.due_date < cutoff
        )

    def display_status(self, cutoff: datetime) -> str:
        """The stored status, or `overdue` / `expired` derived from the due date."""
        if self.is_past_due(cutoff):
            return "overdue" if self.path == "invoice" else "expired"
        return self.status


@dataclass
class DocumentPage:
    items: list[Document]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return 0 if not self.items else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


@dataclass
class Summary:
    """The dashboard's figures, with amounts per currency."""

    open_estimates: int = 0
    open_estimate_totals: dict[str, Decimal] = field(default_factory=dict)
    unpaid_invoices: int = 0
    amount_due: dict[str, Decimal] = field(default_factory=dict)
    overdue_invoices: int = 0
    overdue_due: dict[str, Decimal] = field(default_factory=dict)


# -- time ------------------------------------------------------------------------------


def parse_moment(value: Any) -> datetime | None:
    """Read a stored date: an ISO 8601 string (as `Date.toISOString()` writes it),
    a `YYYY-MM-DD` day, a MySQL datetime or a Unix time; None when unreadable."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{9,11}", text):
        return parse_moment(int(text))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """Format a moment as `Date.toISOString()` does, the way the dates are stored."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def overdue_cutoff(
    conn: Connection, now: datetime | None = None, zone: tzinfo | None = None
) -> datetime:
    """The start of today in the site's time zone: due before it means overdue."""
    now = now or datetime.now(UTC)
    zone = zone or site_timezone(conn)
    local_today = now.astimezone(zone).date()
    return datetime.combine(local_today, time(0), zone).astimezone(UTC)


# -- reading ---------------------------------------------------------------------------


def _visible(path: str, client_ids: Sequence[int]) -> tuple[str, list[Any]]:
    """The FROM and WHERE of "this client's documents of this kind, no drafts"."""
    if path not in PATHS:
        raise ValueError(f"path must be one of {PATHS}, not {path!r}")
    ids = [str(int(i)) for i in client_ids]
    if not ids:
        raise ValueError("a document query needs the client's ids")
    sql = (
        "FROM {posts} p "
        "JOIN {postmeta} mp ON mp.post_id = p.ID AND mp.meta_key = 'path' "
        "JOIN {postmeta} mt ON mt.post_id = p.ID AND mt.meta_key = 'to' "
        "JOIN {postmeta} ms ON ms.post_id = p.ID AND ms.meta_key = 'status' "
        "WHERE p.post_type = %s AND p.post_status = 'publish' "
        "AND mp.meta_value = %s "
        f"AND mt.meta_value IN ({placeholders(len(ids))}) "
        "AND ms.meta_value <> %s"
    )
    return sql, [POST_TYPE, path, *ids, DRAFT]


def _filtered(
    path: str,
    client_ids: Sequence[int],
    status: str | None,
    cutoff: datetime | None,
    project_id: int | None,
) -> tuple[str, list[Any]]:
    sql, params = _visible(path, client_ids)
    statuses = FILTERS[path].get(status or "")
    if statuses:
        sql += f" AND ms.meta_value IN ({placeholders(len(statuses))})"
        params += list(statuses)
    if status == "overdue":
        if cutoff is None:
            raise ValueError("the overdue filter needs a cutoff")
        # Stored dates are ISO 8601 in UTC, so text order is time order.
        sql += (
            " AND EXISTS (SELECT 1 FROM {postmeta} md WHERE md.post_id = p.ID "
            "AND md.meta_key = 'due_date' AND md.meta_value <> '' "
            "AND md.meta_value < %s)"
        )
        params.append(iso(cutoff))
    if project_id is not None:
        sql += (
            " AND EXISTS (SELECT 1 FROM {postmeta} mm WHERE mm.post_id = p.ID "
            "AND mm.meta_key = 'module_id' AND mm.meta_value = %s)"
        )
        params.append(str(int(project_id)))
    return sql, params


def list_documents(
    conn: Connection,
    path: str,
    client_ids: Sequence[int],
    *,
    status: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
    cutoff: datetime | None = None,
    project_id: int | None = None,
) -> DocumentPage:
    """One page of a client's estimates or invoices, newest first, in three queries.

    `status` is one of FILTERS[path] (anything else lists them all); `project_id`
    keeps those of one project.
    """
    page = max(1, int(page))
    per_page = max(1, min(int(per_page), 100))
    sql, params = _filtered(path, client_ids, status, cutoff, project_id)

    total = int(conn.scalar(f"SELECT COUNT(DISTINCT p.ID) {sql}", params) or 0)
    rows = conn.query(
        f"SELECT DISTINCT p.ID, p.post_date {sql} "
        "ORDER BY p.post_date DESC, p.ID DESC LIMIT %s OFFSET %s",
        [*params, per_page, (page - 1) * per_page],
    )
    return DocumentPage(
        items=_documents(conn, [int(row["ID"]) for row in rows]),
        total=total,
        page=page,
        per_page=per_page,
    )


def get_document(
    conn: Connection, doc_id: int, path: str, client_ids: Sequence[int]
) -> Document | None:
    """One estimate or invoice of this client, or None (also for drafts)."""
    sql, params = _visible(path, client_ids)
    row = conn.query_one(f"SELECT p.ID {sql} AND p.ID = %s", [*params, int(doc_id)])
    if row is None:
        return None
    documents = _documents(conn, [int(row["ID"])])
    return documents[0] if documents else None


def get_by_token(conn: Connection, doc_id: int, token: str | None) -> Document | None:
    """The document of a public link, when the token is its own; drafts never."""
    if not token or not TOKEN_PATTERN.match(token):
        return None
    row = conn.query_one(
        "SELECT p.ID FROM {posts} p "
        "JOIN {postmeta} ms ON ms.post_id = p.ID AND ms.meta_key = 'status' "
        "WHERE p.ID = %s AND p.post_type = %s AND p.post_status = 'publish' "
        "AND ms.meta_value <> %s",
        (int(doc_id), POST_TYPE, DRAFT),
    )
    if row is None:
        return None
    documents = _documents(conn, [int(row["ID"])])
    if not documents or documents[0].path not in PATHS:
        return None
    document = documents[0]
    stored = document.token.encode("utf-8")
    if not stored or not hmac.compare_digest(stored, token.encode("utf-8")):
        return None
    return document


def summarize(conn: Connection, client_ids: Sequence[int], cutoff: datetime) -> Summary:
    """Counts and amounts of a client's open estimates and unpaid invoices.

    Two queries: the open documents' ids, then their meta.
    """
    ids = [str(int(i)) for i in client_ids]
    open_statuses = (*OPEN, "paid_req")
    rows = conn.query(
        "SELECT DISTINCT p.ID FROM {posts} p "
        "JOIN {postmeta} mt ON mt.post_id = p.ID AND mt.meta_key = 'to' "
        "JOIN {postmeta} ms ON ms.post_id = p.ID AND ms.meta_key = 'status' "
        "WHERE p.post_type = %s AND p.post_status = 'publish' "
        f"AND mt.meta_value IN ({placeholders(len(ids))}) "
        f"AND ms.meta_value IN ({placeholders(len(open_statuses))})",
        [POST_TYPE, *ids, *open_statuses],
    )
    summary = Summary()
    for document in _documents(conn, [int(row["ID"]) for row in rows]):
        currency = document.currency
        if document.path == "estimate" and document.status in OPEN:
            summary.open_estimates += 1
            _add(summary.open_estimate_totals, currency, document.total)
        elif document.path == "invoice":
            summary.unpaid_invoices += 1
            _add(summary.amount_due, currency, document.due)
            if document.is_past_due(cutoff):
                summary.overdue_invoices += 1
                _add(summary.overdue_due, currency, document.due)
    return summary


def _add(sums: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    sums[currency] = sums.get(currency, Decimal(0)) + amount


def _documents(conn: Connection, ids: Iterable[int]) -> list[Document]:
    ids = list(ids)
    metas = get_metas(conn, "post", ids, META_KEYS)
    return [_document(doc_id, metas[doc_id]) for doc_id in ids]


def _document(doc_id: int, meta: Mapping[str, Any]) -> Document:
    invoice = meta.get("invoice")
    invoice = dict(invoice) if isinstance(invoice, Mapping) else {}
    stored_due = meta.get("due")
    number = meta_text(meta.get("num")) or meta_text(invoice.get("num"))
    return Document(
        id=doc_id,
        path=meta_text(meta.get("path")),
        number=number,
        status=meta_text(meta.get("status")),
        date=parse_moment(meta.get("date") or invoice.get("date")),
        due_date=parse_moment(meta.get("due_date") or invoice.get("due_date")),
        business_id=meta_int(meta.get("from") or invoice.get("from")),
        client_id=meta_int(meta.get("to")),
        client_type=meta_text(meta.get("to_type")),
        project_id=meta_int(meta.get("module_id")),
        invoice=invoice,
        paid=to_decimal(meta.get("paid")),
        stored_due=(None if stored_due in (None, "") else to_decimal(stored_due)),
        token=meta_text(meta.get("token")),
        feedback=dict(meta["feedback"])
        if isinstance(meta.get("feedback"), Mapping)
        else {},
        feedback_by=dict(meta["feedback_by"])
        if isinstance(meta.get("feedback_by"), Mapping)
        else {},
        payment_info=meta_text(meta.get("payment_info")),
    )


# -- writing ---------------------------------------------------------------------------


def mark_viewed(conn: Connection, document: Document) -> bool:
    """Move a `sent` document to `viewed`, as opening it in Propovoice does.

    The update is conditional, so it happens once however many requests race.
    """
    with conn.transaction():
        cursor = conn.execute(
            "UPDATE {postmeta} SET meta_value = %s "
            "WHERE post_id = %s AND meta_key = 'status' AND meta_value = %s",
            ("viewed", document.id, "sent"),
        )
    changed = cursor.rowcount > 0
    if changed:
        document.status = "viewed"
    return changed


def decide(
    conn: Connection,
    document: Document,
    decision: str,
    note: str = "",
    *,
    user_id: int = 0,
    client_id: int = 0,
    ip: str = "",
    via: str = "portal",
    now: datetime | None = None,
) -> None:
    """Accept or decline an estimate, once.

    In one transaction: the status moves from sent or viewed to the decision only if
    it still is sent or viewed (so two racing submits make one decision), then the
    `feedback` array is written as Propovoice writes it, with who, when and from
    where in `feedback_by`, and the activity log gets an entry.

    :raise AlreadyDecided: when the estimate was accepted or declined before.
    :raise DecisionError: when it is not an estimate or the decision is unknown.
    """
    if decision not in DECISIONS:
        raise DecisionError(f"unknown decision {decision!r}")
    if document.path != "estimate":
        raise DecisionError("only estimates can be accepted or declined")
    now = (now or datetime.now(UTC)).astimezone(UTC)
    note = (note or "").strip()[:MAX_NOTE_LENGTH]

    with conn.transaction():
        if conn.backend == "mysql":
            # Queue racing decisions on the post's row before any meta is touched,
            # so InnoDB's gap locks on postmeta cannot deadlock them. (SQLite's
            # BEGIN IMMEDIATE already lets one writer in at a time.)
            conn.execute(
                "SELECT ID FROM {posts} WHERE ID = %s FOR UPDATE", (document.id,)
            )
        cursor = conn.execute(
            "UPDATE {postmeta} SET meta_value = %s "
            "WHERE post_id = %s AND meta_key = 'status' "
            f"AND meta_value IN ({placeholders(len(OPEN))})",
            (decision, document.id, *OPEN),
        )
        if cursor.rowcount < 1:
            current = get_meta(conn, "post", document.id, "status") or ""
            raise AlreadyDecided(str(current))

        stamp = int(now.timestamp())
        update_meta(
            conn,
            "post",
            document.id,
            "feedback",
            {"type": decision, "note": note, "attachment": [], "time": stamp},
        )
        update_meta(
            conn,
            "post",
            document.id,
            "feedback_by",
            {
                "user_id": int(user_id),
                "client_id": int(client_id),
                "ip": ip[:100],
                "via": via,
                "time": stamp,
            },
        )
        update_post(conn, document.id, now=now)
        record_activity(
            conn,
            actor_id=int(user_id),
            client_id=int(client_id),
            action=f"estimate_{decision}",
            object_type="estimate",
            object_id=document.id,
            project_id=document.project_id,
            ip=ip,
            detail=note if via == "portal" else f"[{via}] {note}".strip(),
        )

    document.status = decision
    document.feedback = {
        "type": decision,
        "note": note,
        "attachment": [],
        "time": stamp,
    }
