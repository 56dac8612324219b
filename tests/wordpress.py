"""A real WordPress for the tests: Debian's 6.1 and trixie's 6.8, each under `php -S`.

`start_wordpress()` gives a running site with its own MariaDB database, its own
config file (with its own keys and salts, or none so that WordPress keeps them in
options) and a free loopback port; the `wordpress` fixture runs one per version and
salts mode, for the whole test session.

WordPress 6.1 is Debian bookworm's `wordpress` package, installed on the machine.
WordPress 6.8 is Debian trixie's `wordpress` package, fetched with `apt-get
download` through a sources list made at run time from the machine's own apt
sources (the same entries, bookworm renamed to trixie), with its own apt state in
the cache folder, and unpacked there with `dpkg -x`. Nothing else is downloaded.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import string
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from bridge.wp.db import Database, DatabaseURL
from bridge.wp.salts import CONSTANT_NAMES, Salts

log = logging.getLogger(__name__)

FIXTURE_DIR = Path(__file__).parent / "wp_fixture"
SYSTEM_WORDPRESS = Path("/usr/share/wordpress")
CONFIG_DIR = Path("/etc/wordpress")
CACHE = Path(
    os.environ.get(
        "WP_PORTAL_BRIDGE_CACHE", Path.home() / ".cache" / "wp-portal-bridge"
    )
)
MYSQL_SERVER = os.environ.get("BRIDGE_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306")
RESULT_MARKER = "\n--WPB-RESULT--\n"

# The releases under test, and the Debian suite that ships each.
VERSIONS = {"6.1": "bookworm", "6.8": "trixie"}

ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "admin password 1"
ADMIN_EMAIL = "admin@wp.test"


class WordPressUnavailable(Exception):
    """This machine cannot run the requested WordPress; the message says why."""


@dataclass
class WordPress:
    """A running test WordPress and the ways to reach it."""

    version: str
    db_version: int
    root: Path
    url: str
    db_name: str
    prefix: str
    salts_constants: dict[str, str]
    config_name: str
    workdir: Path
    admin_id: int = 1
    admin_login: str = ADMIN_LOGIN
    admin_password: str = ADMIN_PASSWORD
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def db_url(self) -> str:
        return f"{MYSQL_SERVER.rstrip('/')}/{self.db_name}"

    @property
    def config_file(self) -> Path:
        """The generated config, as Debian's wp-config.php includes it."""
        return CONFIG_DIR / f"config-{self.config_name}.php"

    @property
    def host(self) -> str:
        return urlsplit(self.url).netloc

    def database(self) -> Database:
        return Database(self.db_url, self.prefix)

    def salts(self) -> Salts:
        """A fresh Salts for this site (each site needs its own cache)."""
        return Salts(self.salts_constants)

    def php(self, code: str, timeout: float = 60) -> Any:
        """Run PHP code inside this WordPress and return what it returns, via JSON."""
        return _run_php(self, FIXTURE_DIR / "run.php", code, timeout)

    def session(self) -> requests.Session:
        """A browser-like HTTP session that already holds WordPress's test cookie."""
        session = requests.Session()
        session.headers["User-Agent"] = "wp-portal-bridge tests"
        session.get(f"{self.url}/wp-login.php", timeout=30)
        return session

    def login(
        self, login: str, password: str, remember: bool = False
    ) -> requests.Response:
        """Post the wp-login.php form; return the raw answer (not redirected)."""
        session = self.session()
        response = session.post(
            f"{self.url}/wp-login.php",
            data={
                "log": login,
                "pwd": password,
                "wp-submit": "Log In",
                "redirect_to": f"{self.url}/wp-admin/",
                "testcookie": "1",
                **({"rememberme": "forever"} if remember else {}),
            },
            allow_redirects=False,
            timeout=30,
        )
        response.session = session  # type: ignore[attr-defined]
        return response


# -- the fixture -------------------------------------------------------------------


def _variants() -> list[Any]:
    return [
        pytest.param(
            (version, with_salts),
            id=f"wp{version}-{'salts' if with_salts else 'options'}",
            marks=pytest.mark.wordpress,
        )
        for version in VERSIONS
        for with_salts in (True, False)
    ]


@pytest.fixture(scope="session", params=_variants())
def wordpress(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WordPress]:
    """A running WordPress, one per version and salts mode, for the whole session."""
    version, with_salts = request.param
    workdir = tmp_path_factory.mktemp(f"wordpress-{version}")
    try:
        with start_wordpress(version, workdir, with_salts=with_salts) as site:
            yield site
    except WordPressUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"WordPress {version} is required in CI: {exc}")
        pytest.skip(f"WordPress {version} cannot run here: {exc}")


