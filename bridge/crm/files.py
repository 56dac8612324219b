"""Files of a project: uploads kept as WordPress's media library keeps them, and links.

Each entry is an `ndpv_file` post (meta `tab_id`, `type` = `file` or `link`, `title`,
`url`, `file`). An uploaded file is also an `attachment` post (status `inherit`, the
file's URL as `guid`, the project as `post_parent`) whose `_wp_attached_file` is the
path under the uploads folder, `YYYY/MM/name.ext`, so it shows in wp-admin's Media
screen like any other upload.

Uploads are checked before anything is written: a size limit, an allow-list of
extensions, the file's first bytes against what its extension promises, and no
HTML, SVG, PHP or script anywhere near the start, whatever the name. The file is
written under a temporary name, the rows are inserted in one transaction, and the
file is moved into place last; if any step fails, neither file nor rows remain.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
import struct
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from ..wp.db import Connection, placeholders
from ..wp.meta import get_metas, update_meta
from ..wp.posts import insert_post, sanitize_title, utc_now
from .projects import (
    Page,
    ProjectError,
    clean_line,
    page_bounds,
    parse_date,
    workspace_id,
)
from .values import meta_int, meta_text

log = logging.getLogger(__name__)

FILE_TYPE = "ndpv_file"
ATTACHMENT_TYPE = "attachment"
FILE_META = ("tab_id", "type", "title", "url", "file")
ATTACHED_FILE_META = "_wp_attached_file"
ATTACHMENT_METADATA = "_wp_attachment_metadata"
# WordPress keeps only the stored name; the name the client's file had is kept here.
ORIGINAL_NAME_META = "_wppb_original_name"
MAX_TITLE = 200
MAX_URL = 2000
MAX_NAME = 120
# How far into a file the content checks look.
SNIFF_BYTES = 16 * 1024
_CHUNK = 1024 * 1024


class UploadRefused(ProjectError):
    """An upload that is not stored; the message tells the client why."""


# -- what may be uploaded ----------------------------------------------------------

# extension -> (MIME type, the signature its content must have)
ALLOWED: dict[str, tuple[str, str]] = {
    "jpg": ("image/jpeg", "jpeg"),
    "jpeg": ("image/jpeg", "jpeg"),
    "png": ("image/png", "png"),
    "gif": ("image/gif", "gif"),
    "webp": ("image/webp", "webp"),
    "pdf": ("application/pdf", "pdf"),
    "txt": ("text/plain", "text"),
    "csv": ("text/csv", "text"),
    "rtf": ("application/rtf", "rtf"),
    "doc": ("application/msword", "ole"),
    "xls": ("application/vnd.ms-excel", "ole"),
    "ppt": ("application/vnd.ms-powerpoint", "ole"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "zip",
    ),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "zip",
    ),
    "pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "zip",
    ),
    "odt": ("application/vnd.oasis.opendocument.text", "zip"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "zip"),
    "odp": ("application/vnd.oasis.opendocument.presentation", "zip"),
    "zip": ("application/zip", "zip"),
    "mp3": ("audio/mpeg", "mp3"),
    "m4a": ("audio/mp4", "mp4"),
    "mp4": ("video/mp4", "mp4"),
    "mov": ("video/quicktime", "mp4"),
}
IMAGE_SIGNATURES = ("jpeg", "png", "gif", "webp")

# Markup or code that a browser or PHP would act on; never stored, whatever the name.
_ACTIVE_CONTENT = re.compile(
    rb"<\?php|<script|<html|<svg|<!doctype\s+html|<iframe|<body|<object|<embed"
    rb"|<frameset|<meta\s+http-equiv",
    re.I,
)
# In text, also PHP's short tags; binary data contains such short runs by chance.
_ACTIVE_TEXT = re.compile(rb"<\?(?:=|\s)", re.I)


def allowed_extensions() -> list[str]:
    return sorted(ALLOWED)


def _signature_matches(signature: str, head: bytes) -> bool:
    if signature == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if signature == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if signature == "gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if signature == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if signature == "pdf":
        return b"%PDF-" in head[:1024]
    if signature == "zip":
        return head[:4] in (b"PK\x03\x04", b"PK\x05\x06")
    if signature == "ole":
        return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if signature == "rtf":
        return head.startswith(b"{\\rtf")
    if signature == "mp3":
        return head.startswith(b"ID3") or (
            len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
        )
    if signature == "mp4":
        return head[4:8] == b"ftyp"
    if signature == "text":
        return _is_text(head)
    return False


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut off by the sample's end is still text.
        if exc.start < len(head) - 3:
            return False
    return True


def check_content(extension: str, head: bytes) -> str:
    """Return the MIME type of an upload's first bytes, or raise UploadRefused."""
    mime, signature = ALLOWED[extension]
    if _ACTIVE_CONTENT.search(head) or (
        signature == "text" and _ACTIVE_TEXT.search(head)
    ):
        raise UploadRefused(
            "This file contains web page, SVG, script or PHP code, which cannot be "
            "uploaded. Send it as a PDF or inside a ZIP archive instead."
        )
    if not _signature_matches(signature, head):
        raise UploadRefused(
            f"This file is not a real .{extension} file: its content does not match "
            "its name."
        )
    return mime


