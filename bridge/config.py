"""Settings: defaults, then wp-config.php, then the environment, then overrides.

wp-config.php is read as text and never executed: `define()` calls with literal
values, `$table_prefix`, and the files it includes by a literal path.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import ConfigError
from .wp.db import DatabaseURL
from .wp.errors import DatabaseURLError
from .wp.salts import CONSTANT_NAMES, Salts

LOGIN_MODES = ("wordpress", "builtin")
DEFAULT_UPLOAD_LIMIT = 20 * 1024 * 1024
MIN_SECRET_LENGTH = 32


@dataclass
class Settings:
    """Everything the bridge needs to know about its WordPress site."""

    database_url: str
    table_prefix: str = "wp_"
    site_url: str = ""
    home_url: str = ""
    url_prefix: str = "/portal"
    login: str = "wordpress"
    secret: str = ""
    smtp_url: str = ""
    mail_from: str = ""
    uploads_dir: str = ""
    upload_limit: int = DEFAULT_UPLOAD_LIMIT
    salt_constants: dict[str, str] = field(default_factory=dict)
    wp_config_path: str = ""
    salts: Salts = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.salts = Salts(self.salt_constants)

    def redacted_database(self) -> str:
        return DatabaseURL.parse(self.database_url).redacted()


# -- wp-config.php -------------------------------------------------------------

_COMMENTS = re.compile(
    r"""
    ('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")   # strings, kept
    | /\*.*?\*/                              # block comments
    | (?://|\#)[^\n]*                        # line comments
    """,
    re.S | re.X,
)
_STRING = r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*\""""
_DEFINE = re.compile(
    rf"""\bdefine\s*\(\s*({_STRING})\s*,\s*({_STRING}|true|false|-?\d+(?:\.\d+)?)\s*
    (?:,\s*(?:true|false)\s*)?\)""",
    re.I | re.X,
)
_PREFIX = re.compile(rf"\$table_prefix\s*=\s*({_STRING})\s*;")
_INCLUDE = re.compile(
    rf"""\b(?:require|include)(?:_once)?\s*\(?\s*
    (?:(__DIR__|dirname\s*\(\s*__FILE__\s*\))\s*\.\s*)?({_STRING})\s*\)?\s*;""",
    re.I | re.X,
)
_DEBIAN_DIR = Path("/etc/wordpress")


def _php_string(literal: str) -> str:
    """Decode a PHP string literal; variables in double quotes are left as text."""
    quote_char, body = literal[0], literal[1:-1]
    if quote_char == "'":
        return re.sub(r"\\([\\'])", r"\1", body)
    escapes = {"n": "\n", "t": "\t", "r": "\r", "v": "\v", "f": "\f", "0": "\0"}
    escapes.update({"\\": "\\", '"': '"', "$": "$", "e": "\x1b"})
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), body)


def _php_value(literal: str) -> Any:
    lowered = literal.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if literal[0] in "'\"":
        return _php_string(literal)
    return float(literal) if "." in literal else int(literal)


def parse_wp_config(path: str | Path, _seen: set[Path] | None = None) -> dict[str, Any]:
    """Read the constants and `$table_prefix` of a wp-config.php and its includes.

    The result maps constant names to values; `$table_prefix` is under that key.
    The first definition of a constant wins, as in PHP.
    """
    path = Path(path)
    seen = _seen if _seen is not None else set()
    resolved = path.resolve()
    if resolved in seen:
        return {}
    seen.add(resolved)
    try:
        text = path.read_text("utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(
            f"BRIDGE_WP_CONFIG: cannot read {path}: {exc.strerror}"
        ) from None

    code = _COMMENTS.sub(lambda m: m.group(1) or " ", text)
    found: dict[str, Any] = {}

    # Debian's wp-config.php picks /etc/wordpress/config-<host>.php by the request's
    # host, which a service cannot know: only config-default.php can be followed.
    debian = "$debian_file" in code
    if debian:
        default = _DEBIAN_DIR / "config-default.php"
        if not default.is_file():
            raise ConfigError(
                f"BRIDGE_WP_CONFIG: {path} is Debian's wp-config.php, which picks its "
                "settings by host name; point BRIDGE_WP_CONFIG at "
                "/etc/wordpress/config-<your host>.php instead"
            )
        found.update(parse_wp_config(default, seen))

    # Walk the file in order so that includes and defines keep PHP's precedence.
    events = [(m.start(), "define", m) for m in _DEFINE.finditer(code)]
    events += [(m.start(), "prefix", m) for m in _PREFIX.finditer(code)]
    events += [(m.start(), "include", m) for m in _INCLUDE.finditer(code)]
    for _, kind, match in sorted(events, key=lambda event: event[0]):
        if kind == "define":
            found.setdefault(_php_string(match.group(1)), _php_value(match.group(2)))
        elif kind == "prefix":
            # A variable, not a constant: the last assignment wins.
            found["$table_prefix"] = _php_string(match.group(1))
        else:
            target = Path(_php_string(match.group(2)))
            if match.group(1) or not target.is_absolute():
                target = path.parent / str(target).lstrip("/")
            skip = debian and str(target).startswith("/etc/wordpress/")
            if skip or target.name == "wp-settings.php" or not target.is_file():
                continue
            for name, value in parse_wp_config(target, seen).items():
                if name == "$table_prefix":
                    found[name] = value
                else:
                    found.setdefault(name, value)
    return found


