"""The project pages of the portal, for every demo client, on SQLite and MariaDB."""

from __future__ import annotations

import io
import re
import struct
import zlib
from pathlib import Path

import pytest
from portal_support import (
    PORTAL_CLIENTS,
    PREFIX,
    client_for,
    counting_queries,
    csrf_token_of,
    log_in,
)

from bridge.crm.files import list_files
from bridge.crm.notes import add_note
from bridge.crm.projects import PERMISSIONS_META
from bridge.crm.tasks import add_task, list_tasks, task_statuses, task_types
from bridge.wp.meta import get_meta, get_metas, update_meta
from bridge.wp.options import update_option
from bridge.wp.posts import get_post

pytest_plugins = ("portal_fixtures",)

VISIBLE = {"maya": ("maya",), "acme": ("acme",), "jonas": ("jonas", "acme")}


def text(response) -> str:
    return response.get_data(as_text=True)


def png(width: int = 4, height: int = 4) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def user_id_of(conn, login: str) -> int:
    return int(conn.scalar("SELECT ID FROM {users} WHERE user_login = %s", (login,)))


def row_count(conn) -> tuple[int, int]:
    return (
        conn.scalar("SELECT COUNT(*) FROM {posts}"),
        conn.scalar("SELECT COUNT(*) FROM {postmeta}"),
    )


def files_under(path: Path) -> set[Path]:
    return {p for p in path.rglob("*") if p.is_file()} if path.exists() else set()


def own_projects(demo, key):
    return [pid for owner in VISIBLE[key] for pid in demo.projects[owner]]


def foreign_projects(demo, key):
    mine = set(own_projects(demo, key))
    return [pid for ids in demo.projects.values() for pid in ids if pid not in mine]


@pytest.fixture
def uploads(app_config) -> Path:
    return Path(app_config["BRIDGE_UPLOADS_DIR"])


@pytest.fixture
def maya(portal, demo):
    return client_for(portal, demo, "maya")


def upload(http, project_id, name, data, **extra):
    return http.post(
        f"{PREFIX}/projects/{project_id}/files",
        data={"kind": "file", "file": (io.BytesIO(data), name), **extra},
        content_type="multipart/form-data",
    )


# -- every page, every client ------------------------------------------------------


@pytest.mark.parametrize("key", PORTAL_CLIENTS)
def test_every_project_page_of_every_client(portal, demo, conn, key):
    http = client_for(portal, demo, key)

    listing = http.get(f"{PREFIX}/projects")
    assert listing.status_code == 200
    for project_id in own_projects(demo, key):
        assert f'href="{PREFIX}/projects/{project_id}"' in text(listing)
    for project_id in foreign_projects(demo, key):
        assert f'href="{PREFIX}/projects/{project_id}"' not in text(listing)

    for project_id in own_projects(demo, key):
        page = http.get(f"{PREFIX}/projects/{project_id}")
        assert page.status_code == 200
        html = text(page)
        title = get_post(conn, project_id)["post_title"]
        assert title in html
        for section in ("tasks", "notes", "files", "money", "activity", "settings"):
            assert f'id="{section}"' in html
        for task in list_tasks(conn, project_id).items:
            assert task.title in html
        for item in list_files(conn, project_id).items:
            if not item.is_link:
                download = http.get(f"{PREFIX}/files/{item.id}")
                assert download.status_code == 200
                assert download.headers["Content-Disposition"].startswith("attachment")
                assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_a_client_with_portal_access_off_sees_no_projects(portal, demo):
    http = portal.test_client()
    log_in(http, demo, "lena")

    assert http.get(f"{PREFIX}/projects").status_code == 403
    assert http.get(f"{PREFIX}/projects/{demo.projects['lena'][0]}").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(portal, demo):
    response = portal.test_client().get(f"{PREFIX}/projects")

    assert response.status_code in (302, 303)
    assert "login" in response.headers["Location"]


def test_the_organizations_projects_can_be_hidden_from_its_people(portal, demo, conn):
    update_option(conn, "wppb_org_projects_visible", "0")
    http = client_for(portal, demo, "jonas")

    listing = text(http.get(f"{PREFIX}/projects"))

    assert f'href="{PREFIX}/projects/{demo.projects["jonas"][0]}"' in listing
    acme_project = demo.projects["acme"][0]
    assert f'href="{PREFIX}/projects/{acme_project}"' not in listing
    assert http.get(f"{PREFIX}/projects/{acme_project}").status_code == 404


