"""Public links: one estimate or invoice for whoever holds its token, no login.

The token is the document's own `token` meta (40 hex characters), compared in
constant time. A wrong, missing or malformed token, a draft and a missing document
all answer the same 404. Estimates can be accepted or declined from here, once.
"""

from __future__ import annotations

from flask import g, render_template, request, url_for

from ..crm.documents import Document, get_by_token
from ..web import get_db
from . import bp
from .access import found_or_404, user_id
from .documents import (
    cutoff,
    decide_from_form,
    parties,
    pdf_response,
    print_page,
    record_view,
)

# A token in the address must not travel on to other sites in a Referer header.
PRIVATE_HEADERS = {
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
}


def _public_document(doc_id: int) -> Document:
    token = request.values.get("token", "")
    return found_or_404(get_by_token(get_db(), doc_id, token))


def _actor_id() -> int:
    user = g.get("wp_user")
    return user_id(user) if user is not None else 0


def _view_url(document: Document) -> str:
    return url_for("portal.public_view", doc_id=document.id, token=document.token)


@bp.get("/view/<int:doc_id>")
def public_view(doc_id: int):
    document = _public_document(doc_id)
    record_view(
        document, actor_id=_actor_id(), client_id=document.client_id, via="public link"
    )
    business, recipient = parties(document)
    body = render_template(
        "portal/public.html",
        doc=document,
        business=business,
        recipient=recipient,
        cutoff=cutoff(),
        token=document.token,
    )
    return body, 200, PRIVATE_HEADERS


@bp.post("/view/<int:doc_id>/accept")
def public_accept(doc_id: int):
    return _decide(doc_id, "accept")


@bp.post("/view/<int:doc_id>/decline")
def public_decline(doc_id: int):
    return _decide(doc_id, "decline")


def _decide(doc_id: int, decision: str):
    document = _public_document(doc_id)
    if document.path != "estimate":
        return found_or_404(None)
    response = decide_from_form(
        document,
        decision,
        actor_id=_actor_id(),
        client_id=document.client_id,
        via="public link",
        back=_view_url(document),
        confirm_template="portal/estimates/confirm.html",
        confirm_context={
            "action": url_for(f"portal.public_{decision}", doc_id=document.id),
            "back": _view_url(document),
            "token": document.token,
        },
    )
    if isinstance(response, str):
        return response, 200, PRIVATE_HEADERS
    response.headers.update(PRIVATE_HEADERS)
    return response


@bp.get("/view/<int:doc_id>/pdf")
def public_pdf(doc_id: int):
    response = pdf_response(_public_document(doc_id))
    response.headers.update(PRIVATE_HEADERS)
    return response


@bp.get("/view/<int:doc_id>/print")
def public_print(doc_id: int):
    document = _public_document(doc_id)
    return print_page(document, _view_url(document)), 200, PRIVATE_HEADERS
