"""Email digests of what is new on clients' projects: notes, files, estimates, invoices.

Records are made in the CRM's own admin as often as in the portal, so no code of
ours runs when one is created; `portal-bridge notify`, run from cron every few
minutes, looks for them instead:

- notes and files (`ndpv_note`, `ndpv_file`, on a project through `tab_id`) whose
  post id is above the watermark, the option `wppb_notify_watermark`;
- estimates and invoices (`ndpv_estinv`, on a project through `module_id`) that are
  not drafts and do not yet carry the post meta `wppb_notified`, so that a draft is
  announced once, when it is sent, however long after it was made.

The first run only sets the watermark and marks the documents there are, so that
installing the command never mails a site's history. After that, each portal user
of a project's client gets one digest a run, listing the new records they may see
there and chose emails about, except their own, in their WordPress language.

Delivery is at least once. The watermark moves and documents are marked only after
the run's sends; a user whose digest could not be sent keeps its records in the user
meta `wppb_notify_pending` and gets them with the next run's, for up to three days.
A run that stops between sending and recording sends those digests again next
time. One run at a time holds the option `wppb_notify_lock`, added in one INSERT on
the options table's unique name, with an expiry that a crashed run cannot outlive.
"""

from __future__ import annotations

import argparse
import html
import logging
import secrets
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from . import cli
from .admin_api import portal_url
from .config import Settings
from .crm.business import get_business, site_name
from .crm.clients import USER_META_KEYS, Client, get_client
from .crm.files import FILE_TYPE
from .crm.notes import NOTE_TYPE
from .crm.projects import (
    DOCUMENT_TYPE,
    PERMISSIONS_META,
    PROJECT_TYPE,
    Permissions,
    Scope,
    iso_date,
    notification_choices,
    parse_date,
    parse_permissions,
    project_scope,
)
from .crm.values import meta_int, meta_text
from .mail import MailError, compose, send, sender_address
from .money import is_on, parse_locale
from .wp.db import Connection, placeholders
from .wp.l10n import SITE_LOCALE_OPTION, USER_LOCALE_META, choose_locale
from .wp.meta import delete_meta, get_metas, update_meta
from .wp.options import get_option, update_option
from .wp.serialization import as_list, maybe_unserialize
from .wp.users import CLIENT_ROLE, is_email

log = logging.getLogger(__name__)

WATERMARK_OPTION = "wppb_notify_watermark"
LOCK_OPTION = "wppb_notify_lock"
NOTIFIED_META = "wppb_notified"
PENDING_META = "wppb_notify_pending"

# A run renews its lock at most once a minute while it sends; a run that died
# leaves a lock that the next run takes over once it has expired.
LOCK_SECONDS = 15 * 60
LOCK_RENEW_SECONDS = 60
# The CRM writes a record's meta just after the post: a younger record may not
# say yet which project it is on, so it waits for the next run.
SETTLE = timedelta(seconds=60)
# Records read a run; a larger backlog is worked off by the following runs.
BATCH = 500
# How long a digest that cannot be sent is tried again before it is given up.
RETRY_FOR = timedelta(days=3)
# Records listed in one email; the rest are counted, and are on the portal.
MAX_LISTED = 50

# What a record is, by post type, and which project section shows it.
KINDS = {NOTE_TYPE: "note", FILE_TYPE: "file", DOCUMENT_TYPE: "document"}
SECTIONS = {"note": "notes", "file": "files"}
DOCUMENT_PATHS = ("estimate", "invoice")
ITEM_META = (
    "tab_id",
    "type",
    "title",
    "url",
    "file",
    "module_id",
    "path",
    "num",
    "status",
    "to",
)
# Documents a client sees: not drafts, as the project page lists them.
_SENT_DOCUMENTS = (
    "p.post_type = %s AND p.post_status = %s "
    "AND EXISTS (SELECT 1 FROM {postmeta} s WHERE s.post_id = p.ID "
    "AND s.meta_key = %s AND s.meta_value NOT IN (%s, %s)) "
    "AND NOT EXISTS (SELECT 1 FROM {postmeta} d WHERE d.post_id = p.ID "
    "AND d.meta_key = %s AND d.meta_value = %s)"
)
_SENT_PARAMS = (DOCUMENT_TYPE, "publish", "status", "draft", "", "status", "draft")
_NOT_MARKED = (
    "NOT EXISTS (SELECT 1 FROM {postmeta} n WHERE n.post_id = p.ID AND n.meta_key = %s)"
)
_POST_COLUMNS = "p.ID, p.post_type, p.post_author, p.post_date_gmt, p.post_title"