def test_the_project_page_shows_overview_documents_and_totals(maya, demo, conn):
    project_id = demo.projects["maya"][1]

    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))

    assert "Brand refresh" in html
    assert "Completed" in html and "Branding" in html
    assert "$7,300.00" in html
    for doc_id in demo.estimates["maya"] + demo.invoices["maya"]:
        number = get_meta(conn, "post", doc_id, "num")
        on_project = get_meta(conn, "post", doc_id, "module_id") == str(project_id)
        draft = get_meta(conn, "post", doc_id, "status") == "draft"
        shown = re.search(rf">{re.escape(number)}<", html) is not None
        assert shown == (on_project and not draft), number
    assert "Invoiced" in html and "Paid" in html


# -- the 404 matrix -------------------------------------------------------------------


@pytest.mark.parametrize("key", PORTAL_CLIENTS)
def test_foreign_and_missing_projects_are_404_everywhere(portal, demo, conn, key):
    http = client_for(portal, demo, key)
    before = row_count(conn)

    for project_id in [*foreign_projects(demo, key), 999_999, demo.clients["maya"]]:
        base = f"{PREFIX}/projects/{project_id}"
        assert http.get(base).status_code == 404, base
        task = list_tasks(conn, project_id).items
        task_id = task[0].id if task else 1
        posts = {
            f"{base}/tasks": {"title": "x", "type_id": task_types(conn)[0].id},
            f"{base}/tasks/{task_id}/status": {"status_id": "1"},
            f"{base}/notes": {"text": "x"},
            f"{base}/files": {"kind": "link", "url": "https://x.example"},
            f"{base}/settings": {"notify_note": "1"},
        }
        for url, data in posts.items():
            assert http.post(url, data=data).status_code == 404, url
        for item in list_files(conn, project_id).items:
            assert http.get(f"{PREFIX}/files/{item.id}").status_code == 404

    assert row_count(conn) == before


def test_tasks_notes_and_files_of_other_projects_are_404(maya, demo, conn):
    mine = demo.projects["maya"][0]
    foreign_task = list_tasks(conn, demo.projects["acme"][0]).items[0]
    sibling_task = list_tasks(conn, demo.projects["maya"][1]).items[0]

    for task_id in (foreign_task.id, sibling_task.id, 999_999):
        response = maya.post(
            f"{PREFIX}/projects/{mine}/tasks/{task_id}/status",
            data={"status_id": task_statuses(conn)[0].id},
        )
        assert response.status_code == 404
    for item_id in (mine, foreign_task.id, 999_999):
        # Ids of other kinds of posts are no files either.
        assert maya.get(f"{PREFIX}/files/{item_id}").status_code == 404


def test_page_numbers_out_of_range_are_harmless(maya, demo):
    project_id = demo.projects["maya"][0]

    for query in ("page=-3", "page=99999999999999999999999", "page=x"):
        assert maya.get(f"{PREFIX}/projects?{query}").status_code == 200
    for arg in ("tasks_page", "notes_page", "files_page", "activity_page"):
        url = f"{PREFIX}/projects/{project_id}?{arg}=99999999999999999999999"
        assert maya.get(url).status_code == 200


@pytest.mark.parametrize(
    "template",
    [
        "{prefix}/files/{path}",
        "{prefix}/files/{name}",
        "{prefix}/uploads/{path}",
        "{prefix}/files/..%2F..%2F{path}",
        "{prefix}/files/%2e%2e/%2e%2e/uploads/{path}",
        "{prefix}/static/../uploads/{path}",
        "{prefix}/static/%2e%2e/%2e%2e/crm/files.py",
        "/wp-content/uploads/{path}",
        "{prefix}/files/1.txt",
    ],
)
def test_files_cannot_be_fetched_by_a_guessed_path(maya, demo, conn, template):
    project_id = demo.projects["acme"][0]
    brief = next(f for f in list_files(conn, project_id).items if not f.is_link)
    path = get_meta(conn, "post", brief.attachment_id, "_wp_attached_file")
    url = template.format(prefix=PREFIX, path=path, name=path.rsplit("/", 1)[-1])

    response = maya.get(url)

    assert response.status_code == 404
    assert b"Project brief" not in response.data


