"""The 404 rule: every record a client may not see, on every URL, GET and POST.

For each logged-in demo client, every estimate and invoice id of every other client,
the client's own drafts, its estimates on invoice URLs and the other way round,
records of other types (clients, projects, the business) and a missing id all answer
404, and nothing in the database changes.
"""

from __future__ import annotations

import pytest
from portal_support import (
    PORTAL_CLIENTS,
    PREFIX,
    VISIBLE_OWNERS,
    client_for,
    drafts,
    status_of,
)

pytest_plugins = ("portal_fixtures",)

# (method, URL pattern, which kind of record the URL is for)
URLS = (
    ("GET", "/estimates/{id}", "estimates"),
    ("GET", "/estimates/{id}/pdf", "estimates"),
    ("GET", "/estimates/{id}/print", "estimates"),
    ("POST", "/estimates/{id}/accept", "estimates"),
    ("POST", "/estimates/{id}/decline", "estimates"),
    ("GET", "/invoices/{id}", "invoices"),
    ("GET", "/invoices/{id}/pdf", "invoices"),
    ("GET", "/invoices/{id}/print", "invoices"),
)
MISSING_ID = 987654


def forbidden_ids(demo, conn, key: str, kind: str) -> list[int]:
    """Every record id that must be a 404 for client `key` on a URL of `kind`."""
    mine = set(VISIBLE_OWNERS[key])
    ids: list[int] = []
    for owner, records in demo.estimates.items():
        if owner not in mine or kind != "estimates":
            ids += records
    for owner, records in demo.invoices.items():
        if owner not in mine or kind != "invoices":
            ids += records
    own = [i for owner in mine for i in getattr(demo, kind)[owner]]
    ids += drafts(conn, own)
    ids += list(demo.clients.values())
    ids += [p for projects in demo.projects.values() for p in projects]
    ids += [
        int(conn.scalar("SELECT ID FROM {posts} WHERE post_type = 'ndpv_business'"))
    ]
    ids.append(MISSING_ID)
    return sorted(set(ids))


def snapshot(conn) -> list[tuple]:
    rows = conn.query(
        "SELECT post_id, meta_key, meta_value FROM {postmeta} "
        "WHERE meta_key IN ('status', 'feedback', 'feedback_by') "
        "ORDER BY post_id, meta_key"
    )
    return [tuple(row.values()) for row in rows]


@pytest.mark.parametrize("key", PORTAL_CLIENTS)
@pytest.mark.parametrize(
    ("method", "pattern", "kind"), URLS, ids=[f"{m} {p}" for m, p, _ in URLS]
)
def test_foreign_records_are_404(portal, demo, conn, key, method, pattern, kind):
    http = client_for(portal, demo, key)
    before = snapshot(conn)

    ids = forbidden_ids(demo, conn, key, kind)
    assert len(ids) > 20
    for record_id in ids:
        url = PREFIX + pattern.format(id=record_id)
        if method == "GET":
            response = http.get(url)
        else:
            response = http.post(url, data={"confirmed": "1", "note": "sneaky"})
        assert response.status_code == 404, (url, response.status_code)
        assert "Page not found" in response.get_data(as_text=True)

    assert snapshot(conn) == before


@pytest.mark.parametrize("key", PORTAL_CLIENTS)
def test_own_records_are_there_on_the_same_urls(portal, demo, conn, key):
    """The other side of the matrix: the same URLs work for the client's own."""
    http = client_for(portal, demo, key)
    mine = VISIBLE_OWNERS[key]
    for method, pattern, kind in URLS:
        if method != "GET":
            continue
        records = [i for owner in mine for i in getattr(demo, kind)[owner]]
        shown = [i for i in records if status_of(conn, i) != "draft"]
        assert shown
        for record_id in shown:
            url = PREFIX + pattern.format(id=record_id)
            assert http.get(url).status_code == 200, url


def test_public_links_need_the_right_token(portal, demo, conn):
    from bridge.wp.meta import get_meta

    http = portal.test_client()
    estimate = demo.estimates["maya"][1]
    draft = demo.estimates["maya"][0]
    token = get_meta(conn, "post", estimate, "token")
    other_token = get_meta(conn, "post", demo.estimates["acme"][1], "token")
    draft_token = get_meta(conn, "post", draft, "token")

    assert http.get(f"{PREFIX}/view/{estimate}?token={token}").status_code == 200
    for url in (
        f"/view/{estimate}",
        f"/view/{estimate}?token=",
        f"/view/{estimate}?token={other_token}",
        f"/view/{estimate}?token={token[:-1]}",
        f"/view/{estimate}?token={token.upper()}",
        f"/view/{estimate}?token={token}0",
        f"/view/{draft}?token={draft_token}",
        f"/view/{MISSING_ID}?token={token}",
        f"/view/{demo.clients['maya']}?token={token}",
        f"/view/{estimate}/pdf?token={other_token}",
        f"/view/{estimate}/print",
    ):
        assert http.get(PREFIX + url).status_code == 404, url
    for url in (f"/view/{estimate}/accept", f"/view/{estimate}/decline"):
        response = http.post(
            PREFIX + url, data={"token": other_token, "confirmed": "1"}
        )
        assert response.status_code == 404
    # Opening it with its own token marked it viewed; nothing decided it.
    assert status_of(conn, estimate) == "viewed"
    assert get_meta(conn, "post", estimate, "feedback") is None