# -- what a run finds ----------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A new note, file or document, as a digest lists it."""

    id: int
    kind: str
    project_id: int
    author_id: int
    author_name: str = ""
    title: str = ""
    is_link: bool = False
    path: str = ""
    status: str = ""
    to: int = 0

    def describe(self) -> str:
        """Say what the record is, in the current locale."""
        if self.kind == "note":
            if self.author_name:
                return _("New note by %(name)s", name=self.author_name)
            return _("New note")
        if self.kind == "file" and not self.title:
            return _("New link") if self.is_link else _("New file")
        if self.kind == "file" and self.is_link:
            return _("New link: %(title)s", title=self.title)
        if self.kind == "file":
            return _("New file: %(title)s", title=self.title)
        if self.path == "estimate":
            return _("New estimate %(num)s", num=self.title).rstrip()
        return _("New invoice %(num)s", num=self.title).rstrip()

    def url(self, portal: str) -> str:
        if self.kind == "document":
            return f"{portal}/{self.path}s/{self.id}"
        return f"{portal}/projects/{self.project_id}#{self.kind}-{self.id}"


@dataclass(frozen=True)
class ProjectInfo:
    """What deciding and writing a digest needs to know of a project."""

    id: int
    title: str
    person_id: int
    org_id: int
    permissions: Permissions


@dataclass(frozen=True)
class Recipient:
    """A portal user who may be told about a client's projects."""

    user_id: int
    email: str
    name: str
    client: Client
    scope: Scope
    locale: str = "en"

    def sees(self, project: ProjectInfo) -> bool:
        """Whether the project is one the user's client sees in the portal."""
        return bool(
            (project.person_id and project.person_id in self.scope.person_ids)
            or (project.org_id and project.org_id in self.scope.org_ids)
        )


@dataclass
class Digest:
    recipient: Recipient
    items: list[Item]


@dataclass(frozen=True)
class Pending:
    """Records a user's last digests could not deliver, and since when."""

    item_ids: tuple[int, ...]
    since: datetime


@dataclass
class Report:
    """What one run did, for the command line and the log."""

    first_run: bool = False
    busy: bool = False
    watermark: int = 0
    found: int = 0
    sent: int = 0
    logged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.busy:
            return "another notify run is in progress; nothing was done"
        if self.first_run:
            return (
                f"first run: watermark set at post {self.watermark}; nothing was "
                "sent, only records made from now on are announced"
            )
        text = f"{_count(self.found, 'new record')}; {_count(self.sent, 'email')} sent"
        if self.logged:
            text += f", {self.logged} only logged (BRIDGE_SMTP_URL is not set)"
        if self.failed:
            text += f", {self.failed} failed and kept for the next run"
        return text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


# -- one run at a time ---------------------------------------------------------------


