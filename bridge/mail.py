"""The welcome email a client gets when portal access is turned on, and SMTP.

The text comes from the site's own template (the CRM's option
`ndpv_email_client_portal_password`, plain text with `{placeholders}`) when there is
one, else from ours. Ours never carries a password: it links to WordPress's own
"set a new password" form with a fresh reset key, and is written in the client's
WordPress language from the portal's catalogues, which needs an app context (it is
English without one). A site's template is sent as written. Messages go out over
SMTP as `BRIDGE_SMTP_URL` says; without it they are only logged (recipient and
subject).
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from .errors import BridgeError
from .money import parse_locale

log = logging.getLogger(__name__)

TEMPLATE_OPTION = "ndpv_email_client_portal_password"
# Per network step. The plugin waits 10 seconds for its call to answer, and the
# invitation is sent within that call: a stuck server must fail well before.
SMTP_TIMEOUT = 5

# Ours, translated when a message is built; translations keep the {placeholders}.
DEFAULT_SUBJECT = _l("Your client portal at {org_name}")
DEFAULT_NEW_USER = _l(
    """Hello {client_name},

{org_name} has opened a client portal for you. There you can see your estimates, \
invoices and projects, and answer estimates online.

Portal: {login_url}
Username: {username}

Choose your password here (the link works for 24 hours):
{reset_url}

If the link has expired, use "Lost your password?" on the login page.

{org_name}"""
)
DEFAULT_EXISTING_USER = _l(
    """Hello {client_name},

{org_name} has opened a client portal for you. There you can see your estimates, \
invoices and projects, and answer estimates online.

Portal: {login_url}
Username: {username}

Sign in with the password you already have. If you do not know it, choose a new \
one here (the link works for 24 hours):
{reset_url}

{org_name}"""
)
# Fills a site template's {password} for a user whose password stays as it is.
KEPT_NOTE = "(unchanged; to choose a new one, open {reset_url} )"
# Added to a site template that gives the client no way to a password.
RESET_PARAGRAPH = (
    "Choose your password here (the link works for 24 hours):\n{reset_url}"
)

_TAG = re.compile(r"<[^>]*>")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


class MailError(BridgeError):
    """An email could not be sent; the message says where it failed and why."""


@dataclass(frozen=True)
class Welcome:
    """What the welcome email says to one client."""

    to: str
    client_name: str
    org_name: str
    username: str
    login_url: str
    reset_url: str
    new_user: bool = True
    password: str = ""
    locale: str = "en"

    def values(self) -> dict[str, str]:
        return {
            "org_name": self.org_name,
            "client_name": self.client_name,
            "login_url": self.login_url,
            "email": self.to,
            "username": self.username,
            "reset_url": self.reset_url,
            "password": self.password,
        }


def site_template(option: Any) -> tuple[str, str] | None:
    """Return the site's (subject, message) from the option value, or None if unset."""
    if not isinstance(option, Mapping):
        return None
    subject = option.get("subject")
    message = option.get("msg")
    if not isinstance(subject, str) or not isinstance(message, str):
        return None
    if not subject.strip() or not message.strip():
        return None
    return subject, message


def uses_password(template: tuple[str, str] | None) -> bool:
    """Tell whether a site template sends a password, so that one must be made."""
    return template is not None and "{password}" in template[1]


def reset_url(site_url: str, key: str, login: str) -> str:
    """Return WordPress's link that sets a new password with a reset key."""
    return (
        f"{site_url.rstrip('/')}/wp-login.php?action=rp"
        f"&key={quote(key, safe='')}&login={quote(login, safe='')}"
    )


def welcome_message(
    welcome: Welcome, sender: str, template: tuple[str, str] | None = None
) -> EmailMessage:
    """Build the welcome email, plain text and HTML, from a template or ours.

    Ours is written in `welcome.locale`, within the app context that has the
    portal's catalogues.
    """
    values = welcome.values()
    lang = ""
    if template is None:
        locale = parse_locale(welcome.locale)
        with force_locale(locale):
            subject = str(DEFAULT_SUBJECT)
            body = str(DEFAULT_NEW_USER if welcome.new_user else DEFAULT_EXISTING_USER)
        lang = str(locale).replace("_", "-")
    else:
        subject, body = template
        if "{password}" in body and not welcome.password:
            body = body.replace("{password}", KEPT_NOTE)
        elif "{password}" not in body and "{reset_url}" not in body:
            body = body.rstrip() + "\n\n" + RESET_PARAGRAPH

    return compose(
        to=welcome.to,
        sender=sender,
        subject=_fill_text(subject, values),
        text=_plain(_fill_text(body, values)),
        html_page=_html_page(_fill_html(body, values), lang),
    )


