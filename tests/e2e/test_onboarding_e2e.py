"""Onboarding end to end: real WordPress with the plugin, real SMTP, real Chromium.

An administrator logs in to wp-admin and turns Client Portal Access on for a demo
client who has no WordPress user yet; the plugin calls the portal service, which
creates the user and emails the invitation. The client follows the email's link,
chooses a password, logs in at wp-login.php and lands in the portal (on another
host name than WordPress, so through the signed hand-off), sees their own documents,
and is sent back to the portal from wp-admin. The administrator turns access off;
the client's next portal request is refused and their sessions are gone.

Runs once per WordPress release (6.1 with keys and salts in its config, 6.8 with
them in options); the portal runs in a thread on `localhost`, WordPress on
`127.0.0.1`, both on the same database.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from bridge.wp.db import Connection
from bridge.wp.meta import get_meta, update_meta
from tests.e2e.harness import (
    CLIENT_EMAIL,
    load_demo_beside,
    new_page,
    portal_app,
    serving,
    wp_login,
)
from tests.smtp import SMTPServer, running_smtp_server
from tests.wordpress import WordPress, free_port

pytestmark = [pytest.mark.wordpress, pytest.mark.browser]

PLUGIN = Path(__file__).resolve().parents[2] / "plugin-shim"
PLUGIN_FILE = "wp-portal-bridge/wp-portal-bridge.php"
CLIENT = "maya"
CLIENT_NAME = "Maya Chen"
CLIENT_PASSWORD = "Blue-Harbour-Lantern-93!"
# The demo's administrator; the fixture's own is renamed out of its way.
ADMIN_LOGIN = "admin"


@dataclass
class Stack:
    """WordPress with the plugin, the portal service, SMTP, and the demo's ids."""

    wp: WordPress
    smtp: SMTPServer
    portal_url: str
    service_url: str
    admin_password: str
    clients: dict[str, int]
    estimates: dict[str, list[int]]
    invoices: dict[str, list[int]]
    notes: list[str] = field(default_factory=list)

    def conn(self) -> Connection:
        return self.wp.database().connect()


# -- the stack ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(wp: WordPress) -> Iterator[Stack]:
    with running_smtp_server() as smtp, _portal_site(wp, smtp) as running:
        yield running


@contextlib.contextmanager
def _portal_site(wp: WordPress, smtp: SMTPServer) -> Iterator[Stack]:
    from wp_schema.demo import ADMIN_PASSWORD

    secret = secrets.token_urlsafe(48)
    port = free_port()
    # Another host name than WordPress's 127.0.0.1: the browser keeps their
    # cookies apart, so the portal must go through the hand-off.
    service_url = f"http://localhost:{port}"
    portal_url = f"{service_url}/portal"

    with wp.database().connect() as conn:
        demo = load_demo_beside(conn, wp)
        client_id = demo.clients[CLIENT]
        user_id = conn.scalar(
            "SELECT ID FROM {users} WHERE user_email = %s", (CLIENT_EMAIL,)
        )
        # This client starts without a portal user, so that turning access on
        # has to make one.
        update_meta(conn, "post", client_id, "client_portal", False)

    deleted = wp.php(
        "require_once ABSPATH . 'wp-admin/includes/user.php';"
        f"return wp_delete_user( {int(user_id)} );"
    )
    assert deleted is True
    _install_plugin(wp, service_url, portal_url, secret)

    app = portal_app(
        wp,
        {
            "BRIDGE_SECRET": secret,
            "BRIDGE_LOGIN": "wordpress",
            "BRIDGE_SMTP_URL": smtp.url,
        },
    )
    assert app.config["BRIDGE"].table_prefix == wp.prefix
    with serving(app, port=port):
        yield Stack(
            wp=wp,
            smtp=smtp,
            portal_url=portal_url,
            service_url=service_url,
            admin_password=ADMIN_PASSWORD,
            clients=demo.clients,
            estimates=demo.estimates,
            invoices=demo.invoices,
        )


def _install_plugin(wp: WordPress, service_url: str, portal_url: str, secret: str):
    # The fixture links wp-content/plugins to the packaged plugins; this site
    # gets a folder of its own holding the plugin, as a site owner would upload it.
    plugins = wp.workdir / "wp-content" / "plugins"
    if plugins.is_symlink():
        plugins.unlink()
        plugins.mkdir()
    shutil.copytree(PLUGIN, plugins / "wp-portal-bridge")

    settings = {
        "service_url": service_url,
        "portal_url": portal_url,
        "secret": secret,
        "redirect_clients": True,
    }
    result = wp.php(
        "require_once ABSPATH . 'wp-admin/includes/plugin.php';"
        f"$error = activate_plugin( '{PLUGIN_FILE}' );"
        "if ( is_wp_error( $error ) ) { return $error->get_error_message(); }"
        f"$settings = json_decode( '{_php_json(settings)}', true );"
        "update_option( 'wppb_settings', $settings );"
        "return array("
        f"  'active' => is_plugin_active( '{PLUGIN_FILE}' ),"
        "  'role' => null !== get_role( 'ndpv_client_role' ),"
        "  'settings' => get_option( 'wppb_settings' ),"
        ");"
    )
    assert result["active"] is True, result
    assert result["role"] is True
    assert result["settings"]["service_url"] == service_url


