"""Invoices: the list (overdue derived from the due date), one invoice, PDF, print."""

from __future__ import annotations

from flask import url_for

from . import bp
from .access import client_required
from .documents import (
    client_document,
    detail_page,
    list_page,
    pdf_response,
    print_page,
)

PATH = "invoice"


@bp.get("/invoices")
@client_required
def invoices():
    return list_page(PATH, "portal/invoices/list.html")


@bp.get("/invoices/<int:doc_id>")
@client_required
def invoice(doc_id: int):
    return detail_page(PATH, doc_id, "portal/invoices/detail.html")


@bp.get("/invoices/<int:doc_id>/pdf")
@client_required
def invoice_pdf(doc_id: int):
    return pdf_response(client_document(PATH, doc_id))


@bp.get("/invoices/<int:doc_id>/print")
@client_required
def invoice_print(doc_id: int):
    document = client_document(PATH, doc_id)
    return print_page(document, url_for("portal.invoice", doc_id=document.id))