class RunLock:
    """The option that says a run is going on, and until when at the latest."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.token = secrets.token_hex(16)
        self.value = ""
        self.renewed = 0.0

    def acquire(self) -> bool:
        """Take the lock; False when another live run holds it."""
        for _attempt in range(3):
            now = time.time()
            value = self._value(now)
            row = {"option_name": LOCK_OPTION, "option_value": value, "autoload": "no"}
            try:
                self.conn.insert("options", row)
            except Exception as exc:
                if not _is_duplicate(exc):
                    raise
                held = self.conn.scalar(
                    "SELECT option_value FROM {options} WHERE option_name = %s",
                    (LOCK_OPTION,),
                )
                if held is not None and _expiry(held) > now:
                    return False
                # Only the exact stale value goes, so two runs cannot both take over.
                self._delete(held)
                continue
            self.value, self.renewed = value, now
            return True
        return False

    def keep(self) -> bool:
        """Push the expiry on, at most once a minute; False when the lock was lost."""
        now = time.time()
        if now - self.renewed < LOCK_RENEW_SECONDS:
            return True
        value = self._value(now)
        cursor = self.conn.execute(
            "UPDATE {options} SET option_value = %s "
            "WHERE option_name = %s AND option_value = %s",
            (value, LOCK_OPTION, self.value),
        )
        if cursor.rowcount != 1:
            return False
        self.value, self.renewed = value, now
        return True

    def release(self) -> None:
        self._delete(self.value)

    def _delete(self, value: Any) -> None:
        self.conn.execute(
            "DELETE FROM {options} WHERE option_name = %s AND option_value = %s",
            (LOCK_OPTION, value),
        )

    def _value(self, now: float) -> str:
        return f"{int(now) + LOCK_SECONDS}:{self.token}"


def _expiry(value: Any) -> int:
    return meta_int(str(value).partition(":")[0])


def _is_duplicate(exc: Exception) -> bool:
    # sqlite3 and MySQLdb both call a broken unique key an IntegrityError.
    return type(exc).__name__ == "IntegrityError"


# -- the run -------------------------------------------------------------------------


def run(conn: Connection, config: Settings, now: datetime | None = None) -> Report:
    """Send this run's digests and record what they announced; see the module.

    Within an app context the digests are in each user's language; without one,
    in English.
    """
    now = now or datetime.now(UTC)
    lock = RunLock(conn)
    if not lock.acquire():
        log.info("notify: another run holds the lock")
        return Report(busy=True)
    try:
        watermark = _read_watermark(get_option(conn, WATERMARK_OPTION))
        if watermark is None:
            return _first_run(conn, now)
        return _announce(conn, config, now, lock, watermark)
    finally:
        lock.release()


def _read_watermark(value: Any) -> int | None:
    # Anything unreadable starts afresh rather than announcing every record there is.
    if isinstance(value, Mapping):
        value = value.get("post_id")
    number = meta_int(value, -1)
    return number if number >= 0 else None


def _first_run(conn: Connection, now: datetime) -> Report:
    with conn.transaction():
        top = meta_int(conn.scalar("SELECT MAX(ID) FROM {posts}"))
        _mark_documents(conn, now)
        _store_watermark(conn, top, now)
    log.info("notify: first run, watermark set at post %s", top)
    return Report(first_run=True, watermark=top)


def _announce(
    conn: Connection, config: Settings, now: datetime, lock: RunLock, watermark: int
) -> Report:
    records, top = _new_records(conn, watermark, now)
    documents = _new_documents(conn, now)
    pending = _pending(conn, now)
    held_back = {i for entry in pending.values() for i in entry.item_ids}
    rows = records + documents + _rows(conn, held_back)
    items = _items(conn, rows)
    new_ids = [int(row["ID"]) for row in records + documents]
    report = Report(watermark=top, found=sum(1 for i in new_ids if i in items))

    projects = _projects(conn, {item.project_id for item in items.values()})
    recipients = _recipients(conn, projects, pending)
    digests = _digests(conn, recipients, projects, items, new_ids, pending)

    failed = _send_all(conn, config, digests, projects, lock, report)
    if failed is None:
        report.errors.append(
            "the run lost its lock while sending; nothing was recorded, so the "
            "next run sends this run's emails again"
        )
        return report

    with conn.transaction():
        _store_watermark(conn, top, now)
        _mark_documents(conn, now, [int(row["ID"]) for row in documents])
        _keep_pending(conn, failed, pending, now)
    return report


def _store_watermark(conn: Connection, post_id: int, now: datetime) -> None:
    update_option(
        conn,
        WATERMARK_OPTION,
        {"post_id": int(post_id), "updated_gmt": iso_date(now)},
        autoload=False,
    )


# -- reading records -----------------------------------------------------------------


def _new_records(
    conn: Connection, watermark: int, now: datetime
) -> tuple[list[dict[str, Any]], int]:
    """Notes and files above the watermark, oldest first, and the next watermark."""
    rows = conn.query(
        f"SELECT {_POST_COLUMNS} FROM {{posts}} p WHERE p.ID > %s "
        "AND p.post_type IN (%s, %s) AND p.post_status = %s ORDER BY p.ID LIMIT %s",
        (int(watermark), NOTE_TYPE, FILE_TYPE, "publish", BATCH),
    )
    settled = []
    for row in rows:
        # Everything after a record too young to read waits with it.
        if _too_young(row, now):
            break
        settled.append(row)
    return settled, int(settled[-1]["ID"]) if settled else watermark


def _new_documents(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Estimates and invoices that are not drafts and were never announced."""
    rows = conn.query(
        f"SELECT {_POST_COLUMNS} FROM {{posts}} p WHERE {_SENT_DOCUMENTS} "
        f"AND {_NOT_MARKED} ORDER BY p.ID LIMIT %s",
        (*_SENT_PARAMS, NOTIFIED_META, BATCH),
    )
    return [row for row in rows if not _too_young(row, now)]


