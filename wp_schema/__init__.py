"""WordPress's core tables, for MySQL/MariaDB and for SQLite, and the demo data."""

from __future__ import annotations

from importlib import resources


def table_statements(backend: str, prefix: str) -> list[str]:
    """Return the CREATE statements of WordPress's core tables for one backend."""
    name = {"mysql": "mysql.sql", "sqlite": "sqlite.sql"}[backend]
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("--")]
    statements = "\n".join(lines).replace("{prefix}", prefix).split(";")
    return [statement.strip() for statement in statements if statement.strip()]


def default_roles() -> dict:
    """WordPress 6.1's default roles and capabilities, as populate_roles() makes them.

    The file was produced by running WordPress's own installer and reading back the
    `user_roles` option.
    """
    import json

    text = resources.files(__package__).joinpath("roles.json").read_text("utf-8")
    return json.loads(text)
