"""The database layer and the WordPress helpers on it, on SQLite and on MariaDB."""

from __future__ import annotations

import pytest

from bridge.wp.db import Database, DatabaseURL, placeholders
from bridge.wp.errors import DatabaseUnavailable, DatabaseURLError
from bridge.wp.install import create_tables, missing_tables
from bridge.wp.meta import add_meta, delete_meta, get_meta, get_metas, update_meta
from bridge.wp.options import (
    add_option,
    delete_option,
    get_autoloaded,
    get_option,
    update_option,
)
from bridge.wp.posts import get_post, insert_post, update_post
from bridge.wp.serialization import SerializationError
from bridge.wp.terms import get_terms, insert_term, object_terms, set_object_terms


def test_every_core_table_is_created(conn):
    assert missing_tables(conn) == []
    assert create_tables(conn) == []


def test_the_prefix_is_applied_in_one_place(conn, tmp_path):
    other = Database(conn.database.url, prefix="shop_")
    with other.connect() as shop:
        create_tables(shop)
        shop.execute(
            "INSERT INTO {options} (option_name, option_value) VALUES (%s, %s)",
            ("blogname", "Shop"),
        )
        assert shop.sql("SELECT 1 FROM {options}").endswith("shop_options")
        assert get_option(shop, "blogname") == "Shop"
        if shop.backend == "mysql":
            for table in shop.tables.values():
                shop.execute(f"DROP TABLE {table}")

    assert get_option(conn, "blogname") == "Test Agency"


def test_utf8mb4_text_survives_a_round_trip(conn):
    text = "Zoë — Ελένη — Дмитрий — 東京 — 🎉🚀"
    post_id = insert_post(conn, post_type="ndpv_note", post_content=text)

    update_meta(conn, "post", post_id, "title", text)

    assert get_post(conn, post_id)["post_content"] == text
    assert get_meta(conn, "post", post_id, "title") == text


def test_a_failed_transaction_rolls_back_and_re_raises(conn):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), conn.transaction():
        post_id = insert_post(conn, post_type="ndpv_note", post_title="half")
        update_meta(conn, "post", post_id, "tab_id", 1)
        raise Boom

    assert conn.scalar("SELECT COUNT(*) FROM {posts}") == 0
    assert conn.scalar("SELECT COUNT(*) FROM {postmeta}") == 0
    assert not conn.in_transaction


def test_a_nested_block_rolls_back_alone(conn):
    with conn.transaction():
        insert_post(conn, post_type="ndpv_note", post_title="kept")
        with pytest.raises(ValueError, match="inner"), conn.transaction():
            insert_post(conn, post_type="ndpv_note", post_title="dropped")
            raise ValueError("inner")

    titles = [r["post_title"] for r in conn.query("SELECT post_title FROM {posts}")]
    assert titles == ["kept"]


def test_values_are_parameters_never_sql(conn):
    hostile = "x'); DROP TABLE wp_posts; --"
    add_option(conn, hostile, hostile)

    assert get_option(conn, hostile) == hostile
    assert missing_tables(conn) == []


def test_meta_is_stored_as_update_post_meta_stores_it(conn):
    post_id = insert_post(conn, post_type="ndpv_estinv")

    update_meta(conn, "post", post_id, "invoice", {"items": [{"qty": "2"}]})
    update_meta(conn, "post", post_id, "client_portal", True)
    update_meta(conn, "post", post_id, "client_portal_off", False)
    update_meta(conn, "post", post_id, "total", 12)

    rows = {
        r["meta_key"]: r["meta_value"]
        for r in conn.query(
            "SELECT meta_key, meta_value FROM {postmeta} WHERE post_id = %s", (post_id,)
        )
    }
    assert rows == {
        "invoice": 'a:1:{s:5:"items";a:1:{i:0;a:1:{s:3:"qty";s:1:"2";}}}',
        "client_portal": "1",
        "client_portal_off": "",
        "total": "12",
    }


def test_update_meta_keeps_one_row_and_same_value_updates_are_harmless(conn):
    post_id = insert_post(conn, post_type="ndpv_task")

    update_meta(conn, "post", post_id, "status", "sent")
    update_meta(conn, "post", post_id, "status", "sent")
    update_meta(conn, "post", post_id, "status", "viewed")

    count = conn.scalar(
        "SELECT COUNT(*) FROM {postmeta} WHERE post_id = %s AND meta_key = %s",
        (post_id, "status"),
    )
    assert count == 1
    assert get_meta(conn, "post", post_id, "status") == "viewed"