@contextlib.contextmanager
def start_wordpress(
    version: str, workdir: Path, *, with_salts: bool = True, prefix: str | None = None
) -> Iterator[WordPress]:
    """Install and serve a WordPress; stop it and drop its database afterwards."""
    if shutil.which("php") is None:
        raise WordPressUnavailable("php is not installed")
    root = wordpress_root(version)
    found, db_version = read_version(root)
    if not found.startswith(version + "."):
        raise WordPressUnavailable(f"{root} holds WordPress {found}, not {version}")

    suffix = f"{os.getpid()}-{secrets.token_hex(3)}"
    site = WordPress(
        version=found,
        db_version=db_version,
        root=root,
        url=f"http://127.0.0.1:{free_port()}",
        db_name=f"wpb_{version.replace('.', '')}_{suffix.replace('-', '_')}",
        prefix=prefix or ("wp_" if with_salts else "bx_"),
        salts_constants=_new_salts() if with_salts else {},
        config_name=f"wpbridge-test-{suffix}",
        workdir=workdir,
    )
    config_file = site.config_file

    with contextlib.ExitStack() as cleanup:
        _create_database(site.db_name)
        cleanup.callback(_drop_database, site.db_name)

        content = _content_dir(site)
        try:
            CONFIG_DIR.mkdir(parents=True, exist_ok=True)
            config_file.write_text(_config(site, content))
        except OSError as exc:
            raise WordPressUnavailable(f"cannot write {config_file}: {exc}") from None
        cleanup.callback(config_file.unlink, missing_ok=True)

        installed = _run_php(
            site,
            FIXTURE_DIR / "install.php",
            json.dumps(
                {
                    "url": site.url,
                    "title": f"Bridge test {found}",
                    "admin_login": ADMIN_LOGIN,
                    "admin_password": ADMIN_PASSWORD,
                    "admin_email": ADMIN_EMAIL,
                }
            ),
            timeout=120,
        )
        site.admin_id = int(installed["user_id"])

        site.process = _serve(site)
        cleanup.callback(_stop, site.process)
        yield site


def wordpress_root(version: str) -> Path:
    """Return the folder holding wp-load.php for a release, fetching 6.8 if needed."""
    if version == "6.1":
        if not (SYSTEM_WORDPRESS / "wp-load.php").exists():
            raise WordPressUnavailable(
                "Debian's wordpress package is not installed (apt-get install "
                "wordpress php-cli php-mysql)"
            )
        return SYSTEM_WORDPRESS
    if version == "6.8":
        return fetch_trixie_wordpress()
    raise WordPressUnavailable(f"no source for WordPress {version}")


def read_version(root: Path) -> tuple[str, int]:
    text = (root / "wp-includes" / "version.php").read_text()
    version = re.search(r"\$wp_version\s*=\s*'([^']+)'", text)
    db_version = re.search(r"\$wp_db_version\s*=\s*(\d+)", text)
    if not version or not db_version:
        raise WordPressUnavailable(f"cannot read the version in {root}")
    return version.group(1), int(db_version.group(1))


# -- WordPress 6.8 from Debian trixie ------------------------------------------------


def fetch_trixie_wordpress() -> Path:
    """Return trixie's WordPress, unpacked in the cache folder (fetched once)."""
    target = CACHE / "wordpress-6.8"
    root = target / "usr" / "share" / "wordpress"
    marker = target / ".complete"
    if marker.exists() and (root / "wp-load.php").exists():
        return root

    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.exists() and (root / "wp-load.php").exists():
            return root
        for tool in ("apt-get", "dpkg"):
            if shutil.which(tool) is None:
                raise WordPressUnavailable(f"{tool} is not available")

        deb = _apt_download("wordpress", "trixie")
        shutil.rmtree(target, ignore_errors=True)
        _check(
            [
                "dpkg",
                "-x",
                str(deb),
                str(target),
            ]
        )
        _repoint_symlinks(target)
        marker.write_text(deb.name + "\n")
    return root


