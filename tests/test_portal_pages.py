"""Every portal page for every demo client, on SQLite and MariaDB, logged in."""

from __future__ import annotations

import re

import pytest
from portal_support import (
    PORTAL_CLIENTS,
    PREFIX,
    client_for,
    drafts,
    log_in,
    status_of,
    visible,
)

from bridge.wp.meta import get_meta, update_meta
from bridge.wp.options import update_option

pytest_plugins = ("portal_fixtures",)


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("key", PORTAL_CLIENTS)
def test_every_page_of_every_client(portal, demo, conn, key):
    http = client_for(portal, demo, key)

    for path in ("/", "/estimates", "/invoices", "/settings"):
        response = http.get(PREFIX + path)
        assert response.status_code == 200, path
        assert "Northwind Studio" in text(response)

    for kind, singular in (("estimates", "estimate"), ("invoices", "invoice")):
        listing = text(http.get(f"{PREFIX}/{kind}"))
        ids = visible(demo, key, kind)
        hidden = set(drafts(conn, ids))
        for doc_id in ids:
            number = get_meta(conn, "post", doc_id, "num")
            link = f'href="{PREFIX}/{kind}/{doc_id}"'
            if doc_id in hidden:
                assert link not in listing
                assert http.get(f"{PREFIX}/{kind}/{doc_id}").status_code == 404
                continue
            assert link in listing
            page = http.get(f"{PREFIX}/{kind}/{doc_id}")
            assert page.status_code == 200
            assert number in text(page)
            printed = http.get(f"{PREFIX}/{kind}/{doc_id}/print?autoprint=0")
            assert printed.status_code == 200
            assert "<nav" not in text(printed)
            pdf = http.get(f"{PREFIX}/{kind}/{doc_id}/pdf")
            assert pdf.status_code == 200
            assert pdf.mimetype == "application/pdf"
            assert pdf.data.startswith(b"%PDF")
            assert "attachment" in pdf.headers["Content-Disposition"]
            assert singular.capitalize() in pdf.headers["Content-Disposition"]


def test_dashboard_figures(portal, demo):
    http = client_for(portal, demo, "maya")
    page = text(http.get(f"{PREFIX}/"))

    assert "Welcome, Maya Chen" in page
    # Estimates: sent and viewed are open. Invoices: sent, viewed and paid_req are
    # unpaid; the sent one (due four days ago) and the "overdue" one are overdue.
    assert re.search(r"Estimates awaiting your response</p>\s*<p[^>]*>2<", page)
    assert re.search(r"Unpaid invoices</p>\s*<p[^>]*>4<", page)
    assert re.search(r"Overdue invoices</p>\s*<p[^>]*>2<", page)
    assert "2 invoices are overdue." in page
    assert "Active projects" in page


def test_the_document_shows_propovoice_figures(portal, demo, conn):
    from bridge.money import compute_totals, format_money, rows

    http = client_for(portal, demo, "maya")
    doc_id = demo.invoices["maya"][1]
    invoice = get_meta(conn, "post", doc_id, "invoice")
    totals = compute_totals(invoice)
    page = text(http.get(f"{PREFIX}/invoices/{doc_id}"))

    assert format_money(totals.grand_total, "USD") in page
    assert format_money(totals.items_total, "USD") in page
    assert "Discount (5%)" in page
    assert "Tax (8.5%)" in page
    assert "Bank transfer to Northwind Studio" in page
    for item in rows(invoice["items"]):
        assert item["title"].replace("'", "&#39;") in page


def test_opening_a_sent_document_marks_it_viewed(portal, demo, conn):
    http = client_for(portal, demo, "maya")
    estimate = demo.estimates["maya"][1]
    invoice = demo.invoices["maya"][1]
    assert status_of(conn, estimate) == "sent"
    assert status_of(conn, invoice) == "sent"

    http.get(f"{PREFIX}/estimates")
    assert status_of(conn, estimate) == "sent", "a list does not mark anything"
    http.get(f"{PREFIX}/estimates/{estimate}")
    http.get(f"{PREFIX}/invoices/{invoice}")

    assert status_of(conn, estimate) == "viewed"
    assert status_of(conn, invoice) == "viewed"
    actions = {
        row["post_title"]
        for row in conn.query(
            "SELECT post_title FROM {posts} WHERE post_type = %s", ("wppb_activity",)
        )
    }
    assert {"estimate_view", "invoice_view"} <= actions


def test_overdue_is_derived_from_the_due_date(portal, demo, conn):
    http = client_for(portal, demo, "maya")
    overdue = demo.invoices["maya"][5]
    assert status_of(conn, overdue) == "sent"

    listing = text(http.get(f"{PREFIX}/invoices?status=overdue"))
    assert f"{PREFIX}/invoices/{overdue}" in listing
    assert f"{PREFIX}/invoices/{demo.invoices['maya'][2]}" not in listing
    assert "badge-overdue" in listing
    assert status_of(conn, overdue) == "sent", "overdue is never stored"


def test_list_filters_and_pagination(portal, demo):
    http = client_for(portal, demo, "maya")
    accepted = text(http.get(f"{PREFIX}/estimates?status=accept"))
    assert f"{PREFIX}/estimates/{demo.estimates['maya'][3]}" in accepted
    assert f"{PREFIX}/estimates/{demo.estimates['maya'][4]}" not in accepted
    assert http.get(f"{PREFIX}/estimates?status=bogus&page=-3").status_code == 200
    empty = text(http.get(f"{PREFIX}/estimates?page=9"))
    assert "Est-" not in empty.split("<main", 1)[1].split("</main>", 1)[0]


