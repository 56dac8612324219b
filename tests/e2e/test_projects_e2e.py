"""Projects end to end: a client works on a project in Chromium; WordPress sees it.

A real WordPress (6.1 and 6.8) holds the demo; the portal runs beside it in a
thread on the same database, with WordPress's own uploads folder as its uploads
folder. The client logs in with the portal's form, adds a task, a note and a file
on a project, and downloads the file again. PHP inside WordPress then reads them
with WordPress's own functions: the task with its terms, the note, and the
attachment whose `_wp_attached_file` leads to the very bytes that were uploaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import struct
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.wordpress import (
    WordPress,
    WordPressUnavailable,
    free_port,
    start_wordpress,
)

pytestmark = [pytest.mark.wordpress, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 30_000
CLIENT_EMAIL = "maya@example.com"
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


@pytest.fixture(
    scope="module",
    params=[
        pytest.param(("6.1", True), id="wp6.1"),
        pytest.param(("6.8", False), id="wp6.8"),
    ],
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    version, with_salts = request.param
    workdir = tmp_path_factory.mktemp(f"projects-{version}")
    try:
        with start_wordpress(version, workdir, with_salts=with_salts) as wp:
            yield from _portal_beside(wp)
    except WordPressUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"WordPress {version} is required in CI: {exc}")
        pytest.skip(f"WordPress {version} cannot run here: {exc}")


def _portal_beside(wp: WordPress) -> Iterator[Site]:
    from bridge import create_app
    from wp_schema.demo import load_demo

    uploads = wp.workdir / "wp-content" / "uploads"
    with wp.database().connect() as conn:
        # The demo brings its own "admin"; the fixture's steps aside.
        conn.execute(
            "UPDATE {users} SET user_login = %s, user_nicename = %s WHERE ID = %s",
            ("fixture-admin", "fixture-admin", wp.admin_id),
        )
        demo = load_demo(conn, uploads, datetime.now(UTC))
    password = next(x.password for x in demo.logins if x.login == CLIENT_EMAIL)

    port = free_port()
    app = create_app(
        {
            "BRIDGE_WP_CONFIG": str(wp.config_file),
            "BRIDGE_SECRET": secrets.token_urlsafe(48),
            "BRIDGE_LOGIN": "builtin",
        }
    )
    # The portal must store files exactly where WordPress looks for them.
    assert Path(app.config["BRIDGE"].uploads_dir) == uploads
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(
            wp=wp,
            portal_url=f"http://127.0.0.1:{port}/portal",
            uploads=uploads,
            project_id=demo.projects["maya"][0],
            password=password,
        )
    finally:
        server.shutdown()
        thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is required in CI at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@contextlib.contextmanager
def new_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


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

    with new_page(browser) as page:
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
        page.click("#task-form button[type=submit]")
        page.wait_for_selector("text=The task was added.")
        assert title in page.locator("#tasks").inner_text()

        page.fill("#note-text", note)
        page.click("#note-form button[type=submit]")
        page.wait_for_selector("text=The note was added.")

        page.set_input_files(
            "#file-input",
            {"name": "Site map.png", "mimeType": "image/png", "buffer": data},
        )
        page.fill("#file-title", "Site map")
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
