"""What the WordPress plugin calls: a client's portal access, on or off.

The plugin signs each call with a short-lived JWT (HS256, the shared secret, the
acting administrator's user id). Turning access on gives the client a WordPress
user with the client role (or reuses theirs), marks the contact and the user, and
emails the invitation; turning it off clears both marks and ends the user's
WordPress sessions. `portal-bridge portal-access` does the same from a shell.

The token checks and the single-use store of token ids live here too, for the
portal's sign-on hand-off uses the same kind of token.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import logging
import secrets
import string
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt
from flask import request

from . import cli
from .config import Settings
from .crm.business import get_business, site_name
from .errors import BridgeError
from .mail import (
    TEMPLATE_OPTION,
    MailError,
    Welcome,
    reset_url,
    send,
    sender_address,
    site_template,
    uses_password,
    welcome_message,
)
from .money import is_on
from .portal import bp, csrf
from .web import get_db, json_error, settings
from .wp.db import Connection
from .wp.l10n import user_locale
from .wp.meta import get_metas, update_meta
from .wp.options import get_option
from .wp.sessions import SessionTokens
from .wp.users import (
    CLIENT_ROLE,
    UserError,
    all_capabilities,
    ensure_client_role,
    get_roles,
    get_user,
    get_user_by,
    insert_user,
    is_email,
    make_reset_key,
    sanitize_name,
    user_can,
)

log = logging.getLogger(__name__)

ADMIN_AUDIENCE = "wp-portal-bridge-admin"
SSO_AUDIENCE = "wp-portal-bridge-sso"
REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "exp", "jti")
# The plugin's tokens live a minute; clocks may differ by a few seconds.
LEEWAY = 5
MAX_LIFETIME = 300
MAX_JTI_LENGTH = 200
# Used token ids are kept as WordPress transients, which WordPress itself prunes.
JTI_TRANSIENT = "wppb_jti_"
PASSWORD_LENGTH = 20
PASSWORD_ALPHABET = string.ascii_letters + string.digits + "!#%*+-=?@^_"

CONTACT_TYPES = {"ndpv_person": "person", "ndpv_org": "org"}
CONTACT_META = ("first_name", "name", "email", "is_client", "client_portal")


class TokenError(BridgeError):
    """A token that must be refused; the message says why, for the admin to fix."""

    status = 401


class AccessError(BridgeError):
    """A portal access change that cannot be made as asked."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


# -- tokens --------------------------------------------------------------------------


