"""Projects, tasks, notes and files in the CRM's format, on SQLite and MariaDB."""

from __future__ import annotations

import io
import os
import struct
import zlib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bridge.crm import files as files_mod
from bridge.crm.files import (
    UploadRefused,
    add_link,
    download_for,
    get_file,
    list_files,
    safe_base_name,
    store_upload,
)
from bridge.crm.notes import add_note, list_notes
from bridge.crm.projects import (
    ORG_PROJECTS_OPTION,
    PERMISSIONS_META,
    Access,
    ProjectError,
    get_project,
    iso_date,
    list_projects,
    notification_choices,
    parse_date,
    parse_permissions,
    project_documents,
    project_scope,
    save_notification_choices,
    task_counts,
)
from bridge.crm.tasks import (
    add_task,
    get_task,
    list_tasks,
    set_task_status,
    task_statuses,
    task_types,
)
from bridge.wp.meta import get_meta, get_metas, update_meta
from bridge.wp.options import update_option
from bridge.wp.posts import get_post, insert_post
from bridge.wp.terms import object_terms
from wp_schema.demo import load_demo

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def demo(conn, uploads):
    return load_demo(conn, uploads)


def scope_of(conn, demo, key):
    kind = "org" if key == "acme" else "person"
    org = demo.clients["acme"] if key == "jonas" else 0
    return project_scope(conn, demo.clients[key], kind, org)


def png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def row_count(conn) -> tuple[int, int]:
    return (
        conn.scalar("SELECT COUNT(*) FROM {posts}"),
        conn.scalar("SELECT COUNT(*) FROM {postmeta}"),
    )


def files_under(path: Path) -> set[Path]:
    return {p for p in path.rglob("*") if p.is_file()} if path.exists() else set()


class QueryCounter:
    def __init__(self, conn) -> None:
        self.conn = conn
        self.count = 0

    def __enter__(self):
        original = self.conn._run

        def counting(sql, params):
            self.count += 1
            return original(sql, params)

        self.conn._run = counting
        return self

    def __exit__(self, *exc):
        del self.conn._run


# -- who sees which projects -------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("maya", ["maya"]),
        ("acme", ["acme"]),
        ("jonas", ["jonas", "acme"]),
        ("lena", ["lena"]),
    ],
)
def test_each_client_sees_its_own_projects(conn, demo, key, expected):
    page = list_projects(conn, scope_of(conn, demo, key))

    wanted = {pid for owner in expected for pid in demo.projects[owner]}
    assert {project.id for project in page.items} == wanted
    assert page.total == len(wanted)


def test_the_admin_can_hide_an_organizations_projects_from_its_people(conn, demo):
    update_option(conn, ORG_PROJECTS_OPTION, "0")

    page = list_projects(conn, scope_of(conn, demo, "jonas"))

    assert [project.id for project in page.items] == demo.projects["jonas"]


def test_a_person_does_not_see_projects_of_an_org_it_does_not_belong_to(conn, demo):
    scope = project_scope(conn, demo.clients["maya"], "person", 0)

    assert get_project(conn, scope, demo.projects["acme"][0]) is None


def test_project_overview_reads_status_tags_dates_budget_and_progress(conn, demo):
    scope = scope_of(conn, demo, "maya")
    project = get_project(conn, scope, demo.projects["maya"][0])

    assert project.title == "Portfolio website"
    assert "scope, milestones" in project.description
    assert project.status.name == "In Progress"
    assert project.tags == ["Website"]
    assert project.budget == Decimal("4800")
    assert project.currency == "USD"
    assert project.start_date is not None and project.due_date is not None
    # The demo gives every project four tasks, one of them done.
    assert (project.tasks_total, project.tasks_done, project.progress) == (4, 1, 25)

    completed = get_project(conn, scope, demo.projects["maya"][1])
    assert completed.is_completed


@pytest.mark.parametrize("owner", ["acme", "lena"])
def test_another_clients_project_is_not_found(conn, demo, owner):
    scope = scope_of(conn, demo, "maya")

    assert get_project(conn, scope, demo.projects[owner][0]) is None


