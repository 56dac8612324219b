"""The portal end to end: a client logs in at wp-login.php and works in Chromium.

A real WordPress (6.1 and 6.8) holds the demo; the portal runs beside it in a
thread on another port of 127.0.0.1, on the same database, with
BRIDGE_LOGIN=wordpress. WordPress's logged-in cookie (host-only, path /) reaches the
portal because browsers share cookies across the ports of one host. The client
accepts an estimate (WordPress then reads `status` and `feedback` with
get_post_meta), changes the password in the portal, and logs in again with it at
wp-login.php.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from werkzeug.serving import make_server

from tests.wordpress import (
    WordPress,
    WordPressUnavailable,
    free_port,
    start_wordpress,
)

pytestmark = [pytest.mark.wordpress, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000
CLIENT_EMAIL = "maya@example.com"
NEW_PASSWORD = "Harbour lights 2031"


@dataclass
class Site:
    wp: WordPress
    portal_url: str
    password: str
    estimate_id: int
    estimate_number: str


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(("6.1", True), id="wp6.1"),
        pytest.param(("6.8", False), id="wp6.8"),
    ],
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    version, with_salts = request.param
    workdir = tmp_path_factory.mktemp(f"portal-{version}")
    try:
        with start_wordpress(version, workdir, with_salts=with_salts) as wp:
            yield from _portal_beside(wp)
    except WordPressUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"WordPress {version} is required in CI: {exc}")
        pytest.skip(f"WordPress {version} cannot run here: {exc}")


def _portal_beside(wp: WordPress) -> Iterator[Site]:
    from bridge import create_app
    from bridge.wp.meta import get_meta
    from wp_schema.demo import load_demo

    uploads = wp.workdir / "wp-content" / "uploads"
    with wp.database().connect() as conn:
        # The demo brings its own "admin" login; WordPress's own admin steps aside.
        conn.execute(
            "UPDATE {users} SET user_login = %s, user_nicename = %s WHERE ID = %s",
            ("fixture-admin", "fixture-admin", wp.admin_id),
        )
        demo = load_demo(conn, uploads, datetime.now(UTC))
        estimate_id = demo.estimates["maya"][1]
        number = str(get_meta(conn, "post", estimate_id, "num"))
    password = next(x.password for x in demo.logins if x.login == CLIENT_EMAIL)

    app = create_app(
        {
            "BRIDGE_WP_CONFIG": str(wp.config_file),
            "BRIDGE_SECRET": secrets.token_urlsafe(48),
            "BRIDGE_LOGIN": "wordpress",
        }
    )
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(
            wp=wp,
            portal_url=f"http://127.0.0.1:{server.server_port}/portal",
            password=password,
            estimate_id=estimate_id,
            estimate_number=number,
        )
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@contextlib.contextmanager
def new_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def wp_login(page: Any, site: Site, password: str) -> None:
    """Fill and send WordPress's own login form on the page already showing it."""
    assert "/wp-login.php" in page.url
    page.fill("#user_login", CLIENT_EMAIL)
    page.fill("#user_pass", password)
    page.click("#wp-submit")
    page.wait_for_load_state()


def test_accept_an_estimate_and_change_the_password(site: Site, browser: Any):
    wp = site.wp
    portal = site.portal_url
    estimate_url = f"{portal}/estimates/{site.estimate_id}"

    with new_page(browser) as page:
        # Anonymous: the portal sends the visitor to WordPress's login, and back.
        page.goto(estimate_url)
        assert page.url.startswith(f"{wp.url}/wp-login.php?redirect_to=")
        assert quote(estimate_url, safe="") in page.url
        wp_login(page, site, site.password)

        # WordPress sent the client back, and its cookie (host-only, path /, set on
        # WordPress's port) is the portal's login too.
        cookies = [
            c
            for c in page.context.cookies()
            if c["name"].startswith("wordpress_logged_in_")
        ]
        assert len(cookies) == 1
        assert (cookies[0]["domain"], cookies[0]["path"]) == ("127.0.0.1", "/")
        assert page.url == estimate_url
        assert page.get_by_role("heading", name="Estimate").is_visible()
        assert site.estimate_number in page.inner_text("main")

        # Accept, through the confirmation dialog.
        page.fill(f"#accept-note-{site.estimate_id}", "Let's start on Monday.")
        page.click(f"#accept-form-{site.estimate_id} button[type=submit]")
        dialog = page.locator(f"#confirm-accept-{site.estimate_id}")
        assert dialog.is_visible()
        assert "Let's start on Monday." in dialog.inner_text()
        # The form posts and is redirected back to the same address: wait for that
        # navigation itself, not for a URL the page already has.
        with page.expect_navigation():
            dialog.get_by_role("button", name="Yes, accept").click()
        assert page.url == estimate_url
        assert "Thank you. You accepted this estimate." in page.inner_text("main")

        stored = wp.php(
            f"return array("
            f"'status' => get_post_meta({site.estimate_id}, 'status', true),"
            f"'feedback' => get_post_meta({site.estimate_id}, 'feedback', true));"
        )
        assert stored["status"] == "accept"
        feedback = stored["feedback"]
        assert feedback["type"] == "accept"
        assert feedback["note"] == "Let's start on Monday."
        assert feedback["attachment"] == []
        assert isinstance(feedback["time"], int)

        # Change the password; the portal keeps the client logged in.
        page.goto(f"{portal}/settings")
        page.fill("#current_password", site.password)
        page.fill("#new_password", NEW_PASSWORD)
        page.fill("#confirm_password", NEW_PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Change password").click()
        assert page.url == f"{portal}/settings"
        assert "Your password was changed." in page.inner_text("main")
        page.goto(f"{portal}/invoices")
        assert page.url == f"{portal}/invoices"

    # A fresh browser: the old password no longer works, the new one does.
    with new_page(browser) as page:
        page.goto(f"{wp.url}/wp-login.php")
        wp_login(page, site, site.password)
        assert "/wp-login.php" in page.url
        assert page.locator("#login_error").is_visible()

        page.goto(f"{portal}/")
        wp_login(page, site, NEW_PASSWORD)
        assert page.url == f"{portal}/"
        assert "Welcome, Maya Chen" in page.inner_text("main")

    checked = wp.php(
        "$user = get_user_by('login', 'maya@example.com');"
        f"return wp_check_password('{NEW_PASSWORD}', $user->user_pass, $user->ID);"
    )
    assert checked is True
