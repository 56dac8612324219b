"""Changing the password in the portal: checks, the site's hash, sessions, cookie."""

from __future__ import annotations

import pytest
from portal_support import PREFIX, client_for, log_in

from bridge.crm.activity import list_activity
from bridge.wp.meta import get_meta
from bridge.wp.options import update_option
from bridge.wp.passwords import check_password
from bridge.wp.users import get_user_by

pytest_plugins = ("portal_fixtures",)

OLD = "maya-demo-pass"
NEW = "Sunny harbour 2031"


def text(response) -> str:
    return response.get_data(as_text=True)


def change(http, current=OLD, new=NEW, confirm=None):
    return http.post(
        f"{PREFIX}/settings",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": new if confirm is None else confirm,
        },
    )


def test_settings_show_the_contact_details(portal, demo):
    http = client_for(portal, demo, "jonas")
    page = text(http.get(f"{PREFIX}/settings"))
    assert "Jonas Weber" in page
    assert "jonas@acme.example" in page
    assert "Acme Robotics" in page
    assert "Seattle" in page
    for field in ("current_password", "new_password", "confirm_password"):
        assert f'<label for="{field}">' in page


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("wrong password", NEW, None, "This is not your current password."),
        ("", NEW, None, "Enter your current password."),
        (OLD, "short1A", None, "Use at least 10 characters."),
        (OLD, "alllowercaseletters", None, "Mix at least two kinds of characters"),
        (OLD, "maya@example.com", None, "Do not use your username or email"),
        (OLD, "aaaaaaaaaaaa1", None, "Use more different characters."),
        (OLD, NEW, "Sunny harbour 2032", "The two new passwords are not the same."),
        (OLD, OLD, None, "Choose a password different from the current one."),
        (OLD, "", None, "Enter a new password."),
    ],
)
def test_refused_changes_say_what_is_wrong(
    portal, demo, conn, current, new, confirm, message
):
    http = client_for(portal, demo, "maya")
    stored = get_user_by(conn, "login", "maya@example.com")["user_pass"]
    response = change(http, current, new, confirm)
    assert response.status_code == 400
    assert message in text(response)
    assert get_user_by(conn, "login", "maya@example.com")["user_pass"] == stored


@pytest.mark.parametrize(
    ("db_version", "prefix"), [(53496, "$P$B"), (60421, "$wp$2y$")]
)
def test_a_change_writes_the_sites_hash_and_keeps_the_client_in(
    portal, demo, conn, db_version, prefix
):
    update_option(conn, "db_version", str(db_version))
    http = client_for(portal, demo, "maya")
    other_device = client_for(portal, demo, "maya")
    user = get_user_by(conn, "login", "maya@example.com")
    assert len(get_meta(conn, "user", user["ID"], "session_tokens")) == 2

    response = change(http)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{PREFIX}/settings")
    assert "wordpress_logged_in_" in response.headers["Set-Cookie"]

    stored = get_user_by(conn, "login", "maya@example.com")["user_pass"]
    assert stored.startswith(prefix)
    assert check_password(NEW, stored)
    assert not check_password(OLD, stored)

    page = http.get(f"{PREFIX}/settings")
    assert page.status_code == 200, "the re-issued cookie keeps the client logged in"
    assert "Your password was changed." in text(page)
    assert other_device.get(f"{PREFIX}/").status_code == 302, "other sessions ended"
    assert len(get_meta(conn, "user", user["ID"], "session_tokens")) == 1

    fresh = portal.test_client()
    refused = fresh.post(
        f"{PREFIX}/login", data={"log": user["user_login"], "pwd": OLD}
    )
    assert refused.status_code == 200
    accepted = fresh.post(
        f"{PREFIX}/login", data={"log": user["user_login"], "pwd": NEW}
    )
    assert accepted.status_code in (302, 303)

    logged = [
        e
        for e in list_activity(conn, client_id=demo.clients["maya"])
        if e["action"] == "password_change"
    ]
    assert len(logged) == 1


def test_remember_me_survives_a_change(portal, demo):
    http = portal.test_client()
    response = http.post(
        f"{PREFIX}/login",
        data={"log": "maya@example.com", "pwd": OLD, "rememberme": "forever"},
    )
    assert "Expires=" in response.headers["Set-Cookie"]
    changed = change(http)
    assert "Expires=" in changed.headers["Set-Cookie"]

    plain = client_for(portal, demo, "acme")
    changed = change(plain, "acme-demo-pass", "Acme robots 2031")
    assert "Expires=" not in changed.headers["Set-Cookie"]


def test_admins_cannot_change_a_clients_password(portal, demo, conn):
    http = portal.test_client()
    log_in(http, demo, "admin")
    http.get(f"{PREFIX}/choose-client?client={demo.clients['maya']}")
    page = text(http.get(f"{PREFIX}/settings"))
    assert "Only the client can change this password." in page
    assert change(http, "demo-admin-password").status_code == 403