def split_file_name(name: str) -> tuple[str, str]:
    """Check an uploaded file's name; return (base name, lower-case extension).

    A name with folders in it is refused rather than cut down: browsers send bare
    names, so a path means a hand-made request.
    """
    name = unicodedata.normalize("NFC", str(name or "")).strip()
    if not name:
        raise UploadRefused("Choose a file to upload.")
    # A drive letter ("C:a.png") is a Windows path too, and some multipart parsers
    # drop the backslashes of "C:\\dir\\a.png" before the name reaches us.
    drive = re.match(r"[A-Za-z]:", name) is not None
    if "/" in name or "\\" in name or "\x00" in name or drive or name.strip(".") == "":
        raise UploadRefused(
            "The file name must be a plain name, without folders such as ../ or C:\\."
        )
    base, dot, extension = name.rpartition(".")
    extension = extension.lower()
    if not dot or not base.strip(" .") or extension not in ALLOWED:
        raise UploadRefused(
            "This type of file cannot be uploaded. Allowed: "
            + ", ".join(allowed_extensions())
            + "."
        )
    return base, extension


def safe_base_name(base: str) -> str:
    """A file name base of letters, digits, dashes and underscores only.

    Inner dots become dashes so that no server ever reads `x.php.png` as PHP.
    """
    text = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    text = re.sub(r"[\s.]+", "-", text)
    text = re.sub(r"[^A-Za-z0-9_-]", "", text)
    text = re.sub(r"-{2,}", "-", text).strip("-_")
    return text[:MAX_NAME].rstrip("-_") or "file"


def unique_name(folder: Path, base: str, extension: str) -> str:
    """`base.ext`, or `base-1.ext`, `base-2.ext`... whichever is free in `folder`."""
    taken = (
        {entry.name.lower() for entry in folder.iterdir()} if folder.is_dir() else ()
    )
    candidate = f"{base}.{extension}"
    number = 0
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}-{number}.{extension}"
    return candidate


# -- reading the project's files ---------------------------------------------------


@dataclass
class ProjectFile:
    id: int
    project_id: int
    type: str
    title: str
    url: str
    attachment_id: int
    file_name: str
    mime: str
    attached_path: str
    author_id: int
    author_name: str
    date: datetime | None

    @property
    def is_link(self) -> bool:
        return self.type == "link"


def list_files(
    conn: Connection, project_id: int, *, page: int = 1, per_page: int = 50
) -> Page[ProjectFile]:
    """A project's files and links, newest first, in four queries."""
    where = (
        "WHERE p.post_type = %s AND p.post_status = %s AND EXISTS ("
        "SELECT 1 FROM {postmeta} m WHERE m.post_id = p.ID "
        "AND m.meta_key = %s AND m.meta_value = %s)"
    )
    params = [FILE_TYPE, "publish", "tab_id", str(int(project_id))]
    total = int(conn.scalar(f"SELECT COUNT(*) FROM {{posts}} p {where}", params))
    limit, offset = page_bounds(page, per_page)
    found = conn.query(
        "SELECT p.ID, p.post_author, p.post_date_gmt, u.display_name "
        f"FROM {{posts}} p LEFT JOIN {{users}} u ON u.ID = p.post_author {where} "
        "ORDER BY p.post_date DESC, p.ID DESC LIMIT %s OFFSET %s",
        [*params, limit, offset],
    )
    return Page(_files(conn, found), total, max(1, int(page)), per_page)


def get_file(conn: Connection, file_id: int) -> ProjectFile | None:
    """One file or link by id, whatever its project; the caller checks access."""
    found = conn.query(
        "SELECT p.ID, p.post_author, p.post_date_gmt, u.display_name "
        "FROM {posts} p LEFT JOIN {users} u ON u.ID = p.post_author "
        "WHERE p.ID = %s AND p.post_type = %s AND p.post_status = %s",
        (int(file_id), FILE_TYPE, "publish"),
    )
    files = _files(conn, found)
    return files[0] if files else None


