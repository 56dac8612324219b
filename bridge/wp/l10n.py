"""Which language WordPress speaks to a user: their own choice, else the site's."""

from __future__ import annotations

from typing import Any

from .db import Connection
from .meta import get_meta
from .options import get_option

# WordPress keeps a user's choice (Profile, Language) in this user meta, empty for
# the site's default, and the site's language (Settings, General) in this option,
# empty for US English.
USER_LOCALE_META = "locale"
SITE_LOCALE_OPTION = "WPLANG"


def choose_locale(user_choice: Any, site_choice: Any) -> str:
    """The user's locale, else the site's, else English, as WordPress chooses."""
    for choice in (user_choice, site_choice):
        text = str(choice or "").strip()
        if text:
            return text
    return "en"


def user_locale(conn: Connection, user_id: int) -> str:
    """The locale WordPress would use for this user; the site's for no user (0)."""
    chosen = get_meta(conn, "user", user_id, USER_LOCALE_META) if user_id else None
    # The option is read only when the user has no language of their own.
    site = None if str(chosen or "").strip() else get_option(conn, SITE_LOCALE_OPTION)
    return choose_locale(chosen, site)
