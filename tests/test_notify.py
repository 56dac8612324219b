"""Project email digests: what `portal-bridge notify` sends, to whom, and only once.

Runs on SQLite and MariaDB over the demo site, against a real SMTP server. Records
are made as an admin makes them in the CRM (posts and meta, the admin as author),
or by a client through the CRM helpers the portal uses.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
from datetime import timedelta
from typing import Any

import pytest
from portal_support import counting_queries

from bridge.config import load_settings
from bridge.crm.files import add_link
from bridge.crm.notes import add_note
from bridge.crm.projects import (
    Access,
    Permissions,
    save_notification_choices,
    set_client_permissions,
)
from bridge.notify import (
    LOCK_OPTION,
    NOTIFIED_META,
    PENDING_META,
    WATERMARK_OPTION,
    RunLock,
    run,
)
from bridge.wp.db import Connection, Database
from bridge.wp.meta import get_meta, update_meta
from bridge.wp.options import get_option, update_option
from bridge.wp.posts import insert_post, utc_now
from tests import smtp
from tests.conftest import SITE_URL, TEST_SECRET
from tests.smtp import Received, SMTPServer

pytest_plugins = ("portal_fixtures",)
smtp_server = smtp.smtp_server

PORTAL = f"{SITE_URL}/portal"


# -- the site ------------------------------------------------------------------------


def user_id_of(conn: Connection, login: str) -> int:
    return int(conn.scalar("SELECT ID FROM {users} WHERE user_login = %s", (login,)))


def settings_for(app_config: dict, smtp_url: str):
    environ = {k: v for k, v in app_config.items() if k.startswith("BRIDGE_")}
    return load_settings({**environ, "BRIDGE_SMTP_URL": smtp_url})


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"smtp://127.0.0.1:{port}"


def later() -> Any:
    # Records are read once they are older than the settling minute.
    return utc_now() + timedelta(minutes=2)


@pytest.fixture
def config(app_config: dict, smtp_server: SMTPServer):
    return settings_for(app_config, smtp_server.url)


@pytest.fixture
def site(conn: Connection, demo, config) -> dict[str, Any]:
    """The demo site after the command's first run, with the ids the tests use."""
    first = run(conn, config)
    assert first.first_run
    return {
        "admin": user_id_of(conn, "admin"),
        "maya": user_id_of(conn, "maya@example.com"),
        "acme": user_id_of(conn, "billing@acme.example"),
        "jonas": user_id_of(conn, "jonas@acme.example"),
        "lena": user_id_of(conn, "lena@example.org"),
        "clients": demo.clients,
        "projects": demo.projects,
    }


def admin_note(conn: Connection, site: dict, project_id: int) -> int:
    return add_note(
        conn, project_id=project_id, author_id=site["admin"], text="Call on Monday."
    )


def admin_file(conn: Connection, site: dict, project_id: int, title: str) -> int:
    """An uploaded file as the CRM's admin screen records it (no attachment needed)."""
    file_id = insert_post(conn, post_type="ndpv_file", post_author=site["admin"])
    for key, value in {
        "ws_id": 1,
        "tab_id": project_id,
        "type": "file",
        "title": title,
        "url": "",
        "file": "",
    }.items():
        update_meta(conn, "post", file_id, key, value)
    return file_id


def document(
    conn: Connection,
    site: dict,
    project_id: int,
    client: str,
    *,
    path: str = "invoice",
    status: str = "sent",
    num: str = "Inv-900",
) -> int:
    doc_id = insert_post(
        conn, post_type="ndpv_estinv", post_title=num, post_author=site["admin"]
    )
    for key, value in {
        "ws_id": 1,
        "path": path,
        "num": num,
        "status": status,
        "to": site["clients"][client],
        "to_type": "org" if client == "acme" else "person",
        "module_id": project_id,
    }.items():
        update_meta(conn, "post", doc_id, key, value)
    return doc_id


def links(mail: Received) -> list[str]:
    return re.findall(r"https?://\S+", mail.text)


def to(mails: list[Received]) -> list[str]:
    return sorted(address for mail in mails for address in mail.recipients)


