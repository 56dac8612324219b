"""What the estimate and invoice pages share: lists, one document, PDF and print."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from babel.core import get_global
from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
)
from flask_babel import gettext as _

from ..crm.activity import record_activity
from ..crm.business import Business, get_business, logo_path
from ..crm.clients import Client, get_client
from ..crm.documents import (
    FILTERS,
    AlreadyDecided,
    Document,
    decide,
    get_document,
    list_documents,
    mark_viewed,
    overdue_cutoff,
)
from ..money import parse_locale
from ..web import get_db, settings
from .access import acting_admin, client_ids, current_client, found_or_404, user_id
from .formatting import local_date, timezone

log = logging.getLogger(__name__)

# Where US Letter is the paper in use (CLDR's paper sizes); A4 everywhere else.
LETTER_COUNTRIES = frozenset(
    ("BZ", "CA", "CL", "CO", "CR", "GT", "MX", "NI", "PA", "PH", "PR", "SV", "US", "VE")
)
# Long forms of country names that CLDR does not list.
COUNTRY_NAMES = {"united states of america": "US"}


def client_ip() -> str:
    return request.remote_addr or ""


def cutoff() -> datetime:
    if "overdue_cutoff" not in g:
        g.overdue_cutoff = overdue_cutoff(get_db(), datetime.now(UTC), timezone())
    return g.overdue_cutoff


def list_page(path: str, template: str):
    """Render one page of the client's estimates or invoices."""
    status = request.args.get("status", "")
    if status not in FILTERS[path]:
        status = ""
    page = list_documents(
        get_db(),
        path,
        client_ids(),
        status=status or None,
        page=request.args.get("page", 1, type=int) or 1,
        cutoff=cutoff(),
    )
    return render_template(template, page=page, status=status, cutoff=cutoff())


def client_document(path: str, doc_id: int) -> Document:
    """The current client's estimate or invoice.

    :raise 404: when it is missing, a draft, of the other kind or another client's.
    """
    return found_or_404(get_document(get_db(), doc_id, path, client_ids()))


def parties(document: Document) -> tuple[Business | None, Client | None]:
    """The business that sent a document and the client it is addressed to."""
    conn = get_db()
    return get_business(conn, document.business_id), get_client(
        conn, document.client_id
    )


def record_view(
    document: Document, *, actor_id: int, client_id: int, via: str = "portal"
) -> None:
    """Mark a sent document viewed and log the view, in one transaction."""
    conn = get_db()
    with conn.transaction():
        mark_viewed(conn, document)
        record_activity(
            conn,
            actor_id=actor_id,
            client_id=client_id,
            action=f"{document.path}_view",
            object_type=document.path,
            object_id=document.id,
            project_id=document.project_id,
            ip=client_ip(),
            detail="" if via == "portal" else via,
        )


def detail_page(path: str, doc_id: int, template: str):
    """Show one document; the client opening it marks it viewed."""
    document = client_document(path, doc_id)
    if not acting_admin():
        client = current_client()
        record_view(document, actor_id=user_id(g.wp_user), client_id=client.id)
    business, recipient = parties(document)
    return render_template(
        template,
        doc=document,
        business=business,
        recipient=recipient,
        cutoff=cutoff(),
    )


# -- decisions ---------------------------------------------------------------------


def decision_messages(decision: str) -> dict[str, str]:
    if decision == "accept":
        return {
            "done": _("Thank you. You accepted this estimate."),
        }
    return {"done": _("You declined this estimate. Thank you for letting us know.")}


def already_message(status: str) -> str:
    if status == "accept":
        return _("This estimate was already accepted.")
    if status == "decline":
        return _("This estimate was already declined.")
    return _("This estimate can no longer be accepted or declined.")


def decide_from_form(
    document: Document,
    decision: str,
    *,
    actor_id: int,
    client_id: int,
    via: str,
    back: str,
    confirm_template: str,
    confirm_context: dict[str, Any],
):
    """Accept or decline from a submitted form, after an explicit confirmation.

    A submit without `confirmed` (a browser without script) gets a confirmation
    page first; a second decision says it was already made.
    """
    note = (request.form.get("note") or "").strip()
    if not document.decidable:
        flash(already_message(document.status), "error")
        return redirect(back, 303)
    if request.form.get("confirmed") != "1":
        return render_template(
            confirm_template,
            doc=document,
            decision=decision,
            note=note,
            **confirm_context,
        )
    try:
        decide(
            get_db(),
            document,
            decision,
            note,
            user_id=actor_id,
            client_id=client_id,
            ip=client_ip(),
            via=via,
        )
    except AlreadyDecided as exc:
        flash(already_message(exc.status), "error")
        return redirect(back, 303)
    flash(decision_messages(decision)["done"], "success")
    return redirect(back, 303)


# -- PDF and print -------------------------------------------------------------------