def test_ids_that_are_not_projects_are_not_found(conn, demo):
    scope = scope_of(conn, demo, "maya")
    task_id = list_tasks(conn, demo.projects["maya"][0]).items[0].id

    assert get_project(conn, scope, task_id) is None
    assert get_project(conn, scope, demo.clients["maya"]) is None
    assert get_project(conn, scope, 999_999) is None


def test_a_trashed_project_is_not_found(conn, demo):
    scope = scope_of(conn, demo, "maya")
    project_id = demo.projects["maya"][0]
    conn.execute(
        "UPDATE {posts} SET post_status = 'trash' WHERE ID = %s", (project_id,)
    )

    assert get_project(conn, scope, project_id) is None
    assert project_id not in {p.id for p in list_projects(conn, scope).items}


def test_the_projects_list_costs_the_same_queries_for_one_or_many(conn, demo):
    scope = scope_of(conn, demo, "lena")
    with QueryCounter(conn) as one:
        list_projects(conn, scope)
    for n in range(6):
        project_id = insert_post(
            conn, post_type="ndpv_project", post_title=f"Extra {n}"
        )
        update_meta(conn, "post", project_id, "person_id", demo.clients["lena"])
        add_task(
            conn,
            project_id=project_id,
            author_id=1,
            title="t",
            type_id=task_types(conn)[0].id,
        )
    with QueryCounter(conn) as many:
        page = list_projects(conn, scope)

    assert page.total == 7
    assert many.count == one.count


def test_the_projects_list_pages(conn, demo):
    scope = scope_of(conn, demo, "jonas")

    first = list_projects(conn, scope, per_page=2)
    second = list_projects(conn, scope, page=2, per_page=2)

    assert (first.total, first.pages, first.has_next) == (3, 2, True)
    assert len(first.items) == 2 and len(second.items) == 1
    assert not {p.id for p in first.items} & {p.id for p in second.items}


def test_task_counts_use_the_done_type_not_the_name(conn, demo):
    project_id = demo.projects["maya"][0]
    statuses = {term.name: term for term in task_statuses(conn)}
    task = list_tasks(conn, project_id).items[0]
    set_task_status(conn, task.id, statuses["Done"].id)

    total, done = task_counts(conn, [project_id])[project_id]

    assert total == 4
    assert done == len(
        [t for t in list_tasks(conn, project_id).items if t.status.type == "done"]
    )


# -- permissions and email choices -------------------------------------------------


def test_permissions_default_to_allowed():
    permissions = parse_permissions(None)

    for section in ("tasks", "notes", "files"):
        assert permissions[section] == Access(view=True, add=True)


def test_permissions_read_what_the_admin_stored():
    permissions = parse_permissions(
        {
            "tasks": {"view": "1", "add": "0"},
            "notes": {"view": False},
            "files": {"add": True},
        }
    )

    assert permissions.tasks == Access(view=True, add=False)
    assert permissions.notes == Access(view=False, add=False)
    assert permissions.files == Access(view=True, add=True)


def test_permissions_are_read_from_the_project_meta(conn, demo):
    project_id = demo.projects["maya"][0]
    update_meta(conn, "post", project_id, PERMISSIONS_META, {"files": {"add": 0}})

    project = get_project(conn, scope_of(conn, demo, "maya"), project_id)

    assert project.permissions.files == Access(view=True, add=False)
    assert project.permissions.notes == Access()


def test_notification_choices_are_kept_per_user_and_project(conn, demo):
    project_id = demo.projects["maya"][0]
    assert notification_choices(conn, 7, project_id) == {
        "note": True,
        "file": True,
        "document": True,
    }

    save_notification_choices(conn, 7, project_id, ["file"])

    assert notification_choices(conn, 7, project_id) == {
        "note": False,
        "file": True,
        "document": False,
    }
    assert notification_choices(conn, 7, demo.projects["maya"][1])["note"] is True
    stored = get_meta(conn, "user", 7, f"wppb_project_notify_{project_id}")
    assert stored == {"note": False, "file": True, "document": False}


# -- dates -------------------------------------------------------------------------


