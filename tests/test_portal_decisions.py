"""Accepting and declining estimates: the stored format, once only, races, CSRF."""

from __future__ import annotations

import threading
import time

import pytest
from portal_support import PREFIX, client_for, csrf_token_of, log_in, status_of

from bridge.crm.activity import list_activity
from bridge.crm.documents import AlreadyDecided, decide, get_document
from bridge.wp.db import Database
from bridge.wp.meta import get_meta

pytest_plugins = ("portal_fixtures",)


def text(response) -> str:
    return response.get_data(as_text=True)


def user_id_of(conn, login: str) -> int:
    return int(conn.scalar("SELECT ID FROM {users} WHERE user_login = %s", (login,)))


@pytest.mark.parametrize("decision", ["accept", "decline"])
def test_a_decision_is_stored_as_propovoice_stores_it(portal, demo, conn, decision):
    http = client_for(portal, demo, "maya")
    estimate = demo.estimates["maya"][2]
    assert status_of(conn, estimate) == "viewed"
    before = int(time.time())

    response = http.post(
        f"{PREFIX}/estimates/{estimate}/{decision}",
        data={"note": "  Looks good to us  ", "confirmed": "1"},
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{PREFIX}/estimates/{estimate}")

    assert status_of(conn, estimate) == decision
    feedback = get_meta(conn, "post", estimate, "feedback")
    assert list(feedback) == ["type", "note", "attachment", "time"]
    assert feedback["type"] == decision
    assert feedback["note"] == "Looks good to us"
    assert feedback["attachment"] == {}
    assert before <= feedback["time"] <= int(time.time())
    raw = conn.scalar(
        "SELECT meta_value FROM {postmeta} WHERE post_id = %s AND meta_key = %s",
        (estimate, "feedback"),
    )
    assert raw.startswith(f'a:4:{{s:4:"type";s:{len(decision)}:"{decision}";')

    maya_user = user_id_of(conn, "maya@example.com")
    by = get_meta(conn, "post", estimate, "feedback_by")
    assert by["user_id"] == maya_user
    assert by["client_id"] == demo.clients["maya"]
    assert by["ip"] == "203.0.113.7"
    assert by["via"] == "portal"

    entries = list_activity(conn, client_id=demo.clients["maya"])
    logged = [e for e in entries if e["action"] == f"estimate_{decision}"]
    assert len(logged) == 1
    assert logged[0]["actor_id"] == maya_user
    assert int(logged[0]["object_id"]) == estimate
    assert logged[0]["ip"] == "203.0.113.7"

    page = text(http.get(response.headers["Location"]))
    expected = "You accepted this estimate" if decision == "accept" else "declined"
    assert expected in page
    assert "Looks good to us" in page
    assert f'action="{PREFIX}/estimates/{estimate}/accept"' not in page


@pytest.mark.parametrize(
    ("first", "second", "message"),
    [
        ("accept", "accept", "already accepted"),
        ("accept", "decline", "already accepted"),
        ("decline", "accept", "already declined"),
        ("decline", "decline", "already declined"),
    ],
)
def test_a_second_decision_is_refused(portal, demo, conn, first, second, message):
    http = client_for(portal, demo, "acme")
    estimate = demo.estimates["acme"][1]
    http.post(f"{PREFIX}/estimates/{estimate}/{first}", data={"confirmed": "1"})
    stored = get_meta(conn, "post", estimate, "feedback")

    again = http.post(
        f"{PREFIX}/estimates/{estimate}/{second}",
        data={"confirmed": "1", "note": "changed my mind"},
        follow_redirects=True,
    )
    assert again.status_code == 200
    assert f"This estimate was {message}." in text(again)
    assert status_of(conn, estimate) == first
    assert get_meta(conn, "post", estimate, "feedback") == stored


def test_already_decided_estimates_from_the_demo_refuse_too(portal, demo, conn):
    http = client_for(portal, demo, "maya")
    accepted = demo.estimates["maya"][3]
    response = http.post(
        f"{PREFIX}/estimates/{accepted}/decline",
        data={"confirmed": "1"},
        follow_redirects=True,
    )
    assert "This estimate was already accepted." in text(response)
    assert status_of(conn, accepted) == "accept"


def test_without_script_the_decision_asks_for_confirmation(portal, demo, conn):
    http = client_for(portal, demo, "maya")
    estimate = demo.estimates["maya"][1]
    page = http.post(f"{PREFIX}/estimates/{estimate}/accept", data={"note": "Go!"})
    assert page.status_code == 200
    html = text(page)
    assert "Accept estimate Est-" in html
    assert 'name="confirmed" value="1"' in html
    assert ">Go!</textarea>" in html
    assert status_of(conn, estimate) == "sent"


def test_jonas_decides_for_his_organization(portal, demo, conn):
    http = client_for(portal, demo, "jonas")
    estimate = demo.estimates["acme"][2]
    http.post(f"{PREFIX}/estimates/{estimate}/accept", data={"confirmed": "1"})
    assert status_of(conn, estimate) == "accept"
    by = get_meta(conn, "post", estimate, "feedback_by")
    assert by["user_id"] == user_id_of(conn, "jonas@acme.example")
    assert by["client_id"] == demo.clients["jonas"]


def test_public_link_decision(portal, demo, conn):
    http = portal.test_client()
    estimate = demo.estimates["maya"][1]
    token = get_meta(conn, "post", estimate, "token")
    page = http.get(f"{PREFIX}/view/{estimate}?token={token}")
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert status_of(conn, estimate) == "viewed"

    response = http.post(
        f"{PREFIX}/view/{estimate}/decline",
        data={"token": token, "confirmed": "1", "note": "Not now"},
    )
    assert response.status_code == 303
    assert status_of(conn, estimate) == "decline"
    assert get_meta(conn, "post", estimate, "feedback")["note"] == "Not now"
    assert get_meta(conn, "post", estimate, "feedback_by")["via"] == "public link"

    again = http.post(
        f"{PREFIX}/view/{estimate}/accept",
        data={"token": token, "confirmed": "1"},
        follow_redirects=True,
    )
    assert "This estimate was already declined." in text(again)
    assert status_of(conn, estimate) == "decline"


def test_invoices_cannot_be_decided(portal, demo, conn):
    http = portal.test_client()
    invoice = demo.invoices["maya"][1]
    token = get_meta(conn, "post", invoice, "token")
    response = http.post(
        f"{PREFIX}/view/{invoice}/accept", data={"token": token, "confirmed": "1"}
    )
    assert response.status_code == 404
    assert status_of(conn, invoice) == "sent"


def test_concurrent_decisions_on_two_connections_make_one(database, demo, conn):
    """Two connections race to decide; exactly one wins, the other is told."""
    estimate = demo.estimates["maya"][1]
    ids = (demo.clients["maya"],)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def attempt(decision: str) -> None:
        with Database(database.url, database.prefix).connect() as own:
            document = get_document(own, estimate, "estimate", ids)
            barrier.wait()
            try:
                decide(own, document, decision, "first", user_id=1, client_id=ids[0])
                outcomes[decision] = "won"
            except AlreadyDecided as exc:
                outcomes[decision] = f"refused: {exc.status}"

    threads = [threading.Thread(target=attempt, args=(d,)) for d in DECISIONS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    winners = [d for d, outcome in outcomes.items() if outcome == "won"]
    assert len(winners) == 1, outcomes
    loser = next(d for d in DECISIONS if d not in winners)
    assert outcomes[loser] == f"refused: {winners[0]}"
    assert status_of(conn, estimate) == winners[0]
    assert get_meta(conn, "post", estimate, "feedback")["type"] == winners[0]
    logged = [
        e
        for e in list_activity(conn, client_id=demo.clients["maya"])
        if e["action"].startswith("estimate_") and e["action"] != "estimate_view"
    ]
    assert len(logged) == 1


DECISIONS = ("accept", "decline")


def test_concurrent_double_submit_over_http_makes_one_decision(portal, demo, conn):
    """The same form sent twice at once, from two threads with their own requests."""
    estimate = demo.estimates["acme"][2]
    clients = [client_for(portal, demo, "acme") for _ in range(2)]
    barrier = threading.Barrier(2)
    pages: list[str] = []

    def submit(http) -> None:
        barrier.wait()
        response = http.post(
            f"{PREFIX}/estimates/{estimate}/accept",
            data={"confirmed": "1"},
            follow_redirects=True,
        )
        pages.append(text(response))

    threads = [threading.Thread(target=submit, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(pages) == 2
    assert status_of(conn, estimate) == "accept"
    thanked = [p for p in pages if "Thank you. You accepted this estimate." in p]
    refused = [p for p in pages if "This estimate was already accepted." in p]
    assert len(thanked) == 1
    assert len(refused) == 1
    accepts = [
        e
        for e in list_activity(conn, client_id=demo.clients["acme"])
        if e["action"] == "estimate_accept"
    ]
    assert len(accepts) == 1


def test_csrf_is_required_on_every_post(app_config, demo, conn):
    """With CSRF on (the default), a POST without a token is refused."""
    from bridge import create_app

    app = create_app(app_config)
    http = app.test_client()
    login_form = text(http.get(f"{PREFIX}/login"))
    log_in(http, demo, "maya", csrf_token=csrf_token_of(login_form))

    estimate = demo.estimates["maya"][2]
    url = f"{PREFIX}/estimates/{estimate}/accept"
    for data in ({"confirmed": "1"}, {"confirmed": "1", "csrf_token": "forged"}):
        refused = http.post(url, data=data)
        assert refused.status_code == 400
        assert "This form has expired" in text(refused)
    assert status_of(conn, estimate) == "viewed"

    settings = http.post(
        f"{PREFIX}/settings",
        data={
            "current_password": "maya-demo-pass",
            "new_password": "a Brand new one 42",
            "confirm_password": "a Brand new one 42",
        },
    )
    assert settings.status_code == 400
    token = get_meta(conn, "post", estimate, "token")
    public = http.post(
        f"{PREFIX}/view/{estimate}/decline", data={"token": token, "confirmed": "1"}
    )
    assert public.status_code == 400
    assert status_of(conn, estimate) == "viewed"

    page = text(http.get(f"{PREFIX}/estimates/{estimate}"))
    accepted = http.post(
        url, data={"confirmed": "1", "csrf_token": csrf_token_of(page)}
    )
    assert accepted.status_code == 303
    assert status_of(conn, estimate) == "accept"
