"""Who is logged in: WordPress's own logged-in cookie, and the builtin login form.

Every portal request reads `wordpress_logged_in_<md5(site URL)>` and checks it as
WordPress does, so a WordPress login is a portal login. With `BRIDGE_LOGIN=builtin`
the portal has its own form, which checks the password against `user_pass` and
then sets that same WordPress cookie; logging out ends the WordPress session too.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlsplit

from flask import (
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from ..web import get_db, settings
from ..wp.cookies import (
    IssuedCookie,
    clear_logged_in,
    issue_logged_in,
    logged_in_cookie_name,
    validate_logged_in,
)
from ..wp.db import Connection
from ..wp.options import delete_option, get_option, update_option
from ..wp.passwords import check_password, needs_rehash
from ..wp.sessions import SessionTokens
from ..wp.users import db_version, find_user, get_roles, get_user, set_password
from . import bp
from .sso import end_sso_session, sso_login

log = logging.getLogger(__name__)

# Columns of the users row that no template or view needs to see.
_SECRET_COLUMNS = ("user_pass", "user_activation_key")
_PHP_WHITESPACE = " \t\n\r\0\x0b"

# Failed builtin logins allowed per username and address within the window.
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = 15 * 60

_SKIP_ENDPOINTS = ("portal.static", "portal.healthz")


# -- the logged-in user --------------------------------------------------------------


@bp.before_request
def load_user() -> None:
    """Set `g.wp_user` (row and `roles`) and `g.session_token` from the cookie."""
    if "wp_user" in g:
        return
    g.wp_user = None
    g.session_token = None
    if request.endpoint in _SKIP_ENDPOINTS:
        return

    config = settings()
    raw = request.cookies.get(logged_in_cookie_name(config.site_url))
    logged_in = validate_logged_in(get_db(), config.salts, raw) if raw else None
    if logged_in is None:
        # A portal on another host than WordPress never sees its cookie; the
        # plugin's sign-on hand-off leaves a session of the portal's own instead.
        sso = sso_login()
        if sso is not None:
            g.wp_user = _public_user(get_db(), sso.user)
        return
    g.wp_user = _public_user(get_db(), logged_in.user)
    g.session_token = logged_in.token


def _public_user(conn: Connection, row: dict[str, Any]) -> dict[str, Any]:
    user = {k: v for k, v in row.items() if k not in _SECRET_COLUMNS}
    user["roles"] = get_roles(conn, int(row["ID"]))
    return user


def login_required(view: Callable) -> Callable:
    """Send anonymous visitors to the login page, then back to where they were."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if "wp_user" not in g:
            load_user()
        if g.wp_user is None:
            return redirect(login_url(request.url, request.full_path))
        return view(*args, **kwargs)

    return wrapped


def login_url(full_url: str = "", local_path: str = "") -> str:
    """Where to log in: WordPress's wp-login.php, or the builtin form."""
    config = settings()
    if config.login == "wordpress":
        url = f"{config.site_url}/wp-login.php"
        return f"{url}?redirect_to={quote(full_url, safe='')}" if full_url else url
    target = safe_next(local_path)
    return url_for("portal.login", next=target) if target else url_for("portal.login")


# -- the builtin form ----------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show and handle the builtin login form (or send to WordPress's)."""
    config = settings()
    target = safe_next(request.values.get("next", ""))
    if config.login == "wordpress":
        return redirect(login_url(_absolute(target or _home())))
    if g.get("wp_user") is not None:
        return redirect(target or _home())

    error = ""
    username = ""
    if request.method == "POST":
        username = request.form.get("log", "").strip(_PHP_WHITESPACE)
        password = request.form.get("pwd", "").strip(_PHP_WHITESPACE)
        remember = bool(request.form.get("rememberme"))
        if not username or not password:
            error = _("Enter your username or email address and your password.")
        else:
            cookie, error = _authenticate(username, password, remember)
            if cookie is not None:
                response = redirect(target or _home())
                set_logged_in_cookie(response, cookie)
                return response

    return render_template(
        "portal/login.html", error=error, username=username, next=target
    )