def _apt_download(package: str, suite: str) -> Path:
    apt = CACHE / "apt"
    for folder in (apt / "lists" / "partial", apt / "archives" / "partial"):
        folder.mkdir(parents=True, exist_ok=True)
    sources = apt / f"{suite}.sources"
    sources.write_text(renamed_sources("bookworm", suite))
    options = [
        "-o", f"Dir::Etc::sourcelist={sources}",
        "-o", "Dir::Etc::sourceparts=-",
        "-o", f"Dir::State::Lists={apt / 'lists'}",
        "-o", f"Dir::Cache={apt}",
    ]  # fmt: skip
    _check(["apt-get", *options, "update"], timeout=600)
    for old in apt.glob(f"{package}_*.deb"):
        old.unlink()
    _check(["apt-get", *options, "download", package], cwd=apt, timeout=600)
    debs = sorted(apt.glob(f"{package}_*.deb"))
    if not debs:
        raise WordPressUnavailable(f"apt-get download {package} gave no package")
    return debs[-1]


def renamed_sources(old: str, new: str) -> str:
    """Return the machine's apt sources that name suite `old`, renamed to `new`.

    Reads /etc/apt/sources.list and /etc/apt/sources.list.d/ (one-line and deb822
    entries alike) and writes deb822 entries, so that no host is written anywhere
    but is taken from the machine's own configuration.
    """
    entries: list[dict[str, str]] = []
    apt_dir = Path("/etc/apt")
    one_line_files = [
        apt_dir / "sources.list",
        *sorted(apt_dir.glob("sources.list.d/*.list")),
    ]
    for path in one_line_files:
        if path.is_file():
            entries += _parse_one_line(path.read_text())
    for path in sorted(apt_dir.glob("sources.list.d/*.sources")):
        entries += _parse_deb822(path.read_text())

    paragraphs = []
    for entry in entries:
        if entry.get("enabled", "yes").lower() == "no":
            continue
        if "deb" not in entry.get("types", "").split():
            continue
        suites = [s for s in entry.get("suites", "").split() if _suite_base(s) == old]
        if not suites:
            continue
        renamed = [new + s[len(old) :] for s in suites]
        lines = [
            "Types: deb",
            f"URIs: {entry['uris']}",
            f"Suites: {' '.join(renamed)}",
            f"Components: {entry.get('components', 'main')}",
        ]
        for key in ("signed-by", "architectures", "trusted"):
            if key in entry:
                name = "-".join(part.capitalize() for part in key.split("-"))
                lines.append(f"{name}: {entry[key]}")
        paragraphs.append("\n".join(lines))
    if not paragraphs:
        raise WordPressUnavailable(f"no apt source on this machine names {old!r}")
    return "\n\n".join(paragraphs) + "\n"


def _suite_base(suite: str) -> str:
    return suite.split("-", 1)[0].split("/", 1)[0]


def _parse_one_line(text: str) -> list[dict[str, str]]:
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        options: dict[str, str] = {}
        match = re.match(r"(\S+)\s+\[([^\]]*)\]\s+(.*)", line)
        if match:
            kind, opts, rest = match.groups()
            for item in opts.split():
                key, _, value = item.partition("=")
                options[key.lower()] = value.replace(",", " ")
        else:
            kind, _, rest = line.partition(" ")
        words = rest.split()
        if len(words) < 2:
            continue
        entries.append(
            {
                "types": kind,
                "uris": words[0],
                "suites": words[1],
                "components": " ".join(words[2:]),
                **options,
            }
        )
    return entries


def _parse_deb822(text: str) -> list[dict[str, str]]:
    entries = []
    for block in re.split(r"\n\s*\n", text):
        entry: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if line[:1] in (" ", "\t") and key:
                entry[key] += "\n" + line
                continue
            key, sep, value = line.partition(":")
            if not sep:
                key = None
                continue
            key = key.strip().lower()
            entry[key] = value.strip()
        if entry.get("uris"):
            entries.append(entry)
    return entries


def _repoint_symlinks(target: Path) -> None:
    # The package links into other Debian packages with relative paths (getid3,
    # underscore, cropper, the CA bundle); unpacked elsewhere those dangle. Point
    # each at the same file of this machine, where it exists.
    for link in target.rglob("*"):
        if not link.is_symlink() or link.exists():
            continue
        where_installed = Path("/") / link.relative_to(target)
        host_target = (where_installed.parent / os.readlink(link)).resolve()
        if host_target.exists():
            link.unlink()
            link.symlink_to(host_target)
        else:
            log.info("left dangling: %s (no %s here)", where_installed, host_target)


# -- one site ----------------------------------------------------------------------


def _new_salts() -> dict[str, str]:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*()-_[]{}<>~+=,.;:/?|"
    return {
        name: "".join(secrets.choice(alphabet) for _ in range(64))
        for name in CONSTANT_NAMES
    }