def _files(conn: Connection, found: list[dict[str, Any]]) -> list[ProjectFile]:
    ids = [int(row["ID"]) for row in found]
    if not ids:
        return []
    metas = get_metas(conn, "post", ids, FILE_META)
    attachments = _attachments(
        conn,
        {meta_int(metas[i].get("file")) for i in ids if metas[i].get("type") != "link"},
    )
    files = []
    for row in found:
        file_id = int(row["ID"])
        meta = metas[file_id]
        kind = "link" if meta_text(meta.get("type")) == "link" else "file"
        attachment = (
            attachments.get(meta_int(meta.get("file"))) if kind == "file" else None
        )
        title = meta_text(meta.get("title"))
        files.append(
            ProjectFile(
                id=file_id,
                project_id=meta_int(meta.get("tab_id")),
                type=kind,
                title=title or (attachment["title"] if attachment else ""),
                url=safe_link(meta.get("url")) if kind == "link" else "",
                attachment_id=attachment["id"] if attachment else 0,
                file_name=attachment["name"] if attachment else "",
                mime=attachment["mime"] if attachment else "",
                attached_path=attachment["attached"] if attachment else "",
                author_id=int(row["post_author"] or 0),
                author_name=str(row["display_name"] or ""),
                date=parse_date(row["post_date_gmt"]),
            )
        )
    return files


def _attachments(conn: Connection, ids: set[int]) -> dict[int, dict[str, Any]]:
    ids = {i for i in ids if i > 0}
    if not ids:
        return {}
    ordered = sorted(ids)
    rows = conn.query(
        "SELECT p.ID, p.post_title, p.post_mime_type, m.meta_value AS attached, "
        "o.meta_value AS original FROM {posts} p "
        "JOIN {postmeta} m ON m.post_id = p.ID AND m.meta_key = %s "
        "LEFT JOIN {postmeta} o ON o.post_id = p.ID AND o.meta_key = %s "
        f"WHERE p.ID IN ({placeholders(len(ordered))}) AND p.post_type = %s",
        [ATTACHED_FILE_META, ORIGINAL_NAME_META, *ordered, ATTACHMENT_TYPE],
    )
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        attached = meta_text(row["attached"])
        found.setdefault(
            int(row["ID"]),
            {
                "id": int(row["ID"]),
                "title": meta_text(row["post_title"]),
                "mime": meta_text(row["post_mime_type"]),
                "attached": attached,
                "name": meta_text(row["original"]) or attached.rsplit("/", 1)[-1],
            },
        )
    return found


@dataclass(frozen=True)
class Download:
    path: Path
    name: str
    mime: str


def download_for(project_file: ProjectFile, uploads_dir: str | Path) -> Download | None:
    """Where an uploaded file is on disk, or None when it is not inside uploads.

    Only the attachment's `_wp_attached_file` is used, resolved inside the uploads
    folder; a stored path that leads anywhere else (`..`, an absolute path, a
    symbolic link out) is refused.
    """
    relative = project_file.attached_path
    if project_file.is_link or not relative or not uploads_dir:
        return None
    if relative.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", relative):
        return None
    root = Path(uploads_dir).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or path == root or not path.is_file():
        return None
    extension = path.suffix.lower().lstrip(".")
    mime = ALLOWED[extension][0] if extension in ALLOWED else "application/octet-stream"
    return Download(path=path, name=project_file.file_name or path.name, mime=mime)


# -- links -------------------------------------------------------------------------


def safe_link(value: Any) -> str:
    """The URL if it is an http(s) address, else an empty string."""
    url = meta_text(value)
    if len(url) > MAX_URL or any(ord(ch) < 33 for ch in url):
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return url


def add_link(
    conn: Connection,
    *,
    project_id: int,
    author_id: int,
    url: Any,
    title: Any = "",
    now: datetime | None = None,
) -> int:
    """Add a link to a project's files; return the `ndpv_file` id."""
    link = safe_link(str(url or "").strip())
    if not link:
        raise ProjectError("Give the link as a web address starting with https://.")
    title = clean_line(title) or urlsplit(link).netloc
    if len(title) > MAX_TITLE:
        raise ProjectError(f"The title is too long (at most {MAX_TITLE} characters).")
    with conn.transaction():
        return _file_post(conn, project_id, author_id, "link", title, link, "", now)


