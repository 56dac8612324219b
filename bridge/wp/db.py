"""One small layer over MySQL/MariaDB (mysqlclient) and SQLite (the standard library).

SQL is written once for both: `%s` placeholders and table names in braces, such as
`SELECT ID FROM {posts} WHERE post_type = %s`. The table prefix is applied here and
nowhere else. Values always travel as parameters, never inside the SQL text.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import DatabaseUnavailable, DatabaseURLError

log = logging.getLogger(__name__)

TABLES = (
    "users",
    "usermeta",
    "posts",
    "postmeta",
    "options",
    "terms",
    "term_taxonomy",
    "term_relationships",
    "termmeta",
    "comments",
    "commentmeta",
    "links",
)

_PREFIX = re.compile(r"[A-Za-z0-9_]+\Z")

# mysqlclient error codes meaning the server went away or the link broke.
_GONE_AWAY = {2002, 2003, 2006, 2013, 2055, 4031}


@dataclass(frozen=True)
class DatabaseURL:
    """A parsed `mysql://user:pass@host:port/name` or `sqlite:///path` URL."""

    backend: str
    name: str
    user: str = ""
    password: str = ""
    host: str = "localhost"
    port: int = 3306
    socket: str = ""

    @classmethod
    def parse(cls, url: str) -> DatabaseURL:
        parts = urlsplit(url)
        if parts.scheme == "sqlite":
            path = unquote(parts.path)
            if parts.netloc or not path or path == "/":
                raise DatabaseURLError(
                    "a SQLite URL is sqlite:///relative/path or sqlite:////abs/path"
                )
            return cls(backend="sqlite", name=path[1:] if path != "/:memory:" else "")
        if parts.scheme in ("mysql", "mariadb"):
            name = unquote(parts.path.lstrip("/"))
            if not name:
                raise DatabaseURLError("a MySQL URL must name the database")
            query = parse_qs(parts.query)
            try:
                port = parts.port or 3306
            except ValueError:
                raise DatabaseURLError("the MySQL URL has a bad port") from None
            return cls(
                backend="mysql",
                name=name,
                user=unquote(parts.username or ""),
                password=unquote(parts.password or ""),
                host=parts.hostname or "localhost",
                port=port,
                socket=query.get("unix_socket", [""])[0],
            )
        raise DatabaseURLError(
            f"unknown database URL scheme {parts.scheme!r}: use mysql:// or sqlite://"
        )

    def redacted(self) -> str:
        """Describe the database without its password, for messages and logs."""
        if self.backend == "sqlite":
            return f"sqlite:///{self.name}"
        return f"mysql://{self.user}@{self.host}:{self.port}/{self.name}"


class Database:
    """A WordPress database: where it is, its backend and its table prefix."""

    def __init__(self, url: str | DatabaseURL, prefix: str = "wp_") -> None:
        if not _PREFIX.match(prefix):
            raise DatabaseURLError(
                f"table prefix {prefix!r} may hold only letters, digits and underscores"
            )
        self.url = url if isinstance(url, DatabaseURL) else DatabaseURL.parse(url)
        self.prefix = prefix
        self.tables = {name: prefix + name for name in TABLES}
        self._local = threading.local()

    @property
    def backend(self) -> str:
        return self.url.backend

    def connect(self) -> Connection:
        """Open a new connection; the caller closes it."""
        return Connection(self)

    def thread_connection(self) -> Connection:
        """Return this thread's connection, opening it when needed."""
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = self._local.conn = self.connect()
        return conn