def _authenticate(
    username: str, password: str, remember: bool
) -> tuple[IssuedCookie | None, str]:
    conn = get_db()
    config = settings()
    now = int(time.time())
    throttle = _throttle_name(username, request.remote_addr or "")
    if _failures(conn, throttle, now) >= THROTTLE_LIMIT:
        log.warning("builtin login throttled")
        return None, _("Too many failed attempts. Please wait a few minutes.")

    user = find_user(conn, username)
    stored = str(user["user_pass"]) if user is not None else ""
    if user is None or not check_password(password, stored):
        # The same answer, whether the user exists or not.
        _record_failure(conn, throttle, now)
        return None, _("The username or password is incorrect.")

    _clear_failures(conn, throttle)
    version = db_version(conn)
    if needs_rehash(stored, version):
        # WordPress upgrades an old hash at login; so does the bridge.
        set_password(conn, int(user["ID"]), password, version)
        user = get_user(conn, int(user["ID"])) or user
    cookie = issue_logged_in(
        conn,
        config.salts,
        user,
        remember=remember,
        ip=request.remote_addr or "",
        ua=request.user_agent.string or "",
        now=now,
        site_url=config.site_url,
        home_url=config.home_url or config.site_url,
        db_version=version,
    )
    log.info("builtin login of user %s", user["ID"])
    return cookie, ""


@bp.post("/logout")
def logout():
    """End the WordPress session of this cookie, clear the cookie, go to the login."""
    config = settings()
    user, token = g.get("wp_user"), g.get("session_token")
    if user is not None and token:
        SessionTokens(get_db(), int(user["ID"])).destroy(token)
    end_sso_session()
    session.clear()

    if config.login == "wordpress":
        target = f"{config.site_url}/wp-login.php?loggedout=true"
    else:
        target = url_for("portal.login")
    response = redirect(target)
    clear_logged_in_cookie(response)
    return response


def set_logged_in_cookie(response: Response, cookie: IssuedCookie) -> None:
    """Set WordPress's logged-in cookie on each of its paths, as WordPress does."""
    for path in cookie.paths:
        response.set_cookie(
            cookie.name,
            cookie.value,
            max_age=cookie.max_age,
            expires=cookie.expires,
            path=path,
            secure=cookie.secure,
            httponly=True,
        )


def clear_logged_in_cookie(response: Response) -> None:
    config = settings()
    cleared = clear_logged_in(config.site_url, config.home_url or config.site_url)
    for path in cleared.paths:
        response.delete_cookie(
            cleared.name, path=path, secure=cleared.secure, httponly=True
        )


# -- where to go next ----------------------------------------------------------------


def safe_next(target: str) -> str:
    """Return `target` if it is a path inside the portal, else an empty string."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return ""
    prefix = current_app.config["BRIDGE"].url_prefix.rstrip("/")
    if target != prefix and not target.startswith(prefix + "/"):
        return ""
    if parts.path.rstrip("/") in (f"{prefix}/login", f"{prefix}/logout"):
        return ""
    return target.rstrip("?")


def _home() -> str:
    try:
        return url_for("portal.dashboard")
    except BuildError:
        return current_app.config["BRIDGE"].url_prefix.rstrip("/") + "/"


def _absolute(path: str) -> str:
    return request.host_url.rstrip("/") + path


# -- throttling failed builtin logins ------------------------------------------------
# Kept as WordPress transients (`_transient_*` options with a timeout), so that
# every worker and host shares them and WordPress's own clean-up removes them.


def _throttle_name(username: str, address: str) -> str:
    digest = hashlib.sha256(f"{username.lower()}|{address}".encode()).hexdigest()
    return f"bridge_login_{digest[:32]}"


def _failures(conn: Connection, name: str, now: int) -> int:
    try:
        timeout = int(get_option(conn, f"_transient_timeout_{name}") or 0)
        count = int(get_option(conn, f"_transient_{name}") or 0)
    except (TypeError, ValueError):
        return 0
    return count if timeout >= now else 0


def _record_failure(conn: Connection, name: str, now: int) -> None:
    with conn.transaction():
        count = _failures(conn, name, now)
        if count == 0:
            update_option(
                conn,
                f"_transient_timeout_{name}",
                str(now + THROTTLE_WINDOW),
                autoload=False,
            )
        update_option(conn, f"_transient_{name}", str(count + 1), autoload=False)


def _clear_failures(conn: Connection, name: str) -> None:
    delete_option(conn, f"_transient_{name}")
    delete_option(conn, f"_transient_timeout_{name}")