def test_dates_are_written_as_a_browser_writes_them():
    moment = datetime(2025, 1, 2, 3, 4, 5, 678_900, tzinfo=UTC)

    assert iso_date(moment) == "2025-01-02T03:04:05.678Z"
    assert parse_date("2025-01-02T03:04:05.678Z") == moment.replace(microsecond=678_000)
    assert parse_date("2025-01-02") == datetime(2025, 1, 2, tzinfo=UTC)
    assert parse_date("2025-01-02 10:00:00").hour == 10
    assert parse_date("2025-01-02T10:00:00+02:00").astimezone(UTC).hour == 8
    for bad in ("", None, "soon", "2025-13-40"):
        assert parse_date(bad) is None


# -- tasks -------------------------------------------------------------------------


def test_tasks_list_with_type_status_priority_and_checklist(conn, demo):
    page = list_tasks(conn, demo.projects["maya"][0])

    assert page.total == 4
    by_title = {task.title: task for task in page.items}
    content = by_title["Collect content"]
    assert (content.type.name, content.status.name, content.priority.name) == (
        "Task",
        "Done",
        "High",
    )
    assert content.is_done
    assert (content.checklist_done, content.checklist_total) == (2, 2)
    assert by_title["Launch call"].type.name == "Call"
    launch = by_title["Launch call"]
    assert (launch.checklist_done, launch.checklist_total) == (1, 2)


def test_a_new_task_is_written_as_propovoice_writes_it(conn, demo):
    project_id = demo.projects["maya"][0]
    types = {term.name: term for term in task_types(conn)}

    task_id = add_task(
        conn,
        project_id=project_id,
        author_id=42,
        title="  Call about <b>the</b> logo ",
        type_id=str(types["Meeting"].id),
        due_date="2025-04-01",
        description="Agenda:\r\n- colours\r\n- fonts",
        now=NOW,
    )

    post = get_post(conn, task_id, "ndpv_task")
    assert post["post_title"] == "Call about the logo"
    assert post["post_content"] == "Agenda:\n- colours\n- fonts"
    assert post["post_status"] == "publish"
    assert int(post["post_author"]) == 42
    meta = get_metas(conn, "post", [task_id])[task_id]
    assert meta["tab_id"] == str(project_id)
    assert meta["ws_id"] == "1"
    assert meta["start_date"] == "2025-03-14T09:30:00.000Z"
    # Midnight of the day in the site's time zone (UTC on the test site).
    assert meta["due_date"] == "2025-04-01T00:00:00.000Z"
    assert meta["note"] == ""
    assert meta["checklist"] == {}
    terms = object_terms(
        conn, [task_id], ["ndpv_task_status", "ndpv_task_type", "ndpv_task_priority"]
    )[task_id]
    assert [t["name"] for t in terms["ndpv_task_status"]] == ["Todo"]
    assert [t["name"] for t in terms["ndpv_task_type"]] == ["Meeting"]
    assert [t["name"] for t in terms["ndpv_task_priority"]] == ["Medium"]
    stored = conn.scalar(
        "SELECT meta_value FROM {postmeta} WHERE post_id = %s AND meta_key = %s",
        (task_id, "checklist"),
    )
    assert stored == "a:0:{}"


def test_a_due_date_is_midnight_in_the_sites_time_zone(conn, demo):
    update_option(conn, "timezone_string", "Europe/Berlin")

    task_id = add_task(
        conn,
        project_id=demo.projects["maya"][0],
        author_id=1,
        title="Review",
        type_id=task_types(conn)[0].id,
        due_date=date(2025, 7, 1),
        now=NOW,
    )

    assert get_meta(conn, "post", task_id, "due_date") == "2025-06-30T22:00:00.000Z"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "too long"),
        ({"type_id": "999999"}, "kind of task"),
        ({"type_id": "abc"}, "kind of task"),
        ({"due_date": "next week"}, "due date"),
        ({"description": "y" * 5001}, "too long"),
    ],
)
def test_a_task_with_bad_input_is_refused_and_not_written(conn, demo, fields, message):
    values = {
        "title": "Fine",
        "type_id": task_types(conn)[0].id,
        "due_date": "",
        "description": "",
        **fields,
    }
    before = row_count(conn)

    with pytest.raises(ProjectError, match=message):
        add_task(conn, project_id=demo.projects["maya"][0], author_id=1, **values)

    assert row_count(conn) == before


