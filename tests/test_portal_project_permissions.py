"""What an administrator lets clients see and add on a project, and the plugin's
option that shows an organization's projects to its people; SQLite and MariaDB."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from portal_support import PORTAL_CLIENTS, PREFIX, client_for, csrf_token_of, log_in

from bridge.crm.activity import POST_TYPE as ACTIVITY_TYPE
from bridge.crm.files import list_files
from bridge.crm.projects import (
    PERMISSIONS_META,
    SECTIONS,
    Access,
    Permissions,
    PermissionsError,
    org_projects_visible,
    parse_permissions,
    permissions_value,
    read_permissions_form,
    set_client_permissions,
)
from bridge.crm.tasks import list_tasks, task_types
from bridge.wp.meta import get_meta, update_meta
from bridge.wp.options import delete_option, get_option, update_option
from bridge.wp.posts import update_post

pytest_plugins = ("portal_fixtures",)

ALL_ON = {f"{section}_{flag}": "1" for section in SECTIONS for flag in ("view", "add")}


def text(response) -> str:
    return response.get_data(as_text=True)


def row_count(conn) -> tuple[int, int]:
    return (
        conn.scalar("SELECT COUNT(*) FROM {posts}"),
        conn.scalar("SELECT COUNT(*) FROM {postmeta}"),
    )


def activity_count(conn) -> int:
    return conn.scalar(
        "SELECT COUNT(*) FROM {posts} WHERE post_type = %s", (ACTIVITY_TYPE,)
    )


def stored(conn, project_id):
    return get_meta(conn, "post", project_id, PERMISSIONS_META)


def set_permissions(http, project_id, fields):
    return http.post(f"{PREFIX}/projects/{project_id}/permissions", data=fields)


def upload(http, project_id, name="a.txt", data=b"words"):
    return http.post(
        f"{PREFIX}/projects/{project_id}/files",
        data={"kind": "file", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def project_id(demo) -> int:
    return demo.projects["maya"][0]


@pytest.fixture
def admin(portal, demo):
    """The demo administrator, looking at the portal as Maya."""
    http = client_for(portal, demo, "admin")
    http.get(f"{PREFIX}/choose-client?client={demo.clients['maya']}")
    return http


@pytest.fixture
def maya(portal, demo):
    return client_for(portal, demo, "maya")


# -- the panel ----------------------------------------------------------------------


def test_an_admin_sees_the_panel_with_the_current_choice(admin, conn, project_id):
    set_client_permissions(
        conn,
        project_id,
        Permissions(notes=Access(view=True, add=False), files=Access(False, False)),
    )

    html = text(admin.get(f"{PREFIX}/projects/{project_id}"))

    assert 'id="permissions"' in html and "Client permissions" in html
    assert f'action="{PREFIX}/projects/{project_id}/permissions"' in html
    assert "Client sees" in html and "Client may add" in html
    for name, ticked in {
        "tasks_view": True,
        "tasks_add": True,
        "notes_view": True,
        "notes_add": False,
        "files_view": False,
        "files_add": False,
    }.items():
        box = f'name="{name}" value="1" checked>'
        assert (box in html) == ticked, name


@pytest.mark.parametrize("key", PORTAL_CLIENTS)
def test_clients_never_see_the_panel(portal, demo, key):
    http = client_for(portal, demo, key)

    for project_id in demo.projects[key]:
        html = text(http.get(f"{PREFIX}/projects/{project_id}"))
        assert 'id="permissions"' not in html
        assert "Client permissions" not in html
        assert "/permissions" not in html


# -- the admin decides, the client's page follows ----------------------------------


def test_an_admin_hides_and_locks_sections(admin, maya, demo, conn, project_id):
    brief = next(f for f in list_files(conn, project_id).items if not f.is_link)
    task_title = list_tasks(conn, project_id).items[0].title
    before_activity = activity_count(conn)

    response = set_permissions(
        admin, project_id, {"tasks_view": "1", "notes_view": "1", "notes_add": "1"}
    )

    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"{PREFIX}/projects/{project_id}#permissions"
    )
    assert parse_permissions(stored(conn, project_id)) == Permissions(
        tasks=Access(view=True, add=False),
        notes=Access(view=True, add=True),
        files=Access(view=False, add=False),
    )
    # The choice is the administrator's, not something the client did.
    assert activity_count(conn) == before_activity

    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))
    assert 'id="tasks"' in html and task_title in html
    assert 'id="task-form"' not in html
    assert 'id="note-form"' in html
    assert 'id="files"' not in html and 'id="file-form"' not in html
    before = row_count(conn)
    task_type = task_types(conn)[0].id
    refused_task = maya.post(
        f"{PREFIX}/projects/{project_id}/tasks",
        data={"title": "x", "type_id": task_type},
    )
    assert refused_task.status_code == 403
    assert upload(maya, project_id).status_code == 404
    link = maya.post(
        f"{PREFIX}/projects/{project_id}/files",
        data={"kind": "link", "url": "https://x.example"},
    )
    assert link.status_code == 404
    assert maya.get(f"{PREFIX}/files/{brief.id}").status_code == 404
    assert row_count(conn) == before

    note = maya.post(f"{PREFIX}/projects/{project_id}/notes", data={"text": "still"})
    assert note.status_code == 303


def test_an_admin_opens_everything_again(admin, maya, conn, project_id):
    set_permissions(admin, project_id, {})
    assert parse_permissions(stored(conn, project_id)) == Permissions(
        Access(False, False), Access(False, False), Access(False, False)
    )
    hidden = text(maya.get(f"{PREFIX}/projects/{project_id}"))
    assert all(f'id="{s}"' not in hidden for s in SECTIONS)

    assert set_permissions(admin, project_id, ALL_ON).status_code == 303

    assert parse_permissions(stored(conn, project_id)) == Permissions()
    html = text(maya.get(f"{PREFIX}/projects/{project_id}"))
    for form in ("task-form", "note-form", "file-form", "link-form"):
        assert f'id="{form}"' in html


def test_the_admin_page_shows_the_saved_choice(admin, project_id):
    response = set_permissions(admin, project_id, {"files_view": "1"})
    page = admin.get(response.headers["Location"])

    html = text(page)
    assert "The client permissions were saved." in html
    assert 'name="files_view" value="1" checked>' in html
    assert 'name="tasks_view" value="1">' in html


def test_an_admin_needs_no_chosen_client(portal, demo, conn):
    http = client_for(portal, demo, "admin")
    project_id = demo.projects["acme"][0]

    response = set_permissions(http, project_id, {"tasks_view": "1"})

    assert response.status_code == 303
    assert parse_permissions(stored(conn, project_id)).tasks == Access(True, False)


# -- who may -------------------------------------------------------------------------


@pytest.mark.parametrize("key", PORTAL_CLIENTS)
def test_clients_cannot_set_permissions(portal, demo, conn, key):
    http = client_for(portal, demo, key)
    projects = [pid for ids in demo.projects.values() for pid in ids]
    before = row_count(conn)

    for project_id in [*projects, 999_999]:
        response = set_permissions(http, project_id, {"tasks_view": "1"})
        assert response.status_code in (403, 404), project_id

    assert row_count(conn) == before
    assert all(stored(conn, pid) is None for pid in projects)


def test_a_client_with_portal_access_off_cannot_either(portal, demo, conn):
    http = portal.test_client()
    log_in(http, demo, "lena")
    project_id = demo.projects["lena"][0]

    assert set_permissions(http, project_id, {}).status_code == 403
    assert stored(conn, project_id) is None


def test_anonymous_visitors_are_sent_to_log_in(portal, conn, project_id):
    response = set_permissions(portal.test_client(), project_id, {})

    assert response.status_code in (302, 303)
    assert "login" in response.headers["Location"]
    assert stored(conn, project_id) is None


def test_a_user_with_manage_options_but_another_role_may(portal, demo, conn):
    prefix = conn.database.prefix
    roles = get_option(conn, f"{prefix}user_roles")
    roles["site_manager"] = {
        "name": "Site manager",
        "capabilities": {"read": True, "manage_options": True},
    }
    update_option(conn, f"{prefix}user_roles", roles)
    admin_id = conn.scalar("SELECT ID FROM {users} WHERE user_login = %s", ("admin",))
    update_meta(
        conn, "user", int(admin_id), f"{prefix}capabilities", {"site_manager": True}
    )
    http = client_for(portal, demo, "admin")
    project_id = demo.projects["maya"][0]

    assert set_permissions(http, project_id, {"notes_view": "1"}).status_code == 303
    assert parse_permissions(stored(conn, project_id)).notes == Access(True, False)


def test_a_client_is_told_why(portal, demo, conn):
    http = client_for(portal, demo, "maya")

    response = set_permissions(http, demo.projects["maya"][0], ALL_ON)

    assert response.status_code == 403
    assert "Only administrators" in text(response)


# -- refused input -------------------------------------------------------------------


@pytest.fixture
def csrf_portal(app_config, demo):
    from bridge import create_app

    return create_app(app_config)


def test_the_csrf_token_is_required(csrf_portal, demo, conn, project_id):
    http = csrf_portal.test_client()
    log_in(http, demo, "admin", csrf_token_of(text(http.get(f"{PREFIX}/login"))))
    http.get(f"{PREFIX}/choose-client?client={demo.clients['maya']}")

    refused = set_permissions(http, project_id, {"tasks_view": "1"})
    forged = set_permissions(http, project_id, {"csrf_token": "x" * 40})

    assert refused.status_code == 400 and forged.status_code == 400
    assert stored(conn, project_id) is None
    page = text(http.get(f"{PREFIX}/projects/{project_id}"))
    token = csrf_token_of(page[page.index('id="permissions-form"') :])
    ok = set_permissions(http, project_id, {"tasks_view": "1", "csrf_token": token})
    assert ok.status_code == 303
    assert parse_permissions(stored(conn, project_id)).tasks == Access(True, False)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({**ALL_ON, "tasks_view": "yes"}, "not understood"),
        ({**ALL_ON, "notes_add": ""}, "not understood"),
        ({**ALL_ON, "files_view": "0"}, "not understood"),
        ({"tasks_add": "1"}, "Clients can add only to what they see"),
        ({**ALL_ON, "notes_view": None}, "Clients can add only to what they see"),
    ],
)
def test_bad_input_is_refused_with_a_message(admin, conn, project_id, fields, message):
    fields = {name: value for name, value in fields.items() if value is not None}
    before = row_count(conn)

    response = set_permissions(admin, project_id, fields)

    assert response.status_code == 400
    html = text(response)
    assert message in html
    # The panel comes back with the message by it and what was ticked.
    assert 'id="permissions-error"' in html
    assert row_count(conn) == before and stored(conn, project_id) is None


def test_bad_input_on_a_project_the_chosen_client_does_not_see(admin, demo, conn):
    project_id = demo.projects["acme"][0]

    response = set_permissions(admin, project_id, {"tasks_add": "1"})

    assert response.status_code == 400
    assert "Clients can add only to what they see" in text(response)
    assert stored(conn, project_id) is None


def test_only_published_projects_can_be_changed(admin, demo, conn):
    maya_id = demo.clients["maya"]
    task_id = list_tasks(conn, demo.projects["maya"][0]).items[0].id
    trashed = demo.projects["maya"][1]
    update_post(conn, trashed, post_status="trash")
    before = row_count(conn)

    for target in (999_999, maya_id, task_id, trashed):
        assert set_permissions(admin, target, ALL_ON).status_code == 404, target
        bad = set_permissions(admin, target, {"tasks_add": "1"})
        assert bad.status_code == 404, target

    assert row_count(conn) == before
    for target in (maya_id, task_id, trashed):
        assert stored(conn, target) is None


# -- the CRM functions ----------------------------------------------------------------


def test_the_form_reader_ignores_other_fields():
    permissions = read_permissions_form(
        {"csrf_token": "t", "tasks_view": "1", "files_view": "1", "files_add": "1"}
    )

    assert permissions == Permissions(
        tasks=Access(True, False), notes=Access(False, False), files=Access(True, True)
    )


def test_the_form_reader_names_the_contradicting_section():
    with pytest.raises(PermissionsError) as refused:
        read_permissions_form({"tasks_view": "1", "files_add": "1"})

    assert refused.value.section == "files"


def test_the_stored_value_reads_back(conn, demo):
    project_id = demo.projects["acme"][0]
    chosen = Permissions(notes=Access(True, False), files=Access(False, False))

    assert set_client_permissions(conn, project_id, chosen) is True
    assert set_client_permissions(conn, project_id, chosen) is True

    assert stored(conn, project_id) == permissions_value(chosen)
    count = conn.scalar(
        "SELECT COUNT(*) FROM {postmeta} WHERE post_id = %s AND meta_key = %s",
        (project_id, PERMISSIONS_META),
    )
    assert count == 1
    assert set_client_permissions(conn, demo.clients["acme"], chosen) is False


# -- the organization's projects, for its people ------------------------------------


@pytest.mark.parametrize(
    ("value", "visible"),
    [(None, True), ("1", True), ("0", False), ("", False), ("off", False)],
)
def test_the_option_toggles_the_organizations_projects_for_jonas(
    portal, demo, conn, value, visible
):
    if value is None:
        delete_option(conn, "wppb_org_projects_visible")
    else:
        update_option(conn, "wppb_org_projects_visible", value)
    http = client_for(portal, demo, "jonas")

    listing = text(http.get(f"{PREFIX}/projects"))

    assert org_projects_visible(conn) is visible
    for project_id in demo.projects["jonas"]:
        assert f'href="{PREFIX}/projects/{project_id}"' in listing
    for project_id in demo.projects["acme"]:
        shown = f'href="{PREFIX}/projects/{project_id}"' in listing
        assert shown is visible
        page = http.get(f"{PREFIX}/projects/{project_id}")
        assert page.status_code == (200 if visible else 404)


def test_the_option_does_not_touch_the_organization_itself(portal, demo, conn):
    update_option(conn, "wppb_org_projects_visible", "0")
    http = client_for(portal, demo, "acme")

    for project_id in demo.projects["acme"]:
        assert http.get(f"{PREFIX}/projects/{project_id}").status_code == 200


# -- the plugin's checkbox, in a real WordPress ---------------------------------------

SETTINGS_CLASS = (
    Path(__file__).parents[1] / "plugin-shim/includes/class-wppb-settings.php"
)


@pytest.fixture(scope="module")
def wp(tmp_path_factory):
    """WordPress 6.1 with the plugin's settings class loaded in each PHP run."""
    from wordpress import WordPressUnavailable, start_wordpress

    try:
        with start_wordpress("6.1", tmp_path_factory.mktemp("wordpress")) as site:
            yield site
    except WordPressUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"WordPress 6.1 is required in CI: {exc}")
        pytest.skip(f"WordPress 6.1 cannot run here: {exc}")