def verify_token(token: str, config: Settings, audience: str) -> dict[str, Any]:
    """Check a token from the plugin and return its claims, or raise TokenError.

    HS256 with the shared secret only; `aud`, `exp` and `iat` with a few seconds'
    leeway, a life of at most five minutes, and `iss` equal to the site's home URL
    when the bridge knows it (the scheme aside, which depends on the request).
    """
    try:
        claims = jwt.decode(
            token,
            config.secret,
            algorithms=["HS256"],
            audience=audience,
            leeway=LEEWAY,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError(
            "the token has expired; check that the clocks of WordPress and the "
            "portal service agree"
        ) from None
    except jwt.ImmatureSignatureError:
        raise TokenError(
            "the token was issued in the future; check that the clocks of "
            "WordPress and the portal service agree"
        ) from None
    except jwt.InvalidSignatureError:
        raise TokenError(
            "the token's signature does not match: the plugin's shared secret "
            "differs from the service's BRIDGE_SECRET"
        ) from None
    except jwt.InvalidAudienceError:
        raise TokenError(f"the token is not meant for this use ({audience})") from None
    except jwt.MissingRequiredClaimError as exc:
        raise TokenError(f"the token lacks the claim {exc.claim!r}") from None
    except jwt.InvalidTokenError:
        raise TokenError("the token is malformed or uses another algorithm") from None

    if not isinstance(claims["iat"], int) or not isinstance(claims["exp"], int):
        raise TokenError("the token's times must be whole seconds")
    if claims["exp"] - claims["iat"] > MAX_LIFETIME:
        raise TokenError("the token lives too long")
    sub, jti = claims["sub"], claims["jti"]
    if not isinstance(sub, str) or not sub.isdigit() or int(sub) <= 0:
        raise TokenError("the token's subject is not a user id")
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI_LENGTH:
        raise TokenError("the token's id is missing or too long")
    home = config.home_url or config.site_url
    if home and _site_key(str(claims["iss"])) != _site_key(home):
        raise TokenError(
            f"the token comes from {claims['iss']}, but this service serves {home}"
        )
    return claims


def _site_key(url: str) -> str:
    parts = urlsplit(url.strip())
    return parts.netloc.lower() + parts.path.rstrip("/")


def claim_token_id(conn: Connection, claims: dict[str, Any]) -> None:
    """Record a token's `jti` as used until the token expires; refuse a second use.

    The record is a WordPress transient, added with one INSERT on the options
    table's unique name, so that two workers (or hosts) racing on one token
    cannot both win.
    """
    now = int(time.time())
    digest = hashlib.sha256(f"{claims['aud']}|{claims['jti']}".encode()).hexdigest()
    name = JTI_TRANSIENT + digest
    timeout_name = f"_transient_timeout_{name}"
    expires = int(claims["exp"]) + LEEWAY

    _prune_token_ids(conn, now)
    for attempt in (1, 2):
        try:
            conn.insert(
                "options",
                {
                    "option_name": timeout_name,
                    "option_value": str(expires),
                    "autoload": "no",
                },
            )
            break
        except Exception as exc:
            if not _is_duplicate(exc):
                raise
            stored = conn.scalar(
                "SELECT option_value FROM {options} WHERE option_name = %s",
                (timeout_name,),
            )
            live = str(stored or "").isdigit() and int(stored) >= now
            if live or attempt == 2:
                raise TokenError("the token has been used already") from None
            _delete_transient(conn, name)
    conn.insert(
        "options",
        {"option_name": f"_transient_{name}", "option_value": "1", "autoload": "no"},
    )


def _prune_token_ids(conn: Connection, now: int) -> None:
    rows = conn.query(
        "SELECT option_name FROM {options} WHERE option_name LIKE %s ESCAPE '!' "
        "AND CAST(option_value AS SIGNED) < %s LIMIT 100",
        ("!_transient!_timeout!_wppb!_jti!_%", now),
    )
    for row in rows:
        _delete_transient(conn, row["option_name"][len("_transient_timeout_") :])


def _delete_transient(conn: Connection, name: str) -> None:
    conn.execute(
        "DELETE FROM {options} WHERE option_name IN (%s, %s)",
        (f"_transient_{name}", f"_transient_timeout_{name}"),
    )


def _is_duplicate(exc: Exception) -> bool:
    # sqlite3 and MySQLdb both call it IntegrityError; MySQL's code is 1062.
    if type(exc).__name__ != "IntegrityError":
        return False
    code = exc.args[0] if exc.args else None
    return code == 1062 or "UNIQUE" in str(exc)


# -- contacts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """A CRM person or organization, as far as portal access needs it."""

    id: int
    kind: str
    name: str
    first_name: str
    last_name: str
    email: str
    is_client: bool
    portal: bool


def get_contact(conn: Connection, client_id: int) -> Contact | None:
    """Return a live `ndpv_person` or `ndpv_org` post, or None."""
    row = conn.query_one(
        "SELECT ID, post_title, post_type FROM {posts} "
        "WHERE ID = %s AND post_type IN (%s, %s) AND post_status = %s",
        (int(client_id), *CONTACT_TYPES, "publish"),
    )
    if row is None:
        return None
    meta = get_metas(conn, "post", [row["ID"]], CONTACT_META)[int(row["ID"])]
    kind = CONTACT_TYPES[row["post_type"]]
    title = _text(row["post_title"])
    if kind == "org":
        name = _text(meta.get("name")) or title
        first, last = "", ""
    else:
        name = title
        first = _text(meta.get("first_name"))
        if first and title.startswith(first):
            last = title[len(first) :].strip()
        else:
            first, _, last = title.partition(" ")
    return Contact(
        id=int(row["ID"]),
        kind=kind,
        name=name or f"#{row['ID']}",
        first_name=first,
        last_name=last,
        email=_text(meta.get("email")),
        is_client=is_on(meta.get("is_client")),
        portal=is_on(meta.get("client_portal")),
    )


def _text(value: Any) -> str:
    if value is None or isinstance(value, bool | dict | list):
        return ""
    return html.unescape(str(value)).strip()


def linked_user_ids(conn: Connection, client_id: int) -> list[int]:
    """Return the users whose `ndpv_client_id` names this client."""
    rows = conn.query(
        "SELECT DISTINCT user_id FROM {usermeta} WHERE meta_key = %s "
        "AND meta_value = %s ORDER BY user_id",
        ("ndpv_client_id", str(int(client_id))),
    )
    return [int(row["user_id"]) for row in rows]


# -- turning access on and off ---------------------------------------------------------


@dataclass
class AccessResult:
    """What a change did, for the admin's screen and the command line."""

    client_id: int
    enabled: bool
    message: str
    user_id: int = 0
    user_created: bool = False
    email: str = ""
    email_sent: bool = False
    email_error: str = ""
    sessions_ended: int = 0

    def as_json(self) -> dict[str, Any]:
        return {"ok": True, **self.__dict__}


@dataclass
class _Invitation:
    welcome: Welcome
    template: tuple[str, str] | None


def set_portal_access(
    conn: Connection,
    config: Settings,
    client_id: int,
    enabled: bool,
    *,
    resend: bool = False,
    actor_id: int = 0,
) -> AccessResult:
    """Turn a client's portal access on or off; raise AccessError when it cannot be.

    Every database change happens in one transaction; the invitation is sent after
    it commits, and a failure to send is reported, not undone.
    """
    if enabled:
        result, invitation = _enable(conn, config, client_id, resend)
    else:
        result, invitation = _disable(conn, client_id), None
    log.info(
        "portal access %s for client %s by user %s",
        "on" if enabled else "off",
        client_id,
        actor_id or "(command line)",
    )
    if invitation is not None:
        _send_invitation(conn, config, result, invitation)
    return result


def _lock_contact(conn: Connection, client_id: int) -> Contact:
    # One change per client at a time, across workers: a double click must not
    # make two users. SQLite's BEGIN IMMEDIATE already holds the whole database.
    if conn.backend == "mysql":
        conn.execute(
            "SELECT ID FROM {posts} WHERE ID = %s FOR UPDATE", (int(client_id),)
        )
    contact = get_contact(conn, client_id)
    if contact is None:
        raise AccessError(f"there is no client with the id {client_id}", 404)
    return contact


def _enable(
    conn: Connection, config: Settings, client_id: int, resend: bool
) -> tuple[AccessResult, _Invitation | None]:
    template = site_template(get_option(conn, TEMPLATE_OPTION))
    with conn.transaction():
        contact = _lock_contact(conn, client_id)
        if not contact.is_client:
            raise AccessError(
                f"{contact.name} (#{contact.id}) is a contact but not a client; "
                "make them a client in the CRM first"
            )
        if not contact.email:
            raise AccessError(
                f"{contact.name} (#{contact.id}) has no email address; add one in "
                "the CRM first"
            )
        if not is_email(contact.email):
            raise AccessError(
                f"the email address of {contact.name} (#{contact.id}), "
                f"{contact.email!r}, is not valid; correct it in the CRM first"
            )
        try:
            ensure_client_role(conn)
        except UserError as exc:
            raise AccessError(str(exc), 500) from None

        user = _portal_user(conn, contact)
        created = user is None
        # Only a site template with {password} mails one, and only to a new user;
        # otherwise the random password is never shown and the link sets one.
        password = _new_password() if created and uses_password(template) else ""
        if user is None:
            user_id = _create_user(conn, contact, password or _new_password())
            login = contact.email
        else:
            user_id, login = int(user["ID"]), str(user["user_login"])
        was_on = not created and contact.portal and _user_portal_on(conn, user_id)

        update_meta(conn, "user", user_id, "ndpv_client_id", contact.id)
        update_meta(conn, "user", user_id, "ndpv_client_type", contact.kind)
        update_meta(conn, "user", user_id, "ndpv_client_portal", True)
        update_meta(conn, "post", contact.id, "client_portal", True)

        result = AccessResult(
            client_id=contact.id,
            enabled=True,
            message="",
            user_id=user_id,
            user_created=created,
            email=contact.email,
        )
        if was_on and not resend:
            result.message = (
                f"Client Portal Access was already on for {contact.name}; nothing "
                "was sent. Use Resend invitation to send the email again."
            )
            return result, None

        key = "" if password else make_reset_key(conn, user_id)
        welcome = Welcome(
            to=contact.email,
            client_name=contact.name,
            org_name=_org_name(conn),
            username=login,
            login_url=portal_url(conn, config) + "/",
            reset_url=reset_url(config.site_url, key, login) if key else "",
            new_user=created,
            password=password,
            locale=user_locale(conn, user_id),
        )

    if resend and was_on:
        result.message = f"Client Portal Access stays on for {contact.name}"
    elif created:
        result.message = (
            f"Client Portal Access is on for {contact.name}. The WordPress user "
            f"{login} was created"
        )
    else:
        result.message = (
            f"Client Portal Access is on for {contact.name}, with the existing "
            f"WordPress user {login}"
        )
    return result, _Invitation(welcome, template)


def _portal_user(conn: Connection, contact: Contact) -> dict[str, Any] | None:
    """Return the client's existing user, None when there is none, or refuse.

    A user with the contact's email is reused when it is a client account (the
    client role, nothing that edits content) of this client or of none yet.
    """
    user = get_user_by(conn, "email", contact.email)
    if user is None:
        taken = get_user_by(conn, "login", contact.email)
        if taken is not None:
            raise AccessError(
                f"the username {contact.email} is taken by the WordPress user "
                f"#{taken['ID']}, whose email address is {taken['user_email']}",
                409,
            )
        linked = [
            uid for uid in linked_user_ids(conn, contact.id) if get_user(conn, uid)
        ]
        if linked:
            other = get_user(conn, linked[0]) or {}
            raise AccessError(
                f"{contact.name} already has the portal user {other['user_login']} "
                f"with the email address {other['user_email']}, not "
                f"{contact.email}; make the two addresses the same first",
                409,
            )
        return None

    user_id = int(user["ID"])
    roles = get_roles(conn, user_id)
    caps = all_capabilities(conn, user_id)
    if CLIENT_ROLE not in roles or caps.get("edit_posts") or caps.get("manage_options"):
        shown = ", ".join(roles) or "no role"
        raise AccessError(
            f"the email address {contact.email} belongs to the WordPress user "
            f"{user['user_login']} ({shown}), which is not a client account; give "
            "the client another address or that user another one",
            409,
        )
    linked_to = _linked_client(conn, user_id)
    if linked_to and linked_to != contact.id:
        raise AccessError(
            f"the email address {contact.email} belongs to the portal user of "
            f"another client (#{linked_to})",
            409,
        )
    return user


def _linked_client(conn: Connection, user_id: int) -> int:
    meta = get_metas(conn, "user", [user_id], ["ndpv_client_id"])[user_id]
    try:
        return int(str(meta.get("ndpv_client_id") or 0))
    except ValueError:
        return 0


def _user_portal_on(conn: Connection, user_id: int) -> bool:
    meta = get_metas(conn, "user", [user_id], ["ndpv_client_portal"])[user_id]
    return is_on(meta.get("ndpv_client_portal"))


def _create_user(conn: Connection, contact: Contact, password: str) -> int:
    try:
        return insert_user(
            conn,
            login=contact.email,
            email=contact.email,
            password=password,
            role=CLIENT_ROLE,
            first_name=_clean_name(contact.first_name),
            last_name=_clean_name(contact.last_name),
            display_name=_clean_name(contact.name) or None,
        )
    except UserError as exc:
        raise AccessError(
            f"cannot create a WordPress user for {contact.name}: {exc}"
        ) from None


def _clean_name(name: str) -> str:
    # A name WordPress would have to strip is left out rather than mangled.
    try:
        return sanitize_name(name)
    except UserError:
        return ""


def _new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))