def test_another_clients_file_by_id_is_404(maya, demo, conn):
    for owner in ("acme", "jonas", "lena"):
        for project_id in demo.projects[owner]:
            for item in list_files(conn, project_id).items:
                response = maya.get(f"{PREFIX}/files/{item.id}")
                assert response.status_code == 404
                assert b"Project brief" not in response.data


# -- tasks ---------------------------------------------------------------------------


def test_a_client_adds_a_task(maya, demo, conn):
    project_id = demo.projects["maya"][0]
    meeting = next(t for t in task_types(conn) if t.name == "Meeting")

    response = maya.post(
        f"{PREFIX}/projects/{project_id}/tasks",
        data={
            "title": "Walk through the prototype",
            "type_id": meeting.id,
            "due_date": "2030-05-06",
            "description": "Bring the phone build.",
        },
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/projects/{project_id}#tasks")
    task = list_tasks(conn, project_id).items[0]
    assert task.title == "Walk through the prototype"
    assert task.author_id == user_id_of(conn, "maya@example.com")
    assert (task.type.name, task.status.name, task.priority.name) == (
        "Meeting",
        "Todo",
        "Medium",
    )
    assert get_meta(conn, "post", task.id, "due_date") == "2030-05-06T00:00:00.000Z"
    page = text(maya.get(f"{PREFIX}/projects/{project_id}"))
    assert "The task was added." in page
    assert "Walk through the prototype" in page
    assert "added a task" in page


def test_a_task_form_error_shows_the_form_again(maya, demo, conn):
    project_id = demo.projects["maya"][0]
    before = row_count(conn)

    response = maya.post(
        f"{PREFIX}/projects/{project_id}/tasks",
        data={"title": "Keep me", "type_id": "999999", "due_date": ""},
    )

    assert response.status_code == 400
    assert "Choose the kind of task or activity." in text(response)
    assert 'value="Keep me"' in text(response)
    assert row_count(conn) == before


def test_only_the_tasks_a_client_added_change_status(maya, demo, conn):
    project_id = demo.projects["maya"][0]
    done = next(t for t in task_statuses(conn) if t.type == "done")
    theirs = list_tasks(conn, project_id).items[0]
    mine = add_task(
        conn,
        project_id=project_id,
        author_id=user_id_of(conn, "maya@example.com"),
        title="Mine",
        type_id=task_types(conn)[0].id,
    )

    refused = maya.post(
        f"{PREFIX}/projects/{project_id}/tasks/{theirs.id}/status",
        data={"status_id": done.id},
    )
    changed = maya.post(
        f"{PREFIX}/projects/{project_id}/tasks/{mine}/status",
        data={"status_id": done.id},
    )

    assert refused.status_code == 403
    assert changed.status_code == 303
    statuses = {t.id: t.status.id for t in list_tasks(conn, project_id).items}
    assert statuses[mine] == done.id
    assert statuses[theirs.id] == theirs.status.id
    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))
    assert f'/tasks/{mine}/status"' in html
    assert f'/tasks/{theirs.id}/status"' not in html
    assert "changed a task" in html and "s status" in html


def test_a_bad_status_is_refused_with_a_message(maya, demo, conn):
    project_id = demo.projects["maya"][0]
    mine = add_task(
        conn,
        project_id=project_id,
        author_id=user_id_of(conn, "maya@example.com"),
        title="Mine",
        type_id=task_types(conn)[0].id,
    )

    response = maya.post(
        f"{PREFIX}/projects/{project_id}/tasks/{mine}/status",
        data={"status_id": "nope"},
    )

    assert response.status_code == 400
    assert "Choose one of the statuses." in text(response)


# -- notes and settings -------------------------------------------------------------


def test_a_client_adds_a_note_and_it_is_logged(maya, demo, conn):
    project_id = demo.projects["maya"][0]

    response = maya.post(
        f"{PREFIX}/projects/{project_id}/notes",
        data={"text": "Please use the <b>new</b> logo."},
    )

    assert response.status_code == 303
    note = conn.query_one(
        "SELECT ID, post_content, post_author FROM {posts} WHERE post_type = "
        "'ndpv_note' ORDER BY ID DESC LIMIT 1"
    )
    assert note["post_content"] == "Please use the new logo."
    assert int(note["post_author"]) == user_id_of(conn, "maya@example.com")
    assert get_meta(conn, "post", note["ID"], "tab_id") == str(project_id)
    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))
    assert "Please use the new logo." in html
    assert "added a note" in html
    assert "127.0.0.1" not in html  # clients do not see addresses