def settings_php(wp, code: str):
    """Run `code` in WordPress after registering the settings as wp-admin does."""
    return wp.php(
        "require_once ABSPATH . 'wp-admin/includes/template.php';"
        f"require_once {json.dumps(str(SETTINGS_CLASS))};"
        "WPPB_Settings::register_fields();" + code
    )


# What options.php passes to update_option(): the last of the hidden '0' and the
# ticked box's '1', or nothing at all from a form without the field.
SUBMITTED = {"ticked": "'1'", "unticked": "'0'", "missing": "null"}


@pytest.mark.wordpress
@pytest.mark.parametrize(
    ("submitted", "stored_value", "visible"),
    [("ticked", None, True), ("unticked", "0", False), ("missing", "0", False)],
)
def test_the_plugins_checkbox_and_the_bridge_agree(
    wp, submitted, stored_value, visible
):
    result = settings_php(
        wp,
        "delete_option( 'wppb_org_projects_visible' );"
        f"update_option( 'wppb_org_projects_visible', {SUBMITTED[submitted]} );"
        "ob_start();"
        "WPPB_Settings::render_org_projects_field();"
        "return array("
        "  'visible' => WPPB_Settings::org_projects_visible(),"
        "  'field' => ob_get_clean(),"
        ");",
    )

    assert result["visible"] is visible
    assert ("checked='checked'" in result["field"]) is visible
    with wp.database().connect() as wp_conn:
        assert get_option(wp_conn, "wppb_org_projects_visible") == stored_value
        assert org_projects_visible(wp_conn) is visible


@pytest.mark.wordpress
def test_the_plugin_reads_stored_values_as_the_bridge_does(wp):
    values = ["1", "0", "", "off", "no", "false", " 0 ", "yes", "on", "2"]
    with wp.database().connect() as wp_conn:
        bridge = {}
        for value in values:
            update_option(wp_conn, "wppb_org_projects_visible", value)
            bridge[value] = org_projects_visible(wp_conn)
        delete_option(wp_conn, "wppb_org_projects_visible")
        bridge[None] = org_projects_visible(wp_conn)

    plugin = settings_php(
        wp,
        f"$values = json_decode( {json.dumps(json.dumps(values))}, true );"
        "$seen = array();"
        "foreach ( $values as $value ) {"
        "  $seen[] = WPPB_Settings::is_on( $value );"
        "}"
        "delete_option( 'wppb_org_projects_visible' );"
        "$seen[] = WPPB_Settings::org_projects_visible();"
        "return $seen;",
    )

    assert plugin == list(bridge.values())
    assert bridge[None] is True and bridge["0"] is False and bridge[""] is False