def _disable(conn: Connection, client_id: int) -> AccessResult:
    with conn.transaction():
        contact = _lock_contact(conn, client_id)
        was_on = contact.portal
        update_meta(conn, "post", contact.id, "client_portal", False)

        ended = 0
        user_ids = [u for u in linked_user_ids(conn, contact.id) if get_user(conn, u)]
        for user_id in user_ids:
            was_on = was_on or _user_portal_on(conn, user_id)
            update_meta(conn, "user", user_id, "ndpv_client_portal", False)
            tokens = SessionTokens(conn, user_id)
            ended += len(tokens.all())
            tokens.destroy_all()
            # The invitation's password link goes with the access.
            conn.execute(
                "UPDATE {users} SET user_activation_key = %s WHERE ID = %s",
                ("", user_id),
            )

    if not was_on:
        message = f"Client Portal Access was already off for {contact.name}"
    else:
        message = f"Client Portal Access is off for {contact.name}"
    if ended:
        message += f"; {ended} open session{'s' if ended != 1 else ''} ended"
    return AccessResult(
        client_id=contact.id,
        enabled=False,
        message=message + ".",
        user_id=user_ids[0] if user_ids else 0,
        email=contact.email,
        sessions_ended=ended,
    )


def _send_invitation(
    conn: Connection, config: Settings, result: AccessResult, invitation: _Invitation
) -> None:
    welcome = invitation.welcome
    try:
        sender = sender_address(
            config.mail_from,
            str(get_option(conn, "admin_email") or ""),
            _org_name(conn),
        )
        message = welcome_message(welcome, sender, invitation.template)
        result.email_sent = send(message, config.smtp_url)
    except MailError as exc:
        log.warning("invitation to client %s not sent: %s", result.client_id, exc)
        result.email_error = str(exc)
        result.message += (
            f", but the invitation could not be sent: {exc}. Access stays on; use "
            "Resend invitation once mail works."
        )
        return
    if result.email_sent:
        result.message += f"; the invitation was emailed to {welcome.to}."
    else:
        result.email_error = "no mail server is set up"
        result.message += (
            "; no email was sent because the portal service has no mail server "
            "(BRIDGE_SMTP_URL)."
        )