# -- the first run -------------------------------------------------------------------


def test_the_first_run_sends_nothing_and_sets_the_watermark(
    conn, demo, config, smtp_server
):
    top = conn.scalar("SELECT MAX(ID) FROM {posts}")

    report = run(conn, config, now=later())

    assert report.first_run and report.ok
    assert report.watermark == top
    assert get_option(conn, WATERMARK_OPTION)["post_id"] == top
    assert "nothing was sent" in report.summary()
    sent_invoice = demo.invoices["maya"][1]
    draft_invoice = demo.invoices["maya"][0]
    assert get_meta(conn, "post", sent_invoice, NOTIFIED_META)
    assert get_meta(conn, "post", draft_invoice, NOTIFIED_META) is None

    second = run(conn, config, now=later())

    assert not second.first_run and second.found == 0
    assert smtp_server.messages == []
    assert get_option(conn, LOCK_OPTION) is None


# -- what is sent, once --------------------------------------------------------------


def test_an_admins_note_file_and_invoice_mail_the_client_once(
    conn, site, config, smtp_server
):
    project = site["projects"]["maya"][0]
    note = admin_note(conn, site, project)
    upload = admin_file(conn, site, project, "Plan <b>v2</b> & notes")
    invoice = document(conn, site, project, "maya")
    document(conn, site, project, "maya", status="draft", num="Inv-901")

    report = run(conn, config, now=later())

    assert report.ok, report.errors
    assert (report.found, report.sent) == (3, 1)
    (mail,) = smtp_server.wait_for(1)
    assert mail.recipients == ["maya@example.com"]
    assert mail.message["Subject"] == "Northwind Studio: new in Portfolio website"
    assert links(mail) == [
        f"{PORTAL}/projects/{project}#note-{note}",
        f"{PORTAL}/projects/{project}#file-{upload}",
        f"{PORTAL}/invoices/{invoice}",
        f"{PORTAL}/projects/{project}#settings",
    ]
    assert "New note by Nora Lind" in mail.text
    assert "New invoice Inv-900" in mail.text
    assert "Inv-901" not in mail.text
    assert "Call on Monday" not in mail.text  # the note's text stays in the portal
    assert "Plan &lt;b&gt;v2&lt;/b&gt; &amp; notes" in mail.html
    assert "<b>v2</b>" not in mail.html
    assert f'href="{PORTAL}/invoices/{invoice}"' in mail.html
    assert get_meta(conn, "post", invoice, NOTIFIED_META)
    assert get_option(conn, WATERMARK_OPTION)["post_id"] >= upload

    again = run(conn, config, now=later())

    assert (again.found, again.sent) == (0, 0)
    assert len(smtp_server.messages) == 1


def test_one_digest_covers_every_project_of_the_run(conn, site, config, smtp_server):
    first, second = site["projects"]["maya"]
    admin_note(conn, site, first)
    admin_note(conn, site, second)

    run(conn, config, now=later())

    (mail,) = smtp_server.wait_for(1)
    assert mail.message["Subject"] == "Northwind Studio: new in 2 of your projects"
    assert "Portfolio website" in mail.text and "Brand refresh" in mail.text


def test_each_user_gets_the_digest_in_their_wordpress_language(
    app, conn, site, config, smtp_server
):
    update_meta(conn, "user", site["maya"], "locale", "de_DE")
    first, second = site["projects"]["maya"]
    admin_note(conn, site, first)
    admin_file(conn, site, first, "Plan v2")
    document(conn, site, first, "maya")
    document(conn, site, second, "maya", path="estimate", num="Est-12")
    admin_note(conn, site, site["projects"]["acme"][0])

    with app.app_context():
        report = run(conn, config, now=later())

    assert report.ok, report.errors
    mails = {mail.recipients[0]: mail for mail in smtp_server.wait_for(3)}
    german = mails["maya@example.com"]
    assert german.message["Subject"] == "Northwind Studio: Neues in 2 Ihrer Projekte"
    assert german.text.startswith("Hallo Maya Chen,")
    assert "Neu in Ihrem Kundenportal bei Northwind Studio:" in german.text
    assert "- Neue Notiz von Nora Lind" in german.text
    assert "- Neue Datei: Plan v2" in german.text
    assert "- Neue Rechnung Inv-900" in german.text
    assert "- Neues Angebot Est-12" in german.text
    settings = f"{PORTAL}/projects/{first}#settings"
    assert f"E-Mail-Einstellungen für dieses Projekt: {settings}" in german.text
    assert '<html lang="de-DE">' in german.html
    assert "New " not in german.text

    english = mails["billing@acme.example"]
    assert english.message["Subject"].endswith(": new in Robot fleet dashboard")
    assert "- New note by Nora Lind" in english.text
    assert "Email settings for this project" in english.text
    assert '<html lang="en">' in english.html


