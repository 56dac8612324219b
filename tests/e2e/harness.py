"""Helpers of the browser tests: Chromium and its pages, WordPress's login form, and
the portal served from a thread on the database of a test WordPress.

Plain functions, no fixtures, so that docs/screenshots can start Chromium the same way.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.serving import make_server

from bridge import create_app
from wp_schema.demo import DemoSite, load_demo

if TYPE_CHECKING:
    from flask import Flask

    from bridge.wp.db import Connection
    from tests.wordpress import WordPress

CHROMIUM = "/usr/bin/chromium"
# Headless in a container, without updates, sync or other calls of its own.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000
# The demo client whom the browser tests log in as.
CLIENT_EMAIL = "maya@example.com"


# -- the browser -------------------------------------------------------------------


def launch_chromium(playwright: Any) -> Any:
    """Start the system's Chromium headless through a running Playwright."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )


@contextlib.contextmanager
def new_page(browser: Any, **options: Any) -> Iterator[Any]:
    """Open a page in a browser context of its own (own cookies), closed afterwards."""
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def wp_login(page: Any, login: str, password: str) -> None:
    """Fill and send WordPress's own login form on the page already showing it."""
    assert "/wp-login.php" in page.url
    # The form focuses and selects a field from a 200 ms timer started as the page
    # loads; typing while it fires lands in that field. A later timer runs after it.
    page.evaluate("() => new Promise(done => setTimeout(done, 250))")
    page.fill("#user_login", login)
    page.fill("#user_pass", password)
    # The form posts to wp-login.php, where a refused login stays: wait for that
    # navigation itself, not for a load state the page already has.
    with page.expect_navigation():
        page.click("#wp-submit")


# -- the portal beside WordPress ---------------------------------------------------


def uploads_dir(wp: WordPress) -> Path:
    """WordPress's own uploads folder, which the portal uses as its uploads folder."""
    return wp.workdir / "wp-content" / "uploads"


def load_demo_beside(conn: Connection, wp: WordPress) -> DemoSite:
    """Load the demo into WordPress's database, uploads into WordPress's folder.

    The demo brings its own administrator "admin"; WordPress's own steps aside.
    """
    conn.execute(
        "UPDATE {users} SET user_login = %s, user_nicename = %s WHERE ID = %s",
        ("fixture-admin", "fixture-admin", wp.admin_id),
    )
    return load_demo(conn, uploads_dir(wp), datetime.now(UTC))


def password_of(demo: DemoSite, login: str) -> str:
    """The demo's password for a login."""
    return next(x.password for x in demo.logins if x.login == login)


def portal_app(wp: WordPress, config: dict[str, str]) -> Flask:
    """Create the portal on WordPress's config, with a fresh secret unless given."""
    return create_app(
        {
            "BRIDGE_WP_CONFIG": str(wp.config_file),
            "BRIDGE_SECRET": secrets.token_urlsafe(48),
            **config,
        }
    )


@contextlib.contextmanager
def serving(app: Flask, host: str = "127.0.0.1", port: int = 0) -> Iterator[int]:
    """Serve `app` from a thread on `port` (0: any free one) and yield the port."""
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(10)
