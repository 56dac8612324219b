"""WP Portal Bridge: a client portal served over a WordPress site's own database."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from .config import Settings, load_settings

__version__ = "0.1.0"


def create_app(config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `config` overrides.

    `config` is either a ready Settings object or a mapping of BRIDGE_* settings
    and Flask options (TESTING, ...). Nothing connects to the database here.
    """
    overrides: Mapping[str, Any] = {} if isinstance(config, Settings) else config or {}
    settings = (
        config if isinstance(config, Settings) else load_settings(None, overrides)
    )

    app = Flask(__name__)
    app.config.update(
        BRIDGE=settings,
        SECRET_KEY=hmac.new(
            settings.secret.encode(), b"flask-session", hashlib.sha256
        ).hexdigest(),
        SESSION_COOKIE_NAME="portal_bridge_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.site_url.startswith("https:"),
        SESSION_COOKIE_PATH=settings.url_prefix,
        MAX_CONTENT_LENGTH=settings.upload_limit + 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        APPLICATION_ROOT="/",
    )
    app.config.update(
        {k: v for k, v in overrides.items() if not k.startswith("BRIDGE_")}
    )
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)

    from . import web

    web.init_app(app)

    from .portal import init_app as init_portal

    init_portal(app)
    return app