def _config(site: WordPress, content: Path) -> str:
    def php_string(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    server = DatabaseURL.parse(site.db_url)
    lines = [
        "<?php",
        "// A throw-away WordPress made by the bridge's test fixture.",
        f"define( 'DB_NAME', {php_string(site.db_name)} );",
        f"define( 'DB_USER', {php_string(server.user)} );",
        f"define( 'DB_PASSWORD', {php_string(server.password)} );",
        f"define( 'DB_HOST', {php_string(f'{server.host}:{server.port}')} );",
        "define( 'DB_CHARSET', 'utf8mb4' );",
        "define( 'DB_COLLATE', '' );",
        f"$table_prefix = {php_string(site.prefix)};",
        f"define( 'WP_CONTENT_DIR', {php_string(str(content))} );",
        # Never reach out to the internet: no update checks, no cron, no HTTP.
        "define( 'WP_HTTP_BLOCK_EXTERNAL', true );",
        "define( 'DISABLE_WP_CRON', true );",
        "define( 'AUTOMATIC_UPDATER_DISABLED', true );",
        "define( 'WP_DEBUG', false );",
    ]
    for name, value in site.salts_constants.items():
        lines.append(f"define( {php_string(name)}, {php_string(value)} );")
    return "\n".join(lines) + "\n"


def _content_dir(site: WordPress) -> Path:
    content = site.workdir / "wp-content"
    for name in ("plugins", "themes"):
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        packaged = site.root / "wp-content" / name
        if packaged.is_dir():
            (content / name).symlink_to(packaged)
        else:
            (content / name).mkdir()
    (content / "mu-plugins").symlink_to(FIXTURE_DIR / "mu-plugins")
    (content / "uploads").mkdir()
    return content


def _run_php(site: WordPress, script: Path, stdin: str, timeout: float) -> Any:
    env = {
        **os.environ,
        "WPB_CONFIG": site.config_name,
        "WPB_ROOT": str(site.root),
        "WPB_HOST": site.host,
    }
    result = subprocess.run(
        ["php", "-d", "display_errors=stderr", "-d", "memory_limit=512M", str(script)],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0 or RESULT_MARKER not in result.stdout:
        raise RuntimeError(
            f"PHP in WordPress {site.version} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return json.loads(result.stdout.rsplit(RESULT_MARKER, 1)[1])


def _serve(site: WordPress) -> subprocess.Popen:
    port = urlsplit(site.url).port
    logfile = open(site.workdir / "php-server.log", "ab")  # noqa: SIM115 - kept open
    process = subprocess.Popen(
        [
            "php",
            "-d",
            f"auto_prepend_file={FIXTURE_DIR / 'prepend.php'}",
            "-d",
            "display_errors=stderr",
            "-S",
            f"127.0.0.1:{port}",
            "-t",
            str(site.root),
        ],
        env={
            **os.environ,
            "PHP_CLI_SERVER_WORKERS": "4",
            "WPB_CONFIG": site.config_name,
        },
        stdout=logfile,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    logfile.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"php -S for WordPress {site.version} exited: "
                + (site.workdir / "php-server.log").read_text()[-2000:]
            )
        try:
            answer = requests.get(f"{site.url}/wp-login.php", timeout=5)
            if answer.status_code == 200:
                return process
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    _stop(process)
    raise RuntimeError(f"php -S for WordPress {site.version} did not answer in 30 s")


def _stop(process: subprocess.Popen) -> None:
    # The server and its forked workers share the process group it was started in.
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- MariaDB -----------------------------------------------------------------------


def _server() -> Any:
    import MySQLdb

    url = DatabaseURL.parse(MYSQL_SERVER.rstrip("/") + "/mysql")
    try:
        return MySQLdb.connect(
            host=url.host,
            port=url.port,
            user=url.user,
            passwd=url.password,
            charset="utf8mb4",
            autocommit=True,
        )
    except MySQLdb.Error as exc:
        raise WordPressUnavailable(f"MariaDB at {MYSQL_SERVER}: {exc}") from None


def _create_database(name: str) -> None:
    server = _server()
    try:
        server.cursor().execute(
            f"CREATE DATABASE `{name}` "
            "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci"
        )
    finally:
        server.close()


def _drop_database(name: str) -> None:
    server = _server()
    try:
        server.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        server.close()


def _check(command: list[str], cwd: Path | None = None, timeout: float = 300) -> None:
    try:
        result = subprocess.run(
            command,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WordPressUnavailable(f"{command[0]} failed: {exc}") from None
    if result.returncode != 0:
        raise WordPressUnavailable(
            f"{' '.join(command[:1] + command[-2:])} failed: {result.stderr[-1500:]}"
        )