def _php_json(value: Any) -> str:
    import json

    return json.dumps(value).replace("\\", "\\\\").replace("'", "\\'")


# -- the browser -------------------------------------------------------------------


def arrive(page: Any, url: Any) -> None:
    """Wait until the page is at `url`; on failure, say where it is instead."""
    try:
        page.wait_for_url(url)
    except Exception as exc:
        text = page.locator("body").inner_text(timeout=5000)[:1500]
        raise AssertionError(
            f"expected {url}, but the page is at {page.url}:\n{text}"
        ) from exc


def toggle_access(page: Any, stack: Stack) -> str:
    """Press the client's Client Portal Access button; return the notice shown."""
    page.goto(f"{stack.wp.url}/wp-admin/admin.php?page=wppb-clients")
    # The form posts and comes back to this same screen: wait for the navigation,
    # not for an address the page already has.
    with page.expect_navigation():
        page.get_by_role(
            "button", name=f"Client Portal Access for {CLIENT_NAME}", exact=True
        ).click()
    arrive(page, re.compile(r".*page=wppb-clients.*"))
    notice = page.locator(".notice p").first
    return notice.inner_text()


def numbers(conn: Connection, ids: list[int]) -> dict[int, str]:
    return {i: str(get_meta(conn, "post", i, "num")) for i in ids}


def statuses(conn: Connection, ids: list[int]) -> dict[int, str]:
    return {i: str(get_meta(conn, "post", i, "status")) for i in ids}


# -- the story ---------------------------------------------------------------------