def test_a_task_status_changes(conn, demo):
    project_id = demo.projects["maya"][0]
    task_id = add_task(
        conn,
        project_id=project_id,
        author_id=1,
        title="Mine",
        type_id=task_types(conn)[0].id,
    )
    done = next(t for t in task_statuses(conn) if t.type == "done")

    set_task_status(conn, task_id, done.id)

    assert get_task(conn, project_id, task_id).status == done
    with pytest.raises(ProjectError):
        set_task_status(conn, task_id, 999_999)


def test_a_task_of_another_project_is_not_found(conn, demo):
    task = list_tasks(conn, demo.projects["acme"][0]).items[0]

    assert get_task(conn, demo.projects["maya"][0], task.id) is None
    assert get_task(conn, demo.projects["acme"][0], task.id).id == task.id


def test_the_status_terms_keep_their_counts(conn, demo):
    todo = next(t for t in task_statuses(conn) if t.name == "Todo")
    before = conn.scalar(
        "SELECT count FROM {term_taxonomy} WHERE term_id = %s", (todo.id,)
    )

    add_task(
        conn,
        project_id=demo.projects["maya"][0],
        author_id=1,
        title="Counted",
        type_id=task_types(conn)[0].id,
    )

    after = conn.scalar(
        "SELECT count FROM {term_taxonomy} WHERE term_id = %s", (todo.id,)
    )
    assert after == before + 1


# -- notes -------------------------------------------------------------------------


def test_notes_list_and_add(conn, demo):
    project_id = demo.projects["maya"][0]
    assert list_notes(conn, project_id).total == 2

    note_id = add_note(
        conn, project_id=project_id, author_id=5, text=" Hello\r\n<script>x</script>"
    )

    page = list_notes(conn, project_id)
    assert page.total == 3
    assert page.items[0].id == note_id
    assert page.items[0].text == "Hello\nx"
    meta = get_metas(conn, "post", [note_id])[note_id]
    assert meta == {"ws_id": "1", "tab_id": str(project_id)}
    assert get_post(conn, note_id, "ndpv_note")["post_status"] == "publish"


@pytest.mark.parametrize("text", ["", "   ", "z" * 5001])
def test_an_empty_or_huge_note_is_refused(conn, demo, text):
    before = row_count(conn)

    with pytest.raises(ProjectError):
        add_note(conn, project_id=demo.projects["maya"][0], author_id=1, text=text)

    assert row_count(conn) == before


# -- files and links ---------------------------------------------------------------


def test_files_list_the_demo_brief_and_link(conn, demo, uploads):
    page = list_files(conn, demo.projects["maya"][0])

    kinds = {item.type: item for item in page.items}
    assert set(kinds) == {"file", "link"}
    brief = kinds["file"]
    assert brief.title == "Project brief"
    assert brief.file_name == "brief-maya-1.txt"
    download = download_for(brief, uploads)
    assert download.path.read_bytes().startswith(b"Project brief")
    assert kinds["link"].url == "https://example.com/board"


def test_a_link_is_stored_and_only_web_addresses_are_taken(conn, demo):
    project_id = demo.projects["maya"][0]

    file_id = add_link(
        conn, project_id=project_id, author_id=3, url="https://figma.example/x"
    )

    meta = get_metas(conn, "post", [file_id])[file_id]
    assert meta["type"] == "link"
    assert meta["url"] == "https://figma.example/x"
    assert meta["title"] == "figma.example"
    assert meta["tab_id"] == str(project_id)
    assert meta["ws_id"] == "1"
    before = row_count(conn)
    for bad in (
        "javascript:alert(1)",
        "ftp://x.example/",
        "//x.example",
        "",
        "https://",
    ):
        with pytest.raises(ProjectError):
            add_link(conn, project_id=project_id, author_id=3, url=bad)
    assert row_count(conn) == before


