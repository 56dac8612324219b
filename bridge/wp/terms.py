"""Terms and taxonomies as WordPress core stores them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .db import Connection, placeholders
from .posts import sanitize_title


def get_terms(conn: Connection, taxonomy: str) -> list[dict[str, Any]]:
    """Every term of a taxonomy: term_id, term_taxonomy_id, name, slug, count."""
    return conn.query(
        "SELECT t.term_id, tt.term_taxonomy_id, t.name, t.slug, tt.parent, tt.count "
        "FROM {terms} t JOIN {term_taxonomy} tt ON tt.term_id = t.term_id "
        "WHERE tt.taxonomy = %s ORDER BY t.name, t.term_id",
        (taxonomy,),
    )


def get_term(conn: Connection, taxonomy: str, term_id: int) -> dict[str, Any] | None:
    return conn.query_one(
        "SELECT t.term_id, tt.term_taxonomy_id, t.name, t.slug, tt.parent, tt.count "
        "FROM {terms} t JOIN {term_taxonomy} tt ON tt.term_id = t.term_id "
        "WHERE tt.taxonomy = %s AND t.term_id = %s",
        (taxonomy, term_id),
    )


def object_terms(
    conn: Connection, object_ids: Iterable[int], taxonomies: Iterable[str]
) -> dict[int, dict[str, list[dict[str, Any]]]]:
    """Terms of many objects in one query: {object_id: {taxonomy: [term, ...]}}."""
    ids = sorted({int(i) for i in object_ids})
    names = sorted(set(taxonomies))
    result: dict[int, dict[str, list[dict[str, Any]]]] = {
        i: {name: [] for name in names} for i in ids
    }
    if not ids or not names:
        return result
    rows = conn.query(
        "SELECT tr.object_id, tt.taxonomy, t.term_id, tt.term_taxonomy_id, t.name, "
        "t.slug FROM {term_relationships} tr "
        "JOIN {term_taxonomy} tt ON tt.term_taxonomy_id = tr.term_taxonomy_id "
        "JOIN {terms} t ON t.term_id = tt.term_id "
        f"WHERE tr.object_id IN ({placeholders(len(ids))}) "
        f"AND tt.taxonomy IN ({placeholders(len(names))}) "
        "ORDER BY tr.term_order, t.name",
        [*ids, *names],
    )
    for row in rows:
        result[int(row["object_id"])][row["taxonomy"]].append(row)
    return result


def insert_term(
    conn: Connection, name: str, taxonomy: str, slug: str | None = None
) -> tuple[int, int]:
    """Create a term in a taxonomy, or find it by slug; return (term_id, tt_id)."""
    slug = slug or sanitize_title(name) or name
    existing = conn.query_one(
        "SELECT t.term_id, tt.term_taxonomy_id FROM {terms} t "
        "JOIN {term_taxonomy} tt ON tt.term_id = t.term_id "
        "WHERE tt.taxonomy = %s AND t.slug = %s",
        (taxonomy, slug),
    )
    if existing:
        return int(existing["term_id"]), int(existing["term_taxonomy_id"])
    with conn.transaction():
        term_id = conn.insert("terms", {"name": name, "slug": slug, "term_group": 0})
        tt_id = conn.insert(
            "term_taxonomy",
            {
                "term_id": term_id,
                "taxonomy": taxonomy,
                "description": "",
                "parent": 0,
                "count": 0,
            },
        )
    return term_id, tt_id


def set_object_terms(
    conn: Connection, object_id: int, taxonomy: str, term_ids: Iterable[int]
) -> None:
    """Replace an object's terms in one taxonomy and keep the counts right."""
    wanted = [int(t) for t in term_ids]
    with conn.transaction():
        current = conn.query(
            "SELECT tr.term_taxonomy_id FROM {term_relationships} tr "
            "JOIN {term_taxonomy} tt ON tt.term_taxonomy_id = tr.term_taxonomy_id "
            "WHERE tr.object_id = %s AND tt.taxonomy = %s",
            (object_id, taxonomy),
        )
        old = {int(row["term_taxonomy_id"]) for row in current}
        new: list[int] = []
        if wanted:
            rows = conn.query(
                "SELECT term_taxonomy_id FROM {term_taxonomy} WHERE taxonomy = %s "
                f"AND term_id IN ({placeholders(len(wanted))})",
                [taxonomy, *wanted],
            )
            new = [int(row["term_taxonomy_id"]) for row in rows]
            if len(new) != len(set(wanted)):
                raise ValueError(f"unknown term ids for taxonomy {taxonomy!r}")

        for tt_id in old - set(new):
            conn.execute(
                "DELETE FROM {term_relationships} "
                "WHERE object_id = %s AND term_taxonomy_id = %s",
                (object_id, tt_id),
            )
        for tt_id in set(new) - old:
            conn.insert(
                "term_relationships",
                {"object_id": object_id, "term_taxonomy_id": tt_id, "term_order": 0},
            )
        for tt_id in old ^ set(new):
            conn.execute(
                "UPDATE {term_taxonomy} SET count = (SELECT COUNT(*) FROM "
                "{term_relationships} WHERE term_taxonomy_id = %s) "
                "WHERE term_taxonomy_id = %s",
                (tt_id, tt_id),
            )