def database_url_from_wp_config(constants: Mapping[str, Any]) -> str:
    """Build a mysql:// URL from DB_NAME, DB_USER, DB_PASSWORD and DB_HOST."""
    if not constants.get("DB_NAME"):
        raise ConfigError("BRIDGE_WP_CONFIG: the file defines no DB_NAME")
    user = quote(str(constants.get("DB_USER", "")), safe="")
    password = quote(str(constants.get("DB_PASSWORD", "")), safe="")
    name = quote(str(constants["DB_NAME"]), safe="")
    host = str(constants.get("DB_HOST") or "localhost")
    # DB_HOST may be host, host:port, host:/socket or :/socket.
    host, _, rest = host.partition(":")
    socket = ""
    port = ""
    if rest.startswith("/"):
        socket = rest
    elif rest:
        port = f":{rest}"
    if host in ("", "localhost") and not port:
        host = host or "localhost"
    auth = f"{user}:{password}@" if password else f"{user}@"
    url = f"mysql://{auth}{host}{port}/{name}"
    if socket:
        url += f"?unix_socket={quote(socket)}"
    return url


# -- the environment -------------------------------------------------------------


def load_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings, or raise ConfigError naming the setting that is wrong."""
    env: dict[str, Any] = dict(os.environ if environ is None else environ)
    env.update({k: v for k, v in (overrides or {}).items() if k.startswith("BRIDGE_")})

    constants: dict[str, Any] = {}
    if env.get("BRIDGE_WP_CONFIG"):
        constants = parse_wp_config(env["BRIDGE_WP_CONFIG"])

    database_url = env.get("BRIDGE_DATABASE_URL") or ""
    if not database_url and constants:
        database_url = database_url_from_wp_config(constants)
    if not database_url:
        raise ConfigError(
            "BRIDGE_DATABASE_URL or BRIDGE_WP_CONFIG must be set: where is the "
            "WordPress database? (for a try-out, run `portal-bridge demo`)"
        )
    try:
        DatabaseURL.parse(database_url)
    except DatabaseURLError as exc:
        raise ConfigError(f"BRIDGE_DATABASE_URL: {exc}") from None

    prefix = env.get("BRIDGE_TABLE_PREFIX") or constants.get("$table_prefix") or "wp_"
    if not re.fullmatch(r"[A-Za-z0-9_]+", prefix):
        raise ConfigError(
            f"BRIDGE_TABLE_PREFIX: {prefix!r} may hold only letters, digits and _"
        )

    site_url = env.get("BRIDGE_SITE_URL") or constants.get("WP_SITEURL") or ""
    home_url = constants.get("WP_HOME") or env.get("BRIDGE_SITE_URL") or ""
    for name, value in (("BRIDGE_SITE_URL", site_url), ("WP_HOME", home_url)):
        if value and urlsplit(str(value)).scheme not in ("http", "https"):
            raise ConfigError(f"{name}: {value!r} is not an http(s) URL")

    url_prefix = "/" + str(env.get("BRIDGE_URL_PREFIX") or "/portal").strip("/")
    if not re.fullmatch(r"(/[A-Za-z0-9._~-]+)+", url_prefix):
        raise ConfigError(
            f"BRIDGE_URL_PREFIX: {url_prefix!r} must be a path such as /portal"
        )

    login = str(env.get("BRIDGE_LOGIN") or "wordpress").lower()
    if login not in LOGIN_MODES:
        raise ConfigError(f"BRIDGE_LOGIN: use one of {', '.join(LOGIN_MODES)}")

    secret = str(env.get("BRIDGE_SECRET") or "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"BRIDGE_SECRET must be set to a random string of at least "
            f"{MIN_SECRET_LENGTH} characters, the same the WordPress plugin uses "
            '(python3 -c "import secrets; print(secrets.token_urlsafe(48))")'
        )

    smtp_url = str(env.get("BRIDGE_SMTP_URL") or "")
    if smtp_url and urlsplit(smtp_url).scheme not in ("smtp", "smtps"):
        raise ConfigError("BRIDGE_SMTP_URL: use smtp://user:pass@host:port or smtps://")

    try:
        upload_limit = int(env.get("BRIDGE_UPLOAD_LIMIT") or DEFAULT_UPLOAD_LIMIT)
    except ValueError:
        raise ConfigError("BRIDGE_UPLOAD_LIMIT: a number of bytes") from None

    uploads_dir = str(env.get("BRIDGE_UPLOADS_DIR") or "")
    if not uploads_dir and env.get("BRIDGE_WP_CONFIG"):
        content = constants.get("WP_CONTENT_DIR") or str(
            Path(env["BRIDGE_WP_CONFIG"]).parent / "wp-content"
        )
        uploads_dir = str(Path(content) / "uploads")

    return Settings(
        database_url=database_url,
        table_prefix=prefix,
        site_url=str(site_url).rstrip("/"),
        home_url=str(home_url).rstrip("/"),
        url_prefix=url_prefix,
        login=login,
        secret=secret,
        smtp_url=smtp_url,
        mail_from=str(env.get("BRIDGE_MAIL_FROM") or ""),
        uploads_dir=uploads_dir,
        upload_limit=upload_limit,
        salt_constants={
            name: str(constants[name])
            for name in (*CONSTANT_NAMES, "SECRET_KEY", "SECRET_SALT")
            if name in constants
        },
        wp_config_path=str(env.get("BRIDGE_WP_CONFIG") or ""),
    )