def _too_young(row: Mapping[str, Any], now: datetime) -> bool:
    made = parse_date(row["post_date_gmt"])
    return made is not None and made > now - SETTLE


def _mark_documents(
    conn: Connection, now: datetime, ids: Iterable[int] | None = None
) -> None:
    """Mark documents as announced: the given ones, or every one clients see."""
    if ids is None:
        where, params = _SENT_DOCUMENTS, list(_SENT_PARAMS)
    else:
        ids = sorted(set(ids))
        if not ids:
            return
        where, params = f"p.ID IN ({placeholders(len(ids))})", list(ids)
    conn.execute(
        "INSERT INTO {postmeta} (post_id, meta_key, meta_value) "
        f"SELECT p.ID, %s, %s FROM {{posts}} p WHERE {where} AND {_NOT_MARKED}",
        [NOTIFIED_META, iso_date(now), *params, NOTIFIED_META],
    )


def _pending(conn: Connection, now: datetime) -> dict[int, Pending]:
    rows = conn.query(
        "SELECT user_id, meta_value FROM {usermeta} WHERE meta_key = %s",
        (PENDING_META,),
    )
    pending = {}
    for row in rows:
        value = maybe_unserialize(row["meta_value"])
        value = value if isinstance(value, Mapping) else {}
        ids = tuple(i for i in (meta_int(x) for x in as_list(value.get("items"))) if i)
        since = parse_date(value.get("since")) or now
        pending[int(row["user_id"])] = Pending(ids, since)
    return pending


def _rows(conn: Connection, ids: Iterable[int]) -> list[dict[str, Any]]:
    ids = sorted(set(ids))
    if not ids:
        return []
    return conn.query(
        f"SELECT {_POST_COLUMNS} FROM {{posts}} p "
        f"WHERE p.ID IN ({placeholders(len(ids))}) AND p.post_status = %s "
        "AND p.post_type IN (%s, %s, %s)",
        (*ids, "publish", NOTE_TYPE, FILE_TYPE, DOCUMENT_TYPE),
    )


def _items(conn: Connection, rows: list[dict[str, Any]]) -> dict[int, Item]:
    """Read records with their meta, authors and attachments, in four queries."""
    by_id = {int(row["ID"]): row for row in rows}
    metas = get_metas(conn, "post", by_id, ITEM_META)
    authors = _names(conn, "users", "display_name", (r["post_author"] for r in rows))
    attachments = _names(
        conn,
        "posts",
        "post_title",
        (
            metas[i].get("file")
            for i, row in by_id.items()
            if row["post_type"] == FILE_TYPE and not meta_text(metas[i].get("title"))
        ),
    )

    items = {}
    for item_id, row in by_id.items():
        meta = metas[item_id]
        kind = KINDS[row["post_type"]]
        author_id = meta_int(row["post_author"])
        common = {
            "id": item_id,
            "kind": kind,
            "author_id": author_id,
            "author_name": authors.get(author_id, ""),
        }
        if kind == "document":
            items[item_id] = Item(
                **common,
                project_id=meta_int(meta.get("module_id")),
                title=meta_text(meta.get("num")) or meta_text(row["post_title"]),
                path=meta_text(meta.get("path")),
                status=meta_text(meta.get("status")),
                to=meta_int(meta.get("to")),
            )
            continue
        is_link = meta_text(meta.get("type")) == "link"
        title = meta_text(meta.get("title"))
        if kind == "file" and not title:
            title = attachments.get(meta_int(meta.get("file")), "")
        items[item_id] = Item(
            **common,
            project_id=meta_int(meta.get("tab_id")),
            title=" ".join(title.split()),
            is_link=is_link,
        )
    return items


