"""The `portal-bridge` command: demo, serve, check and init-db."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .errors import BridgeError, ConfigError
from .wp.errors import WordPressError

log = logging.getLogger(__name__)

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}
DEMO_PORT = 8000


def command(name: str) -> Callable:
    def register(func: Callable[[argparse.Namespace], int]) -> Callable:
        COMMANDS[name] = func
        return func

    return register


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal-bridge",
        description="A client portal over a WordPress site's own database.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the portal on a demo SQLite site")
    demo.add_argument(
        "--dir", default="demo-site", help="where the demo site lives (demo-site)"
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=DEMO_PORT)
    demo.add_argument(
        "--reset", action="store_true", help="throw the demo data away and start anew"
    )
    demo.add_argument(
        "--no-serve", action="store_true", help="prepare the demo site, do not serve"
    )

    serve = sub.add_parser("serve", help="serve the portal with gunicorn")
    serve.add_argument("--bind", help="address:port (BRIDGE_BIND, 127.0.0.1:8000)")
    serve.add_argument("--workers", type=int, help="worker processes (BRIDGE_WORKERS)")
    serve.add_argument("--config", help="a gunicorn config file of your own")

    sub.add_parser("check", help="check configuration, database, tables and salts")

    init = sub.add_parser("init-db", help="create WordPress's tables in a database")
    init.add_argument("--database-url", help="overrides BRIDGE_DATABASE_URL")
    init.add_argument("--prefix", help="table prefix (BRIDGE_TABLE_PREFIX, wp_)")
    init.add_argument(
        "--site-url", help="also write a fresh site's core options for this URL"
    )
    init.add_argument("--title", default="WordPress", help="the site title")

    for extend in _EXTENSIONS:
        extend(sub)
    return parser


# Other modules add subcommands here (name -> parser builder) without editing main().
_EXTENSIONS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("BRIDGE_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    _load_extensions()
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        print(f"portal-bridge: configuration error: {exc}", file=sys.stderr)
        return 2
    except (BridgeError, WordPressError) as exc:
        print(f"portal-bridge: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _load_extensions() -> None:
    # Commands that live beside the features they drive.
    import importlib

    for module in ("bridge.admin_api", "bridge.notify"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


# -- demo ------------------------------------------------------------------------


@command("demo")
def demo(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from wp_schema.demo import demo_fingerprint, load_demo

    from .wp.db import Database
    from .wp.install import create_tables, install_site
    from .wp.options import get_option, update_option
    from .wp.serialization import as_list

    home = Path(args.dir).resolve()
    home.mkdir(parents=True, exist_ok=True)
    db_path = home / "wordpress.sqlite"
    uploads = home / "uploads"
    secret_file = home / "secret"
    site_url = f"http://{args.host}:{args.port}"
    fingerprint = demo_fingerprint()

    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(48))
        secret_file.chmod(0o600)

    database = Database(f"sqlite:///{db_path}")
    with database.connect() as conn:
        built = bool(create_tables(conn) == []) and (
            get_option(conn, "portal_bridge_demo") == fingerprint
        )
    if args.reset or not built:
        for leftover in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
            leftover.unlink(missing_ok=True)
        with database.connect() as conn:
            create_tables(conn)
            install_site(conn, site_url, "Northwind Studio", "owner@northwind.example")
            site = load_demo(conn, uploads, datetime.now(UTC))
            update_option(conn, "portal_bridge_demo", fingerprint)
            update_option(
                conn,
                "portal_bridge_demo_logins",
                [
                    {
                        "login": x.login,
                        "password": x.password,
                        "name": x.name,
                        "note": x.note,
                    }
                    for x in site.logins
                ],
            )
        print(f"Created the demo site in {home}")
    else:
        print(f"Reusing the demo site in {home} (--reset starts anew)")

    with database.connect() as conn:
        update_option(conn, "siteurl", site_url)
        update_option(conn, "home", site_url)
        logins = as_list(get_option(conn, "portal_bridge_demo_logins"))

    env = {
        "BRIDGE_DATABASE_URL": f"sqlite:///{db_path}",
        "BRIDGE_SECRET": secret_file.read_text().strip(),
        "BRIDGE_SITE_URL": site_url,
        "BRIDGE_LOGIN": "builtin",
        "BRIDGE_UPLOADS_DIR": str(uploads),
    }
    portal = f"{site_url}/portal/"
    print(f"\n  The demo portal: {portal}\n")
    print("  Demo logins (user name / password):")
    for entry in logins:
        note = f"  ({entry['note']})" if entry.get("note") else ""
        print(f"    {entry['login']:<24} {entry['password']:<22}{note}")
    print()
    sys.stdout.flush()
    if args.no_serve:
        return 0

    from . import create_app

    app = create_app(env)
    _run_gunicorn(app, {"bind": f"{args.host}:{args.port}", "workers": 2})
    return 0


# -- serve -----------------------------------------------------------------------


@command("serve")
def serve(args: argparse.Namespace) -> int:
    from . import create_app

    app = create_app()
    options: dict[str, Any] = {}
    if args.bind:
        options["bind"] = args.bind
    if args.workers:
        options["workers"] = args.workers
    config = args.config or str(Path(__file__).with_name("gunicorn.conf.py"))
    _run_gunicorn(app, options, config)
    return 0


def _run_gunicorn(
    app: Any, options: dict[str, Any], config_file: str | None = None
) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self) -> None:
            if config_file:
                self.load_config_from_file(config_file)
            else:
                self.cfg.set("accesslog", "-")
                self.cfg.set("worker_class", "gthread")
                self.cfg.set("threads", 4)
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    Server().run()


# -- check -----------------------------------------------------------------------


@command("check")
def check(_args: argparse.Namespace) -> int:
    from .config import load_settings
    from .wp.db import Database
    from .wp.install import missing_tables
    from .wp.options import get_option
    from .wp.salts import SCHEMES

    settings = load_settings()
    print(f"ok    configuration (database {settings.redacted_database()})")
    failures = 0
    with Database(settings.database_url, settings.table_prefix).connect() as conn:
        print("ok    database reachable")
        missing = missing_tables(conn)
        if missing:
            failures += 1
            print(f"FAIL  tables missing: {', '.join(missing)}")
        else:
            print(f"ok    WordPress tables present (prefix {settings.table_prefix})")
            site = settings.site_url or get_option(conn, "siteurl")
            print(f"ok    site URL {site}" if site else "FAIL  no site URL")
            failures += 0 if site else 1
            for scheme in SCHEMES:
                key, salt = settings.salts.from_constants(scheme)
                stored = [
                    name
                    for name, value in (("key", key), ("salt", salt))
                    if not value and not get_option(conn, f"{scheme}_{name}")
                ]
                if stored:
                    print(
                        f"warn  {scheme}: no {' or '.join(stored)} in wp-config.php "
                        "or the options yet; WordPress will create them at first use"
                    )
                else:
                    source = "wp-config.php" if key and salt else "options"
                    print(f"ok    {scheme} key and salt ({source})")
    return 1 if failures else 0


# -- init-db ---------------------------------------------------------------------


@command("init-db")
def init_db(args: argparse.Namespace) -> int:
    from .wp.db import Database
    from .wp.install import create_tables, install_site

    url = args.database_url or os.environ.get("BRIDGE_DATABASE_URL")
    if not url:
        raise ConfigError("give --database-url or BRIDGE_DATABASE_URL")
    prefix = args.prefix or os.environ.get("BRIDGE_TABLE_PREFIX") or "wp_"
    with Database(url, prefix).connect() as conn:
        created = create_tables(conn)
        if args.site_url:
            install_site(conn, args.site_url, args.title)
    print(f"created {len(created)} tables" if created else "all tables were present")
    return 0


if __name__ == "__main__":
    sys.exit(main())