def test_meta_of_many_objects_comes_in_one_query(conn):
    ids = [insert_post(conn, post_type="ndpv_task") for _ in range(3)]
    for index, post_id in enumerate(ids[:2]):
        update_meta(conn, "post", post_id, "tab_id", index)
        add_meta(conn, "post", post_id, "other", "x")

    metas = get_metas(conn, "post", ids, ["tab_id"])

    assert metas == {ids[0]: {"tab_id": "0"}, ids[1]: {"tab_id": "1"}, ids[2]: {}}
    assert delete_meta(conn, "post", ids[0], "other") == 1


def test_a_broken_serialized_meta_value_is_a_clear_error(conn):
    post_id = insert_post(conn, post_type="ndpv_estinv")
    conn.insert(
        "postmeta",
        {"post_id": post_id, "meta_key": "invoice", "meta_value": 'a:1:{s:3:"x";}'},
    )

    with pytest.raises(SerializationError):
        get_meta(conn, "post", post_id, "invoice")


def test_options_with_autoload(conn):
    update_option(conn, "ndpv_estinv_currency", {"currency": "EUR", "lang": "de"})
    add_option(conn, "big_report", "x" * 1000, autoload=False)

    assert get_option(conn, "ndpv_estinv_currency") == {"currency": "EUR", "lang": "de"}
    assert get_option(conn, "missing", "fallback") == "fallback"
    autoloaded = get_autoloaded(conn)
    assert "ndpv_estinv_currency" in autoloaded
    assert "big_report" not in autoloaded
    assert add_option(conn, "big_report", "again") is False
    assert delete_option(conn, "big_report") is True


def test_posts_get_wordpress_defaults_and_updates_stamp_the_time(conn):
    post_id = insert_post(conn, post_type="ndpv_project", post_title="Fleet Dashboard")

    post = get_post(conn, post_id, "ndpv_project")
    assert post["post_name"] == "fleet-dashboard"
    assert post["post_status"] == "publish"
    assert get_post(conn, post_id, "ndpv_task") is None

    update_post(conn, post_id, post_title="Renamed")
    assert get_post(conn, post_id)["post_title"] == "Renamed"
    with pytest.raises(ValueError, match="cannot update"):
        update_post(conn, post_id, not_a_column="x")


def test_terms_and_their_counts(conn):
    todo, _ = insert_term(conn, "Todo", "ndpv_task_status")
    done, _ = insert_term(conn, "Done", "ndpv_task_status")
    assert insert_term(conn, "Todo", "ndpv_task_status")[0] == todo
    task = insert_post(conn, post_type="ndpv_task")

    set_object_terms(conn, task, "ndpv_task_status", [todo])
    set_object_terms(conn, task, "ndpv_task_status", [done])

    counts = {t["name"]: t["count"] for t in get_terms(conn, "ndpv_task_status")}
    assert counts == {"Done": 1, "Todo": 0}
    names = [
        t["name"]
        for t in object_terms(conn, [task], ["ndpv_task_status"])[task][
            "ndpv_task_status"
        ]
    ]
    assert names == ["Done"]
    with pytest.raises(ValueError, match="unknown term"):
        set_object_terms(conn, task, "ndpv_task_status", [999999])


def test_placeholders_refuse_an_empty_list():
    assert placeholders(3) == "%s, %s, %s"
    with pytest.raises(ValueError, match="at least one"):
        placeholders(0)


@pytest.mark.parametrize(
    "url", ["postgres://x/y", "mysql://h/", "sqlite://", "mysql://h:port/x"]
)
def test_bad_database_urls_are_refused(url):
    with pytest.raises(DatabaseURLError):
        DatabaseURL.parse(url)


def test_an_unreachable_server_is_database_unavailable():
    with pytest.raises(DatabaseUnavailable, match="cannot connect"):
        Database("mysql://nobody:pw@127.0.0.1:1/none").connect()


def test_reads_reconnect_after_the_server_dropped_the_link(mysql_database_url):
    import MySQLdb

    with Database(mysql_database_url).connect() as conn:
        link_id = conn.scalar("SELECT CONNECTION_ID()")
        killer = MySQLdb.connect(host="127.0.0.1", user="root", passwd="")
        killer.cursor().execute(f"KILL {int(link_id)}")
        killer.close()

        assert conn.scalar("SELECT 1") == 1
        assert conn.scalar("SELECT CONNECTION_ID()") != link_id


def test_a_transaction_does_not_silently_reconnect(mysql_database_url):
    import MySQLdb

    with Database(mysql_database_url).connect() as conn:
        create_tables(conn)
        link_id = conn.scalar("SELECT CONNECTION_ID()")
        with pytest.raises(DatabaseUnavailable), conn.transaction():
            killer = MySQLdb.connect(host="127.0.0.1", user="root", passwd="")
            killer.cursor().execute(f"KILL {int(link_id)}")
            killer.close()
            insert_post(conn, post_type="ndpv_note")
