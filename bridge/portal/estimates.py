"""Estimates: the list, one estimate, accepting or declining it, PDF and print."""

from __future__ import annotations

from flask import g, url_for

from . import bp
from .access import client_required, current_client, user_id
from .documents import (
    client_document,
    decide_from_form,
    detail_page,
    list_page,
    pdf_response,
    print_page,
)

PATH = "estimate"


@bp.get("/estimates")
@client_required
def estimates():
    return list_page(PATH, "portal/estimates/list.html")


@bp.get("/estimates/<int:doc_id>")
@client_required
def estimate(doc_id: int):
    return detail_page(PATH, doc_id, "portal/estimates/detail.html")


@bp.post("/estimates/<int:doc_id>/accept")
@client_required
def estimate_accept(doc_id: int):
    return _decide(doc_id, "accept")


@bp.post("/estimates/<int:doc_id>/decline")
@client_required
def estimate_decline(doc_id: int):
    return _decide(doc_id, "decline")


def _decide(doc_id: int, decision: str):
    document = client_document(PATH, doc_id)
    back = url_for("portal.estimate", doc_id=document.id)
    return decide_from_form(
        document,
        decision,
        actor_id=user_id(g.wp_user),
        client_id=current_client().id,
        via="portal",
        back=back,
        confirm_template="portal/estimates/confirm.html",
        confirm_context={
            "action": url_for(f"portal.estimate_{decision}", doc_id=document.id),
            "back": back,
            "token": None,
        },
    )


@bp.get("/estimates/<int:doc_id>/pdf")
@client_required
def estimate_pdf(doc_id: int):
    return pdf_response(client_document(PATH, doc_id))


@bp.get("/estimates/<int:doc_id>/print")
@client_required
def estimate_print(doc_id: int):
    document = client_document(PATH, doc_id)
    return print_page(document, url_for("portal.estimate", doc_id=document.id))
