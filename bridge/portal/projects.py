"""Projects: the list, one project with its tasks, notes, files, documents and log.

Every project is read through the client's scope, so another client's project, task,
note or file answers 404 exactly as a missing one. What a client adds is written with
the client's WordPress user as author and logged in the activity log in the same
transaction. A form that cannot be saved shows the project page again with the
message next to the form and what the client typed.

An administrator looking at a project as a client also gets a panel to choose which
of its tasks, notes and files clients see and may add to; that change is the
administrator's own and is not part of the clients' activity log.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from ..crm.activity import list_activity, record_activity
from ..crm.documents import overdue_cutoff
from ..crm.files import (
    UploadRefused,
    add_link,
    allowed_extensions,
    download_for,
    get_file,
    list_files,
    size_text,
    store_upload,
    too_big_message,
)
from ..crm.notes import add_note, list_notes
from ..crm.projects import (
    NOTIFY_EVENTS,
    SECTIONS,
    PermissionsError,
    Project,
    ProjectError,
    get_project,
    list_projects,
    notification_choices,
    parse_date,
    permission_field,
    project_documents,
    project_exists,
    project_scope,
    read_permissions_form,
    save_notification_choices,
    set_client_permissions,
)
from ..crm.tasks import (
    add_task,
    get_task,
    list_tasks,
    set_task_status,
    task_statuses,
    task_types,
)
from ..web import get_db, settings
from ..wp.db import Connection
from ..wp.users import user_can
from . import bp
from .access import (
    acting_admin,
    client_required,
    current_client,
    resolve_client,
    user_id,
)
from .auth import login_required

log = logging.getLogger(__name__)

PER_PAGE = 20
SECTION_PER_PAGE = 25
ACTIVITY_PER_PAGE = 20
MAX_PAGE = 100_000
# The records each section of a project shows, as the activity log names them.
SECTION_POST_TYPES = {"tasks": "ndpv_task", "notes": "ndpv_note", "files": "ndpv_file"}
# Who may choose what clients see of a project: WordPress's own settings capability.
MANAGE_CAPABILITY = "manage_options"


def scope():
    """The current client's project scope, worked out once a request."""
    if "project_scope" not in g:
        client = current_client()
        g.project_scope = project_scope(get_db(), client.id, client.kind, client.org_id)
    return g.project_scope


def project_or_404(project_id: int) -> Project:
    """One of the current client's projects.

    :raise 404: when it is missing or belongs to someone else.
    """
    project = get_project(get_db(), scope(), project_id)
    if project is None:
        abort(404)
    return project


def section_or_404(project: Project, section: str, *, adding: bool = False) -> None:
    """Refuse what the admin has not opened to clients on this project.

    :raise 404: when clients do not see the section at all.
    :raise 403: when they see it but may not add to it.
    """
    access = project.permissions[section]
    if not access.view:
        abort(404)
    if adding and not access.add:
        abort(403, description=_("Adding to this part of the project is turned off."))


def can_manage_permissions() -> bool:
    """Whether the logged-in user may choose what clients see of a project."""
    user = g.get("wp_user")
    return user is not None and user_can(get_db(), user, MANAGE_CAPABILITY)


def section_labels() -> dict[str, str]:
    return {
        "tasks": _("Tasks & activities"),
        "notes": _("Notes"),
        "files": _("Files"),
    }


def _page_arg(name: str) -> int:
    # Bounded so that no page number overflows the database's integers.
    return min(max(1, request.args.get(name, 1, type=int) or 1), MAX_PAGE)


def _log(conn: Connection, action: str, project: Project, **fields: Any) -> None:
    record_activity(
        conn,
        actor_id=user_id(g.wp_user),
        client_id=current_client().id,
        action=action,
        project_id=project.id,
        ip=request.remote_addr or "",
        **fields,
    )


# -- pages ---------------------------------------------------------------------------


@bp.get("/projects")
@client_required
def projects():
    page = list_projects(get_db(), scope(), page=_page_arg("page"), per_page=PER_PAGE)
    return render_template("portal/projects/list.html", page=page)


@bp.get("/projects/<int:project_id>")
@client_required
def project(project_id: int):
    return project_page(project_or_404(project_id))


