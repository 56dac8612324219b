"""Fixtures shared by the suites: a WordPress database on SQLite and on MariaDB.

MariaDB is the real server on 127.0.0.1:3306 (BRIDGE_TEST_MYSQL_URL overrides it); the
suite makes its own database for the session and drops it afterwards.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator

import pytest

from bridge.wp.db import Connection, Database
from bridge.wp.install import create_tables, install_site

MYSQL_SERVER = os.environ.get("BRIDGE_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306")
SITE_URL = "http://portal.test"
TEST_SECRET = "test-secret-" + "x" * 40

BACKENDS = ["sqlite", "mysql"]


def _server_connection():
    import MySQLdb

    from bridge.wp.db import DatabaseURL

    url = DatabaseURL.parse(MYSQL_SERVER.rstrip("/") + "/mysql")
    return MySQLdb.connect(
        host=url.host,
        port=url.port,
        user=url.user,
        passwd=url.password,
        charset="utf8mb4",
        autocommit=True,
    )


@pytest.fixture(scope="session")
def mysql_database_url() -> Iterator[str]:
    """A MariaDB database of this test session's own, dropped at the end."""
    name = f"bridge_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        server = _server_connection()
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"MariaDB is not reachable at {MYSQL_SERVER}: {exc}")
    cursor = server.cursor()
    cursor.execute(
        f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
    )
    try:
        yield f"{MYSQL_SERVER.rstrip('/')}/{name}"
    finally:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        server.close()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def database_url(backend: str, tmp_path, request: pytest.FixtureRequest) -> str:
    """A URL of an empty WordPress database (core tables, no rows) on `backend`."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'wordpress.sqlite'}"
        with Database(url).connect() as conn:
            create_tables(conn)
        return url

    url = request.getfixturevalue("mysql_database_url")
    with Database(url).connect() as conn:
        if create_tables(conn) == []:
            for table in conn.tables.values():
                conn.execute(f"TRUNCATE TABLE {table}")
    return url


@pytest.fixture
def database(database_url: str) -> Database:
    return Database(database_url)


@pytest.fixture
def conn(database: Database) -> Iterator[Connection]:
    """A connection to a fresh WordPress site: core tables and options."""
    with database.connect() as connection:
        install_site(connection, SITE_URL, "Test Agency", "owner@portal.test")
        yield connection


@pytest.fixture
def app_config(database_url: str, tmp_path) -> dict:
    return {
        "BRIDGE_DATABASE_URL": database_url,
        "BRIDGE_SECRET": TEST_SECRET,
        "BRIDGE_SITE_URL": SITE_URL,
        "BRIDGE_LOGIN": "builtin",
        "BRIDGE_UPLOADS_DIR": str(tmp_path / "uploads"),
        "TESTING": True,
    }


@pytest.fixture
def app(app_config: dict, conn: Connection):
    from bridge import create_app

    return create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()