def pdf_response(document: Document) -> Response:
    """The document as a PDF attachment."""
    from ..pdf import document_filename, render_document

    business, recipient = parties(document)
    data = render_document(pdf_document(document, business, recipient))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{document_filename(document.path, document.number)}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def pdf_document(
    document: Document, business: Business | None, recipient: Client | None
):
    from ..pdf import PdfDocument, PdfParty

    sender = PdfParty(name="")
    if business is not None:
        sender = PdfParty(
            name=business.name,
            org_name="",
            email=business.email,
            phone=business.mobile,
            web=business.web,
            address_lines=tuple(business.address_lines),
            logo_path=logo_path(business, settings().uploads_dir),
        )
    to = PdfParty(name="")
    if recipient is not None:
        to = PdfParty(
            name=recipient.name,
            org_name=recipient.org_name,
            email=recipient.email,
            phone=recipient.mobile,
            web=recipient.web,
            address_lines=tuple(recipient.address_lines),
        )
    info = document.payment_info if document.path == "invoice" else ""
    locale = str(g.get("locale") or "en")
    return PdfDocument(
        kind=document.path,
        number=document.number,
        date=local_date(document.date),
        due_date=local_date(document.due_date),
        status=document.status,
        overdue=document.is_past_due(cutoff()),
        currency=document.currency,
        locale=locale,
        sender=sender,
        recipient=to,
        invoice=document.invoice,
        paid=document.paid if document.path == "invoice" else None,
        due=document.due if document.path == "invoice" else None,
        note=str(document.invoice.get("note") or ""),
        payment_details=((_("Payment"), info),) if info else (),
        item_label=str(document.invoice.get("item_label") or ""),
        page_size=page_size(business.country if business else "", locale),
        labels=pdf_labels(),
    )


def pdf_labels() -> dict[str, str]:
    """The words a PDF prints, in the language of the request."""
    return {
        "invoice": _("Invoice"),
        "estimate": _("Estimate"),
        "bill_to": _("Bill to"),
        "estimate_for": _("Estimate for"),
        "invoice_date": _("Invoice date"),
        "estimate_date": _("Estimate date"),
        "due_date": _("Due date"),
        "valid_until": _("Valid until"),
        "amount_due": _("Amount due"),
        "subtotal": _("Subtotal"),
        "item_tax": _("Item taxes"),
        "total": _("Total"),
        "paid": _("Paid"),
        "items": _("Items"),
        "qty": _("Qty"),
        "price": _("Unit price"),
        "tax": _("Tax"),
        "fee": _("Fee"),
        "discount": _("Discount"),
        "amount": _("Amount"),
        "no_items": _("No items"),
        "note": _("Notes"),
        "terms": _("Terms"),
        "payment_details": _("Payment details"),
        # The PDF fills these in, so no values are given here.
        "page": _("Page %(page)s of %(pages)s"),
        "from": _("from %(name)s"),
        "to": _("to %(name)s"),
        "status_paid": _("Paid"),
        "status_accept": _("Accepted"),
        "status_decline": _("Declined"),
        "status_overdue": _("Overdue"),
        "status_expired": _("Expired"),
    }


def page_size(country: str, locale: str = "en") -> str:
    """Return "Letter" for a business in a country that uses it, else "A4"."""
    return "Letter" if country_code(country, locale) in LETTER_COUNTRIES else "A4"


def country_code(country: str, locale: str = "en") -> str:
    """Return the two-letter code of a country as Propovoice may store it, or "".

    That is a code ("US", "USA", "U.S.") or a name in English or in ``locale``
    ("United States", "Vereinigte Staaten").
    """
    value = " ".join(str(country or "").replace(".", "").split())
    code = value.upper()
    if len(code) == 2 and code.isalpha():
        return code
    aliases = get_global("territory_aliases")
    if code in aliases:
        return aliases[code][0]

    name = value.casefold()
    if name in COUNTRY_NAMES:
        return COUNTRY_NAMES[name]
    for language in ("en", locale):
        for found, territory in parse_locale(language).territories.items():
            if territory.casefold() == name:
                return found
    return ""


def print_page(document: Document, back: str):
    """The document alone, laid out for paper, opening the print dialog."""
    business, recipient = parties(document)
    paper = request.args.get("paper", "")
    if paper not in ("a4", "letter"):
        paper = default_paper()
    return render_template(
        "portal/print.html",
        doc=document,
        business=business,
        recipient=recipient,
        cutoff=cutoff(),
        paper=paper,
        back=back,
        autoprint=request.args.get("autoprint", "1") != "0",
    )


def default_paper() -> str:
    """Letter where it is the custom (the Americas' letter countries), else A4."""
    territory = str(g.get("locale") or "en_US").replace("-", "_").partition("_")[2]
    if territory.upper() in ("US", "CA", "MX", "PH", "CL", "CO", "VE") or (
        not territory and str(g.get("locale") or "en").startswith("en")
    ):
        return "letter"
    return "a4"