def project_page(
    project: Project,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
):
    """Render a project with every section the client may see."""
    conn = get_db()
    permissions = project.permissions
    tasks = notes = files = None
    types = statuses = []
    if permissions.tasks.view:
        tasks = list_tasks(
            conn, project.id, page=_page_arg("tasks_page"), per_page=SECTION_PER_PAGE
        )
        types = task_types(conn)
        statuses = task_statuses(conn)
    if permissions.notes.view:
        notes = list_notes(
            conn, project.id, page=_page_arg("notes_page"), per_page=SECTION_PER_PAGE
        )
    if permissions.files.view:
        files = list_files(
            conn, project.id, page=_page_arg("files_page"), per_page=SECTION_PER_PAGE
        )
    documents, money = project_documents(conn, scope(), project.id)
    activity_page = _page_arg("activity_page")
    activity = list_activity(
        conn,
        project_ids=[project.id],
        hidden_object_types=[
            SECTION_POST_TYPES[section]
            for section in SECTION_POST_TYPES
            if not permissions[section].view
        ],
        limit=ACTIVITY_PER_PAGE + 1,
        offset=(activity_page - 1) * ACTIVITY_PER_PAGE,
    )
    choices = notification_choices(conn, user_id(g.wp_user), project.id)
    return (
        render_template(
            "portal/projects/detail.html",
            project=project,
            tasks=tasks,
            task_types=types,
            task_statuses=statuses,
            notes=notes,
            files=files,
            documents=documents,
            estimates=[d for d in documents if d.path == "estimate"],
            invoices=[d for d in documents if d.path == "invoice"],
            money=money,
            cutoff=overdue_cutoff(conn, datetime.now(UTC)),
            activity=[
                {**entry, "time": parse_date(entry["time_gmt"])}
                for entry in activity[:ACTIVITY_PER_PAGE]
            ],
            activity_page=activity_page,
            activity_more=len(activity) > ACTIVITY_PER_PAGE,
            choices=choices,
            # Only an administrator's page pays for the capability check.
            can_manage=acting_admin() and can_manage_permissions(),
            sections=SECTIONS,
            section_labels=section_labels(),
            permission_field=permission_field,
            me=user_id(g.wp_user),
            can_act=not acting_admin(),
            show_ip=acting_admin(),
            errors=errors or {},
            form=form or {},
            upload_size=size_text(settings().upload_limit),
            extensions=allowed_extensions(),
        ),
        status,
    )


def _done(project: Project, message: str, anchor: str):
    flash(message, "success")
    return redirect(
        url_for("portal.project", project_id=project.id, _anchor=anchor), 303
    )


# -- what a client adds or changes ------------------------------------------------


@bp.post("/projects/<int:project_id>/tasks")
@client_required
def project_task_add(project_id: int):
    project = project_or_404(project_id)
    section_or_404(project, "tasks", adding=True)
    conn = get_db()
    form = request.form
    try:
        with conn.transaction():
            task_id = add_task(
                conn,
                project_id=project.id,
                author_id=user_id(g.wp_user),
                title=form.get("title", ""),
                type_id=form.get("type_id", ""),
                due_date=form.get("due_date", ""),
                description=form.get("description", ""),
            )
            _log(
                conn,
                "task_add",
                project,
                object_type="ndpv_task",
                object_id=task_id,
                detail=" ".join(form.get("title", "").split())[:200],
            )
    except ProjectError as exc:
        return _refused(project, "task", str(exc))
    return _done(project, _("The task was added."), "tasks")


@bp.post("/projects/<int:project_id>/tasks/<int:task_id>/status")
@client_required
def project_task_status(project_id: int, task_id: int):
    project = project_or_404(project_id)
    section_or_404(project, "tasks", adding=True)
    conn = get_db()
    task = get_task(conn, project.id, task_id)
    if task is None:
        abort(404)
    if task.author_id != user_id(g.wp_user):
        abort(403, description=_("You can change only the tasks you added."))
    try:
        with conn.transaction():
            status = set_task_status(conn, task.id, request.form.get("status_id", ""))
            _log(
                conn,
                "task_status",
                project,
                object_type="ndpv_task",
                object_id=task.id,
                detail=f"{task.title[:150]}: {status.name}",
            )
    except ProjectError as exc:
        return _refused(project, f"task-{task.id}", str(exc))
    return _done(project, _("The task's status was changed."), f"task-{task.id}")


@bp.post("/projects/<int:project_id>/notes")
@client_required
def project_note_add(project_id: int):
    project = project_or_404(project_id)
    section_or_404(project, "notes", adding=True)
    conn = get_db()
    text = request.form.get("text", "")
    try:
        with conn.transaction():
            note_id = add_note(
                conn, project_id=project.id, author_id=user_id(g.wp_user), text=text
            )
            _log(
                conn,
                "note_add",
                project,
                object_type="ndpv_note",
                object_id=note_id,
                detail=" ".join(text.split())[:200],
            )
    except ProjectError as exc:
        return _refused(project, "note", str(exc))
    return _done(project, _("The note was added."), "notes")


@bp.post("/projects/<int:project_id>/files")
@client_required
def project_file_add(project_id: int):
    project = project_or_404(project_id)
    section_or_404(project, "files", adding=True)
    if request.form.get("kind") == "link":
        return _add_link(project)
    return _upload(project)


def _add_link(project: Project):
    conn = get_db()
    url = request.form.get("url", "")
    try:
        with conn.transaction():
            file_id = add_link(
                conn,
                project_id=project.id,
                author_id=user_id(g.wp_user),
                url=url,
                title=request.form.get("title", ""),
            )
            _log(
                conn,
                "link_add",
                project,
                object_type="ndpv_file",
                object_id=file_id,
                detail=url.strip()[:500],
            )
    except ProjectError as exc:
        return _refused(project, "link", str(exc))
    return _done(project, _("The link was added."), "files")