def _names(
    conn: Connection, table: str, column: str, ids: Iterable[Any]
) -> dict[int, str]:
    wanted = sorted({meta_int(i) for i in ids} - {0})
    if not wanted:
        return {}
    rows = conn.query(
        f"SELECT ID, {column} AS name FROM {{{table}}} "
        f"WHERE ID IN ({placeholders(len(wanted))})",
        wanted,
    )
    return {int(row["ID"]): meta_text(row["name"]) for row in rows}


def _projects(conn: Connection, ids: Iterable[int]) -> dict[int, ProjectInfo]:
    wanted = sorted(set(ids) - {0})
    if not wanted:
        return {}
    rows = conn.query(
        "SELECT ID, post_title FROM {posts} "
        f"WHERE ID IN ({placeholders(len(wanted))}) "
        "AND post_type = %s AND post_status = %s",
        (*wanted, PROJECT_TYPE, "publish"),
    )
    metas = get_metas(
        conn,
        "post",
        [row["ID"] for row in rows],
        ("title", "person_id", "org_id", PERMISSIONS_META),
    )
    projects = {}
    for row in rows:
        meta = metas[int(row["ID"])]
        projects[int(row["ID"])] = ProjectInfo(
            id=int(row["ID"]),
            title=meta_text(row["post_title"]) or meta_text(meta.get("title")),
            person_id=meta_int(meta.get("person_id")),
            org_id=meta_int(meta.get("org_id")),
            permissions=parse_permissions(meta.get(PERMISSIONS_META)),
        )
    return projects


# -- who is told ---------------------------------------------------------------------


def _recipients(
    conn: Connection, projects: Mapping[int, ProjectInfo], also: Iterable[int]
) -> list[Recipient]:
    """The portal users of the projects' clients, and of `also`, who may use it.

    Whether a user sees a project is left to `Recipient.sees`, which reads the
    scope the portal itself would give the user's client.
    """
    contacts = {p.person_id for p in projects.values()}
    contacts |= {p.org_id for p in projects.values()}
    contacts |= _members(conn, {p.org_id for p in projects.values()} - {0})
    contacts -= {0}
    user_ids = set(also)
    if contacts:
        rows = conn.query(
            "SELECT user_id FROM {usermeta} WHERE meta_key = %s "
            f"AND meta_value IN ({placeholders(len(contacts))})",
            ("ndpv_client_id", *(str(i) for i in sorted(contacts))),
        )
        user_ids |= {int(row["user_id"]) for row in rows}
    if not user_ids:
        return []

    ids = sorted(user_ids)
    users = conn.query(
        "SELECT ID, user_email, display_name FROM {users} "
        f"WHERE ID IN ({placeholders(len(ids))}) ORDER BY ID",
        ids,
    )
    caps_key = f"{conn.database.prefix}capabilities"
    metas = get_metas(conn, "user", ids, (*USER_META_KEYS, USER_LOCALE_META, caps_key))
    site_locale = get_option(conn, SITE_LOCALE_OPTION)
    clients: dict[int, Client | None] = {}
    recipients = []
    for user in users:
        user_id = int(user["ID"])
        meta = metas[user_id]
        caps = meta.get(caps_key)
        client_id = meta_int(meta.get("ndpv_client_id"))
        # As the portal: the client role, access on, and a client that exists.
        if not (isinstance(caps, Mapping) and is_on(caps.get(CLIENT_ROLE, False))):
            continue
        if not is_on(meta.get("ndpv_client_portal")) or not client_id:
            continue
        if client_id not in clients:
            clients[client_id] = get_client(conn, client_id)
        client = clients[client_id]
        if client is None:
            continue
        email = meta_text(user["user_email"])
        if not is_email(email):
            log.warning("notify: user %s has no valid email address", user_id)
            continue
        recipients.append(
            Recipient(
                user_id=user_id,
                email=email,
                name=meta_text(user["display_name"]) or client.name,
                client=client,
                scope=project_scope(conn, client.id, client.kind, client.org_id),
                locale=choose_locale(meta.get(USER_LOCALE_META), site_locale),
            )
        )
    return recipients