def test_onboarding_from_the_toggle_to_the_portal_and_back_off(
    stack: Stack, browser: Any
):
    wp = stack.wp
    client_id = stack.clients[CLIENT]

    with new_page(browser) as admin, new_page(browser) as client:
        # The administrator turns access on in wp-admin.
        admin.goto(f"{wp.url}/wp-login.php")
        wp_login(admin, ADMIN_LOGIN, stack.admin_password)
        arrive(admin, re.compile(r".*/wp-admin/.*"))
        notice = toggle_access(admin, stack)
        assert f"Client Portal Access is on for {CLIENT_NAME}" in notice, notice
        assert f"emailed to {CLIENT_EMAIL}" in notice
        button = admin.get_by_role(
            "button", name=f"Client Portal Access for {CLIENT_NAME}", exact=True
        )
        assert button.get_attribute("aria-pressed") == "true"

        with stack.conn() as conn:
            user = conn.query_one(
                "SELECT ID, user_login FROM {users} WHERE user_email = %s",
                (CLIENT_EMAIL,),
            )
            assert user is not None and user["user_login"] == CLIENT_EMAIL
            user_id = int(user["ID"])
            assert get_meta(conn, "user", user_id, "ndpv_client_id") == str(client_id)
            assert get_meta(conn, "post", client_id, "client_portal") == "1"
        roles = wp.php(f"return get_userdata( {user_id} )->roles;")
        assert roles == ["ndpv_client_role"]

        # The invitation arrives, with a link to choose a password.
        (mail,) = stack.smtp.wait_for(1)
        assert mail.recipients == [CLIENT_EMAIL]
        assert f"Portal: {stack.portal_url}/" in mail.text
        link = re.search(r"http://\S+/wp-login\.php\?action=rp\S+", mail.text)
        assert link, mail.text
        assert parse_qs(urlsplit(link.group(0)).query)["login"] == [CLIENT_EMAIL]

        # The client chooses a password on WordPress's own form.
        client.goto(link.group(0))
        client.wait_for_selector("#pass1")
        client.fill("#pass1", CLIENT_PASSWORD)
        client.click("#wp-submit")
        client.wait_for_selector("text=Your password has been reset")

        # ...logs in at wp-login.php and lands in the portal, on its own host.
        client.goto(f"{wp.url}/wp-login.php")
        wp_login(client, CLIENT_EMAIL, CLIENT_PASSWORD)
        arrive(client, f"{stack.portal_url}/")
        assert client.title()
        body = client.locator("body").inner_text()
        assert CLIENT_NAME in body

        # ...and sees their own documents, and nobody else's.
        with stack.conn() as conn:
            own = numbers(conn, stack.estimates[CLIENT])
            own_status = statuses(conn, stack.estimates[CLIENT])
            others = numbers(conn, stack.estimates["lena"])
            own_invoices = numbers(conn, stack.invoices[CLIENT])
            invoice_status = statuses(conn, stack.invoices[CLIENT])
        client.goto(f"{stack.portal_url}/estimates")
        listing = client.locator("main").inner_text()
        for post_id, num in own.items():
            if own_status[post_id] != "draft":
                assert num in listing, (num, listing)
        for num in others.values():
            assert not re.search(rf"\b{re.escape(num)}\b", listing), num
        client.goto(f"{stack.portal_url}/invoices")
        listing = client.locator("main").inner_text()
        shown = [
            num
            for post_id, num in own_invoices.items()
            if invoice_status[post_id] != "draft"
        ]
        assert shown and all(num in listing for num in shown), listing

        # wp-admin sends a client back to the portal.
        client.goto(f"{wp.url}/wp-admin/")
        arrive(client, f"{stack.portal_url}/")
        with stack.conn() as conn:
            sessions = get_meta(conn, "user", user_id, "session_tokens")
        assert isinstance(sessions, dict) and len(sessions) == 1

        # The plugin's real hand-off works once, and not twice.
        _replayed_hand_off_is_refused(stack, CLIENT_EMAIL, CLIENT_PASSWORD)

        # The administrator turns access off.
        notice = toggle_access(admin, stack)
        assert f"Client Portal Access is off for {CLIENT_NAME}" in notice, notice
        assert "open session" in notice

        # The client's next portal request is refused, and the session is gone.
        client.goto(f"{stack.portal_url}/invoices")
        arrive(client, re.compile(rf"{re.escape(wp.url)}/wp-login\.php.*"))
        with stack.conn() as conn:
            assert get_meta(conn, "user", user_id, "session_tokens") is None
            assert get_meta(conn, "user", user_id, "ndpv_client_portal") == ""
            assert get_meta(conn, "post", client_id, "client_portal") == ""
        client.goto(f"{wp.url}/wp-admin/")
        arrive(client, re.compile(rf"{re.escape(wp.url)}/wp-login\.php.*"))

        # Logging in again gets them into WordPress, but not into the portal.
        client.goto(f"{wp.url}/wp-login.php")
        wp_login(client, CLIENT_EMAIL, CLIENT_PASSWORD)
        arrive(client, f"{stack.portal_url}/")
        assert "Portal access is turned off" in client.locator("body").inner_text()


def _replayed_hand_off_is_refused(stack: Stack, login: str, password: str) -> None:
    wp = stack.wp
    answer = wp.login(login, password)
    assert answer.status_code == 302
    session: requests.Session = answer.session  # type: ignore[attr-defined]

    hand_off = session.get(
        f"{wp.url}/wp-admin/admin-post.php?action=wppb_sso"
        f"&redirect_to={quote('/invoices')}",
        allow_redirects=False,
        timeout=30,
    )
    assert hand_off.status_code == 302
    location = hand_off.headers["Location"]
    assert location.startswith(f"{stack.portal_url}/sso?token=")
    assert location.endswith("&next=%2Finvoices")
    token = parse_qs(urlsplit(location).query)["token"][0]

    portal = requests.Session()
    first = portal.get(location, allow_redirects=False, timeout=30)
    assert first.status_code == 302
    assert first.headers["Location"] == "/portal/invoices"
    assert portal.get(f"{stack.portal_url}/invoices", timeout=30).status_code == 200

    replay = requests.get(location, allow_redirects=False, timeout=30)
    assert replay.status_code == 403
    assert "used already" in replay.text

    header, payload, signature = token.split(".")
    flipped = "A" if signature[0] != "A" else "B"
    tampered = f"{header}.{payload}.{flipped}{signature[1:]}"
    forged = requests.get(
        f"{stack.portal_url}/sso?token={tampered}", allow_redirects=False, timeout=30
    )
    assert forged.status_code == 403

    # The hand-off's portal session ends with that WordPress session.
    logout = session.get(f"{wp.url}/wp-login.php?action=logout", timeout=30)
    nonce = re.search(r"_wpnonce=([0-9a-f]+)", logout.text)
    assert nonce, logout.text[:500]
    session.get(
        f"{wp.url}/wp-login.php?action=logout&_wpnonce={nonce.group(1)}", timeout=30
    )
    after = portal.get(
        f"{stack.portal_url}/invoices", allow_redirects=False, timeout=30
    )
    assert after.status_code == 302
    assert after.headers["Location"].startswith(f"{wp.url}/wp-login.php")
