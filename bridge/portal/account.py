"""The client's settings: change the password, and see the contact details we keep.

A new password is hashed in the format of the site's WordPress version. Since the
logged-in cookie's HMAC depends on the hash, the change ends every session; the
client gets a fresh cookie (and session) here and stays logged in, while every
other browser or device has to log in again.
"""

from __future__ import annotations

import logging
import string
import time

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..crm.activity import record_activity
from ..web import get_db, settings
from ..wp.cookies import (
    SESSION_DAYS,
    issue_logged_in,
    logged_in_cookie_name,
)
from ..wp.cookies import (
    parse as parse_cookie,
)
from ..wp.passwords import check_password
from ..wp.sessions import SessionTokens
from ..wp.users import db_version, get_user, set_password
from . import bp
from .access import acting_admin, client_required, current_client, user_id
from .auth import set_logged_in_cookie

log = logging.getLogger(__name__)

MIN_LENGTH = 10
MAX_BYTES = 4096


def password_problems(password: str, user: dict) -> list[str]:
    """What is wrong with a new password, in words the client can act on."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("Use at least %(count)s characters.", count=MIN_LENGTH))
    if len(password.encode("utf-8")) > MAX_BYTES:
        problems.append(_("Use a shorter password."))
    lowered = password.strip().lower()
    identities = {
        str(user.get("user_login") or "").lower(),
        str(user.get("user_email") or "").lower(),
        str(user.get("user_email") or "").lower().partition("@")[0],
    } - {""}
    if lowered in identities:
        problems.append(_("Do not use your username or email address."))
    classes = sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )
    if password and classes < 2:
        problems.append(
            _(
                "Mix at least two kinds of characters: lower case, upper case, "
                "digits, symbols or spaces."
            )
        )
    if password and len(set(password)) < 4:
        problems.append(_("Use more different characters."))
    if password and password.strip(string.whitespace) != password:
        problems.append(_("Do not start or end the password with a space."))
    return problems


@bp.route("/settings", methods=["GET", "POST"], endpoint="settings")
@client_required
def settings_page():
    errors: dict[str, str] = {}
    if request.method == "POST":
        response = _change_password(errors)
        if response is not None:
            return response
    return render_template(
        "portal/settings.html",
        client=current_client(),
        errors=errors,
        read_only=acting_admin(),
        min_length=MIN_LENGTH,
    ), (400 if errors else 200)


def _change_password(errors: dict[str, str]):
    """Check the form and change the password; None (and `errors`) when refused."""
    current = request.form.get("current_password", "")
    new = request.form.get("new_password", "")
    confirm = request.form.get("confirm_password", "")

    conn = get_db()
    uid = user_id(g.wp_user)
    user = get_user(conn, uid)
    if user is None:
        errors["current_password"] = _("Your account could not be found.")
        return None
    if not current:
        errors["current_password"] = _("Enter your current password.")
    elif not check_password(current, str(user["user_pass"] or "")):
        errors["current_password"] = _("This is not your current password.")
    problems = password_problems(new, user) if new else [_("Enter a new password.")]
    if not problems and new == current:
        problems.append(_("Choose a password different from the current one."))
    if problems:
        errors["new_password"] = " ".join(problems)
    elif new != confirm:
        errors["confirm_password"] = _("The two new passwords are not the same.")
    if errors:
        return None

    config = settings()
    now = int(time.time())
    with conn.transaction():
        version = db_version(conn)
        set_password(conn, uid, new, version)
        user = get_user(conn, uid)
        cookie = issue_logged_in(
            conn,
            config.salts,
            user,
            remember=_was_remembered(now),
            ip=request.remote_addr or "",
            ua=request.user_agent.string or "",
            now=now,
            site_url=config.site_url,
            home_url=config.home_url or config.site_url,
            db_version=version,
        )
        # The new session is the only one left: other devices log in again.
        SessionTokens(conn, uid, now=now).destroy_others(cookie.token)
        record_activity(
            conn,
            actor_id=uid,
            client_id=current_client().id,
            action="password_change",
            object_type="user",
            object_id=uid,
            ip=request.remote_addr or "",
        )
    log.info("password changed in the portal by user %s", uid)

    flash(
        _(
            "Your password was changed. Other devices where you were logged in "
            "have been logged out."
        ),
        "success",
    )
    response = redirect(url_for("portal.settings"), 303)
    set_logged_in_cookie(response, cookie)
    return response


def _was_remembered(now: int) -> bool:
    """Keep "remember me": the old cookie outlived a plain session's two days."""
    raw = request.cookies.get(logged_in_cookie_name(settings().site_url))
    parts = parse_cookie(raw)
    if parts is None or not parts.expiration.isdigit():
        return False
    return int(parts.expiration) - now > SESSION_DAYS * 86400