def _upload(project: Project):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _refused(project, "file", _("Choose a file to upload."))
    config = settings()
    conn = get_db()

    def log_upload(conn: Connection, stored) -> None:
        _log(
            conn,
            "file_upload",
            project,
            object_type="ndpv_file",
            object_id=stored.file_id,
            detail=f"{upload.filename[:200]} ({stored.size} bytes)",
        )

    try:
        store_upload(
            conn,
            project_id=project.id,
            author_id=user_id(g.wp_user),
            stream=upload.stream,
            filename=upload.filename,
            uploads_dir=config.uploads_dir,
            site_url=config.site_url,
            size_limit=config.upload_limit,
            title=request.form.get("title", ""),
            also=log_upload,
        )
    except UploadRefused as exc:
        log.info("upload refused: %s", exc)
        return _refused(project, "file", str(exc))
    except ProjectError as exc:
        return _refused(project, "file", str(exc))
    return _done(project, _("The file was uploaded."), "files")


@bp.post("/projects/<int:project_id>/settings")
@client_required
def project_settings(project_id: int):
    project = project_or_404(project_id)
    conn = get_db()
    wanted = [event for event in NOTIFY_EVENTS if request.form.get(f"notify_{event}")]
    with conn.transaction():
        save_notification_choices(conn, user_id(g.wp_user), project.id, wanted)
        _log(
            conn,
            "settings_change",
            project,
            object_type="notifications",
            detail="email on: " + (", ".join(wanted) or "nothing"),
        )
    return _done(project, _("Your email choices were saved."), "settings")


# -- what an administrator decides ---------------------------------------------------


@bp.post("/projects/<int:project_id>/permissions")
@login_required
def project_permissions(project_id: int):
    """Store which sections clients see and may add to, for administrators only.

    Not a client's action: clients are refused before the project is even looked
    up, and nothing goes into the activity log.
    """
    if not can_manage_permissions():
        abort(403, description=_("Only administrators can change what clients see."))
    conn = get_db()
    if not project_exists(conn, project_id):
        abort(404)
    try:
        permissions = read_permissions_form(request.form)
    except PermissionsError as exc:
        return _permissions_refused(project_id, exc)
    if not set_client_permissions(conn, project_id, permissions):
        abort(404)  # deleted since the check above
    log.info(
        "client permissions of project %s set by user %s",
        project_id,
        user_id(g.wp_user),
    )
    flash(_("The client permissions were saved."), "success")
    return redirect(
        url_for("portal.project", project_id=project_id, _anchor="permissions"), 303
    )


def _permissions_refused(project_id: int, exc: PermissionsError):
    """Show the project again with the message by the panel, or a plain 400 page.

    The administrator's chosen client may not see this project, or none may be
    chosen yet; then there is no project page to show the panel on.
    """
    if exc.section:
        message = _(
            "Clients can add only to what they see: tick “Client sees” for "
            "%(section)s too, or untick “Client may add”.",
            section=section_labels()[exc.section],
        )
    else:
        message = _("The permissions were not understood. Reload the page and retry.")
    project = get_project(get_db(), scope(), project_id) if resolve_client() else None
    if project is None:
        abort(400, description=message)
    values = {key: value for key, value in request.form.items() if key != "csrf_token"}
    return project_page(
        project, errors={"permissions": message}, form=values, status=400
    )


def _refused(project: Project, form_name: str, message: str):
    """Show the project again with the message by the form and what was typed."""
    values = {key: value for key, value in request.form.items() if key != "csrf_token"}
    return project_page(project, errors={form_name: message}, form=values, status=400)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge):
    """Say plainly that an upload was too big, back on the project when it was one.

    The body is refused before any view runs, so the project page itself checks
    whose project it is after the redirect.
    """
    message = too_big_message(settings().upload_limit)
    project_id = (request.view_args or {}).get("project_id")
    if request.endpoint == "portal.project_file_add" and project_id:
        flash(message, "error")
        return redirect(
            url_for("portal.project", project_id=project_id, _anchor="files"), 303
        )
    return render_template(
        "portal/error.html", status=413, title=_("File too big"), message=message
    ), 413


# -- downloads -------------------------------------------------------------------------


@bp.get("/files/<int:file_id>")
@client_required
def project_file_download(file_id: int):
    """Send a file of one of the client's projects, always as a download.

    The path comes only from the attachment's `_wp_attached_file`, resolved inside
    the uploads folder; nothing in the request names a path.
    """
    conn = get_db()
    item = get_file(conn, file_id)
    if item is None:
        abort(404)
    project = project_or_404(item.project_id)
    section_or_404(project, "files")
    download = download_for(item, settings().uploads_dir)
    if download is None:
        abort(404)
    response = send_file(
        download.path,
        mimetype=download.mime,
        as_attachment=True,
        download_name=download.name,
        conditional=True,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
