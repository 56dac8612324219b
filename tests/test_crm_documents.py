"""Estimates and invoices as read through a client, on SQLite and MariaDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bridge.crm.business import get_business, logo_path
from bridge.crm.clients import client_ids_for, get_client, list_clients, portal_link
from bridge.crm.documents import (
    AlreadyDecided,
    DecisionError,
    decide,
    get_by_token,
    get_document,
    iso,
    list_documents,
    mark_viewed,
    overdue_cutoff,
    parse_moment,
    summarize,
)
from bridge.money import compute_totals
from bridge.wp.meta import get_meta, update_meta
from bridge.wp.options import update_option

pytest_plugins = ("portal_fixtures",)


def ids_of(page) -> list[int]:
    return [doc.id for doc in page.items]


def test_lists_filter_by_client_and_kind_and_never_show_drafts(conn, demo):
    maya = (demo.clients["maya"],)
    estimates = list_documents(conn, "estimate", maya)
    # The demo's first estimate is the draft.
    assert sorted(ids_of(estimates)) == sorted(demo.estimates["maya"][1:])
    assert estimates.total == 4
    assert {doc.path for doc in estimates.items} == {"estimate"}
    invoices = list_documents(conn, "invoice", maya)
    assert sorted(ids_of(invoices)) == sorted(demo.invoices["maya"][1:])


def test_a_person_of_an_organization_sees_its_documents(conn, demo):
    jonas = get_client(conn, demo.clients["jonas"])
    assert jonas.org_id == demo.clients["acme"]
    assert jonas.org_name == "Acme Robotics"
    ids = client_ids_for(jonas)
    assert ids == (demo.clients["jonas"], demo.clients["acme"])
    shown = set(ids_of(list_documents(conn, "estimate", ids)))
    assert shown == set(demo.estimates["jonas"][1:] + demo.estimates["acme"][1:])
    acme = get_client(conn, demo.clients["acme"])
    assert client_ids_for(acme) == (demo.clients["acme"],)


def test_status_filters(conn, demo):
    maya = (demo.clients["maya"],)
    cutoff = overdue_cutoff(conn)
    statuses = {
        name: {
            doc.status for doc in list_documents(conn, path, maya, status=name).items
        }
        for path, name in (
            ("estimate", "open"),
            ("estimate", "accept"),
            ("estimate", "decline"),
            ("invoice", "unpaid"),
            ("invoice", "paid"),
        )
    }
    assert statuses == {
        "open": {"sent", "viewed"},
        "accept": {"accept"},
        "decline": {"decline"},
        "unpaid": {"sent", "viewed", "paid_req"},
        "paid": {"paid"},
    }
    overdue = list_documents(conn, "invoice", maya, status="overdue", cutoff=cutoff)
    assert all(doc.is_past_due(cutoff) for doc in overdue.items)
    assert demo.invoices["maya"][5] in ids_of(overdue)
    everything = list_documents(conn, "invoice", maya, status="unknown")
    assert everything.total == 5


def test_pagination_happens_in_sql(conn, demo):
    maya = (demo.clients["maya"],)
    first = list_documents(conn, "invoice", maya, per_page=2)
    second = list_documents(conn, "invoice", maya, page=2, per_page=2)
    third = list_documents(conn, "invoice", maya, page=3, per_page=2)
    assert (first.total, first.pages, len(first.items)) == (5, 3, 2)
    assert first.has_next and not first.has_previous
    assert len(third.items) == 1 and not third.has_next
    seen = ids_of(first) + ids_of(second) + ids_of(third)
    assert len(set(seen)) == 5
    assert (second.first_index, second.last_index) == (3, 4)
    assert list_documents(conn, "invoice", maya, page=0).page == 1


def test_get_document_is_none_for_everything_not_the_clients(conn, demo):
    maya = (demo.clients["maya"],)
    own = demo.estimates["maya"][1]
    document = get_document(conn, own, "estimate", maya)
    assert document is not None
    assert document.number.startswith("Est-")
    assert document.client_id == demo.clients["maya"]
    assert document.currency == "USD"
    assert document.total == compute_totals(document.invoice).grand_total

    assert get_document(conn, demo.estimates["maya"][0], "estimate", maya) is None
    assert get_document(conn, own, "invoice", maya) is None
    assert get_document(conn, demo.estimates["acme"][1], "estimate", maya) is None
    assert get_document(conn, demo.clients["maya"], "estimate", maya) is None
    assert get_document(conn, 99999, "estimate", maya) is None
    with pytest.raises(ValueError, match="client"):
        get_document(conn, own, "estimate", ())
    with pytest.raises(ValueError, match="path"):
        get_document(conn, own, "project", maya)


def test_public_tokens(conn, demo):
    estimate = demo.estimates["maya"][1]
    token = get_meta(conn, "post", estimate, "token")
    assert len(token) == 40
    assert get_by_token(conn, estimate, token).id == estimate
    for wrong in (None, "", token[:-1], token.upper(), "x" * 40, token + "a"):
        assert get_by_token(conn, estimate, wrong) is None
    draft = demo.estimates["maya"][0]
    assert get_by_token(conn, draft, get_meta(conn, "post", draft, "token")) is None
    update_meta(conn, "post", estimate, "token", "")
    assert get_by_token(conn, estimate, token) is None


def test_mark_viewed_only_moves_sent(conn, demo):
    maya = (demo.clients["maya"],)
    sent = get_document(conn, demo.invoices["maya"][1], "invoice", maya)
    assert mark_viewed(conn, sent) is True
    assert sent.status == "viewed"
    assert mark_viewed(conn, sent) is False
    paid = get_document(conn, demo.invoices["maya"][4], "invoice", maya)
    assert mark_viewed(conn, paid) is False
    assert get_meta(conn, "post", paid.id, "status") == "paid"


def test_decide_once(conn, demo):
    maya = (demo.clients["maya"],)
    estimate = get_document(conn, demo.estimates["maya"][2], "estimate", maya)
    now = datetime(2031, 5, 4, 12, 0, tzinfo=UTC)
    decide(conn, estimate, "accept", "x" * 3000, user_id=7, client_id=maya[0], now=now)

    feedback = get_meta(conn, "post", estimate.id, "feedback")
    assert feedback == {
        "type": "accept",
        "note": "x" * 2000,
        "attachment": {},
        "time": int(now.timestamp()),
    }
    stale = get_document(conn, estimate.id, "estimate", maya)
    stale.status = "viewed"  # as a second request that read it earlier would see
    with pytest.raises(AlreadyDecided) as refused:
        decide(conn, stale, "decline", user_id=7, client_id=maya[0])
    assert refused.value.status == "accept"
    assert get_meta(conn, "post", estimate.id, "feedback")["type"] == "accept"

    with pytest.raises(DecisionError):
        decide(conn, estimate, "maybe")
    invoice = get_document(conn, demo.invoices["maya"][1], "invoice", maya)
    with pytest.raises(DecisionError):
        decide(conn, invoice, "accept")


def test_summary(conn, demo):
    maya = (demo.clients["maya"],)
    cutoff = overdue_cutoff(conn)
    summary = summarize(conn, maya, cutoff)
    assert summary.open_estimates == 2
    assert summary.unpaid_invoices == 4
    assert summary.overdue_invoices == 2
    unpaid = [get_document(conn, i, "invoice", maya) for i in demo.invoices["maya"][1:]]
    expected = sum(
        (d.due for d in unpaid if d.status in ("sent", "viewed", "paid_req")),
        Decimal(0),
    )
    assert summary.amount_due == {"USD": expected}


def test_overdue_is_by_the_sites_calendar_day(conn, demo):
    maya = (demo.clients["maya"],)
    invoice = get_document(conn, demo.invoices["maya"][2], "invoice", maya)
    update_option(conn, "timezone_string", "Europe/Berlin")
    # Due on 10 March in Berlin (stored as the UTC moment of Berlin's midnight).
    invoice.due_date = parse_moment("2031-03-09T23:00:00.000Z")
    on_the_day = datetime(2031, 3, 10, 22, 30, tzinfo=UTC)  # 23:30 in Berlin
    next_day = datetime(2031, 3, 10, 23, 30, tzinfo=UTC)  # 00:30 on the 11th
    assert not invoice.is_past_due(overdue_cutoff(conn, on_the_day))
    assert invoice.is_past_due(overdue_cutoff(conn, next_day))
    assert invoice.display_status(overdue_cutoff(conn, next_day)) == "overdue"


def test_dates_are_read_in_every_stored_shape():
    moment = datetime(2031, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert iso(moment) == "2031-01-02T03:04:05.678Z"
    assert parse_moment(iso(moment)) == moment
    assert parse_moment("2031-01-02") == datetime(2031, 1, 2, tzinfo=UTC)
    assert parse_moment("2031-01-02 03:04:05") == moment.replace(microsecond=0)
    assert parse_moment(1924916645) == datetime.fromtimestamp(1924916645, UTC)
    assert parse_moment("1924916645") == datetime.fromtimestamp(1924916645, UTC)
    for junk in (None, "", "tomorrow", True, [], "2031-13-45"):
        assert parse_moment(junk) is None
    assert parse_moment("2031-01-02T00:00:00+02:00") == datetime(
        2031, 1, 1, 22, tzinfo=UTC
    )
    assert parse_moment(10**20) is None
    assert timedelta(0) == parse_moment("2031-01-02T00:00:00Z") - datetime(
        2031, 1, 2, tzinfo=UTC
    )


def test_clients_and_their_portal_links(conn, demo):
    from bridge.wp.users import get_user_by

    maya_user = get_user_by(conn, "login", "maya@example.com")
    link = portal_link(conn, maya_user["ID"])
    assert (link.client_id, link.client_type, link.portal) == (
        demo.clients["maya"],
        "person",
        True,
    )
    lena_user = get_user_by(conn, "login", "lena@example.org")
    assert portal_link(conn, lena_user["ID"]).portal is False
    admin = get_user_by(conn, "login", "admin")
    assert portal_link(conn, admin["ID"]) is None

    names = [client.name for client in list_clients(conn)]
    assert names == sorted(names)
    assert set(names) >= {"Maya Chen", "Acme Robotics", "Jonas Weber", "Lena Park"}
    maya = get_client(conn, demo.clients["maya"])
    assert maya.kind == "person"
    assert maya.address_lines[-1] == "US"
    assert get_client(conn, demo.estimates["maya"][1]) is None


def test_business_and_logo(conn, demo, app_config, tmp_path):
    business = get_business(conn)
    assert business.name == "Northwind Studio"
    assert business.logo_mime == "image/png"
    path = logo_path(business, app_config["BRIDGE_UPLOADS_DIR"])
    assert path is not None and path.read_bytes().startswith(b"\x89PNG")
    assert logo_path(business, str(tmp_path / "elsewhere")) is None
    escaped = type(business)(id=1, name="x", logo_file="../../etc/passwd")
    assert logo_path(escaped, app_config["BRIDGE_UPLOADS_DIR"]) is None
    assert get_business(conn, demo.clients["maya"]).id == business.id
