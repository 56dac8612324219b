"""List pages run the same number of queries for 5 records as for 500."""

from __future__ import annotations

import pytest
from portal_support import PREFIX, counting_queries, log_in

from bridge.wp.meta import update_meta
from bridge.wp.posts import insert_post
from bridge.wp.users import insert_user

pytest_plugins = ("portal_fixtures",)

PAGES = (
    "/",
    "/estimates",
    "/estimates?status=open",
    "/invoices",
    "/invoices?status=overdue",
    "/invoices?status=unpaid",
)
# Pages that only exist with many records; they cost what the first page costs.
LATER_PAGES = {
    "/estimates?page=2": "/estimates",
    "/invoices?status=unpaid&page=3": "/invoices?status=unpaid",
}


def bulk_client(conn, demo) -> int:
    """A client of its own, with a portal user, and no documents yet."""
    with conn.transaction():
        client_id = insert_post(conn, post_type="ndpv_person", post_title="Bulk Buyer")
        for key, value in (("is_client", 1), ("email", "bulk@example.com")):
            update_meta(conn, "post", client_id, key, value)
        user_id = insert_user(
            conn,
            login="bulk@example.com",
            email="bulk@example.com",
            password="bulk-demo-pass",
            role="ndpv_client_role",
        )
        update_meta(conn, "user", user_id, "ndpv_client_id", client_id)
        update_meta(conn, "user", user_id, "ndpv_client_type", "person")
        update_meta(conn, "user", user_id, "ndpv_client_portal", True)
    return client_id


def add_documents(conn, demo, client_id: int, count: int) -> None:
    """Copy demo documents (with all their meta) to the client, `count` of each kind."""
    templates = (demo.estimates["maya"][1], demo.invoices["maya"][5])
    with conn.transaction():
        for template in templates:
            for _ in range(count):
                copy = insert_post(conn, post_type="ndpv_estinv", post_title="copy")
                conn.execute(
                    "INSERT INTO {postmeta} (post_id, meta_key, meta_value) "
                    "SELECT %s, meta_key, meta_value FROM {postmeta} "
                    "WHERE post_id = %s AND meta_key <> 'to'",
                    (copy, template),
                )
                conn.execute(
                    "INSERT INTO {postmeta} (post_id, meta_key, meta_value) "
                    "VALUES (%s, 'to', %s)",
                    (copy, str(client_id)),
                )


def measure(portal, http, pages=PAGES) -> dict[str, int]:
    counts = {}
    for page in pages:
        with counting_queries(pytest.MonkeyPatch()) as counter:
            response = http.get(PREFIX + page)
        assert response.status_code == 200, page
        counts[page] = counter.count
    return counts


def test_list_pages_run_a_fixed_number_of_queries(portal, demo, conn):
    client_id = bulk_client(conn, demo)
    add_documents(conn, demo, client_id, 5)
    http = portal.test_client()
    http.post(
        f"{PREFIX}/login", data={"log": "bulk@example.com", "pwd": "bulk-demo-pass"}
    )

    few = measure(portal, http)
    add_documents(conn, demo, client_id, 495)
    assert (
        conn.scalar(
            "SELECT COUNT(*) FROM {postmeta} WHERE meta_key = 'to' AND meta_value = %s",
            (str(client_id),),
        )
        == 1000
    )
    many = measure(portal, http)

    print("queries per page, 5 vs 500 records of each kind:", few, many)
    assert few == many
    later = measure(portal, http, LATER_PAGES)
    for page, first in LATER_PAGES.items():
        assert later[page] == many[first]
    # A list page: the user, the locale, the header's business, the count, the
    # page of ids and one batch of their meta — never a query per row.
    assert max(many.values()) < 30


def test_the_dashboard_batches_its_summary(portal, demo, conn):
    http = portal.test_client()
    log_in(http, demo, "maya")
    with counting_queries(pytest.MonkeyPatch()) as counter:
        http.get(f"{PREFIX}/")
    before = counter.count
    client_id = demo.clients["maya"]
    add_documents(conn, demo, client_id, 50)
    with counting_queries(pytest.MonkeyPatch()) as counter:
        http.get(f"{PREFIX}/")
    assert counter.count == before