def _members(conn: Connection, org_ids: set[int]) -> set[int]:
    """The people who belong to these organizations, and may see their projects."""
    if not org_ids:
        return set()
    ids = sorted(org_ids)
    rows = conn.query(
        "SELECT m.post_id FROM {postmeta} m JOIN {posts} c ON c.ID = m.post_id "
        f"WHERE m.meta_key = %s AND m.meta_value IN ({placeholders(len(ids))}) "
        "AND c.post_type = %s AND c.post_status = %s",
        ("org_id", *(str(i) for i in ids), "ndpv_person", "publish"),
    )
    return {int(row["post_id"]) for row in rows}


def _digests(
    conn: Connection,
    recipients: list[Recipient],
    projects: Mapping[int, ProjectInfo],
    items: Mapping[int, Item],
    new_ids: list[int],
    pending: Mapping[int, Pending],
) -> list[Digest]:
    choices: dict[tuple[int, int], dict[str, bool]] = {}

    def wanted(recipient: Recipient, item: Item) -> bool:
        project = projects.get(item.project_id)
        if project is None or not recipient.sees(project):
            return False
        if item.author_id == recipient.user_id:
            return False
        if item.kind in SECTIONS:
            if not project.permissions[SECTIONS[item.kind]].view:
                return False
        elif (
            item.path not in DOCUMENT_PATHS
            or item.status in ("", "draft")
            or item.to not in recipient.scope.contact_ids
        ):
            return False
        key = (recipient.user_id, project.id)
        if key not in choices:
            choices[key] = notification_choices(conn, recipient.user_id, project.id)
        return choices[key][item.kind]

    digests = []
    for recipient in recipients:
        held = pending.get(recipient.user_id)
        ids = sorted({*new_ids, *(held.item_ids if held else ())})
        chosen = [items[i] for i in ids if i in items and wanted(recipient, items[i])]
        if chosen:
            digests.append(Digest(recipient, chosen))
    return digests


# -- sending -------------------------------------------------------------------------


def _send_all(
    conn: Connection,
    config: Settings,
    digests: list[Digest],
    projects: Mapping[int, ProjectInfo],
    lock: RunLock,
    report: Report,
) -> dict[int, list[int]] | None:
    """Send the digests; return the records of those that failed, by user.

    None when the lock was lost, so that this run records nothing.
    """
    failed: dict[int, list[int]] = {}
    if not digests:
        return failed
    org = _org_name(conn)
    portal = portal_url(conn, config)
    reason = ""
    try:
        sender = sender_address(
            config.mail_from, meta_text(get_option(conn, "admin_email")), org
        )
    except MailError as exc:
        sender, reason = "", str(exc)

    for digest in digests:
        if not lock.keep():
            log.error("notify: the run lost its lock; stopping before the next email")
            return None
        user_id = digest.recipient.user_id
        try:
            if not sender:
                raise MailError(reason)
            message = digest_message(digest, projects, portal, org, sender)
            delivered = send(message, config.smtp_url)
        except MailError as exc:
            log.warning("notify: the email to user %s was not sent: %s", user_id, exc)
            failed[user_id] = [item.id for item in digest.items]
            report.failed += 1
            report.errors.append(f"user {user_id}: {exc}")
            continue
        if delivered:
            report.sent += 1
        else:
            report.logged += 1
    return failed


def _keep_pending(
    conn: Connection,
    failed: Mapping[int, list[int]],
    pending: Mapping[int, Pending],
    now: datetime,
) -> None:
    """Keep failed users' records for the next run; forget what was delivered."""
    for user_id in sorted(set(pending) - set(failed)):
        delete_meta(conn, "user", user_id, PENDING_META)
    for user_id, item_ids in sorted(failed.items()):
        since = pending[user_id].since if user_id in pending else now
        if now - since > RETRY_FOR:
            log.error(
                "notify: giving up the email to user %s, undeliverable since %s",
                user_id,
                iso_date(since),
            )
            delete_meta(conn, "user", user_id, PENDING_META)
            continue
        update_meta(
            conn,
            "user",
            user_id,
            PENDING_META,
            {"items": item_ids, "since": iso_date(since)},
        )


def _org_name(conn: Connection) -> str:
    business = get_business(conn)
    return (business.name if business else "") or site_name(conn) or "WordPress"


# -- the email -----------------------------------------------------------------------