def _file_post(
    conn: Connection,
    project_id: int,
    author_id: int,
    kind: str,
    title: str,
    url: str,
    attachment_id: int | str,
    now: datetime | None,
) -> int:
    file_id = insert_post(
        conn, now=now or utc_now(), post_type=FILE_TYPE, post_author=int(author_id)
    )
    values = {
        "ws_id": workspace_id(conn),
        "tab_id": int(project_id),
        "type": kind,
        "title": title,
        "url": url,
        "file": attachment_id,
    }
    for key, value in values.items():
        update_meta(conn, "post", file_id, key, value)
    return file_id


# -- uploads -----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredUpload:
    file_id: int
    attachment_id: int
    relative_path: str
    size: int
    mime: str


def store_upload(
    conn: Connection,
    *,
    project_id: int,
    author_id: int,
    stream: BinaryIO,
    filename: str,
    uploads_dir: str | Path,
    site_url: str,
    size_limit: int,
    title: Any = "",
    now: datetime | None = None,
    also: Callable[[Connection, StoredUpload], Any] | None = None,
) -> StoredUpload:
    """Check an upload and store it as a media library file of the project.

    Raises UploadRefused, before writing anything, when the upload is not allowed.
    `also` runs inside the same transaction once the rows are written (to log the
    upload, say), so that it and the upload are kept or dropped together.
    """
    if not uploads_dir:
        raise ProjectError("Uploads are not set up on this site.")
    base, extension = split_file_name(filename)
    title = clean_line(title) or clean_line(base)
    if len(title) > MAX_TITLE:
        raise UploadRefused(f"The title is too long (at most {MAX_TITLE} characters).")
    head, rewound = _read_head(stream)
    size = _stream_size(stream) if rewound else None
    if size == 0:
        raise UploadRefused("The file is empty.")
    if size is not None and size > size_limit:
        raise UploadRefused(too_big_message(size_limit))
    mime = check_content(extension, head)
    original = f"{clean_line(base)[:MAX_NAME]}.{extension}"

    now = now or utc_now()
    root = Path(uploads_dir)
    folder = root / f"{now:%Y}" / f"{now:%m}"
    made = _make_folders(root, folder)
    temp = folder / f".wppb-upload-{secrets.token_hex(8)}.part"
    placed: Path | None = None
    try:
        written = _write_temp(stream, b"" if rewound else head, temp, size_limit)
        safe_base = safe_base_name(base)
        for _attempt in range(20):
            name = unique_name(folder, safe_base, extension)
            relative = f"{now:%Y}/{now:%m}/{name}"
            target = folder / name
            try:
                with conn.transaction():
                    attachment_id = _attachment_post(
                        conn,
                        project_id=project_id,
                        author_id=author_id,
                        relative=relative,
                        title=title,
                        original=original,
                        mime=mime,
                        size=written,
                        head=head,
                        site_url=site_url,
                        now=now,
                    )
                    file_id = _file_post(
                        conn,
                        project_id,
                        author_id,
                        "file",
                        title,
                        "",
                        attachment_id,
                        now,
                    )
                    stored = StoredUpload(
                        file_id, attachment_id, relative, written, mime
                    )
                    if also is not None:
                        also(conn, stored)
                    # Last step inside the transaction: if the name was taken in
                    # the meantime, the rows roll back and the next name is tried.
                    _place(temp, target)
                    placed = target
            except FileExistsError:
                continue
            return stored
        raise ProjectError("Could not find a free file name; please try again.")
    except BaseException:
        if placed is not None:
            _remove(placed)
        _remove(temp)
        for path in reversed(made):
            _remove_empty(path)
        raise
    finally:
        _remove(temp)


def size_text(size: int) -> str:
    """A size as people read it: 20 MB, 1.5 MB, 512 KB."""
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024), 1):g} MB"
    return f"{max(1, size // 1024)} KB"


def too_big_message(limit: int) -> str:
    """What a client is told when a file is over the size limit."""
    return f"This file is too big: files may be at most {size_text(limit)}."


def _read_head(stream: BinaryIO) -> tuple[bytes, bool]:
    """The first bytes of an upload, and whether the stream went back to its start."""
    try:
        stream.seek(0)
    except (AttributeError, OSError):
        return stream.read(SNIFF_BYTES), False
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    return head, True


def _stream_size(stream: BinaryIO) -> int | None:
    try:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
    except (AttributeError, OSError):
        return None
    return size


