"""The dashboard: what needs the client's attention, and the latest documents."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import abort, render_template, send_file

from ..crm.business import get_business, logo_path
from ..crm.documents import list_documents, overdue_cutoff, summarize
from ..web import get_db, settings
from ..wp.db import Connection
from . import bp
from .access import client_ids, client_required, current_client
from .formatting import timezone

log = logging.getLogger(__name__)

LATEST = 5
# Active projects are counted among this many of the newest.
# TODO: count them in SQL by status term once the projects module offers a count,
# so that a client with more projects than this still gets an exact figure.
PROJECTS_COUNTED = 100


@bp.get("/")
@client_required
def dashboard():
    conn = get_db()
    ids = client_ids()
    cutoff = overdue_cutoff(conn, datetime.now(UTC), timezone())
    return render_template(
        "portal/dashboard.html",
        client=current_client(),
        summary=summarize(conn, ids, cutoff),
        estimates=list_documents(conn, "estimate", ids, per_page=LATEST).items,
        invoices=list_documents(conn, "invoice", ids, per_page=LATEST).items,
        projects=_projects(conn),
        cutoff=cutoff,
    )


def _projects(conn: Connection) -> dict[str, Any] | None:
    """The client's projects at a glance, when the projects part is installed."""
    try:
        from ..crm.projects import list_projects, project_scope
    except ImportError:
        return None
    client = current_client()
    scope = project_scope(conn, client.id, client.kind, client.org_id)
    page = list_projects(conn, scope, per_page=PROJECTS_COUNTED)
    projects = list(page.items)
    return {
        "total": page.total,
        "active": sum(1 for project in projects if not project.is_completed),
        "latest": projects[:LATEST],
    }


@bp.get("/business/<int:business_id>/logo")
def business_logo(business_id: int):
    """The business's logo, from WordPress's uploads folder (no login: it is public)."""
    business = get_business(get_db(), business_id)
    if business is None or business.id != business_id:
        abort(404)
    path = logo_path(business, settings().uploads_dir)
    if path is None:
        abort(404)
    response = send_file(path, mimetype=business.logo_mime, max_age=3600)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