def test_an_empty_note_is_refused(maya, demo, conn):
    before = row_count(conn)

    response = maya.post(
        f"{PREFIX}/projects/{demo.projects['maya'][0]}/notes", data={"text": "  "}
    )

    assert response.status_code == 400
    assert "Write something in the note." in text(response)
    assert row_count(conn) == before


def test_email_choices_are_saved_per_project(maya, demo, conn):
    project_id = demo.projects["maya"][0]
    user = user_id_of(conn, "maya@example.com")

    response = maya.post(
        f"{PREFIX}/projects/{project_id}/settings", data={"notify_file": "1"}
    )

    assert response.status_code == 303
    assert get_meta(conn, "user", user, f"wppb_project_notify_{project_id}") == {
        "note": False,
        "file": True,
        "document": False,
    }
    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))
    assert re.search(r'name="notify_file" value="1" checked', html)
    assert not re.search(r'name="notify_note" value="1" checked', html)
    assert "changed email choices" in html


def test_the_activity_log_is_newest_first(maya, demo, conn):
    project_id = demo.projects["maya"][0]
    for text_ in ("first note", "second note"):
        maya.post(f"{PREFIX}/projects/{project_id}/notes", data={"text": text_})

    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))
    log = html[html.index('id="activity"') :]

    assert log.index("second note") < log.index("first note")


# -- what the admin allows ----------------------------------------------------------


def test_hidden_sections_are_not_shown_and_answer_404(maya, demo, conn):
    project_id = demo.projects["maya"][0]
    maya.post(f"{PREFIX}/projects/{project_id}/notes", data={"text": "secret plan"})
    maya.post(f"{PREFIX}/projects/{project_id}/settings", data={"notify_note": "1"})
    update_meta(
        conn,
        "post",
        project_id,
        PERMISSIONS_META,
        {"tasks": {"view": 0}, "notes": {"view": 0}, "files": {"view": 0}},
    )
    brief = next(f for f in list_files(conn, project_id).items if not f.is_link)

    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))

    for section in ("tasks", "notes", "files"):
        assert f'id="{section}"' not in html
    assert "Collect content" not in html
    # Nor does the activity log tell what a hidden section holds.
    assert "secret plan" not in html
    assert "changed email choices" in html
    assert maya.get(f"{PREFIX}/files/{brief.id}").status_code == 404
    assert (
        maya.post(f"{PREFIX}/projects/{project_id}/notes", data={"text": "x"})
    ).status_code == 404
    assert upload(maya, project_id, "a.txt", b"words").status_code == 404


def test_sections_can_be_read_only(maya, demo, conn, uploads):
    project_id = demo.projects["maya"][0]
    update_meta(
        conn,
        "post",
        project_id,
        PERMISSIONS_META,
        {
            "tasks": {"view": 1, "add": 0},
            "notes": {"view": 1, "add": 0},
            "files": {"view": 1, "add": 0},
        },
    )
    before = row_count(conn)
    before_files = files_under(uploads)

    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))

    assert 'id="tasks"' in html and 'id="task-form"' not in html
    assert 'id="note-form"' not in html and 'id="file-form"' not in html
    task_type = task_types(conn)[0].id
    for response in (
        maya.post(
            f"{PREFIX}/projects/{project_id}/tasks",
            data={"title": "x", "type_id": task_type},
        ),
        maya.post(f"{PREFIX}/projects/{project_id}/notes", data={"text": "x"}),
        upload(maya, project_id, "a.txt", b"words"),
    ):
        assert response.status_code == 403
    assert row_count(conn) == before
    assert files_under(uploads) == before_files


# -- the administrator's read-only look ---------------------------------------------


def test_an_admin_reads_a_clients_project_but_cannot_change_it(portal, demo, conn):
    maya = client_for(portal, demo, "maya")
    project_id = demo.projects["maya"][0]
    maya.post(f"{PREFIX}/projects/{project_id}/notes", data={"text": "hello"})
    admin = client_for(portal, demo, "admin")
    admin.get(f"{PREFIX}/choose-client?client={demo.clients['maya']}")
    before = row_count(conn)

    page = admin.get(f"{PREFIX}/projects/{project_id}")

    assert page.status_code == 200
    html = text(page)
    assert 'id="note-form"' not in html and 'id="task-form"' not in html
    assert "added a note" in html and "127.0.0.1" in html
    refused = admin.post(f"{PREFIX}/projects/{project_id}/notes", data={"text": "x"})
    assert refused.status_code == 403
    assert row_count(conn) == before


