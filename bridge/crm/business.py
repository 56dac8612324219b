"""The business that sends estimates and invoices: its name, contact details and logo.

`ndpv_business` posts hold the sender's details; an estimate's or invoice's `from`
meta names one, and the one whose `default` meta is set speaks for the site when no
document is involved (the portal's header, for instance).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..money import is_on
from ..wp.db import Connection
from ..wp.meta import get_metas
from ..wp.options import get_option
from .values import meta_text, postal_lines

POST_TYPE = "ndpv_business"
META_KEYS = (
    "name",
    "org_name",
    "email",
    "web",
    "mobile",
    "country",
    "region",
    "address",
    "city",
    "zip",
    "logo",
    "default",
)
# SVG is left out on purpose: served from the portal, it could carry script.
LOGO_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


@dataclass(frozen=True)
class Business:
    """The sender, as printed at the top of a document."""

    id: int
    name: str
    contact_name: str = ""
    email: str = ""
    mobile: str = ""
    web: str = ""
    address: str = ""
    city: str = ""
    region: str = ""
    zip: str = ""
    country: str = ""
    logo_file: str = ""
    logo_mime: str = ""

    @property
    def address_lines(self) -> list[str]:
        return postal_lines(
            self.address, self.city, self.region, self.zip, self.country
        )


def get_business(conn: Connection, business_id: int | None = None) -> Business | None:
    """Return the given business, else the default one, else the first one.

    A fixed three queries: the candidates, their meta, the logo attachment.
    """
    rows = conn.query(
        "SELECT ID, post_title FROM {posts} WHERE post_type = %s "
        "AND post_status = %s ORDER BY ID",
        (POST_TYPE, "publish"),
    )
    if not rows:
        return None

    metas = get_metas(conn, "post", [row["ID"] for row in rows], ("default",))
    by_id = {int(row["ID"]): row for row in rows}
    chosen = by_id.get(int(business_id or 0)) or next(
        (row for row in rows if is_on(metas[int(row["ID"])].get("default"))), rows[0]
    )
    meta = get_metas(conn, "post", [chosen["ID"]], META_KEYS)[int(chosen["ID"])]
    logo_file, logo_mime = _logo(conn, meta.get("logo"))

    name = meta_text(meta.get("org_name")) or meta_text(chosen["post_title"])
    return Business(
        id=int(chosen["ID"]),
        name=name or meta_text(meta.get("name")),
        contact_name=meta_text(meta.get("name")),
        email=meta_text(meta.get("email")),
        mobile=meta_text(meta.get("mobile")),
        web=meta_text(meta.get("web")),
        address=meta_text(meta.get("address")),
        city=meta_text(meta.get("city")),
        region=meta_text(meta.get("region")),
        zip=meta_text(meta.get("zip")),
        country=meta_text(meta.get("country")),
        logo_file=logo_file,
        logo_mime=logo_mime,
    )


def site_name(conn: Connection) -> str:
    """The WordPress site's title, for when no business has been set up."""
    return meta_text(get_option(conn, "blogname"))


def logo_path(business: Business, uploads_dir: str) -> Path | None:
    """Return the logo's file inside the uploads folder, or None if it is not there.

    The stored path is refused when it would lead out of the uploads folder.
    """
    if not business.logo_file or not uploads_dir:
        return None
    root = Path(uploads_dir).resolve()
    candidate = (root / business.logo_file).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def _logo(conn: Connection, attachment_id: Any) -> tuple[str, str]:
    try:
        attachment = int(str(attachment_id))
    except (TypeError, ValueError):
        return "", ""
    if attachment <= 0:
        return "", ""
    row = conn.query_one(
        "SELECT p.post_mime_type, m.meta_value FROM {posts} p "
        "JOIN {postmeta} m ON m.post_id = p.ID AND m.meta_key = %s "
        "WHERE p.ID = %s AND p.post_type = %s",
        ("_wp_attached_file", attachment, "attachment"),
    )
    if row is None or row["post_mime_type"] not in LOGO_TYPES:
        return "", ""
    return str(row["meta_value"] or ""), str(row["post_mime_type"])