def _org_name(conn: Connection) -> str:
    business = get_business(conn)
    return (business.name if business else "") or site_name(conn) or "WordPress"


def portal_url(conn: Connection, config: Settings) -> str:
    """Return the portal's public URL: the plugin's setting, else home plus prefix."""
    stored = get_option(conn, "wppb_settings")
    if isinstance(stored, dict):
        url = str(stored.get("portal_url") or "").strip().rstrip("/")
        if urlsplit(url).scheme in ("http", "https"):
            return url
    home = config.home_url or config.site_url
    return home.rstrip("/") + config.url_prefix


# -- the HTTP API ----------------------------------------------------------------------


@bp.post("/api/admin/portal-access")
@csrf.exempt
def portal_access():
    """Turn portal access on or off, for the plugin's Client Portal screen."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return _unauthorized("a Bearer token from the WordPress plugin is required")

    conn = get_db()
    config = settings()
    try:
        claims = verify_token(token.strip(), config, ADMIN_AUDIENCE)
        actor_id = int(claims["sub"])
        actor = get_user(conn, actor_id)
        if actor is None:
            return json_error(f"the user #{actor_id} does not exist", 403)
        if not user_can(conn, actor, "manage_options"):
            return json_error(
                f"the user {actor['user_login']} is not an administrator", 403
            )
        claim_token_id(conn, claims)
    except TokenError as exc:
        return _unauthorized(str(exc))

    body = request.get_json(force=True, silent=True)
    try:
        client_id, enabled, resend = _read_body(body)
        result = set_portal_access(
            conn, config, client_id, enabled, resend=resend, actor_id=actor_id
        )
    except AccessError as exc:
        return json_error(str(exc), exc.status)
    return result.as_json(), 200


def _unauthorized(message: str):
    body, status = json_error(message, 401)
    return body, status, {"WWW-Authenticate": 'Bearer realm="portal-bridge"'}


def _read_body(body: Any) -> tuple[int, bool, bool]:
    if not isinstance(body, dict):
        raise AccessError("send a JSON object: {client_id, enabled}", 400)
    client_id = body.get("client_id")
    if isinstance(client_id, str) and client_id.isdigit():
        client_id = int(client_id)
    if isinstance(client_id, bool) or not isinstance(client_id, int) or client_id < 1:
        raise AccessError("client_id must be a positive whole number", 400)
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise AccessError("enabled must be true or false", 400)
    resend = body.get("resend", False)
    if not isinstance(resend, bool):
        raise AccessError("resend must be true or false", 400)
    if resend and not enabled:
        raise AccessError("an invitation can only be resent with enabled: true", 400)
    return client_id, enabled, resend


# -- the command line ------------------------------------------------------------------


def _add_command(sub: Any) -> None:
    parser = sub.add_parser(
        "portal-access",
        help="turn a client's portal access on or off",
        description="Turn Client Portal Access on or off for a CRM client, as the "
        "plugin's Client Portal screen does: on creates the client's WordPress user "
        "when needed and emails the invitation; off signs the user out.",
    )
    parser.add_argument("action", choices=("enable", "disable"))
    parser.add_argument(
        "client_id", type=int, metavar="CLIENT_ID", help="the person or org post id"
    )
    parser.add_argument(
        "--resend", action="store_true", help="send the invitation again (enable)"
    )


if _add_command not in cli._EXTENSIONS:
    cli._EXTENSIONS.append(_add_command)


@cli.command("portal-access")
def portal_access_command(args: argparse.Namespace) -> int:
    from . import create_app
    from .config import load_settings
    from .web import resolve_site_urls
    from .wp.db import Database

    if args.resend and args.action != "enable":
        raise AccessError("--resend goes with enable")
    config = load_settings()
    # The invitation is written from the portal's catalogues, which the app holds.
    with (
        create_app(config).app_context(),
        Database(config.database_url, config.table_prefix).connect() as conn,
    ):
        resolve_site_urls(conn, config)
        result = set_portal_access(
            conn,
            config,
            args.client_id,
            args.action == "enable",
            resend=args.resend,
        )
    print(result.message)
    return 0