# -- uploads and downloads ---------------------------------------------------------


def test_a_client_uploads_a_file_and_downloads_it_as_an_attachment(
    maya, demo, conn, uploads
):
    project_id = demo.projects["maya"][0]
    data = png()

    response = upload(maya, project_id, "Mood board.png", data, title="Moods")

    assert response.status_code == 303
    item = list_files(conn, project_id).items[0]
    assert item.title == "Moods"
    attachment = get_post(conn, item.attachment_id, "attachment")
    assert attachment["post_status"] == "inherit"
    assert int(attachment["post_parent"]) == project_id
    attached = get_meta(conn, "post", item.attachment_id, "_wp_attached_file")
    assert re.fullmatch(r"\d{4}/\d{2}/Mood-board\.png", attached)
    assert (uploads / attached).read_bytes() == data
    assert attachment["guid"] == f"http://portal.test/wp-content/uploads/{attached}"

    download = maya.get(f"{PREFIX}/files/{item.id}")
    assert download.status_code == 200
    assert download.data == data
    assert download.mimetype == "image/png"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "Mood board.png" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))
    assert "uploaded a file" in html and "Moods" in html


def test_a_client_adds_a_link(maya, demo, conn):
    project_id = demo.projects["maya"][0]

    response = maya.post(
        f"{PREFIX}/projects/{project_id}/files",
        data={"kind": "link", "url": "https://docs.example/spec", "title": "Spec"},
    )
    refused = maya.post(
        f"{PREFIX}/projects/{project_id}/files",
        data={"kind": "link", "url": "javascript:alert(1)"},
    )

    assert response.status_code == 303
    assert refused.status_code == 400
    assert "web address" in text(refused)
    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))
    assert 'href="https://docs.example/spec"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "javascript:" not in html


def test_an_html_file_already_on_the_site_downloads_and_never_renders(
    maya, demo, conn, uploads
):
    project_id = demo.projects["maya"][0]
    brief = next(f for f in list_files(conn, project_id).items if not f.is_link)
    (uploads / "2020").mkdir(parents=True)
    (uploads / "2020" / "page.html").write_text("<script>alert(1)</script>")
    update_meta(
        conn, "post", brief.attachment_id, "_wp_attached_file", "2020/page.html"
    )

    response = maya.get(f"{PREFIX}/files/{brief.id}")

    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_a_stored_path_outside_uploads_is_404(maya, demo, conn, uploads):
    project_id = demo.projects["maya"][0]
    brief = next(f for f in list_files(conn, project_id).items if not f.is_link)
    for attached in ("../../../etc/passwd", "/etc/passwd", "2020/missing.txt"):
        update_meta(conn, "post", brief.attachment_id, "_wp_attached_file", attached)
        assert maya.get(f"{PREFIX}/files/{brief.id}").status_code == 404


