"""Fixtures of the portal's integration tests, loaded with `pytest_plugins`."""

from __future__ import annotations

import pytest

from bridge.wp.db import Connection
from wp_schema.demo import DemoSite, load_demo


@pytest.fixture
def demo(conn: Connection, app_config: dict) -> DemoSite:
    """The demo data (a business, four clients and their documents) on `conn`."""
    return load_demo(conn, app_config["BRIDGE_UPLOADS_DIR"])


@pytest.fixture
def portal(app_config: dict, demo: DemoSite):
    """The app over the demo site, with CSRF checks off (one test turns them on)."""
    from bridge import create_app

    return create_app({**app_config, "WTF_CSRF_ENABLED": False})
