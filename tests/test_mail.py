"""The welcome email: templates, escaping, the sender, and sending over real SMTP."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from bridge.mail import (
    MailError,
    Welcome,
    reset_url,
    send,
    sender_address,
    site_template,
    uses_password,
    welcome_message,
)
from tests import smtp
from tests.conftest import SITE_URL, TEST_SECRET
from tests.smtp import SMTPServer

smtp_server = smtp.smtp_server

SENDER = "Northwind Studio <owner@northwind.example>"
RESET = "http://wp.test/wp-login.php?action=rp&key=K3y&login=maya%40example.com"


def welcome(**changes) -> Welcome:
    values = {
        "to": "maya@example.com",
        "client_name": "Maya Chen",
        "org_name": "Northwind Studio",
        "username": "maya@example.com",
        "login_url": "http://portal.test/portal/",
        "reset_url": RESET,
        "new_user": True,
        "password": "",
    }
    values.update(changes)
    return Welcome(**values)


def test_reset_url_is_encoded_as_wordpress_reads_it():
    url = reset_url("http://wp.test/", "abc123", "maya+x@example.com")
    assert url == (
        "http://wp.test/wp-login.php?action=rp&key=abc123&login=maya%2Bx%40example.com"
    )


def test_our_template_sends_a_reset_link_and_no_password():
    message = welcome_message(welcome(), SENDER)

    assert message["Subject"] == "Your client portal at Northwind Studio"
    assert message["To"] == "maya@example.com"
    assert message["From"] == SENDER
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hello Maya Chen," in text
    assert "Portal: http://portal.test/portal/" in text
    assert "Username: maya@example.com" in text
    assert RESET in text
    assert "password you already have" not in text
    assert "Password:" not in text
    assert f'<a href="{RESET.replace("&", "&amp;")}">' in html
    assert message.is_multipart()
    assert message.get_content_type() == "multipart/alternative"


def test_an_existing_user_is_told_to_keep_their_password():
    text = (
        welcome_message(welcome(new_user=False), SENDER)
        .get_body(("plain",))
        .get_content()
    )
    assert "Sign in with the password you already have" in text
    assert RESET in text


def test_the_sites_template_with_a_password():
    template = site_template(
        {
            "subject": "{org_name} client portal credentials",
            "msg": "Hi {client_name},\nLogin: {login_url}\nEmail: {email}\n"
            "Password: {password}\n{org_name}",
        }
    )
    assert uses_password(template)
    message = welcome_message(
        welcome(password="s3cret-Pass", reset_url=""), SENDER, template
    )

    assert message["Subject"] == "Northwind Studio client portal credentials"
    text = message.get_body(("plain",)).get_content()
    assert "Password: s3cret-Pass" in text
    assert "Email: maya@example.com" in text
    assert "wp-login.php?action=rp" not in text
    html = message.get_body(("html",)).get_content()
    # The CRM sends its template as HTML with the line breaks kept.
    assert "Hi Maya Chen,<br>" in html


def test_the_sites_password_template_never_changes_an_existing_password():
    template = site_template({"subject": "Portal", "msg": "Password: {password}"})
    text = (
        welcome_message(welcome(new_user=False), SENDER, template)
        .get_body(("plain",))
        .get_content()
    )
    assert text.startswith("Password: (unchanged; to choose a new one, open ")
    assert RESET in text


def test_a_site_template_without_a_password_gets_the_reset_link_added():
    template = site_template({"subject": "Portal", "msg": "Welcome {client_name}!"})
    assert not uses_password(template)
    text = (
        welcome_message(welcome(), SENDER, template).get_body(("plain",)).get_content()
    )
    assert text.startswith("Welcome Maya Chen!")
    assert RESET in text


@pytest.mark.parametrize(
    "option",
    [None, "", [], {"subject": "x"}, {"subject": "", "msg": "body"}, {"msg": "y"}],
)
def test_an_incomplete_site_template_is_ignored(option):
    assert site_template(option) is None


def test_values_are_escaped_in_html_and_unknown_braces_kept():
    template = site_template(
        {"subject": "Hi {client_name}", "msg": "<b>Dear</b> {client_name} {not_ours}"}
    )
    message = welcome_message(
        welcome(client_name='Eve <script>alert("x")</script> & Co'),
        SENDER,
        template,
    )
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()

    assert "<script>" not in html
    assert "Eve &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in html
    # The administrators' own markup stays, as the CRM sends it.
    assert "<b>Dear</b>" in html
    assert "{not_ours}" in text
    assert "<b>" not in text


def test_a_subject_cannot_carry_headers():
    template = site_template({"subject": "Portal\r\nBcc: x@evil.test", "msg": "m"})
    message = welcome_message(welcome(), SENDER, template)
    assert message["Subject"] == "Portal Bcc: x@evil.test"
    assert message["Bcc"] is None


# -- in the client's language ----------------------------------------------------------


@pytest.fixture
def mail_app(tmp_path):
    """An app for its catalogues; these tests never open its database."""
    from bridge import create_app

    return create_app(
        {
            "BRIDGE_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
            "BRIDGE_SECRET": TEST_SECRET,
            "BRIDGE_SITE_URL": SITE_URL,
            "TESTING": True,
        }
    )


def test_our_template_arrives_in_a_german_clients_language(
    mail_app, smtp_server: SMTPServer
):
    with mail_app.app_context():
        message = welcome_message(welcome(locale="de_DE"), SENDER)
    send(message, smtp_server.url)

    (received,) = smtp_server.wait_for(1)
    assert received.message["Subject"] == "Ihr Kundenportal bei Northwind Studio"
    assert "Hallo Maya Chen," in received.text
    assert "Northwind Studio hat ein Kundenportal für Sie eingerichtet" in received.text
    assert "Portal: http://portal.test/portal/" in received.text
    assert "Benutzername: maya@example.com" in received.text
    assert "Wählen Sie hier Ihr Passwort" in received.text
    assert RESET in received.text
    assert "{" not in received.text
    assert '<html lang="de-DE">' in received.html
    assert f'<a href="{RESET.replace("&", "&amp;")}">' in received.html


def test_an_existing_german_user_is_told_to_keep_their_password(mail_app):
    with mail_app.app_context():
        message = welcome_message(welcome(new_user=False, locale="de"), SENDER)

    text = message.get_body(("plain",)).get_content()
    assert "Melden Sie sich mit Ihrem bisherigen Passwort an" in text
    assert RESET in text


@pytest.mark.parametrize("locale", ["en", "en_US", "", "xx_YY", "not a locale"])
def test_english_and_unknown_locales_get_english(mail_app, locale):
    with mail_app.app_context():
        message = welcome_message(welcome(locale=locale), SENDER)

    assert message["Subject"] == "Your client portal at Northwind Studio"
    assert "Hello Maya Chen," in message.get_body(("plain",)).get_content()


def test_a_site_template_is_sent_as_written_to_a_german_client(mail_app):
    template = ("Welcome to {org_name}", "Hi {client_name}, sign in at {login_url}")
    with mail_app.app_context():
        message = welcome_message(welcome(locale="de_DE"), SENDER, template)

    assert message["Subject"] == "Welcome to Northwind Studio"
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("Hi Maya Chen, sign in at http://portal.test/portal/")
    assert "Choose your password here" in text
    assert "<html>" in message.get_body(("html",)).get_content()


def test_the_sender():
    assert sender_address("", "owner@northwind.example", "Northwind Studio") == SENDER
    assert (
        sender_address("portal@agency.test", "owner@x.test", "Agency")
        == "Agency <portal@agency.test>"
    )
    assert (
        sender_address("Help Desk <help@agency.test>", "", "Agency")
        == "Help Desk <help@agency.test>"
    )
    with pytest.raises(MailError, match="BRIDGE_MAIL_FROM"):
        sender_address("", "", "Agency")


# -- sending ---------------------------------------------------------------------------


def test_sending_over_smtp(smtp_server: SMTPServer):
    assert send(welcome_message(welcome(), SENDER), smtp_server.url) is True

    (received,) = smtp_server.wait_for(1)
    assert received.recipients == ["maya@example.com"]
    assert received.mail_from == "owner@northwind.example"
    assert received.message["Subject"] == "Your client portal at Northwind Studio"
    assert RESET in received.text
    assert "Maya Chen" in received.html


def test_a_names_non_ascii_characters_arrive_intact(smtp_server: SMTPServer):
    message = welcome_message(
        welcome(client_name="Émilie Ødegård", org_name="Café Über"),
        "Café Über <owner@northwind.example>",
    )
    send(message, smtp_server.url)

    (received,) = smtp_server.wait_for(1)
    assert received.message["Subject"] == "Your client portal at Café Über"
    assert "Hello Émilie Ødegård," in received.text


def test_without_an_smtp_url_the_mail_is_only_logged(caplog):
    caplog.set_level("WARNING", logger="bridge.mail")
    assert send(welcome_message(welcome(), SENDER), "") is False
    assert "maya@example.com" in caplog.text
    assert "K3y" not in caplog.text


def test_a_refused_recipient_is_an_error(smtp_server: SMTPServer):
    smtp_server.refuse.add("maya@example.com")
    with pytest.raises(MailError, match=r"refused the address maya@example\.com"):
        send(welcome_message(welcome(), SENDER), smtp_server.url)


def test_an_unreachable_server_is_an_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(MailError, match=f"127.0.0.1:{port}"):
        send(welcome_message(welcome(), SENDER), f"smtp://127.0.0.1:{port}")


class _Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, _server, _session, envelope):
        self.messages.append(
            message_from_bytes(envelope.original_content, policy=policy.default)
        )
        return "250 OK"


def _authenticator(_server, _session, _envelope, mechanism, data):
    ok = (
        mechanism in ("LOGIN", "PLAIN")
        and isinstance(data, LoginPassword)
        and (data.login, data.password) == (b"mailer", b"p@ss word")
    )
    return AuthResult(success=ok, handled=False)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize(
    ("credentials", "delivered"),
    [("mailer:p%40ss%20word", True), ("mailer:wrong", False)],
)
def test_smtp_login_from_the_url(credentials: str, delivered: bool):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=_authenticator,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        url = f"smtp://{credentials}@127.0.0.1:{port}"
        if delivered:
            assert send(welcome_message(welcome(), SENDER), url)
            assert len(inbox.messages) == 1
        else:
            with pytest.raises(MailError, match="refused the user name") as caught:
                send(welcome_message(welcome(), SENDER), url)
            assert "wrong" not in str(caught.value)
            assert inbox.messages == []
    finally:
        controller.stop()


# -- TLS ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert, key) files."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _tls_server(certificate, implicit: bool):
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    tls = {"ssl_context": context} if implicit else {"tls_context": context}
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        require_starttls=not implicit,
        **tls,
    )
    return controller, inbox, port


@pytest.mark.parametrize("scheme", ["smtp", "smtps"])
def test_tls_with_a_trusted_certificate(certificate, monkeypatch, scheme):
    # OpenSSL's own variable is how a site trusts its mail relay's private CA.
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])
    controller, inbox, port = _tls_server(certificate, implicit=scheme == "smtps")
    controller.start()
    try:
        assert send(welcome_message(welcome(), SENDER), f"{scheme}://127.0.0.1:{port}")
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_starttls_refuses_an_unverified_certificate(certificate):
    controller, inbox, port = _tls_server(certificate, implicit=False)
    controller.start()
    try:
        with pytest.raises(MailError, match="certificate"):
            send(welcome_message(welcome(), SENDER), f"smtp://127.0.0.1:{port}")
        assert inbox.messages == []
    finally:
        controller.stop()