REFUSED = [
    ("../../x.php", b"<?php echo 1;", "plain name"),
    ("C:\\evil\\a.png", png(), "plain name"),
    ("shell.php", b"<?php echo 1;", "cannot be uploaded"),
    ("page.html", b"<html><body>x</body></html>", "cannot be uploaded"),
    ("drawing.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "cannot be uploaded"),
    ("photo.png", b"<?php system($_GET['c']); ?>", "PHP"),
    ("photo.jpg", b"<svg onload=alert(1)>", "SVG"),
    ("photo.gif", b"GIF89a<html><script>alert(1)</script>", "web page"),
    ("report.pdf", b"%PDF-1.4 <script>alert(1)</script>", "script"),
    ("notes.txt", b"<!doctype html><title>x</title>", "web page"),
    ("photo.png", b"plain text, not an image", "does not match"),
]


@pytest.mark.parametrize(("name", "data", "message"), REFUSED)
def test_refused_uploads_say_why_and_write_nothing(
    maya, demo, conn, uploads, name, data, message
):
    project_id = demo.projects["maya"][0]
    before = row_count(conn)
    before_files = files_under(uploads)

    response = upload(maya, project_id, name, data)

    assert response.status_code == 400
    assert message in text(response)
    assert 'id="file-error"' in text(response)
    assert row_count(conn) == before
    assert files_under(uploads) == before_files


@pytest.fixture
def small_limit_portal(app_config, demo):
    from bridge import create_app

    return create_app(
        {**app_config, "BRIDGE_UPLOAD_LIMIT": "2048", "WTF_CSRF_ENABLED": False}
    )


def test_an_upload_over_the_limit_is_refused(small_limit_portal, demo, conn, uploads):
    http = client_for(small_limit_portal, demo, "maya")
    project_id = demo.projects["maya"][0]
    before = row_count(conn)
    before_files = files_under(uploads)

    response = upload(http, project_id, "big.txt", b"a" * 4096)

    assert response.status_code == 400
    assert "too big" in text(response)
    assert row_count(conn) == before
    assert files_under(uploads) == before_files


def test_a_body_far_over_the_limit_is_refused_before_reading(
    small_limit_portal, demo, conn, uploads
):
    http = client_for(small_limit_portal, demo, "maya")
    project_id = demo.projects["maya"][0]
    before = row_count(conn)
    before_files = files_under(uploads)

    response = upload(http, project_id, "huge.txt", b"a" * (2 * 1024 * 1024))

    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/projects/{project_id}#files")
    follow = http.get(response.headers["Location"].split("#")[0])
    assert "too big" in text(follow)
    assert row_count(conn) == before
    assert files_under(uploads) == before_files


# -- CSRF -----------------------------------------------------------------------------


@pytest.fixture
def csrf_portal(app_config, demo):
    from bridge import create_app

    return create_app(app_config)


def test_every_post_needs_the_csrf_token(csrf_portal, demo, conn, uploads):
    http = csrf_portal.test_client()
    login_page = http.get(f"{PREFIX}/login")
    log_in(http, demo, "maya", csrf_token_of(text(login_page)))
    project_id = demo.projects["maya"][0]
    base = f"{PREFIX}/projects/{project_id}"
    before = row_count(conn)
    before_files = files_under(uploads)

    for url, data in (
        (f"{base}/tasks", {"title": "x", "type_id": task_types(conn)[0].id}),
        (f"{base}/notes", {"text": "x"}),
        (f"{base}/files", {"kind": "link", "url": "https://x.example"}),
        (f"{base}/files", {"kind": "file", "file": (io.BytesIO(b"hi"), "a.txt")}),
        (f"{base}/settings", {"notify_note": "1"}),
    ):
        response = http.post(url, data=data)
        assert response.status_code == 400, url

    assert row_count(conn) == before
    assert files_under(uploads) == before_files
    page = text(http.get(base))
    ok = http.post(
        f"{base}/notes", data={"text": "with token", "csrf_token": csrf_token_of(page)}
    )
    assert ok.status_code == 303


# -- a fixed number of queries ------------------------------------------------------


def test_pages_cost_the_same_queries_whatever_the_record_count(
    maya, demo, conn, monkeypatch
):
    project_id = demo.projects["maya"][0]
    url = f"{PREFIX}/projects/{project_id}"
    # One record of each kind first: an empty list skips reading its meta.
    maya.post(f"{url}/notes", data={"text": "first"})
    maya.get(url)
    with counting_queries(monkeypatch) as few_page:
        assert maya.get(url).status_code == 200
    with counting_queries(monkeypatch) as few_list:
        assert maya.get(f"{PREFIX}/projects").status_code == 200

    user = user_id_of(conn, "maya@example.com")
    for n in range(8):
        add_task(
            conn,
            project_id=project_id,
            author_id=user,
            title=f"Task {n}",
            type_id=task_types(conn)[n % 3].id,
        )
        add_note(conn, project_id=project_id, author_id=user, text=f"Note {n}")
        upload(maya, project_id, f"file{n}.txt", b"words\n")
        maya.post(f"{url}/notes", data={"text": f"logged {n}"})

    with counting_queries(monkeypatch) as many_page:
        assert maya.get(url).status_code == 200
    with counting_queries(monkeypatch) as many_list:
        assert maya.get(f"{PREFIX}/projects").status_code == 200

    assert many_page.count == few_page.count
    assert many_list.count == few_list.count
    metas = get_metas(conn, "post", [project_id])
    assert metas[project_id]