def test_a_user_without_a_language_gets_the_sites(app, conn, site, config, smtp_server):
    update_option(conn, "WPLANG", "de_DE")
    update_meta(conn, "user", site["jonas"], "locale", "en_US")
    admin_note(conn, site, site["projects"]["acme"][0])

    with app.app_context():
        run(conn, config, now=later())

    mails = {mail.recipients[0]: mail for mail in smtp_server.wait_for(2)}
    assert "Neue Notiz von Nora Lind" in mails["billing@acme.example"].text
    assert "New note by Nora Lind" in mails["jonas@acme.example"].text


def test_opted_out_kinds_are_not_sent(conn, site, config, smtp_server):
    first, second = site["projects"]["maya"]
    save_notification_choices(conn, site["maya"], first, ["file"])
    save_notification_choices(conn, site["maya"], second, [])
    admin_note(conn, site, first)
    upload = admin_file(conn, site, first, "Wanted")
    document(conn, site, first, "maya")
    admin_note(conn, site, second)
    admin_file(conn, site, second, "Not wanted")

    run(conn, config, now=later())

    (mail,) = smtp_server.wait_for(1)
    assert links(mail) == [
        f"{PORTAL}/projects/{first}#file-{upload}",
        f"{PORTAL}/projects/{first}#settings",
    ]


def test_a_clients_own_note_does_not_mail_them(conn, site, config, smtp_server):
    add_note(
        conn,
        project_id=site["projects"]["maya"][0],
        author_id=site["maya"],
        text="My own note",
    )
    acme_project = site["projects"]["acme"][0]
    add_link(
        conn,
        project_id=acme_project,
        author_id=site["jonas"],
        url="https://example.com/specs",
    )

    report = run(conn, config, now=later())

    # Jonas's link on his organization's project tells Acme's own user, not him.
    (mail,) = smtp_server.wait_for(1)
    assert report.sent == 1
    assert mail.recipients == ["billing@acme.example"]
    assert "New link: example.com" in mail.text


def test_an_organizations_project_mails_its_people_unless_they_may_not_see_it(
    conn, site, config, smtp_server
):
    project = site["projects"]["acme"][0]
    admin_note(conn, site, project)
    run(conn, config, now=later())
    assert to(smtp_server.wait_for(2)) == ["billing@acme.example", "jonas@acme.example"]

    update_option(conn, "wppb_org_projects_visible", "0")
    admin_note(conn, site, project)
    run(conn, config, now=later())

    assert to(smtp_server.wait_for(3)[2:]) == ["billing@acme.example"]


def test_hidden_sections_are_never_announced(conn, site, config, smtp_server):
    project = site["projects"]["maya"][0]
    hidden = Access(view=False, add=False)
    set_client_permissions(conn, project, Permissions(notes=hidden, files=hidden))
    admin_note(conn, site, project)
    admin_file(conn, site, project, "Internal")
    invoice = document(conn, site, project, "maya")

    run(conn, config, now=later())

    (mail,) = smtp_server.wait_for(1)
    assert links(mail) == [
        f"{PORTAL}/invoices/{invoice}",
        f"{PORTAL}/projects/{project}#settings",
    ]


def test_a_document_for_another_client_is_not_announced(
    conn, site, config, smtp_server
):
    document(conn, site, site["projects"]["maya"][0], "lena")

    assert run(conn, config, now=later()).sent == 0
    assert smtp_server.messages == []