def test_anonymous_visitors_go_to_the_login(portal, demo):
    http = portal.test_client()
    response = http.get(f"{PREFIX}/estimates")
    assert response.status_code == 302
    assert f"{PREFIX}/login" in response.headers["Location"]


def test_wordpress_login_mode_sends_to_wp_login(app_config, demo):
    from bridge import create_app

    app = create_app({**app_config, "BRIDGE_LOGIN": "wordpress"})
    response = app.test_client().get(f"{PREFIX}/invoices")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(
        "http://portal.test/wp-login.php?redirect_to="
    )


def test_portal_access_off_is_a_403_that_says_so(portal, demo):
    http = client_for(portal, demo, "lena")
    for path in ("/", "/estimates", f"/estimates/{demo.estimates['lena'][1]}"):
        response = http.get(PREFIX + path)
        assert response.status_code == 403
        assert "Portal access is turned off" in text(response)


def test_a_user_without_a_client_gets_a_403(portal, demo, conn):
    update_meta(conn, "user", _user_id(conn, "maya@example.com"), "ndpv_client_id", 0)
    http = client_for(portal, demo, "maya")
    response = http.get(f"{PREFIX}/")
    assert response.status_code == 403
    assert "no client portal" in text(response)


def _user_id(conn, login: str) -> int:
    return int(conn.scalar("SELECT ID FROM {users} WHERE user_login = %s", (login,)))


def test_admin_views_as_a_client_read_only(portal, demo, conn):
    http = client_for(portal, demo, "admin")
    first = http.get(f"{PREFIX}/estimates")
    assert first.status_code == 302
    assert "/choose-client" in first.headers["Location"]

    chooser = text(http.get(f"{PREFIX}/choose-client"))
    for name in ("Maya Chen", "Acme Robotics", "Jonas Weber", "Lena Park"):
        assert name in chooser

    maya = demo.clients["maya"]
    picked = http.get(f"{PREFIX}/choose-client?client={maya}&next={PREFIX}/estimates")
    assert picked.status_code == 302
    assert picked.headers["Location"].endswith(f"{PREFIX}/estimates")

    estimate = demo.estimates["maya"][1]
    page = text(http.get(f"{PREFIX}/estimates/{estimate}"))
    assert "viewing the portal as Maya Chen" in page
    assert status_of(conn, estimate) == "sent", "an admin's look changes nothing"

    refused = http.post(
        f"{PREFIX}/estimates/{estimate}/accept", data={"confirmed": "1"}
    )
    assert refused.status_code == 403
    assert status_of(conn, estimate) == "sent"
    assert http.post(f"{PREFIX}/settings", data={}).status_code == 403

    other = demo.estimates["acme"][1]
    assert http.get(f"{PREFIX}/estimates/{other}").status_code == 404


def test_clients_cannot_use_the_chooser(portal, demo):
    http = client_for(portal, demo, "maya")
    acme = demo.clients["acme"]
    http.get(f"{PREFIX}/choose-client?client={acme}")
    page = text(http.get(f"{PREFIX}/"))
    assert "Welcome, Maya Chen" in page


def test_error_pages_are_in_the_portal_look(portal, demo):
    http = client_for(portal, demo, "maya")
    response = http.get(f"{PREFIX}/estimates/999999")
    assert response.status_code == 404
    page = text(response)
    assert "Page not found" in page
    assert "portal.css" in page
    assert "Traceback" not in page


def test_a_crash_is_a_500_page_without_a_traceback(portal, demo, monkeypatch):
    from bridge.portal import dashboard

    http = client_for(portal, demo, "maya")
    portal.testing = False
    portal.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*args, **kwargs):
        raise RuntimeError("boom in a test")

    monkeypatch.setattr(dashboard, "summarize", broken)
    response = http.get(f"{PREFIX}/")
    assert response.status_code == 500
    page = text(response)
    assert "Something went wrong" in page
    assert "boom" not in page
    assert "Traceback" not in page


def test_locale_from_the_user_then_the_site(portal, demo, conn):
    http = client_for(portal, demo, "maya")
    assert 'lang="en"' in text(http.get(f"{PREFIX}/estimates"))

    update_option(conn, "WPLANG", "de_DE")
    page = text(http.get(f"{PREFIX}/estimates"))
    assert 'lang="de-DE"' in page
    assert "Angebote" in page

    update_meta(conn, "user", _user_id(conn, "maya@example.com"), "locale", "en_US")
    page = text(http.get(f"{PREFIX}/estimates"))
    assert 'lang="en-US"' in page
    assert "Estimates" in page


def test_the_business_logo_is_served_from_uploads(portal, demo, conn):
    http = portal.test_client()
    business = int(
        conn.scalar("SELECT ID FROM {posts} WHERE post_type = %s", ("ndpv_business",))
    )
    logo = http.get(f"{PREFIX}/business/{business}/logo")
    assert logo.status_code == 200
    assert logo.mimetype == "image/png"
    assert logo.data.startswith(b"\x89PNG")
    assert http.get(f"{PREFIX}/business/{demo.clients['maya']}/logo").status_code == 404


def test_logout_is_a_post_with_the_wordpress_session_ended(portal, demo):
    http = client_for(portal, demo, "maya")
    page = text(http.get(f"{PREFIX}/"))
    assert f'action="{PREFIX}/logout"' in page
    http.post(f"{PREFIX}/logout")
    assert http.get(f"{PREFIX}/").status_code == 302


def test_log_in_helper_really_logs_in(portal, demo):
    http = portal.test_client()
    log_in(http, demo, "acme")
    assert "Welcome, Acme Robotics" in text(http.get(f"{PREFIX}/"))
