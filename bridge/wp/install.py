"""Create WordPress's tables and the core options of a new site."""

from __future__ import annotations

from wp_schema import default_roles, table_statements

from .db import Connection
from .options import add_option

DB_VERSION_6_1 = 53496
DB_VERSION_6_8 = 60421


def existing_tables(conn: Connection) -> set[str]:
    """Return the names of the WordPress tables (with prefix) this database has."""
    if conn.backend == "sqlite":
        rows = conn.query("SELECT name FROM sqlite_master WHERE type = 'table'")
        names = {row["name"] for row in rows}
    else:
        names = {next(iter(row.values())) for row in conn.query("SHOW TABLES")}
    return names & set(conn.tables.values())


def missing_tables(conn: Connection) -> list[str]:
    return sorted(set(conn.tables.values()) - existing_tables(conn))


def create_tables(conn: Connection) -> list[str]:
    """Create the core tables that are missing; return the ones created."""
    present = existing_tables(conn)
    created = []
    for statement in table_statements(conn.backend, conn.database.prefix):
        words = statement.split()
        if words[:2] == ["CREATE", "TABLE"]:
            table = words[2]
            if table in present:
                continue
            created.append(table)
        elif words[:2] in (["CREATE", "INDEX"], ["CREATE", "UNIQUE"]):
            table = statement.split(" ON ", 1)[1].split()[0]
            if table in present:
                continue
        conn.execute(statement.replace("{", "{{").replace("}", "}}"))
    return created


def install_site(
    conn: Connection,
    site_url: str,
    title: str = "WordPress",
    admin_email: str = "",
    db_version: int = DB_VERSION_6_1,
) -> None:
    """Write the core options of a fresh site, keeping any that already exist."""
    prefix = conn.database.prefix
    site_url = site_url.rstrip("/")
    options = {
        "siteurl": site_url,
        "home": site_url,
        "blogname": title,
        "blogdescription": "",
        "admin_email": admin_email,
        "users_can_register": "0",
        "default_role": "subscriber",
        "db_version": str(db_version),
        "initial_db_version": str(db_version),
        "gmt_offset": "0",
        "timezone_string": "",
        "date_format": "F j, Y",
        "time_format": "g:i a",
        "start_of_week": "1",
        "blog_charset": "UTF-8",
        "permalink_structure": "",
        "upload_path": "",
        "uploads_use_yearmonth_folders": "1",
        "fresh_site": "1",
        f"{prefix}user_roles": default_roles(),
    }
    with conn.transaction():
        for name, value in options.items():
            add_option(conn, name, value)
