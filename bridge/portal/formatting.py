"""How the portal shows money, dates and statuses, in the visitor's locale."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from flask import g
from flask_babel import lazy_gettext as _l

from ..crm.documents import parse_moment
from ..money import format_money, parse_locale
from ..web import get_db
from ..wp.posts import site_timezone
from . import bp

STATUS_LABELS = {
    "draft": _l("Draft"),
    "sent": _l("Awaiting response"),
    "viewed": _l("Viewed"),
    "accept": _l("Accepted"),
    "decline": _l("Declined"),
    "paid_req": _l("Payment pending"),
    "paid": _l("Paid"),
    "overdue": _l("Overdue"),
    "expired": _l("Expired"),
    "unpaid": _l("Unpaid"),
}
INVOICE_STATUS_LABELS = {**STATUS_LABELS, "sent": _l("Unpaid"), "viewed": _l("Unpaid")}


def locale_name() -> str:
    return str(g.get("locale") or "en")


def timezone() -> tzinfo:
    """The WordPress site's time zone, read once a request."""
    if "site_timezone" not in g:
        g.site_timezone = site_timezone(get_db())
    return g.site_timezone


def local_date(moment: datetime | date | None) -> date | None:
    """The calendar day a stored moment falls on in the site's time zone."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone())
        return moment.date()
    return moment


@bp.app_template_filter("money")
def money_filter(amount: Decimal | None, currency: str) -> str:
    return format_money(
        amount if amount is not None else Decimal(0), currency, locale_name()
    )


@bp.app_template_filter("day")
def day_filter(moment: datetime | date | int | None, style: str = "medium") -> str:
    if isinstance(moment, int | float) and not isinstance(moment, bool):
        moment = datetime.fromtimestamp(moment, UTC)
    elif isinstance(moment, str):
        moment = parse_moment(moment)
    day = local_date(moment)
    if day is None:
        return "—"
    return format_date(day, style, locale=parse_locale(locale_name()))


@bp.app_template_filter("quantity")
def quantity_filter(value: Decimal | None) -> str:
    from babel.numbers import format_decimal

    number = value if value is not None else Decimal(0)
    return format_decimal(
        number.normalize() if number == number.to_integral() else number,
        locale=parse_locale(locale_name()),
        decimal_quantization=False,
    )


@bp.app_template_global()
def status_label(status: str, kind: str = "estimate") -> Any:
    labels = INVOICE_STATUS_LABELS if kind == "invoice" else STATUS_LABELS
    return labels.get(status, status.replace("_", " ").capitalize())
