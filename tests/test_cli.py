"""The portal-bridge command: init-db and check, on SQLite and MariaDB."""

from __future__ import annotations

import pytest

from bridge.cli import main
from bridge.wp.db import Database
from bridge.wp.install import missing_tables
from bridge.wp.options import get_option
from tests.conftest import TEST_SECRET


@pytest.fixture
def empty_url(backend, tmp_path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'new.sqlite'}"
    url = request.getfixturevalue("mysql_database_url")
    with Database(url, "cli_").connect() as conn:
        for table in conn.tables.values():
            conn.execute(f"DROP TABLE IF EXISTS {table}")
    return url


def test_init_db_creates_the_tables_and_a_site(empty_url, capsys):
    code = main(
        [
            "init-db",
            "--database-url",
            empty_url,
            "--prefix",
            "cli_",
            "--site-url",
            "http://example.test",
            "--title",
            "Shop",
        ]
    )

    assert code == 0
    assert "created 12 tables" in capsys.readouterr().out
    with Database(empty_url, "cli_").connect() as conn:
        assert missing_tables(conn) == []
        assert get_option(conn, "siteurl") == "http://example.test"
        assert "administrator" in get_option(conn, "cli_user_roles")

    assert main(["init-db", "--database-url", empty_url, "--prefix", "cli_"]) == 0
    assert "all tables were present" in capsys.readouterr().out


def test_check_reports_database_tables_and_salts(
    conn, database_url, monkeypatch, capsys
):
    monkeypatch.setenv("BRIDGE_DATABASE_URL", database_url)
    monkeypatch.setenv("BRIDGE_SECRET", TEST_SECRET)

    code = main(["check"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert "ok    database reachable" in out
    assert "ok    WordPress tables present" in out
    assert "logged_in" in out


def test_check_fails_on_missing_tables(empty_url, monkeypatch, capsys):
    monkeypatch.setenv("BRIDGE_DATABASE_URL", empty_url)
    monkeypatch.setenv("BRIDGE_TABLE_PREFIX", "cli_")
    monkeypatch.setenv("BRIDGE_SECRET", TEST_SECRET)

    assert main(["check"]) == 1
    assert "FAIL  tables missing" in capsys.readouterr().out


def test_a_bad_setting_stops_with_its_name(monkeypatch, capsys):
    monkeypatch.delenv("BRIDGE_WP_CONFIG", raising=False)
    monkeypatch.setenv("BRIDGE_DATABASE_URL", "sqlite:///x.sqlite")
    monkeypatch.setenv("BRIDGE_SECRET", "short")

    assert main(["check"]) == 2
    assert "BRIDGE_SECRET" in capsys.readouterr().err


def test_an_unreachable_database_is_one_clear_line(monkeypatch, capsys):
    monkeypatch.setenv("BRIDGE_DATABASE_URL", "mysql://u:hunter2@127.0.0.1:1/db")
    monkeypatch.setenv("BRIDGE_SECRET", TEST_SECRET)

    assert main(["check"]) == 1
    err = capsys.readouterr().err
    assert "cannot connect to mysql://u@127.0.0.1:1/db" in err
    assert "hunter2" not in err
