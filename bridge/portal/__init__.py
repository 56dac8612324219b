"""The portal: Flask blueprint, pages, forms, templates and static files."""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, current_app, g, render_template, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from ..web import close_db, get_db, resolve_site_urls, settings
from ..wp.errors import DatabaseUnavailable

log = logging.getLogger(__name__)

bp = Blueprint("portal", __name__, template_folder="templates", static_folder="static")
csrf = CSRFProtect()
babel = Babel()


def init_app(app: Flask) -> None:
    """Register the portal blueprint, CSRF protection, translations and error pages."""
    # Each module registers its own routes and hooks on `bp` when imported.
    from .. import admin_api  # noqa: F401
    from . import (  # noqa: F401
        access,
        account,
        auth,
        dashboard,
        estimates,
        formatting,
        health,
        invoices,
        projects,
        public,
        sso,
    )

    csrf.init_app(app)
    babel.init_app(app, locale_selector=_locale)
    app.register_blueprint(bp, url_prefix=app.config["BRIDGE"].url_prefix)
    app.register_error_handler(DatabaseUnavailable, _database_unavailable)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


@bp.before_app_request
def _resolve_site() -> None:
    config = settings()
    if not config.site_url and request.endpoint != "portal.healthz":
        resolve_site_urls(get_db(), config)


def _locale() -> str | None:
    return getattr(g, "locale", None) or request.accept_languages.best_match(
        ["en"], default="en"
    )


def _wants_json() -> bool:
    return request.path.startswith(f"{settings().url_prefix}/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def _error_page(status: int, title: str, message: str):
    if _wants_json():
        return {"ok": False, "error": message}, status
    try:
        return render_template(
            "portal/error.html", status=status, title=title, message=message
        ), status
    except Exception:
        log.exception("rendering the error page failed")
        return f"{status} {title}", status, {"Content-Type": "text/plain"}


def _http_error(exc: HTTPException):
    if exc.code and exc.code < 400:
        return exc
    return _error_page(exc.code or 500, exc.name, exc.description or "")


def _csrf_error(exc: CSRFError):
    return _error_page(
        400,
        "Form expired",
        "This form has expired or was not sent from the portal. "
        "Go back, reload the page and try again.",
    )


def _database_unavailable(exc: DatabaseUnavailable):
    log.error("database unavailable: %s", exc)
    close_db()
    return _error_page(
        503,
        "Temporarily unavailable",
        "The portal cannot reach its database right now. Please try again shortly.",
    )


def _unexpected_error(exc: Exception):
    current_app.logger.exception("unhandled error on %s", request.path)
    conn = g.get("db")
    if conn is not None and conn.in_transaction:
        close_db()
    return _error_page(
        500,
        "Something went wrong",
        "The portal could not finish this request. Nothing was changed; "
        "please try again.",
    )
