"""Clients: the CRM's people and organizations, and which one a WordPress user is.

A client is an `ndpv_person` or `ndpv_org` post. The portal's WordPress user points
at it through the user meta `ndpv_client_id`, `ndpv_client_type` and
`ndpv_client_portal` (the "Client Portal Access" switch). A person may belong to an
organization (post meta `org_id`); such a person also sees what is addressed to the
organization, so every query about "the client's records" takes `client_ids_for()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..money import is_on
from ..wp.db import Connection, placeholders
from ..wp.meta import get_metas
from .values import meta_int, meta_text, postal_lines

POST_TYPES = {"person": "ndpv_person", "org": "ndpv_org"}
KINDS = {post_type: kind for kind, post_type in POST_TYPES.items()}

USER_META_KEYS = ("ndpv_client_id", "ndpv_client_type", "ndpv_client_portal")
CONTACT_KEYS = (
    "first_name",
    "name",
    "email",
    "web",
    "mobile",
    "country",
    "region",
    "address",
    "city",
    "zip",
    "org_id",
    "is_client",
    "client_portal",
)


@dataclass(frozen=True)
class PortalLink:
    """What a WordPress user's meta says about the client behind it."""

    client_id: int
    client_type: str
    portal: bool


@dataclass(frozen=True)
class Client:
    """A person or organization with its contact details."""

    id: int
    kind: str
    name: str
    email: str = ""
    mobile: str = ""
    web: str = ""
    address: str = ""
    city: str = ""
    region: str = ""
    zip: str = ""
    country: str = ""
    org_id: int = 0
    org_name: str = ""
    is_client: bool = False
    portal: bool = False

    @property
    def address_lines(self) -> list[str]:
        """The postal address as it is printed: street, then city line, then country."""
        return postal_lines(
            self.address, self.city, self.region, self.zip, self.country
        )


def client_ids_for(client: Client) -> tuple[int, ...]:
    """Return the ids whose records this client may see: its own, and its org's."""
    if client.kind == "person" and client.org_id:
        return (client.id, client.org_id)
    return (client.id,)


def portal_link(conn: Connection, user_id: int) -> PortalLink | None:
    """Read a user's client link in one query; None when the user has none."""
    values = get_metas(conn, "user", [user_id], USER_META_KEYS)[int(user_id)]
    client_id = meta_int(values.get("ndpv_client_id"))
    if not client_id:
        return None
    return PortalLink(
        client_id=client_id,
        client_type=str(values.get("ndpv_client_type") or ""),
        portal=is_on(values.get("ndpv_client_portal")),
    )


def get_client(conn: Connection, client_id: int) -> Client | None:
    """Return one person or organization, or None when it is neither or not live."""
    clients = _load(
        conn,
        "SELECT ID, post_title, post_type FROM {posts} "
        "WHERE ID = %s AND post_type IN (%s, %s) AND post_status = %s",
        (int(client_id), *POST_TYPES.values(), "publish"),
    )
    return clients[0] if clients else None


def list_clients(conn: Connection) -> list[Client]:
    """Every person and organization marked as a client, by name."""
    return _load(
        conn,
        "SELECT p.ID, p.post_title, p.post_type FROM {posts} p "
        "WHERE p.post_type IN (%s, %s) AND p.post_status = %s AND EXISTS ("
        "SELECT 1 FROM {postmeta} m WHERE m.post_id = p.ID "
        "AND m.meta_key = %s AND m.meta_value = %s) "
        "ORDER BY p.post_title, p.ID",
        (*POST_TYPES.values(), "publish", "is_client", "1"),
    )


def _load(conn: Connection, sql: str, params: tuple[Any, ...]) -> list[Client]:
    # Three queries whatever the number of clients: posts, their meta, their orgs.
    rows = conn.query(sql, params)
    metas = get_metas(conn, "post", [row["ID"] for row in rows], CONTACT_KEYS)
    org_ids = {
        meta_int(metas[int(row["ID"])].get("org_id"))
        for row in rows
        if row["post_type"] == POST_TYPES["person"]
    } - {0}
    orgs = _org_names(conn, org_ids)
    return [_client(row, metas[int(row["ID"])], orgs) for row in rows]


def _org_names(conn: Connection, org_ids: set[int]) -> dict[int, str]:
    if not org_ids:
        return {}
    ids = sorted(org_ids)
    rows = conn.query(
        f"SELECT ID, post_title FROM {{posts}} WHERE ID IN ({placeholders(len(ids))}) "
        "AND post_type = %s AND post_status = %s",
        (*ids, POST_TYPES["org"], "publish"),
    )
    return {int(row["ID"]): str(row["post_title"] or "") for row in rows}


def _client(row: Mapping[str, Any], meta: Mapping[str, Any], orgs: dict[int, str]):
    kind = KINDS[row["post_type"]]
    org_id = meta_int(meta.get("org_id")) if kind == "person" else 0
    if org_id not in orgs:
        # An org that was deleted or never existed grants nothing.
        org_id = 0
    name = str(row["post_title"] or "").strip() or meta_text(
        meta.get("name" if kind == "org" else "first_name")
    )
    return Client(
        id=int(row["ID"]),
        kind=kind,
        name=name,
        email=meta_text(meta.get("email")),
        mobile=meta_text(meta.get("mobile")),
        web=meta_text(meta.get("web")),
        address=meta_text(meta.get("address")),
        city=meta_text(meta.get("city")),
        region=meta_text(meta.get("region")),
        zip=meta_text(meta.get("zip")),
        country=meta_text(meta.get("country")),
        org_id=org_id,
        org_name=orgs.get(org_id, ""),
        is_client=is_on(meta.get("is_client")),
        portal=is_on(meta.get("client_portal")),
    )