class Connection:
    """One connection, in autocommit mode unless inside `transaction()`."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.backend = database.backend
        self.tables = database.tables
        self.closed = False
        self._depth = 0
        self._raw = self._open()

    # -- opening ---------------------------------------------------------------

    def _open(self) -> Any:
        url = self.database.url
        if url.backend == "sqlite":
            try:
                raw = sqlite3.connect(
                    url.name or ":memory:",
                    timeout=30,
                    isolation_level=None,
                    check_same_thread=False,
                )
                raw.row_factory = sqlite3.Row
                raw.execute("PRAGMA busy_timeout = 30000")
                if url.name:
                    raw.execute("PRAGMA journal_mode = WAL")
            except sqlite3.Error as exc:
                raise DatabaseUnavailable(
                    f"cannot open SQLite database {url.name}: {exc}"
                ) from None
            return raw

        import MySQLdb  # imported here so that SQLite sites need no MySQL client

        options: dict[str, Any] = {
            "user": url.user,
            "passwd": url.password,
            "db": url.name,
            "charset": "utf8mb4",
            "use_unicode": True,
            "autocommit": True,
            "connect_timeout": 10,
        }
        if url.socket:
            options["unix_socket"] = url.socket
        else:
            options["host"] = url.host
            options["port"] = url.port
        try:
            raw = MySQLdb.connect(**options)
            raw.cursor().execute("SET NAMES utf8mb4 COLLATE utf8mb4_unicode_520_ci")
        except MySQLdb.Error as exc:
            raise DatabaseUnavailable(
                f"cannot connect to {url.redacted()}: {_mysql_message(exc)}"
            ) from None
        return raw

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self._raw.close()
            except Exception:
                log.debug("closing a database connection failed", exc_info=True)

    def ping(self) -> None:
        """Make sure the server is there, reconnecting once if it went away."""
        if self.backend == "sqlite":
            self._run("SELECT 1", ())
            return
        try:
            self._raw.ping()
        except Exception:  # noqa: BLE001 - any failure means: reconnect
            if self._depth:
                raise DatabaseUnavailable(
                    "the database went away mid-transaction"
                ) from None
            self._reconnect()

    def _reconnect(self) -> None:
        log.warning("reconnecting to the database")
        try:
            self._raw.close()
        except Exception:
            log.debug("closing a dead connection failed", exc_info=True)
        self._raw = self._open()

    # -- statements ------------------------------------------------------------

    def sql(self, text: str) -> str:
        """Apply the table prefix and this backend's placeholder style."""
        return _render(text, self.backend, tuple(sorted(self.tables.items())))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; return the cursor (rowcount, lastrowid)."""
        return self._run(self.sql(sql), tuple(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self.execute(sql, params)
        return [_row(cursor, row) for row in cursor.fetchall()]

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        cursor = self.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else _row(cursor, row)

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self.execute(sql, params)
        row = cursor.fetchone()
        return None if row is None else row[0]

    def insert(self, table: str, values: dict[str, Any]) -> int:
        """Insert one row into a WordPress table and return its new id."""
        columns = ", ".join(values)
        marks = ", ".join(["%s"] * len(values))
        cursor = self.execute(
            f"INSERT INTO {{{table}}} ({columns}) VALUES ({marks})",
            list(values.values()),
        )
        return int(cursor.lastrowid or 0)

    def _run(self, sql: str, params: tuple[Any, ...]) -> Any:
        if self.closed:
            raise DatabaseUnavailable("the database connection is closed")
        if self.backend == "sqlite":
            try:
                return self._raw.execute(sql, params)
            except sqlite3.OperationalError as exc:
                if "locked" in str(exc) or "unable to open" in str(exc):
                    raise DatabaseUnavailable(f"SQLite: {exc}") from None
                raise

        import MySQLdb

        for attempt in (1, 2):
            try:
                cursor = self._raw.cursor()
                cursor.execute(sql, params or None)
                return cursor
            except MySQLdb.OperationalError as exc:
                code = exc.args[0] if exc.args else 0
                if code not in _GONE_AWAY:
                    raise
                # Retry once on a fresh link, but never inside a transaction and
                # never a write that may already have been applied.
                is_read = sql.lstrip()[:6].upper() in ("SELECT", "SHOW S")
                if attempt == 2 or self._depth or not (is_read or code in (2002, 2003)):
                    raise DatabaseUnavailable(
                        f"the database went away: {_mysql_message(exc)}"
                    ) from None
                self._reconnect()
        raise AssertionError("unreachable")

    # -- transactions ----------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Run a block in one transaction: commit at the end, roll back and re-raise."""
        if self._depth:
            name = f"sp{self._depth}"
            self._run(f"SAVEPOINT {name}", ())
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._run(f"ROLLBACK TO SAVEPOINT {name}", ())
                raise
            finally:
                self._depth -= 1
            self._run(f"RELEASE SAVEPOINT {name}", ())
            return

        self._run("BEGIN IMMEDIATE" if self.backend == "sqlite" else "BEGIN", ())
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._rollback_quietly()
            raise
        self._depth = 0
        try:
            self._run("COMMIT", ())
        except Exception:
            self._rollback_quietly()
            raise

    def _rollback_quietly(self) -> None:
        try:
            self._run("ROLLBACK", ())
        except Exception:
            log.warning("rollback failed", exc_info=True)

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def placeholders(count: int) -> str:
    """Return `%s, %s, ...` for an IN list of `count` values (at least one)."""
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return ", ".join(["%s"] * count)


@lru_cache(maxsize=1024)
def _render(text: str, backend: str, tables: tuple[tuple[str, str], ...]) -> str:
    sql = text.format_map(dict(tables))
    if backend == "sqlite":
        sql = sql.replace("%s", "?")
    return sql


def _row(cursor: Any, row: Any) -> dict[str, Any]:
    if isinstance(row, sqlite3.Row):
        return dict(zip(row.keys(), row, strict=True))
    names = [column[0] for column in cursor.description]
    return dict(zip(names, row, strict=True))


def _mysql_message(exc: Exception) -> str:
    args = getattr(exc, "args", ())
    return str(args[1]) if len(args) > 1 else str(exc)