def compose(
    *, to: str, sender: str, subject: str, text: str, html_page: str
) -> EmailMessage:
    """Build an email with a plain text and an HTML part, and the headers we send.

    The subject is put on one line without markup, so that no value can add a
    header; `html_page` is a whole HTML document whose values are already escaped.
    """
    message = EmailMessage()
    message["Subject"] = _one_line(subject)
    message["From"] = sender
    message["To"] = to
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message.set_content(text)
    message.add_alternative(html_page, subtype="html")
    return message


def _fill_text(text: str, values: Mapping[str, str]) -> str:
    # Braces that name no value are the template's own text and stay as they are.
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def _fill_html(text: str, values: Mapping[str, str]) -> str:
    """Fill a template into HTML: the site's text as written, our values escaped.

    The template is written by the site's administrators and, as the CRM does, is
    sent as HTML with its line breaks kept; the values come from contacts and are
    escaped, and URLs among them become links.
    """
    out: list[str] = []
    last = 0
    for match in _PLACEHOLDER.finditer(text):
        out.append(text[last : match.start()])
        name = match.group(1)
        if name not in values:
            out.append(match.group(0))
        elif name in ("login_url", "reset_url") and values[name]:
            link = html.escape(values[name])
            out.append(f'<a href="{link}">{link}</a>')
        else:
            out.append(html.escape(values[name]))
        last = match.end()
    out.append(text[last:])
    return "<br>\n".join("".join(out).splitlines())


def _plain(text: str) -> str:
    # A site template may hold a little markup; the plain part shows none of it.
    return html.unescape(_TAG.sub("", text)).strip() + "\n"


def _html_page(body: str, lang: str = "") -> str:
    # A site's template says nothing of its language, so its page claims none.
    opening = f'<html lang="{html.escape(lang)}">' if lang else "<html>"
    return (
        f'<!DOCTYPE html>\n{opening}<head><meta charset="utf-8"></head>\n'
        '<body style="font-family: sans-serif; line-height: 1.5; color: #1d2327;">\n'
        f"<p>{body}</p>\n</body></html>\n"
    )


def _one_line(text: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _domain(sender: str) -> str | None:
    address = parseaddr(sender)[1]
    return address.rpartition("@")[2] or None


def sender_address(mail_from: str, admin_email: str, name: str) -> str:
    """Return the From: header: BRIDGE_MAIL_FROM, else the site's admin email, named.

    A configured value that already carries a name ("Studio <a@b.c>") is kept.
    """
    configured = mail_from.strip()
    display, address = parseaddr(configured or admin_email.strip())
    if not address or "@" not in address:
        raise MailError(
            "no sender address: set BRIDGE_MAIL_FROM or the site's administration "
            "email address (Settings, General)"
        )
    display = display or _one_line(name)
    local, _, domain = address.rpartition("@")
    return str(Address(display_name=display, username=local, domain=domain))


# -- sending ---------------------------------------------------------------------------


def send(message: EmailMessage, smtp_url: str) -> bool:
    """Send a message; return False when no SMTP server is set (it is only logged).

    `smtp://user:pass@host:port` speaks plain SMTP and upgrades with STARTTLS when
    the server offers it; `smtps://` uses TLS from the first byte. Certificates
    are verified. Raises MailError when the server cannot take the message.
    """
    if not smtp_url:
        log.warning(
            "email to %s (%s) not sent: BRIDGE_SMTP_URL is not set",
            message["To"],
            message["Subject"],
        )
        return False

    parts = urlsplit(smtp_url)
    implicit_tls = parts.scheme == "smtps"
    host = parts.hostname or "localhost"
    try:
        port = parts.port or (465 if implicit_tls else 25)
    except ValueError:
        raise MailError("BRIDGE_SMTP_URL has a bad port") from None
    user = unquote(parts.username or "")
    password = unquote(parts.password or "")
    where = f"{host}:{port}"

    context = ssl.create_default_context()
    try:
        if implicit_tls:
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=SMTP_TIMEOUT, context=context
            )
        else:
            server = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
        with server:
            server.ehlo()
            if not implicit_tls and server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            if user:
                server.login(user, password)
            refused = server.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise MailError(
            f"the mail server {where} refused the user name or password of "
            "BRIDGE_SMTP_URL"
        ) from None
    except smtplib.SMTPRecipientsRefused:
        raise MailError(
            f"the mail server {where} refused the address {message['To']}"
        ) from None
    except smtplib.SMTPResponseException as exc:
        reason = exc.smtp_error.decode("utf-8", "replace")
        raise MailError(
            f"the mail server {where} answered {exc.smtp_code} {reason}"
        ) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"cannot send mail through {where}: {exc}") from None
    if refused:
        raise MailError(f"the mail server {where} refused {', '.join(refused)}")
    log.info("sent email to %s (%s)", message["To"], message["Subject"])
    return True
