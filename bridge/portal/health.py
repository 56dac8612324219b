"""The health check that load balancers and `portal-bridge check` call."""

from __future__ import annotations

import logging

from ..web import get_db
from ..wp.errors import DatabaseUnavailable
from . import bp, csrf

log = logging.getLogger(__name__)


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        conn = get_db()
        conn.ping()
        conn.scalar(
            "SELECT option_value FROM {options} WHERE option_name = %s", ("siteurl",)
        )
    except DatabaseUnavailable as exc:
        log.warning("health check: database unavailable: %s", exc)
        return {"status": "unavailable", "database": "unreachable"}, 503
    except Exception:
        log.exception("health check failed")
        return {"status": "unavailable", "database": "error"}, 503
    return {"status": "ok", "database": "ok"}
