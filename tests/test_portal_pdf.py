"""The portal's PDFs: in the visitor's language, on the business's paper, own only."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime

import pytest
from babel.dates import format_date
from portal_support import PREFIX, client_for
from pypdf import PdfReader

from bridge.money import compute_totals, format_money
from bridge.portal.documents import country_code, page_size
from bridge.wp.meta import get_meta, update_meta
from bridge.wp.options import update_option
from bridge.wp.posts import site_timezone

pytest_plugins = ("portal_fixtures",)

A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)


def pdf_text(data: bytes) -> str:
    """The PDF's text as laid out, single-spaced, with plain spaces."""
    if shutil.which("pdftotext"):
        result = subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
            input=data,
            capture_output=True,
            check=True,
        )
        text = result.stdout.decode("utf-8")
    else:
        reader = PdfReader(io.BytesIO(data))
        text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[ \t\xa0\u202f]+", " ", text)


def paper(data: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


def business_id(conn) -> int:
    return int(
        conn.scalar("SELECT ID FROM {posts} WHERE post_type = %s", ("ndpv_business",))
    )


def local_day(conn, doc_id: int, key: str = "date"):
    stored = str(get_meta(conn, "post", doc_id, key))
    moment = datetime.fromisoformat(stored.replace("Z", "+00:00"))
    return moment.astimezone(site_timezone(conn)).date()


def test_a_german_user_gets_a_german_invoice(portal, demo, conn):
    update_option(conn, "WPLANG", "de_DE")
    http = client_for(portal, demo, "maya")
    doc_id = demo.invoices["maya"][4]
    totals = compute_totals(get_meta(conn, "post", doc_id, "invoice"))

    response = http.get(f"{PREFIX}/invoices/{doc_id}/pdf")

    assert response.status_code == 200
    assert "Invoice-" in response.headers["Content-Disposition"]
    text = pdf_text(response.data)
    for word in ("RECHNUNG", "RECHNUNG AN", "BEZAHLT", "Seite 1 von 1"):
        assert word in text
    assert re.search(r"Services Menge Einzelpreis Steuer Betrag", text)
    day = format_date(local_day(conn, doc_id), format="medium", locale="de_DE")
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", day)
    assert f"Rechnungsdatum {day}" in text
    total = format_money(totals.grand_total, "USD", "de_DE").replace("\xa0", " ")
    assert re.fullmatch(r"\d\.\d{3},\d\d \$", total)
    assert f"Gesamt {total}" in text
    subtotal = format_money(totals.items_total, "USD", "de_DE").replace("\xa0", " ")
    assert f"Zwischensumme {subtotal}" in text
    assert "Steuer (8,5%)" in text
    assert "Rabatt (5%)" in text
    for english in ("Invoice date", "Subtotal", "Amount due", "Page 1 of", "PAID"):
        assert english not in text
    metadata = PdfReader(io.BytesIO(response.data)).metadata
    assert metadata.title.startswith("Rechnung ")


def test_a_german_user_gets_a_german_estimate(portal, demo, conn):
    update_option(conn, "WPLANG", "de_DE")
    http = client_for(portal, demo, "maya")
    doc_id = demo.estimates["maya"][3]

    text = pdf_text(http.get(f"{PREFIX}/estimates/{doc_id}/pdf").data)

    for word in ("ANGEBOT", "ANGEBOT FÜR", "ANGENOMMEN", "Angebotsdatum", "Gültig bis"):
        assert word in text
    assert "Estimate" not in text


def test_an_english_user_gets_an_english_invoice(portal, demo, conn):
    http = client_for(portal, demo, "maya")
    doc_id = demo.invoices["maya"][4]
    totals = compute_totals(get_meta(conn, "post", doc_id, "invoice"))

    text = pdf_text(http.get(f"{PREFIX}/invoices/{doc_id}/pdf").data)

    for word in ("INVOICE", "BILL TO", "PAID", "Invoice date", "Page 1 of 1"):
        assert word in text
    assert f"Total {format_money(totals.grand_total, 'USD', 'en')}" in text


@pytest.mark.parametrize(
    ("country", "size"),
    [
        ("US", LETTER),
        ("United States", LETTER),
        ("Canada", LETTER),
        ("MX", LETTER),
        ("DE", A4),
        ("Germany", A4),
        ("", A4),
    ],
)
def test_the_paper_is_the_one_used_in_the_business_country(
    portal, demo, conn, country, size
):
    update_meta(conn, "post", business_id(conn), "country", country)
    http = client_for(portal, demo, "maya")
    doc_id = demo.invoices["maya"][1]
    totals = compute_totals(get_meta(conn, "post", doc_id, "invoice"))

    data = http.get(f"{PREFIX}/invoices/{doc_id}/pdf").data

    assert paper(data) == size
    text = pdf_text(data)
    assert f"Total {format_money(totals.grand_total, 'USD', 'en')}" in text
    assert "Page 1 of 1" in text


@pytest.mark.parametrize(
    ("country", "locale", "code", "size"),
    [
        ("US", "en", "US", "Letter"),
        ("us", "en", "US", "Letter"),
        ("USA", "en", "US", "Letter"),
        ("U.S.A.", "en", "US", "Letter"),
        ("840", "en", "US", "Letter"),
        ("United States", "en", "US", "Letter"),
        ("  united   states of America ", "en", "US", "Letter"),
        ("Vereinigte Staaten", "de_DE", "US", "Letter"),
        ("Canada", "fr", "CA", "Letter"),
        ("Mexico", "es", "MX", "Letter"),
        ("Philippines", "en", "PH", "Letter"),
        ("Chile", "en", "CL", "Letter"),
        ("Germany", "en", "DE", "A4"),
        ("GBR", "en", "GB", "A4"),
        ("United Kingdom", "en", "GB", "A4"),
        ("Frankreich", "de", "FR", "A4"),
        ("Atlantis", "en", "", "A4"),
        ("", "en", "", "A4"),
    ],
)
def test_country_code_and_page_size(country, locale, code, size):
    assert country_code(country, locale) == code
    assert page_size(country, locale) == size


@pytest.mark.parametrize("kind", ["invoices", "estimates"])
def test_a_client_cannot_download_anothers_or_a_draft(portal, demo, kind):
    http = client_for(portal, demo, "maya")
    foreign = getattr(demo, kind)["acme"][1]
    draft = getattr(demo, kind)["maya"][0]

    assert http.get(f"{PREFIX}/{kind}/{foreign}/pdf").status_code == 404
    assert http.get(f"{PREFIX}/{kind}/{draft}/pdf").status_code == 404
    assert http.get(f"{PREFIX}/{kind}/999999/pdf").status_code == 404
