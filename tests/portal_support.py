"""Helpers for the portal's integration tests: logging in through the builtin form,
counting queries, and who may see which record."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bridge.wp.db import Connection
from bridge.wp.meta import get_meta
from wp_schema.demo import DemoSite

PREFIX = "/portal"
# The demo's clients with portal access, and whose records each one sees.
PORTAL_CLIENTS = ("maya", "acme", "jonas")
VISIBLE_OWNERS = {"maya": ("maya",), "acme": ("acme",), "jonas": ("jonas", "acme")}


def login_of(demo: DemoSite, key: str) -> tuple[str, str]:
    """The demo login and password of a client key (`maya`) or of `admin`."""
    if key == "admin":
        found = demo.logins[0]
    else:
        email = {
            "maya": "maya@example.com",
            "acme": "billing@acme.example",
            "jonas": "jonas@acme.example",
            "lena": "lena@example.org",
        }[key]
        found = next(login for login in demo.logins if login.login == email)
    return found.login, found.password


def log_in(http, demo: DemoSite, key: str, csrf_token: str | None = None):
    """Log in through the builtin form, as a browser would."""
    login, password = login_of(demo, key)
    data = {"log": login, "pwd": password}
    if csrf_token is not None:
        data["csrf_token"] = csrf_token
    response = http.post(f"{PREFIX}/login", data=data)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    return response


def client_for(app, demo: DemoSite, key: str):
    """A test client logged in as a demo user."""
    http = app.test_client()
    log_in(http, demo, key)
    return http


def csrf_token_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def visible(demo: DemoSite, key: str, kind: str) -> list[int]:
    """Ids of the documents (`estimates` or `invoices`) a client key may see."""
    records = getattr(demo, kind)
    return [doc_id for owner in VISIBLE_OWNERS[key] for doc_id in records[owner]]


def status_of(conn: Connection, doc_id: int) -> str:
    return str(get_meta(conn, "post", doc_id, "status") or "")


def drafts(conn: Connection, ids: list[int]) -> list[int]:
    return [doc_id for doc_id in ids if status_of(conn, doc_id) == "draft"]


class QueryCounter:
    """Counts the SQL statements every Connection runs while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def counting_queries(monkeypatch) -> Iterator[QueryCounter]:
    counter = QueryCounter()
    original = Connection.execute

    def execute(self: Connection, sql: str, params: Any = ()) -> Any:
        counter.statements.append(sql)
        return original(self, sql, params)

    with monkeypatch.context() as patch:
        patch.setattr(Connection, "execute", execute)
        yield counter