def _make_folders(root: Path, folder: Path) -> list[Path]:
    """Create the year and month folders as needed; return those made here."""
    made = []
    for path in (root, folder.parent, folder):
        if not path.is_dir():
            try:
                path.mkdir(mode=0o755)
            except FileExistsError:
                continue
            except OSError as exc:
                log.error("cannot create the uploads folder %s: %s", path, exc)
                raise ProjectError(
                    "The file could not be stored; please tell the site owner."
                ) from exc
            made.append(path)
    return made


def _write_temp(stream: BinaryIO, head: bytes, temp: Path, size_limit: int) -> int:
    """Copy the upload to `temp`; `head` first, when it was read off the stream."""
    written = 0
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as out:
        chunk = head or stream.read(_CHUNK)
        while chunk:
            written += len(chunk)
            if written > size_limit:
                raise UploadRefused(too_big_message(size_limit))
            out.write(chunk)
            chunk = stream.read(_CHUNK)
        out.flush()
        os.fsync(out.fileno())
    if written == 0:
        raise UploadRefused("The file is empty.")
    return written


def _place(temp: Path, target: Path) -> None:
    """Give the temporary file its final name, never replacing an existing file."""
    try:
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError:
        # Some file systems have no hard links: reserve the name, then move.
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.close(fd)
        try:
            shutil.move(temp, target)
        except BaseException:
            _remove(target)
            raise
        return
    _remove(temp)


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        log.warning("could not remove %s: %s", path, exc)


def _remove_empty(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.rmdir()


def _attachment_post(
    conn: Connection,
    *,
    project_id: int,
    author_id: int,
    relative: str,
    title: str,
    original: str,
    mime: str,
    size: int,
    head: bytes,
    site_url: str,
    now: datetime,
) -> int:
    attachment_id = insert_post(
        conn,
        now=now,
        post_type=ATTACHMENT_TYPE,
        post_status="inherit",
        post_title=title,
        post_name=_unique_slug(conn, sanitize_title(title) or "file"),
        post_mime_type=mime,
        post_parent=int(project_id),
        post_author=int(author_id),
        guid=f"{site_url.rstrip('/')}/wp-content/uploads/{relative}",
    )
    update_meta(conn, "post", attachment_id, ATTACHED_FILE_META, relative)
    update_meta(
        conn,
        "post",
        attachment_id,
        ATTACHMENT_METADATA,
        attachment_metadata(relative, size, mime, head),
    )
    update_meta(conn, "post", attachment_id, ORIGINAL_NAME_META, original)
    return attachment_id


def _unique_slug(conn: Connection, slug: str) -> str:
    """A post name no other post has, with -2, -3... as WordPress makes it unique."""
    slug = slug[:190]
    rows = conn.query(
        "SELECT post_name FROM {posts} WHERE post_name = %s OR post_name LIKE %s",
        (slug, slug + "-%"),
    )
    taken = {row["post_name"] for row in rows}
    candidate, number = slug, 1
    while candidate in taken:
        number += 1
        candidate = f"{slug}-{number}"
    return candidate


def attachment_metadata(relative: str, size: int, mime: str, head: bytes) -> dict:
    """The `_wp_attachment_metadata` WordPress keeps: size, and an image's measures."""
    dimensions = image_size(head) if mime.startswith("image/") else None
    if dimensions is None:
        return {"filesize": size}
    width, height = dimensions
    return {
        "width": width,
        "height": height,
        "file": relative,
        "filesize": size,
        "sizes": {},
        "image_meta": {
            "aperture": "0",
            "credit": "",
            "camera": "",
            "caption": "",
            "created_timestamp": "0",
            "copyright": "",
            "focal_length": "0",
            "iso": "0",
            "shutter_speed": "0",
            "title": "",
            "orientation": "0",
            "keywords": [],
        },
    }


def image_size(head: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, GIF, JPEG or WebP from its first bytes, if found."""
    try:
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            return struct.unpack(">II", head[16:24])
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", head[6:10])
        if head.startswith(b"\xff\xd8"):
            return _jpeg_size(head)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp_size(head)
    except struct.error:
        return None
    return None


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(head):
        if head[index] != 0xFF:
            return None
        marker = head[index + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        length = struct.unpack(">H", head[index + 2 : index + 4])[0]
        # Start-of-frame markers, except DHT (C4), JPG (C8) and DAC (CC).
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[index + 5 : index + 9])
            return width, height
        index += 2 + length
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    return None