def digest_message(
    digest: Digest,
    projects: Mapping[int, ProjectInfo],
    portal: str,
    org: str,
    sender: str,
) -> EmailMessage:
    """Write one user's digest, plain text and HTML, grouped by project.

    It names records and links to them; it never carries a note's text or a
    file's content, which stay behind the portal's login. It is written in the
    user's locale, within the app context that has the portal's catalogues.
    """
    locale = parse_locale(digest.recipient.locale)
    with force_locale(locale):
        return _write_digest(digest, projects, portal, org, sender, str(locale))


def _write_digest(
    digest: Digest,
    projects: Mapping[int, ProjectInfo],
    portal: str,
    org: str,
    sender: str,
    locale: str,
) -> EmailMessage:
    listed = digest.items[:MAX_LISTED]
    more = len(digest.items) - len(listed)
    groups: dict[int, list[Item]] = {}
    for item in listed:
        groups.setdefault(item.project_id, []).append(item)
    titles = {
        pid: projects[pid].title or _("Project #%(num)s", num=pid) for pid in groups
    }

    if len(groups) == 1:
        title = next(iter(titles.values()))
        subject = _("%(org)s: new in %(project)s", org=org, project=title)
    else:
        subject = ngettext(
            "%(org)s: new in one of your projects",
            "%(org)s: new in %(num)s of your projects",
            len(groups),
            org=org,
        )

    greeting = _("Hello %(name)s,", name=digest.recipient.name)
    intro = _("New in your client portal at %(org)s:", org=org)
    settings_label = _("Email settings for this project")
    text = [greeting, "", intro, ""]
    page = [f"<p>{_e(greeting)}</p>", f"<p>{_e(intro)}</p>"]
    for project_id, items in groups.items():
        settings_url = f"{portal}/projects/{project_id}#settings"
        text.append(titles[project_id])
        page.append(f'<h2 style="font-size: 1.1em;">{_e(titles[project_id])}</h2><ul>')
        for item in items:
            url = item.url(portal)
            text += [f"- {item.describe()}", f"  {url}"]
            page.append(f'<li><a href="{_e(url)}">{_e(item.describe())}</a></li>')
        text += [f"{settings_label}: {settings_url}", ""]
        page.append(
            f'</ul><p style="font-size: 0.9em;"><a href="{_e(settings_url)}">'
            f"{_e(settings_label)}</a></p>"
        )
    if more:
        rest = ngettext(
            "And %(num)s more in the portal", "And %(num)s more in the portal", more
        )
        text += [f"{rest}: {portal}/projects", ""]
        page.append(f'<p><a href="{_e(portal)}/projects">{_e(rest)}</a>.</p>')
    text.append(org)
    page.append(f"<p>{_e(org)}</p>")

    lang = _e(locale.replace("_", "-"))
    return compose(
        to=digest.recipient.email,
        sender=sender,
        subject=subject,
        text="\n".join(text) + "\n",
        html_page=(
            f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
            "</head>\n"
            '<body style="font-family: sans-serif; line-height: 1.5; '
            'color: #1d2327;">\n' + "\n".join(page) + "\n</body></html>\n"
        ),
    )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


# -- the command line ----------------------------------------------------------------


def _add_command(sub: Any) -> None:
    parser = sub.add_parser(
        "notify",
        help="email clients what is new on their projects (run it from cron)",
        description="Send each portal user one email listing the notes, files, "
        "estimates and invoices added to their projects since the last run, as "
        "they chose in each project's email settings. The first run only "
        "remembers where to start. Safe to run often and from several hosts.",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print nothing unless something failed"
    )


if _add_command not in cli._EXTENSIONS:
    cli._EXTENSIONS.append(_add_command)


@cli.command("notify")
def notify_command(args: argparse.Namespace) -> int:
    from . import create_app
    from .config import load_settings
    from .web import resolve_site_urls
    from .wp.db import Database

    config = load_settings()
    # The digests are written from the portal's catalogues, which the app holds.
    with (
        create_app(config).app_context(),
        Database(config.database_url, config.table_prefix).connect() as conn,
    ):
        resolve_site_urls(conn, config)
        report = run(conn, config)
    if not args.quiet or not report.ok:
        print(report.summary())
    for error in report.errors:
        print(f"portal-bridge: {error}", file=sys.stderr)
    return 0 if report.ok else 1
