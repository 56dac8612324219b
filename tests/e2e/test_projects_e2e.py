"""Projects end to end: a client works on a project in Chromium; WordPress sees it.

A real WordPress (6.1 and 6.8) holds the demo; the portal runs beside it in a
thread on the same database, with WordPress's own uploads folder as its uploads
folder. The client logs in with the portal's form, adds a task, a note and a file
on a project, and downloads the file again. PHP inside WordPress then reads them
with WordPress's own functions: the task with its terms, the note, and the
attachment whose `_wp_attached_file` leads to the very bytes that were uploaded.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import (
    CLIENT_EMAIL,
    load_demo_beside,
    new_page,
    password_of,
    portal_app,
    serving,
    uploads_dir,
)
from tests.wordpress import WordPress

pytestmark = [pytest.mark.wordpress, pytest.mark.browser]

# Propovoice registers these when it runs; the checks below stand in for it.
TAXONOMIES = {
    "ndpv_task_status": "ndpv_task",
    "ndpv_task_type": "ndpv_task",
    "ndpv_task_priority": "ndpv_task",
}


@dataclass
class Site:
    wp: WordPress
    portal_url: str
    uploads: Path
    project_id: int
    password: str


def _png() -> bytes:
    """A small real PNG, different on every run."""
    width, height = 16, 9
    seed = secrets.token_bytes(3)

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    raw = b"".join(b"\x00" + seed * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def site(wp: WordPress) -> Iterator[Site]:
    """The demo in WordPress, and the portal with its own login form beside it."""
    with wp.database().connect() as conn:
        demo = load_demo_beside(conn, wp)

    app = portal_app(wp, {"BRIDGE_LOGIN": "builtin"})
    # The portal must store files exactly where WordPress looks for them.
    assert Path(app.config["BRIDGE"].uploads_dir) == uploads_dir(wp)
    with serving(app) as port:
        yield Site(
            wp=wp,
            portal_url=f"http://127.0.0.1:{port}/portal",
            uploads=uploads_dir(wp),
            project_id=demo.projects["maya"][0],
            password=password_of(demo, CLIENT_EMAIL),
        )


def _in_wordpress(wp: WordPress, code: str) -> Any:
    registered = "".join(
        f"register_taxonomy( '{name}', '{post_type}' );"
        for name, post_type in TAXONOMIES.items()
    )
    return wp.php(registered + code)


def test_a_client_adds_a_task_a_note_and_a_file_that_wordpress_sees(
    site: Site, browser: Any
):
    wp = site.wp
    project_url = f"{site.portal_url}/projects/{site.project_id}"
    title = f"Review the launch plan {secrets.token_hex(3)}"
    note = f"Could we move the call to Thursday? {secrets.token_hex(3)}"
    data = _png()

    with new_page(browser, accept_downloads=True) as page:
        page.goto(f"{site.portal_url}/login")
        page.fill("input[name=log]", CLIENT_EMAIL)
        page.fill("input[name=pwd]", site.password)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{site.portal_url}/")

        page.goto(project_url)
        page.fill("#task-title", title)
        page.select_option("#task-type", label="Meeting")
        page.fill("#task-due", "2031-02-03")
        page.fill("#task-description", "Agenda: budget, dates.")
        # Each form posts and comes back to this project page: wait for that
        # navigation itself, then for the message it brings.
        with page.expect_navigation():
            page.click("#task-form button[type=submit]")
        page.wait_for_selector("text=The task was added.")
        assert title in page.locator("#tasks").inner_text()

        page.fill("#note-text", note)
        with page.expect_navigation():
            page.click("#note-form button[type=submit]")
        page.wait_for_selector("text=The note was added.")

        page.set_input_files(
            "#file-input",
            {"name": "Site map.png", "mimeType": "image/png", "buffer": data},
        )
        page.fill("#file-title", "Site map")
        with page.expect_navigation():
            page.click("#file-form button[type=submit]")
        page.wait_for_selector("text=The file was uploaded.")

        with page.expect_download() as started:
            page.click("#files a:has-text('Site map')")
        download = started.value
        assert download.suggested_filename == "Site map.png"
        assert Path(download.path()).read_bytes() == data

        log = page.locator("#activity").inner_text()
        for action in ("added a task", "added a note", "uploaded a file"):
            assert action in log

    with wp.database().connect() as conn:
        task_id = conn.scalar(
            "SELECT ID FROM {posts} WHERE post_type = 'ndpv_task' AND post_title = %s",
            (title,),
        )
        note_id = conn.scalar(
            "SELECT ID FROM {posts} WHERE post_type = 'ndpv_note' "
            "AND post_content = %s",
            (note,),
        )
        file_id = conn.scalar(
            "SELECT p.ID FROM {posts} p JOIN {postmeta} m ON m.post_id = p.ID "
            "WHERE p.post_type = 'ndpv_file' AND m.meta_key = 'title' "
            "AND m.meta_value = 'Site map'"
        )
        client_user = conn.scalar(
            "SELECT ID FROM {users} WHERE user_email = %s", (CLIENT_EMAIL,)
        )
    assert task_id and note_id and file_id

    task = _in_wordpress(
        wp,
        f"$id = {int(task_id)}; $post = get_post( $id );"
        "$names = function ( $taxonomy ) use ( $id ) {"
        "  $terms = wp_get_object_terms( $id, $taxonomy );"
        "  return is_wp_error( $terms ) ? $terms->get_error_code()"
        "    : wp_list_pluck( $terms, 'name' );"
        "};"
        "return array("
        "  'title' => $post->post_title, 'content' => $post->post_content,"
        "  'status' => $post->post_status, 'author' => (int) $post->post_author,"
        "  'task_status' => $names( 'ndpv_task_status' ),"
        "  'task_type' => $names( 'ndpv_task_type' ),"
        "  'priority' => $names( 'ndpv_task_priority' ),"
        "  'tab_id' => get_post_meta( $id, 'tab_id', true ),"
        "  'ws_id' => get_post_meta( $id, 'ws_id', true ),"
        "  'due_date' => get_post_meta( $id, 'due_date', true ),"
        "  'start_date' => get_post_meta( $id, 'start_date', true ),"
        "  'checklist' => get_post_meta( $id, 'checklist', true ),"
        ");",
    )
    assert task["title"] == title
    assert task["content"] == "Agenda: budget, dates."
    assert task["status"] == "publish"
    assert task["author"] == int(client_user)
    assert task["task_status"] == ["Todo"]
    assert task["task_type"] == ["Meeting"]
    assert task["priority"] == ["Medium"]
    assert task["tab_id"] == str(site.project_id)
    assert task["ws_id"] == "1"
    assert task["due_date"] == "2031-02-03T00:00:00.000Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", task["start_date"])
    assert task["checklist"] == []

    stored_note = wp.php(
        f"$post = get_post( {int(note_id)} );"
        "return array( 'type' => $post->post_type, 'text' => $post->post_content,"
        "  'tab_id' => get_post_meta( $post->ID, 'tab_id', true ) );"
    )
    assert stored_note == {
        "type": "ndpv_note",
        "text": note,
        "tab_id": str(site.project_id),
    }

    attachment = wp.php(
        f"$file = {int(file_id)};"
        "$id = (int) get_post_meta( $file, 'file', true );"
        "$path = get_attached_file( $id );"
        "$media = get_posts( array( 'post_type' => 'attachment',"
        "  'post_status' => 'inherit', 'numberposts' => -1, 'fields' => 'ids' ) );"
        "$meta = wp_get_attachment_metadata( $id );"
        "return array("
        "  'type' => get_post_meta( $file, 'type', true ),"
        "  'tab_id' => get_post_meta( $file, 'tab_id', true ),"
        "  'attached' => get_post_meta( $id, '_wp_attached_file', true ),"
        "  'path' => $path, 'exists' => file_exists( $path ),"
        "  'sha256' => file_exists( $path ) ? hash_file( 'sha256', $path ) : '',"
        "  'mime' => get_post_mime_type( $id ),"
        "  'parent' => wp_get_post_parent_id( $id ),"
        "  'url' => wp_get_attachment_url( $id ),"
        "  'in_media_library' => in_array( $id, $media, true ),"
        "  'width' => $meta['width'] ?? null, 'height' => $meta['height'] ?? null,"
        "  'basedir' => wp_upload_dir()['basedir'],"
        ");"
    )
    assert attachment["type"] == "file"
    assert attachment["tab_id"] == str(site.project_id)
    assert re.fullmatch(r"\d{4}/\d\d/Site-map\.png", attachment["attached"])
    assert Path(attachment["basedir"]).resolve() == site.uploads.resolve()
    assert attachment["exists"] is True
    assert attachment["sha256"] == hashlib.sha256(data).hexdigest()
    assert Path(attachment["path"]).read_bytes() == data
    assert attachment["mime"] == "image/png"
    assert attachment["parent"] == site.project_id
    assert attachment["url"].endswith(f"/wp-content/uploads/{attachment['attached']}")
    assert attachment["in_media_library"] is True
    assert (attachment["width"], attachment["height"]) == (16, 9)