def test_a_draft_is_announced_once_when_it_is_sent(conn, site, config, smtp_server):
    project = site["projects"]["maya"][1]
    estimate = document(
        conn, site, project, "maya", path="estimate", status="draft", num="Est-77"
    )
    assert run(conn, config, now=later()).sent == 0

    update_meta(conn, "post", estimate, "status", "sent")
    assert run(conn, config, now=later()).sent == 1
    update_meta(conn, "post", estimate, "status", "viewed")
    assert run(conn, config, now=later()).sent == 0

    (mail,) = smtp_server.wait_for(1)
    assert "New estimate Est-77" in mail.text
    assert f"{PORTAL}/estimates/{estimate}" in links(mail)


def test_a_demo_draft_made_before_the_first_run_is_announced_when_sent(
    conn, demo, site, config, smtp_server
):
    draft = demo.invoices["maya"][0]  # a draft of the demo, not on a project
    project = site["projects"]["maya"][0]
    update_meta(conn, "post", draft, "module_id", project)
    update_meta(conn, "post", draft, "status", "sent")

    run(conn, config, now=later())

    (mail,) = smtp_server.wait_for(1)
    assert f"{PORTAL}/invoices/{draft}" in links(mail)


def test_no_mail_without_portal_access(conn, site, config, smtp_server):
    update_meta(conn, "user", site["maya"], "ndpv_client_portal", False)
    admin_note(conn, site, site["projects"]["maya"][0])
    admin_note(conn, site, site["projects"]["lena"][0])  # access off in the demo

    report = run(conn, config, now=later())

    assert (report.found, report.sent) == (2, 0)
    assert smtp_server.messages == []


def test_a_record_still_being_written_waits_for_the_next_run(
    conn, site, config, smtp_server
):
    admin_note(conn, site, site["projects"]["maya"][0])

    assert run(conn, config).found == 0
    assert run(conn, config, now=later()).sent == 1


# -- failures and concurrency --------------------------------------------------------


def test_a_failed_send_is_logged_and_sent_by_the_next_run(
    conn, site, config, app_config, smtp_server, caplog
):
    project = site["projects"]["maya"][0]
    note = admin_note(conn, site, project)
    down = settings_for(app_config, closed_port_url())

    with caplog.at_level(logging.WARNING, logger="bridge.notify"):
        report = run(conn, down, now=later())

    assert not report.ok and report.failed == 1
    assert "kept for the next run" in report.summary()
    assert "the email to user" in caplog.text and "cannot send mail" in caplog.text
    assert get_meta(conn, "user", site["maya"], PENDING_META)["items"]

    invoice = document(conn, site, project, "maya")
    report = run(conn, config, now=later())

    assert report.ok and report.sent == 1
    (mail,) = smtp_server.wait_for(1)
    assert f"{PORTAL}/projects/{project}#note-{note}" in links(mail)
    assert f"{PORTAL}/invoices/{invoice}" in links(mail)
    assert get_meta(conn, "user", site["maya"], PENDING_META) is None
    assert run(conn, config, now=later()).sent == 0


def test_a_refused_address_does_not_hold_back_the_others(
    conn, site, config, smtp_server
):
    smtp_server.refuse.add("jonas@acme.example")
    admin_note(conn, site, site["projects"]["acme"][0])

    assert run(conn, config, now=later()).failed == 1
    assert to(smtp_server.wait_for(1)) == ["billing@acme.example"]

    smtp_server.refuse.clear()
    assert run(conn, config, now=later()).sent == 1
    assert to(smtp_server.wait_for(2)[1:]) == ["jonas@acme.example"]
    assert run(conn, config, now=later()).sent == 0