def test_an_upload_is_stored_as_the_media_library_stores_it(conn, demo, uploads):
    project_id = demo.projects["maya"][0]
    data = png()

    stored = store_upload(
        conn,
        project_id=project_id,
        author_id=9,
        stream=io.BytesIO(data),
        filename="Logo Final.v2.png",
        uploads_dir=uploads,
        site_url="http://portal.test",
        size_limit=1024 * 1024,
        now=NOW,
    )

    assert stored.relative_path == "2025/03/Logo-Final-v2.png"
    assert (uploads / stored.relative_path).read_bytes() == data
    attachment = get_post(conn, stored.attachment_id, "attachment")
    assert attachment["post_status"] == "inherit"
    assert attachment["post_mime_type"] == "image/png"
    assert int(attachment["post_parent"]) == project_id
    assert int(attachment["post_author"]) == 9
    assert attachment["post_title"] == "Logo Final.v2"
    assert attachment["guid"] == (
        "http://portal.test/wp-content/uploads/2025/03/Logo-Final-v2.png"
    )
    meta = get_metas(conn, "post", [stored.attachment_id])[stored.attachment_id]
    assert meta["_wp_attached_file"] == "2025/03/Logo-Final-v2.png"
    assert meta["_wp_attachment_metadata"]["width"] == 3
    assert meta["_wp_attachment_metadata"]["height"] == 2
    assert meta["_wp_attachment_metadata"]["filesize"] == len(data)
    file_meta = get_metas(conn, "post", [stored.file_id])[stored.file_id]
    assert file_meta["type"] == "file"
    assert file_meta["file"] == str(stored.attachment_id)
    assert file_meta["tab_id"] == str(project_id)
    assert file_meta["ws_id"] == "1"
    assert file_meta["title"] == "Logo Final.v2"
    assert not [p for p in files_under(uploads) if p.name.endswith(".part")]

    listed = get_file(conn, stored.file_id)
    assert listed.file_name == "Logo Final.v2.png"
    assert download_for(listed, uploads).path == (uploads / stored.relative_path)


def test_the_same_name_twice_gets_a_number(conn, demo, uploads):
    names = []
    for _ in range(3):
        stored = store_upload(
            conn,
            project_id=demo.projects["maya"][0],
            author_id=9,
            stream=io.BytesIO(b"plain words\n"),
            filename="notes.txt",
            uploads_dir=uploads,
            site_url="http://portal.test",
            size_limit=1024,
            now=NOW,
        )
        names.append(stored.relative_path)

    assert names == ["2025/03/notes.txt", "2025/03/notes-1.txt", "2025/03/notes-2.txt"]


