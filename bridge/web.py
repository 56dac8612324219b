"""The request's database connection and the site's URLs, for views and helpers."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, g

from .config import Settings
from .wp.db import Connection, Database
from .wp.options import get_option

log = logging.getLogger(__name__)


def settings() -> Settings:
    return current_app.config["BRIDGE"]


def get_db() -> Connection:
    """Return this request's connection, opened on first use and closed at the end."""
    if "db" not in g:
        database: Database = current_app.extensions["bridge.database"]
        g.db = database.connect()
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    conn: Connection | None = g.pop("db", None)
    if conn is not None:
        conn.close()


def resolve_site_urls(conn: Connection, config: Settings) -> None:
    """Fill in the site and home URLs from WordPress's options when not configured."""
    if not config.site_url:
        config.site_url = str(get_option(conn, "siteurl") or "").rstrip("/")
    if not config.home_url:
        config.home_url = str(get_option(conn, "home") or config.site_url).rstrip("/")


def init_app(app: Flask) -> None:
    config: Settings = app.config["BRIDGE"]
    app.extensions["bridge.database"] = Database(
        config.database_url, config.table_prefix
    )
    app.teardown_appcontext(close_db)


def json_error(message: str, status: int, **extra: Any) -> tuple[dict[str, Any], int]:
    return {"ok": False, "error": message, **extra}, status
