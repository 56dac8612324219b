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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest

from bridge.wp.meta import get_meta
from tests.e2e.harness import (
    CLIENT_EMAIL,
    load_demo_beside,
    new_page,
    password_of,
    portal_app,
    serving,
    wp_login,
)
from tests.wordpress import WordPress

pytestmark = [pytest.mark.wordpress, pytest.mark.browser]

NEW_PASSWORD = "Harbour lights 2031"


@dataclass
class Site:
    wp: WordPress
    portal_url: str
    password: str
    estimate_id: int
    estimate_number: str


@pytest.fixture(scope="module")
def site(wp: WordPress) -> Iterator[Site]:
    """The demo in WordPress, and the portal logging in through WordPress beside it."""
    with wp.database().connect() as conn:
        demo = load_demo_beside(conn, wp)
        estimate_id = demo.estimates["maya"][1]
        number = str(get_meta(conn, "post", estimate_id, "num"))

    app = portal_app(wp, {"BRIDGE_LOGIN": "wordpress"})
    with serving(app) as port:
        yield Site(
            wp=wp,
            portal_url=f"http://127.0.0.1:{port}/portal",
            password=password_of(demo, CLIENT_EMAIL),
            estimate_id=estimate_id,
            estimate_number=number,
        )


def test_accept_an_estimate_and_change_the_password(site: Site, browser: Any):
    wp = site.wp
    portal = site.portal_url
    estimate_url = f"{portal}/estimates/{site.estimate_id}"

    with new_page(browser) as page:
        # Anonymous: the portal sends the visitor to WordPress's login, and back.
        page.goto(estimate_url)
        assert page.url.startswith(f"{wp.url}/wp-login.php?redirect_to=")
        assert quote(estimate_url, safe="") in page.url
        wp_login(page, CLIENT_EMAIL, site.password)

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
        wp_login(page, CLIENT_EMAIL, site.password)
        assert "/wp-login.php" in page.url
        assert page.locator("#login_error").is_visible()

        page.goto(f"{portal}/")
        wp_login(page, CLIENT_EMAIL, NEW_PASSWORD)
        assert page.url == f"{portal}/"
        assert "Welcome, Maya Chen" in page.inner_text("main")

    checked = wp.php(
        "$user = get_user_by('login', 'maya@example.com');"
        f"return wp_check_password('{NEW_PASSWORD}', $user->user_pass, $user->ID);"
    )
    assert checked is True