REFUSED = [
    ("../../x.php", b"<?php echo 1;", "plain name"),
    ("C:\\evil\\a.png", png(), "plain name"),
    ("/etc/passwd.txt", b"root", "plain name"),
    ("..", b"x", "plain name"),
    ("shell.php", b"<?php echo 1;", "cannot be uploaded"),
    ("page.html", b"<html></html>", "cannot be uploaded"),
    ("drawing.svg", b"<svg/>", "cannot be uploaded"),
    ("noext", b"data", "cannot be uploaded"),
    ("photo.png", b"<?php system($_GET['c']); ?>", "PHP"),
    ("photo.png", b"\x89PNG\r\n\x1a\n<?php echo 1; ?>", "PHP"),
    ("photo.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "SVG"),
    ("report.pdf", b"%PDF-1.4\n<html><body>hi</body></html>", "web page"),
    ("notes.txt", b"<!DOCTYPE html><p>hi", "web page"),
    ("notes.txt", b"hello <? passthru('id'); ?>", "PHP"),
    ("photo.png", b"GIF89a not a png", "does not match"),
    ("report.pdf", b"just words", "does not match"),
    ("notes.txt", b"\x00\x01binary", "does not match"),
    ("empty.txt", b"", "empty"),
]


@pytest.mark.parametrize(("filename", "data", "message"), REFUSED)
def test_refused_uploads_write_nothing(conn, demo, uploads, filename, data, message):
    before_rows = row_count(conn)
    before_files = files_under(uploads)

    with pytest.raises(UploadRefused, match=message):
        store_upload(
            conn,
            project_id=demo.projects["maya"][0],
            author_id=9,
            stream=io.BytesIO(data),
            filename=filename,
            uploads_dir=uploads,
            site_url="http://portal.test",
            size_limit=1024,
            now=NOW,
        )

    assert row_count(conn) == before_rows
    assert files_under(uploads) == before_files
    assert not (uploads / "2025").exists()


def test_a_too_big_upload_is_refused_before_anything_is_written(conn, demo, uploads):
    before = row_count(conn)

    with pytest.raises(UploadRefused, match="too big"):
        store_upload(
            conn,
            project_id=demo.projects["maya"][0],
            author_id=9,
            stream=io.BytesIO(b"a" * 2049),
            filename="big.txt",
            uploads_dir=uploads,
            site_url="http://portal.test",
            size_limit=2048,
            now=NOW,
        )

    assert row_count(conn) == before
    assert not (uploads / "2025").exists()


class Unseekable(io.RawIOBase):
    """A request body that can only be read once, front to back."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size=-1):
        return self.data.read(size)

    def seek(self, *args):
        raise OSError("not seekable")


def test_a_too_big_stream_is_caught_while_writing(conn, demo, uploads):
    before = row_count(conn)
    before_files = files_under(uploads)

    with pytest.raises(UploadRefused, match="too big"):
        store_upload(
            conn,
            project_id=demo.projects["maya"][0],
            author_id=9,
            stream=Unseekable(b"a" * 50_000),
            filename="big.txt",
            uploads_dir=uploads,
            site_url="http://portal.test",
            size_limit=2048,
            now=NOW,
        )

    assert row_count(conn) == before
    assert files_under(uploads) == before_files
    assert not (uploads / "2025").exists()


def test_an_unseekable_stream_is_stored_whole(conn, demo, uploads):
    data = b"line\n" * 10_000

    stored = store_upload(
        conn,
        project_id=demo.projects["maya"][0],
        author_id=9,
        stream=Unseekable(data),
        filename="long.txt",
        uploads_dir=uploads,
        site_url="http://portal.test",
        size_limit=1024 * 1024,
        now=NOW,
    )

    assert (uploads / stored.relative_path).read_bytes() == data


@pytest.mark.parametrize("step", ["meta", "file_post", "place"])
def test_an_upload_failing_halfway_leaves_nothing(
    conn, demo, uploads, monkeypatch, step
):
    before_rows = row_count(conn)
    before_files = files_under(uploads)

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    if step == "meta":
        calls = {"n": 0}
        original = files_mod.update_meta

        def second_call_fails(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("disk on fire")
            return original(*args, **kwargs)

        monkeypatch.setattr(files_mod, "update_meta", second_call_fails)
    elif step == "file_post":
        monkeypatch.setattr(files_mod, "_file_post", boom)
    else:
        monkeypatch.setattr(files_mod, "_place", boom)

    with pytest.raises(RuntimeError):
        store_upload(
            conn,
            project_id=demo.projects["maya"][0],
            author_id=9,
            stream=io.BytesIO(png()),
            filename="logo.png",
            uploads_dir=uploads,
            site_url="http://portal.test",
            size_limit=1024 * 1024,
            now=NOW,
        )

    assert row_count(conn) == before_rows
    assert files_under(uploads) == before_files
    assert not (uploads / "2025").exists()


def test_a_commit_that_fails_removes_the_placed_file(conn, demo, uploads, monkeypatch):
    before_files = files_under(uploads)
    original_run = conn._run

    def failing_commit(sql, params):
        if sql == "COMMIT":
            original_run("ROLLBACK", ())
            raise RuntimeError("commit lost")
        return original_run(sql, params)

    monkeypatch.setattr(conn, "_run", failing_commit)
    before_rows = row_count(conn)

    with pytest.raises(RuntimeError, match="commit lost"):
        store_upload(
            conn,
            project_id=demo.projects["maya"][0],
            author_id=9,
            stream=io.BytesIO(png()),
            filename="logo.png",
            uploads_dir=uploads,
            site_url="http://portal.test",
            size_limit=1024 * 1024,
            now=NOW,
        )

    monkeypatch.undo()
    assert row_count(conn) == before_rows
    assert files_under(uploads) == before_files


def test_a_name_taken_at_the_last_moment_takes_the_next_number(
    conn, demo, uploads, monkeypatch
):
    folder = uploads / "2025" / "03"
    original = files_mod._place

    def racing_place(temp, target):
        if target.name == "logo.png":
            # Another upload got there between choosing the name and moving in.
            target.write_bytes(b"theirs")
        return original(temp, target)

    monkeypatch.setattr(files_mod, "_place", racing_place)
    stored = store_upload(
        conn,
        project_id=demo.projects["maya"][0],
        author_id=9,
        stream=io.BytesIO(png()),
        filename="logo.png",
        uploads_dir=uploads,
        site_url="http://portal.test",
        size_limit=1024 * 1024,
        now=NOW,
    )

    assert stored.relative_path == "2025/03/logo-1.png"
    assert (folder / "logo.png").read_bytes() == b"theirs"
    assert (folder / "logo-1.png").read_bytes() == png()
    attached = conn.query(
        "SELECT meta_value FROM {postmeta} WHERE meta_key = '_wp_attached_file' "
        "AND meta_value LIKE '2025/03/logo%%'"
    )
    assert [row["meta_value"] for row in attached] == ["2025/03/logo-1.png"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Report (final).v2", "Report-final-v2"),
        ("Émilie's brief", "Emilies-brief"),
        ("x.php", "x-php"),
        ("日本語", "file"),
        ("  --__  ", "file"),
    ],
)
def test_safe_base_names(name, expected):
    assert safe_base_name(name) == expected


@pytest.mark.parametrize(
    "attached",
    ["../../etc/passwd", "/etc/passwd", "2025/../../outside.txt", "C:/x.txt", ""],
)
def test_a_download_never_leaves_the_uploads_folder(
    conn, demo, uploads, tmp_path, attached
):
    (tmp_path / "outside.txt").write_text("secret")
    item = list_files(conn, demo.projects["maya"][0]).items
    brief = next(f for f in item if f.type == "file")
    update_meta(conn, "post", brief.attachment_id, "_wp_attached_file", attached)

    assert download_for(get_file(conn, brief.id), uploads) is None


def test_a_download_does_not_follow_a_link_out_of_uploads(
    conn, demo, uploads, tmp_path
):
    (tmp_path / "outside.txt").write_text("secret")
    os.symlink(tmp_path / "outside.txt", uploads / "sneaky.txt")
    brief = next(
        f for f in list_files(conn, demo.projects["maya"][0]).items if f.attachment_id
    )
    update_meta(conn, "post", brief.attachment_id, "_wp_attached_file", "sneaky.txt")

    assert download_for(get_file(conn, brief.id), uploads) is None


# -- the project's estimates and invoices ------------------------------------------


def test_project_documents_are_the_clients_and_never_drafts(conn, demo):
    scope = scope_of(conn, demo, "maya")
    project_id = demo.projects["maya"][1]

    documents, summary = project_documents(conn, scope, project_id)
    cutoff = datetime.now(UTC)

    ids = {d.id for d in documents}
    expected = {
        doc
        for doc in demo.estimates["maya"] + demo.invoices["maya"]
        if get_meta(conn, "post", doc, "module_id") == str(project_id)
        and get_meta(conn, "post", doc, "status") != "draft"
    }
    assert ids == expected and ids
    invoices = [d for d in documents if d.path == "invoice"]
    assert summary.invoiced["USD"] == sum(d.total for d in invoices)
    assert summary.due["USD"] == sum(d.due for d in invoices)
    assert summary.paid["USD"] == sum(d.paid for d in invoices)
    assert "overdue" in {d.display_status(cutoff) for d in invoices}
    paid = next(d for d in invoices if d.status == "paid_req")
    assert paid.due == paid.total - paid.paid


def test_a_document_of_another_client_on_the_project_is_not_shown(conn, demo):
    project_id = demo.projects["maya"][1]
    lena_invoice = demo.invoices["lena"][1]
    update_meta(conn, "post", lena_invoice, "module_id", project_id)

    documents, _ = project_documents(conn, scope_of(conn, demo, "maya"), project_id)

    assert lena_invoice not in {d.id for d in documents}
