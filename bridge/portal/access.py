"""Who the portal serves: the client behind the logged-in WordPress user.

A user with the client role and portal access on is that client. An administrator
may look at the portal as any client, read-only, after choosing one. Views take the
client from `g.client` (set by `client_required`) and pass `client_ids()` to every
query, so that a record of another client is never even read.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import refresh
from werkzeug.routing import BuildError

from ..crm.business import get_business, site_name
from ..crm.clients import (
    Client,
    client_ids_for,
    get_client,
    list_clients,
    portal_link,
)
from ..web import get_db
from ..wp.l10n import user_locale
from . import bp

# Imported first so that its before_request (which loads g.wp_user) runs before ours.
from .auth import login_required

log = logging.getLogger(__name__)

ADMIN_ROLE = "administrator"
CLIENT_ROLE = "ndpv_client_role"
ACT_AS_KEY = "portal_act_as"
READ_METHODS = ("GET", "HEAD", "OPTIONS")

T = TypeVar("T")


# -- the logged-in user --------------------------------------------------------------


def user_id(user: Any) -> int:
    """The WordPress user id of `g.wp_user`, whatever shape the loader gave it."""
    if isinstance(user, Mapping):
        return int(user.get("ID") or user.get("id") or 0)
    return int(getattr(user, "ID", None) or getattr(user, "id", 0) or 0)


def user_roles(user: Any) -> list[str]:
    if isinstance(user, Mapping):
        roles = user.get("roles")
    else:
        roles = getattr(user, "roles", None)
    return [str(role) for role in roles or ()]


def is_admin(user: Any) -> bool:
    return user is not None and ADMIN_ROLE in user_roles(user)


# -- the client ------------------------------------------------------------------------


def current_client() -> Client | None:
    return g.get("client")


def client_ids() -> tuple[int, ...]:
    """The ids whose records the current client sees; empty when there is none."""
    client = current_client()
    return client_ids_for(client) if client is not None else ()


def acting_admin() -> bool:
    """Whether an administrator is looking at the portal as a client."""
    return bool(g.get("acting_admin"))


def client_or_404(*owner_ids: Any) -> Client:
    """Return the current client if it owns a record whose owner ids are given.

    :raise 404: when no client is resolved or none of the ids is the client's,
        exactly as when the record does not exist.
    """
    client = current_client()
    if client is None:
        abort(404)
    mine = set(client_ids_for(client))
    for owner in owner_ids:
        try:
            if int(str(owner)) in mine:
                return client
        except (TypeError, ValueError):
            continue
    abort(404)
    raise AssertionError("unreachable")  # abort() always raises


def found_or_404(record: T | None) -> T:
    """Return a record read for the current client, or answer 404 when there is none."""
    if record is None:
        abort(404)
    return record


def _refuse(template: str, status: int, **context: Any):
    abort(make_response(render_template(template, **context), status))


def resolve_client() -> Client | None:
    """Decide which client this request is for, setting `g.client`.

    Answers 403 (with the reason) when the user may not use the portal, and
    returns None when an administrator has not chosen a client yet.
    """
    if "client" in g:
        return g.client
    user = g.get("wp_user")
    g.client = None
    g.acting_admin = False
    if user is None:
        return None

    conn = get_db()
    if is_admin(user):
        g.acting_admin = True
        chosen = session.get(ACT_AS_KEY)
        client = get_client(conn, int(chosen)) if chosen else None
        if client is None:
            session.pop(ACT_AS_KEY, None)
        g.client = client
        return client

    link = portal_link(conn, user_id(user)) if CLIENT_ROLE in user_roles(user) else None
    if link is None:
        _refuse(
            "portal/access_off.html",
            403,
            title=_("This account has no client portal"),
            message=_(
                "You are signed in, but this account is not linked to a client. "
                "Please contact us if you think this is a mistake."
            ),
        )
    if not link.portal:
        _refuse(
            "portal/access_off.html",
            403,
            title=_("Portal access is turned off"),
            message=_(
                "Access to the client portal is turned off for your account. "
                "Please contact us to have it turned back on."
            ),
        )
    client = get_client(conn, link.client_id)
    if client is None:
        _refuse(
            "portal/access_off.html",
            403,
            title=_("This account has no client portal"),
            message=_(
                "The client record of this account no longer exists. Please contact us."
            ),
        )
    g.client = client
    return client


def client_required(view: Callable) -> Callable:
    """Let a view run only for a resolved client; administrators only read.

    Anonymous visitors go to the login; administrators without a chosen client go
    to the chooser; an administrator's POST as a client is refused with 403.
    """

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        client = resolve_client()
        if client is None:
            return redirect(url_for("portal.choose_client", next=request.full_path))
        if acting_admin() and request.method not in READ_METHODS:
            abort(
                403,
                description=_(
                    "Administrators can look at the portal as a client, "
                    "but cannot act on the client's behalf."
                ),
            )
        return view(*args, **kwargs)

    return login_required(wrapped)


# -- the administrator's client chooser ---------------------------------------------


@bp.get("/choose-client")
@login_required
def choose_client():
    """Let an administrator pick the client whose portal to look at."""
    user = g.get("wp_user")
    if user is None:
        abort(401)
    if not is_admin(user):
        return redirect(url_for("portal.dashboard"))

    conn = get_db()
    wanted = request.args.get("client", type=int)
    target = _safe_next(request.args.get("next", ""))
    if wanted:
        client = get_client(conn, wanted)
        if client is None:
            abort(404)
        session[ACT_AS_KEY] = client.id
        return redirect(target or url_for("portal.dashboard"))
    resolve_client()
    return render_template(
        "portal/choose_client.html", clients=list_clients(conn), next=target
    )


def _safe_next(target: str) -> str:
    """Keep a `next` only when it is a path inside the portal."""
    prefix = current_app.config["BRIDGE"].url_prefix
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(prefix + "/"):
        return ""
    if target.startswith(prefix + "/choose-client"):
        return ""
    return target.rstrip("?")


# -- locale ----------------------------------------------------------------------------


def portal_locale() -> str:
    """The user's WordPress locale, else the site's `WPLANG`, else English."""
    user = g.get("wp_user")
    return user_locale(get_db(), user_id(user) if user is not None else 0)


@bp.before_request
def _select_locale() -> None:
    if request.endpoint in ("portal.healthz", "portal.static"):
        return
    g.locale = portal_locale()
    refresh()


# -- what every page's layout needs --------------------------------------------------


def nav_url(endpoint: str, **values: Any) -> str | None:
    """The URL of an endpoint, or None when that part of the portal is not installed."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


def header_business():
    """The business shown in the header; None when it cannot be read."""
    if "header_business" not in g:
        try:
            g.header_business = get_business(get_db())
            g.site_name = site_name(get_db()) if g.header_business is None else ""
        except Exception:  # the error page must render regardless
            log.warning("could not read the business for the header", exc_info=True)
            g.header_business = None
            g.site_name = ""
    return g.header_business


@bp.app_context_processor
def _layout_context() -> dict[str, Any]:
    return {
        "nav_url": nav_url,
        "header_business": header_business,
        "portal_client": current_client,
        "portal_user": lambda: g.get("wp_user"),
        "acting_admin": acting_admin,
        "html_lang": lambda: str(g.get("locale") or "en").replace("_", "-"),
    }


@bp.record_once
def _add_translations(state) -> None:
    """Make Flask-Babel read the portal's own catalogues too."""
    from pathlib import Path

    babel = state.app.extensions.get("babel")
    directory = str(Path(__file__).parent / "translations")
    if babel is not None and directory not in babel.translation_directories:
        babel.translation_directories.append(directory)