def test_a_digest_undeliverable_for_days_is_given_up(conn, site, app_config, caplog):
    note = admin_note(conn, site, site["projects"]["maya"][0])
    since = (utc_now() - timedelta(days=4)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    update_meta(
        conn, "user", site["maya"], PENDING_META, {"items": [note], "since": since}
    )
    down = settings_for(app_config, closed_port_url())

    with caplog.at_level(logging.ERROR, logger="bridge.notify"):
        assert run(conn, down, now=later()).failed == 1

    assert "giving up the email to user" in caplog.text
    assert get_meta(conn, "user", site["maya"], PENDING_META) is None


def test_concurrent_runs_send_each_digest_once(
    conn, database, site, config, smtp_server
):
    admin_note(conn, site, site["projects"]["maya"][0])
    reports: list[Any] = []

    def one_run() -> None:
        with Database(database.url).connect() as own:
            reports.append(run(own, config, now=later()))

    threads = [threading.Thread(target=one_run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert len(reports) == 4 and all(report.ok for report in reports)
    assert sum(report.sent for report in reports) == 1
    assert len(smtp_server.wait_for(1)) == 1


def test_a_run_waits_for_a_live_lock_and_takes_over_a_stale_one(
    conn, database, site, config, smtp_server
):
    admin_note(conn, site, site["projects"]["maya"][0])
    with Database(database.url).connect() as other:
        holder = RunLock(other)
        assert holder.acquire()
        report = run(conn, config, now=later())
        assert report.busy and report.ok
        assert "another notify run" in report.summary()
        holder.release()

    update_option(conn, LOCK_OPTION, "1000:abandoned", autoload=False)
    assert run(conn, config, now=later()).sent == 1
    assert get_option(conn, LOCK_OPTION) is None


def test_the_queries_do_not_grow_with_the_records(
    conn, site, config, smtp_server, monkeypatch
):
    project = site["projects"]["maya"][0]

    def count(records: int) -> int:
        for n in range(records):
            admin_note(conn, site, project)
            admin_file(conn, site, project, f"File {n}")
            document(conn, site, project, "maya", num=f"Inv-{n}")
        with counting_queries(monkeypatch) as counter:
            run(conn, config, now=later())
        return counter.count

    assert count(1) == count(8)


# -- the command line ----------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, database_url, smtp_server):
    for name, value in {
        "BRIDGE_DATABASE_URL": database_url,
        "BRIDGE_SECRET": TEST_SECRET,
        "BRIDGE_SITE_URL": SITE_URL,
        "BRIDGE_SMTP_URL": smtp_server.url,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("BRIDGE_WP_CONFIG", raising=False)


def test_the_command_line(cli_env, conn, demo, smtp_server, monkeypatch, capsys):
    from bridge.cli import main

    assert main(["notify"]) == 0
    assert "first run: watermark set at post" in capsys.readouterr().out

    project = demo.projects["maya"][0]
    admin = user_id_of(conn, "admin")
    add_note(
        conn,
        project_id=project,
        author_id=admin,
        text="Older than a minute",
        now=utc_now() - timedelta(minutes=5),
    )
    assert main(["notify"]) == 0
    assert capsys.readouterr().out == "1 new record; 1 email sent\n"
    smtp_server.wait_for(1)

    assert main(["notify", "--quiet"]) == 0
    assert capsys.readouterr().out == ""

    monkeypatch.setenv("BRIDGE_SMTP_URL", closed_port_url())
    add_note(
        conn,
        project_id=project,
        author_id=admin,
        text="Again",
        now=utc_now() - timedelta(minutes=5),
    )
    assert main(["notify", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "1 failed and kept for the next run" in captured.out
    assert "portal-bridge: user" in captured.err
    assert "cannot send mail through 127.0.0.1" in captured.err


def test_the_command_line_writes_in_the_users_language(
    cli_env, conn, demo, smtp_server, capsys
):
    from bridge.cli import main

    assert main(["notify"]) == 0
    maya = user_id_of(conn, "maya@example.com")
    update_meta(conn, "user", maya, "locale", "de_DE")
    add_note(
        conn,
        project_id=demo.projects["maya"][0],
        author_id=user_id_of(conn, "admin"),
        text="Older than a minute",
        now=utc_now() - timedelta(minutes=5),
    )

    assert main(["notify", "--quiet"]) == 0

    (mail,) = smtp_server.wait_for(1)
    assert mail.message["Subject"] == "Northwind Studio: Neues in Portfolio website"
    assert "Neue Notiz von Nora Lind" in mail.text
