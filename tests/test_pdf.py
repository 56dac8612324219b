"""Estimate and invoice PDFs, read back as text: every name and figure, by hand."""

import html
import io
import re
import shutil
import struct
import subprocess
import zlib
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from arabic_reshaper import reshape
from bidi import get_display
from pypdf import PdfReader
from reportlab.lib.units import mm

from bridge import pdf
from bridge.pdf import (
    LABELS,
    PdfDocument,
    PdfFontError,
    PdfParty,
    document_filename,
    render_document,
)

SENDER = PdfParty(
    name="Northwind Studio",
    org_name="Northwind Studio Ltd.",
    email="billing@northwind.example",
    phone="+44 20 7946 0000",
    web="https://northwind.example",
    address_lines=("12 Harbour Street", "Bristol BS1 4QA"),
)
RECIPIENT = PdfParty(
    name="Acme Corporation",
    email="accounts@acme.example",
    phone="+1 555 0100",
    address_lines=("1 Main Street", "Springfield"),
)


def make_doc(**changes) -> PdfDocument:
    values = {
        "kind": "invoice",
        "number": "Inv-12",
        "date": date(2026, 3, 2),
        "due_date": date(2026, 4, 1),
        "status": "sent",
        "overdue": False,
        "currency": "USD",
        "locale": "en",
        "sender": SENDER,
        "recipient": RECIPIENT,
        "invoice": {},
        "paid": None,
        "due": None,
    }
    values.update(changes)
    return PdfDocument(**values)


def pages_text(data: bytes) -> list[str]:
    """Return the text of each page, laid out as printed, spaces made plain."""
    if shutil.which("pdftotext"):
        result = subprocess.run(
            ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
            input=data,
            capture_output=True,
            check=True,
        )
        pages = result.stdout.decode("utf-8").split("\f")
        if pages and not pages[-1].strip():
            pages.pop()
    else:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text(extraction_mode="layout") for page in reader.pages]

    return [re.sub(r"[\xa0\u202f]", " ", page) for page in pages]


def text_of(data: bytes) -> str:
    return "\n".join(pages_text(data))


def words_of(data: bytes) -> str:
    """Return the whole text as one line of single-spaced words."""
    return " ".join(text_of(data).split())


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
    r"(.*?)</word>"
)


def placed_words(data: bytes) -> list[list[tuple[float, float, float, float, str]]]:
    """Return each page's words and their boxes as drawn, in no reading order."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is needed to see where words are drawn")
    result = subprocess.run(
        ["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    pages = result.stdout.decode("utf-8").split("<page ")[1:]
    return [
        [
            (float(x0), float(y0), float(x1), float(y1), html.unescape(word))
            for x0, y0, x1, y1, word in _WORD.findall(page)
        ]
        for page in pages
    ]


def drawn_lines(data: bytes, gap: float = 6) -> list[str]:
    """Return the runs of words on each line, left to right as they are seen.

    Words further apart than ``gap`` points are in different runs (columns).
    """
    runs = []
    for page in placed_words(data):
        lines: dict[float, list] = {}
        for x0, y0, x1, _, word in page:
            lines.setdefault(round(y0, 1), []).append((x0, x1, word))
        for y in sorted(lines):
            run: list[str] = []
            right = None
            for x0, x1, word in sorted(lines[y]):
                if run and x0 - right > gap:
                    runs.append(" ".join(run))
                    run = []
                run.append(word)
                right = x1
            runs.append(" ".join(run))
    return runs


def assert_row(text: str, label: str, value: str) -> None:
    """Assert that ``label`` and ``value`` stand on one line, value after label."""
    pattern = re.escape(label) + r"[ \t]+" + re.escape(value) + r"(?:\s|$)"
    assert re.search(pattern, text), f"no line with {label!r} then {value!r}"


def png_bytes(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """Return a valid, single-colour PNG, written byte by byte."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(tag + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def image_count(data: bytes) -> int:
    reader = PdfReader(io.BytesIO(data))
    return sum(len(page.images) for page in reader.pages)


# A full invoice: item taxes both ways, a percent tax, a fixed fee, a percent
# discount that ignores taxes and fees.
#   items   2 x 1,500.00 = 3,000.00 and 12 x 25.50 = 306.00: 3,306.00
#   item tax  10 % of the unit price 1,500 = 150.00, plus 5.00 fixed: 155.00
#   tax 8 %   (3,306 + 155) x 8 % = 276.88
#   fee       50.00
#   discount  3,306 x 10 % = 330.60
#   total     3,306 + 155 + 276.88 + 50 - 330.60 = 3,457.28
#   due       3,457.28 - 1,000 = 2,457.28
FULL_INVOICE = {
    "item_tax": "1",
    "items": [
        {
            "title": "Website design",
            "desc": "Home, product and checkout pages",
            "qty": "2",
            "qty_type": "pages",
            "price": "1500",
            "tax": "10",
            "tax_type": "percent",
        },
        {
            "title": "Hosting",
            "desc": "",
            "qty": 12,
            "qty_type": "months",
            "price": 25.5,
            "tax": "5",
            "tax_type": "fixed",
        },
    ],
    "extra_field": [
        {"type": "tax", "val": "8", "val_type": "percent"},
        {"type": "fee", "val": "50", "val_type": "fixed"},
        {
            "type": "discount",
            "val": "10",
            "val_type": "percent",
            "tax_cal": "1",
            "fee_cal": "1",
        },
    ],
}


def test_invoice_shows_every_name_and_figure():
    doc = make_doc(
        invoice=FULL_INVOICE,
        paid=Decimal("1000"),
        note="Thank you for your business.",
        terms="Payment within 30 days.",
        payment_details=(("Bank transfer", "IBAN GB33 BUKB 2020 1555 5555 55"),),
        title="Website relaunch",
    )

    data = render_document(doc)
    text = text_of(data)

    for expected in (
        "Northwind Studio",
        "Northwind Studio Ltd.",
        "12 Harbour Street",
        "Bristol BS1 4QA",
        "billing@northwind.example",
        "+44 20 7946 0000",
        "https://northwind.example",
        "BILL TO",
        "Acme Corporation",
        "1 Main Street",
        "Springfield",
        "accounts@acme.example",
        "+1 555 0100",
        "INVOICE",
        "Inv-12",
        "Website relaunch",
        "Home, product and checkout pages",
        "NOTES",
        "Thank you for your business.",
        "TERMS",
        "Payment within 30 days.",
        "PAYMENT DETAILS",
        "Bank transfer",
        "IBAN GB33 BUKB 2020 1555 5555 55",
        "Page 1 of 1",
    ):
        assert expected in text

    assert_row(text, "Invoice date", "Mar 2, 2026")
    assert_row(text, "Due date", "Apr 1, 2026")
    assert re.search(r"Items\s+Qty\s+Unit price\s+Tax\s+Amount", text)
    assert re.search(
        r"Website design\s+2 pages\s+\$1,500\.00\s+10%\s+\$3,000\.00", text
    )
    assert re.search(r"Hosting\s+12 months\s+\$25\.50\s+\$5\.00\s+\$306\.00", text)

    assert_row(text, "Subtotal", "$3,306.00")
    assert_row(text, "Item tax", "$155.00")
    assert_row(text, "Tax (8%)", "$276.88")
    assert_row(text, "Fee", "$50.00")
    assert_row(text, "Discount (10%)", "-$330.60")
    assert_row(text, "Total", "$3,457.28")
    assert_row(text, "Paid", "$1,000.00")
    assert len(re.findall(r"Amount due\s+\$2,457\.28", text)) == 2
    assert "OVERDUE" not in text
    assert "PAID" not in text


def test_estimate_with_percent_fee_and_fixed_tax_and_discount():
    # items 3 x 19.99 = 59.97, item taxes off; tax 15.00 fixed;
    # fee (59.97 + 15) x 2.5 % = 1.87425; discount 5.00 fixed;
    # total 59.97 + 15 + 1.87425 - 5 = 71.84425
    invoice = {
        "item_tax": "",
        "items": {
            "0": {"title": "Consulting", "qty": "3", "price": "19.99", "tax": "10"}
        },
        "extra_field": {
            "0": {"type": "tax", "val": "15", "val_type": "fixed"},
            "1": {"type": "fee", "val": "2.5", "val_type": "percent"},
            "2": {"type": "discount", "val": "5", "val_type": "fixed"},
        },
    }
    doc = make_doc(
        kind="estimate",
        number="Est-3",
        currency="EUR",
        invoice=invoice,
        item_label="Services",
    )

    text = text_of(render_document(doc))

    assert "ESTIMATE" in text
    assert "Est-3" in text
    assert "ESTIMATE FOR" in text
    assert "BILL TO" not in text
    assert_row(text, "Estimate date", "Mar 2, 2026")
    assert_row(text, "Valid until", "Apr 1, 2026")
    assert re.search(r"Services\s+Qty\s+Unit price\s+Amount", text)
    assert not re.search(r"Unit price\s+Tax", text)
    assert re.search(r"Consulting\s+3\s+€19\.99\s+€59\.97", text)
    assert_row(text, "Subtotal", "€59.97")
    assert_row(text, "Tax", "€15.00")
    assert_row(text, "Fee (2.5%)", "€1.87")
    assert_row(text, "Discount", "-€5.00")
    assert len(re.findall(r"Total\s+€71\.84", text)) == 2
    assert "Item tax" not in text
    assert "Paid" not in text
    assert "Amount due" not in text


def test_locale_formats_dates_and_money():
    invoice = {"items": [{"title": "Beratung", "qty": "2", "price": "1234.5"}]}
    doc = make_doc(currency="EUR", locale="de_DE", invoice=invoice)

    text = text_of(render_document(doc))

    assert_row(text, "Invoice date", "02.03.2026")
    assert_row(text, "Subtotal", "2.469,00 €")
    assert_row(text, "Total", "2.469,00 €")


def test_zero_items():
    data = render_document(make_doc(invoice={"items": [], "extra_field": []}))
    pages = pages_text(data)

    assert len(pages) == 1
    text = pages[0]
    assert "No items" in text
    assert_row(text, "Subtotal", "$0.00")
    assert_row(text, "Total", "$0.00")
    assert_row(text, "Paid", "$0.00")
    assert "Page 1 of 1" in text


def test_empty_invoice_array_and_no_dates():
    doc = make_doc(invoice={}, date=None, due_date=None, number="")

    text = text_of(render_document(doc))

    assert "Invoice date" not in text
    assert "Due date" not in text
    assert_row(text, "Total", "$0.00")


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_300_items_run_over_pages_with_the_header_on_each(page_size):
    # 300 x 1 x 10.00 = 3,000.00; tax 10 % = 300.00; total 3,300.00
    invoice = {
        "items": [
            {"title": f"Item {number:03d}", "qty": "1", "price": "10.00"}
            for number in range(1, 301)
        ],
        "extra_field": [{"type": "tax", "val": "10", "val_type": "percent"}],
    }

    doc = make_doc(invoice=invoice, page_size=page_size)
    pages = pages_text(render_document(doc))

    count = len(pages)
    assert count >= 4
    for number, page in enumerate(pages, start=1):
        assert re.search(r"Items\s+Qty\s+Unit price\s+Amount", page), number
        assert f"Page {number} of {count}" in page
        assert "Invoice Inv-12 · Northwind Studio" in page

    text = "\n".join(pages)
    titles = re.findall(r"Item (\d{3})\s+1\s+\$10\.00\s+\$10\.00", text)
    assert titles == [f"{number:03d}" for number in range(1, 301)]
    assert_row(pages[-1], "Subtotal", "$3,000.00")
    assert_row(pages[-1], "Tax (10%)", "$300.00")
    assert_row(pages[-1], "Total", "$3,300.00")
    assert_row(pages[-1], "Amount due", "$3,300.00")


def test_long_descriptions_wrap_and_long_ones_break_across_pages():
    wrapped = " ".join(f"word{number}" for number in range(80))
    endless = " ".join(f"line{number}" for number in range(3000))
    invoice = {
        "items": [
            {"title": "Wrapped", "desc": wrapped, "qty": "1", "price": "1"},
            {"title": "Endless", "desc": endless, "qty": "2", "price": "3"},
            {"title": "After", "desc": "", "qty": "1", "price": "4"},
        ]
    }

    data = render_document(make_doc(invoice=invoice))
    pages = pages_text(data)
    words = words_of(data)

    # The first description wraps over several lines.
    assert len([line for line in pages[0].splitlines() if "word" in line]) >= 4
    assert wrapped in words
    # The second is far taller than a page: all of it, in order, over pages.
    assert len(pages) >= 3
    found = re.findall(r"line(\d+)", "\n".join(pages))
    assert found == [str(number) for number in range(3000)]
    assert re.search(r"Endless\s+2\s+\$3\.00\s+\$6\.00", "\n".join(pages))
    assert_row(pages[-1], "Total", "$11.00")


def test_long_unbroken_words_do_not_overflow():
    url = "https://example.com/" + "a" * 300
    invoice = {"items": [{"title": "Link", "desc": url, "qty": "1", "price": "1"}]}

    text = text_of(render_document(make_doc(invoice=invoice)))

    assert "a" * 40 in text
    assert_row(text, "Total", "$1.00")


def test_non_latin_names_render():
    sender = replace(SENDER, name="Zoë Ångström", address_lines=("Ørstedsvej 5",))
    recipient = PdfParty(
        name="Ελένη Παπαδοπούλου",
        org_name="Дмитрий Иванов",
        address_lines=("Οδός Ερμού 20", "Москва"),
    )
    invoice = {
        "items": [
            {"title": "Перевод", "desc": "Ελληνικά — français", "qty": 1, "price": 9}
        ]
    }
    doc = make_doc(sender=sender, recipient=recipient, invoice=invoice)

    data = render_document(doc)
    text = text_of(data)

    for name in (
        "Zoë Ångström",
        "Ørstedsvej 5",
        "Ελένη Παπαδοπούλου",
        "Дмитрий Иванов",
        "Οδός Ερμού 20",
        "Москва",
        "Перевод",
        "Ελληνικά — français",
    ):
        assert name in text

    reader = PdfReader(io.BytesIO(data))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    base_fonts = {str(font.get_object()["/BaseFont"]) for font in fonts.values()}
    assert any("DejaVuSans" in name for name in base_fonts), base_fonts
    assert reader.metadata.author == "Zoë Ångström"


def test_markup_characters_print_as_written():
    recipient = replace(RECIPIENT, name="Smith & <Sons>")
    invoice = {"items": [{"title": "R&D <phase 1>", "qty": "1", "price": "5"}]}

    text = text_of(render_document(make_doc(recipient=recipient, invoice=invoice)))

    assert "Smith & <Sons>" in text
    assert "R&D <phase 1>" in text


def test_rich_text_notes_become_plain_lines():
    note = "<p>Thanks for <strong>choosing</strong> us.</p><p>Tea &amp; cake</p>"

    text = text_of(render_document(make_doc(note=note)))

    assert "Thanks for choosing us." in text
    assert "Tea & cake" in text
    assert "<p>" not in text


def test_missing_logo_is_left_out():
    sender = replace(SENDER, logo_path="/nonexistent/logo.png")

    data = render_document(make_doc(sender=sender))

    assert image_count(data) == 0
    assert "Northwind Studio" in text_of(data)


@pytest.mark.parametrize(
    "content",
    [b"", b"not an image at all", png_bytes(8, 8, (1, 2, 3))[:40]],
    ids=["empty", "garbage", "truncated"],
)
def test_broken_logo_is_left_out(tmp_path, content):
    logo = tmp_path / "logo.png"
    logo.write_bytes(content)
    sender = replace(SENDER, logo_path=str(logo))

    data = render_document(make_doc(sender=sender))

    assert image_count(data) == 0
    assert "Northwind Studio" in text_of(data)


def test_png_logo_is_drawn(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(png_bytes(120, 40, (43, 91, 132)))
    sender = replace(SENDER, logo_path=logo)

    data = render_document(make_doc(sender=sender))

    assert image_count(data) == 1
    assert "Northwind Studio" in text_of(data)


def test_large_logo_is_shrunk_for_the_page(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(png_bytes(2000, 1000, (200, 40, 40)))
    sender = replace(SENDER, logo_path=logo)

    data = render_document(make_doc(sender=sender))

    # Shown 18 mm (51 pt) high, so kept at no more than 3 pixels a point.
    (image,) = PdfReader(io.BytesIO(data)).pages[0].images
    assert image.image.size[1] <= 3 * 18 / 25.4 * 72 + 1
    assert len(data) < 60_000


def test_control_characters_are_dropped():
    invoice = {"items": [{"title": "Tab\there\x00\x07", "qty": "1", "price": "1"}]}

    text = text_of(render_document(make_doc(invoice=invoice)))

    assert "Tab here" in text


def test_metadata():
    data = render_document(make_doc(invoice=FULL_INVOICE))

    metadata = PdfReader(io.BytesIO(data)).metadata
    assert metadata.title == "Invoice Inv-12"
    assert metadata.author == "Northwind Studio"
    assert (
        metadata.subject == "Invoice Inv-12 from Northwind Studio to Acme Corporation"
    )


def test_metadata_of_an_estimate_with_a_title():
    doc = make_doc(kind="estimate", number="Est-3", title="Kitchen refit")

    metadata = PdfReader(io.BytesIO(render_document(doc))).metadata

    assert metadata.title == "Estimate Est-3"
    assert metadata.subject == "Kitchen refit"


@pytest.mark.parametrize(
    ("kind", "status", "overdue", "mark"),
    [
        ("invoice", "paid", False, "PAID"),
        ("invoice", "paid", True, "PAID"),
        ("invoice", "sent", True, "OVERDUE"),
        ("invoice", "viewed", False, None),
        ("invoice", "draft", False, None),
        ("estimate", "accept", False, "ACCEPTED"),
        ("estimate", "decline", False, "DECLINED"),
        ("estimate", "decline", True, "DECLINED"),
        ("estimate", "sent", True, "EXPIRED"),
        ("estimate", "viewed", False, None),
    ],
)
def test_status_mark(kind, status, overdue, mark):
    doc = make_doc(kind=kind, status=status, overdue=overdue)

    words = set(re.findall(r"[A-Z]{4,}", text_of(render_document(doc))))

    marks = {"PAID", "ACCEPTED", "DECLINED", "OVERDUE", "EXPIRED"}
    assert words & marks == ({mark} if mark else set())


def test_paid_invoice_shows_nothing_due():
    # 1 x 250.00, all paid.
    invoice = {"items": [{"title": "Audit", "qty": "1", "price": "250"}]}
    doc = make_doc(status="paid", invoice=invoice, paid=Decimal("250"), due=None)

    text = text_of(render_document(doc))

    assert_row(text, "Total", "$250.00")
    assert_row(text, "Paid", "$250.00")
    assert_row(text, "Amount due", "$0.00")


def test_stored_due_wins_over_the_computed_one():
    invoice = {"items": [{"title": "Audit", "qty": "1", "price": "250"}]}
    doc = make_doc(invoice=invoice, paid=Decimal("100"), due=Decimal("120.5"))

    text = text_of(render_document(doc))

    assert_row(text, "Amount due", "$120.50")


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="estimate"):
        render_document(make_doc(kind="receipt"))


@pytest.mark.parametrize(
    ("kind", "number", "expected"),
    [
        ("invoice", "Inv-12", "Invoice-Inv-12.pdf"),
        ("estimate", "Est-3", "Estimate-Est-3.pdf"),
        ("invoice", "INV 2026/07", "Invoice-INV-2026-07.pdf"),
        ("invoice", "../../etc/passwd", "Invoice-etc-passwd.pdf"),
        ("estimate", "Éstimé №5", "Estimate-Estime-No5.pdf"),
        ("invoice", "", "Invoice.pdf"),
        ("invoice", "Счёт", "Invoice.pdf"),
        ("invoice", 'a"b;c\r\nd', "Invoice-a-b-c-d.pdf"),
    ],
)
def test_document_filename(kind, number, expected):
    assert document_filename(kind, number) == expected


def test_font_dir_setting_is_used(monkeypatch):
    found = pdf.font_paths()
    monkeypatch.setenv(pdf.FONT_DIR_ENV, str(found[pdf.FONT].parent))

    assert pdf.font_paths()[pdf.FONT] == found[pdf.FONT]


def test_missing_font_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv(pdf.FONT_DIR_ENV, str(tmp_path))

    with pytest.raises(PdfFontError, match="fonts-dejavu-core") as error:
        pdf.font_paths()

    assert str(tmp_path) in str(error.value)
    assert pdf.FONT_DIR_ENV in str(error.value)


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_totals_never_stand_alone_on_a_page(page_size):
    # Whatever the count, the page the totals land on also holds the last item
    # under a repeated header.
    for count in range(5, 60):
        invoice = {
            "items": [
                {"title": f"Row {number}", "qty": "1", "price": "2"}
                for number in range(1, count + 1)
            ]
        }

        doc = make_doc(invoice=invoice, page_size=page_size)
        pages = pages_text(render_document(doc))

        last = pages[-1]
        assert re.search(r"Items\s+Qty\s+Unit price\s+Amount", last), count
        assert f"Row {count} " in last, count
        assert_row(last, "Total", f"${2 * count}.00")


def test_long_notes_and_terms_flow_over_pages():
    note = " ".join(f"note{number}" for number in range(1500))
    terms = "Payment within 30 days."
    details = (("Bank transfer", "IBAN GB33 BUKB 2020 1555 5555 55"),)
    doc = make_doc(note=note, terms=terms, payment_details=details)

    data = render_document(doc)

    assert len(pages_text(data)) >= 2
    found = re.findall(r"note(\d+)", text_of(data))
    assert found == [str(number) for number in range(1500)]
    assert "Payment within 30 days." in text_of(data)
    assert "IBAN GB33 BUKB 2020 1555 5555 55" in text_of(data)


def test_wide_quantities_wrap_and_figures_stay_whole():
    # 1,234.5 x 985.00 = 1,215,982.50 and 3 x 1,250.40 = 3,751.20: 1,219,733.70;
    # item tax 12.50 fixed, the other none: total 1,219,746.20
    invoice = {
        "item_tax": True,
        "items": [
            {
                "title": "Consulting",
                "qty": "1234.5",
                "qty_type": "hours of senior consulting",
                "price": "985",
                "tax": "12.5",
                "tax_type": "fixed",
            },
            {"title": "Travel", "qty": "3", "qty_type": "trips", "price": "1250.40"},
        ],
    }

    text = text_of(render_document(make_doc(invoice=invoice)))

    assert re.search(
        r"Consulting\s+1,234\.5\s+\$985\.00\s+\$12\.50\s+\$1,215,982\.50", text
    )
    assert re.search(r"Travel\s+3 trips\s+\$1,250\.40\s+0%\s+\$3,751\.20", text)
    assert "consulting" in text
    assert_row(text, "Subtotal", "$1,219,733.70")
    assert_row(text, "Item tax", "$12.50")
    assert_row(text, "Total", "$1,219,746.20")


# Page sizes


@pytest.mark.parametrize(
    ("page_size", "width", "height"),
    [("A4", 595.28, 841.89), ("Letter", 612, 792)],
)
def test_page_size_sets_the_paper_and_everything_fits_on_it(page_size, width, height):
    doc = make_doc(
        invoice=FULL_INVOICE,
        paid=Decimal("1000"),
        note="Thank you for your business.",
        terms="Payment within 30 days.",
        payment_details=(("Bank transfer", "IBAN GB33 BUKB 2020 1555 5555 55"),),
        page_size=page_size,
    )

    data = render_document(doc)

    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx((width, height), 0.01)
    text = text_of(data)
    assert_row(text, "Subtotal", "$3,306.00")
    assert_row(text, "Item tax", "$155.00")
    assert_row(text, "Tax (8%)", "$276.88")
    assert_row(text, "Fee", "$50.00")
    assert_row(text, "Discount (10%)", "-$330.60")
    assert_row(text, "Total", "$3,457.28")
    assert_row(text, "Paid", "$1,000.00")
    assert len(re.findall(r"Amount due\s+\$2,457\.28", text)) == 2
    assert "IBAN GB33 BUKB 2020 1555 5555 55" in text
    assert "Page 1 of 1" in text
    # Every word inside the margins (the footer in the bottom one): nothing runs
    # off the paper.
    for x0, y0, x1, y1, word in placed_words(data)[0]:
        assert x0 >= 20 * mm - 0.5 and x1 <= width - 20 * mm + 0.5, word
        assert y0 >= 18 * mm - 0.5 and y1 <= height - 5 * mm, word


def test_unknown_page_size_is_refused():
    with pytest.raises(ValueError, match="A4, Letter"):
        render_document(make_doc(page_size="Legal"))


# Labels in another language

GERMAN = {
    "invoice": "Rechnung",
    "estimate": "Angebot",
    "bill_to": "Rechnung an",
    "estimate_for": "Angebot für",
    "invoice_date": "Rechnungsdatum",
    "estimate_date": "Angebotsdatum",
    "due_date": "Fälligkeitsdatum",
    "valid_until": "Gültig bis",
    "amount_due": "Offener Betrag",
    "subtotal": "Zwischensumme",
    "item_tax": "Steuern auf Positionen",
    "total": "Gesamt",
    "paid": "Bezahlt",
    "items": "Positionen",
    "qty": "Menge",
    "price": "Einzelpreis",
    "tax": "Steuer",
    "fee": "Gebühr",
    "discount": "Rabatt",
    "amount": "Betrag",
    "no_items": "Keine Positionen",
    "note": "Notizen",
    "terms": "Bedingungen",
    "payment_details": "Zahlungsinformationen",
    "page": "Seite %(page)s von %(pages)s",
    "from": "von %(name)s",
    "to": "an %(name)s",
    "status_paid": "Bezahlt",
    "status_accept": "Angenommen",
    "status_decline": "Abgelehnt",
    "status_overdue": "Überfällig",
    "status_expired": "Abgelaufen",
}


def test_labels_print_every_word_in_the_language_given():
    assert GERMAN.keys() == LABELS.keys()
    doc = make_doc(
        locale="de_DE",
        labels=GERMAN,
        invoice=FULL_INVOICE,
        paid=Decimal("1000"),
        overdue=True,
        note="Danke.",
        terms="Zahlbar in 30 Tagen.",
        payment_details=(("Überweisung", "IBAN DE02 1203 0000 0000 2020 51"),),
    )

    data = render_document(doc)
    text = text_of(data)

    for expected in (
        "RECHNUNG",
        "RECHNUNG AN",
        "ÜBERFÄLLIG",
        "NOTIZEN",
        "BEDINGUNGEN",
        "ZAHLUNGSINFORMATIONEN",
        "Seite 1 von 1",
        "Rechnung Inv-12 · Northwind Studio",
    ):
        assert expected in text
    assert re.search(r"Positionen\s+Menge\s+Einzelpreis\s+Steuer\s+Betrag", text)
    assert re.search(
        r"Website design\s+2 pages\s+1\.500,00 \$\s+10%\s+3\.000,00 \$", text
    )
    assert_row(text, "Rechnungsdatum", "02.03.2026")
    assert_row(text, "Fälligkeitsdatum", "01.04.2026")
    assert_row(text, "Zwischensumme", "3.306,00 $")
    assert_row(text, "Steuern auf Positionen", "155,00 $")
    assert_row(text, "Steuer (8%)", "276,88 $")
    assert_row(text, "Gebühr", "50,00 $")
    assert_row(text, "Rabatt (10%)", "-330,60 $")
    assert_row(text, "Gesamt", "3.457,28 $")
    assert_row(text, "Bezahlt", "1.000,00 $")
    assert len(re.findall(r"Offener Betrag\s+2\.457,28 \$", text)) == 2
    english = [word for word in LABELS.values() if "%" not in word]
    assert [word for word in english if word in text] == []

    metadata = PdfReader(io.BytesIO(data)).metadata
    assert metadata.title == "Rechnung Inv-12"
    assert metadata.subject == (
        "Rechnung Inv-12 von Northwind Studio an Acme Corporation"
    )


def test_percentages_in_labels_follow_the_locale():
    invoice = {
        "items": [{"title": "Beratung", "qty": "1", "price": "100"}],
        "extra_field": [{"type": "fee", "val": "2.5", "val_type": "percent"}],
    }
    doc = make_doc(locale="de", labels=GERMAN, currency="EUR", invoice=invoice)

    assert_row(text_of(render_document(doc)), "Gebühr (2,5%)", "2,50 €")


def test_labels_left_out_print_in_english():
    doc = make_doc(kind="estimate", labels={"estimate": "Presupuesto"})

    text = text_of(render_document(doc))

    assert "PRESUPUESTO" in text
    assert "ESTIMATE FOR" in text
    assert "Page 1 of 1" in text


def test_the_file_name_stays_english():
    assert document_filename("invoice", "Inv-12") == "Invoice-Inv-12.pdf"


# Right-to-left text

HEBREW_NAME = "דוד לוי"
ARABIC_ORG = "شركة النور للتجارة"
HEBREW_DESC = (
    "פגישות שבועיות עם ההנהלה, סיכום כתוב ותוכנית עבודה מפורטת לשלושת החודשים "
    "הבאים, כולל מעקב אחר ביצוע המשימות והכנת דוחות התקדמות חודשיים להנהלה."
)
# The letters Arabic is stored in; drawn text has their joined presentation forms.
ARABIC_LETTERS = re.compile("[\u0620-\u064a]")


def rtl_doc(**changes) -> PdfDocument:
    recipient = PdfParty(
        name=HEBREW_NAME,
        org_name=ARABIC_ORG,
        address_lines=("רחוב הרצל 12, תל אביב", "شارع الملك فهد ١٢، الرياض"),
    )
    invoice = {
        "items": [
            {
                "title": "ייעוץ עסקי",
                "desc": HEBREW_DESC,
                "qty": "3",
                "qty_type": "שעות",
                "price": "120",
            },
            {"title": "تصميم الموقع", "desc": "", "qty": "1", "price": "1500"},
            {"title": "Hosting (annual)", "desc": "", "qty": "1", "price": "300"},
        ]
    }
    return make_doc(recipient=recipient, invoice=invoice, **changes)


def test_hebrew_and_arabic_are_drawn_right_to_left_and_joined():
    data = render_document(rtl_doc(note="شكرا لتعاملكم معنا"))

    drawn = drawn_lines(data)

    for logical in (
        HEBREW_NAME,
        ARABIC_ORG,
        "רחוב הרצל 12, תל אביב",
        "شارع الملك فهد ١٢، الرياض",
        "ייעוץ עסקי",
        "تصميم الموقع",
        "3 שעות",
        "شكرا لتعاملكم معنا",
    ):
        assert get_display(reshape(logical)) in drawn, logical
    assert "Hosting (annual)" in drawn
    assert not ARABIC_LETTERS.search(" ".join(drawn))
    assert_row(text_of(data), "Total", "$2,160.00")
    # The metadata keeps the stored (reading) order.
    assert PdfReader(io.BytesIO(data)).metadata.subject.endswith(HEBREW_NAME)


def test_right_to_left_paragraphs_break_into_lines_in_reading_order():
    data = render_document(rtl_doc())

    words = {word[::-1] for word in HEBREW_DESC.split()}
    lines = [
        line
        for line in drawn_lines(data)
        if all(word in words for word in line.split())
    ]

    # A right-to-left line read from the right: its words, then their letters,
    # reversed; and the first line holds the first words.
    read = [" ".join(word[::-1] for word in reversed(line.split())) for line in lines]
    assert len(read) >= 2
    assert " ".join(read) == HEBREW_DESC


def test_a_right_to_left_description_longer_than_a_page_runs_on_in_order():
    letters = "אבגדהוזחטיכלמנסעפצקרשת"
    text = " ".join(a + b + c for a in letters for b in letters for c in "אבגד")
    invoice = {"items": [{"title": "ארוך", "desc": text, "qty": "1", "price": "5"}]}

    data = render_document(make_doc(invoice=invoice))

    words = {word[::-1] for word in text.split()}
    lines = [
        line
        for line in drawn_lines(data)
        if all(word in words for word in line.split())
    ]
    read = [" ".join(word[::-1] for word in reversed(line.split())) for line in lines]
    pages = pages_text(data)
    assert len(pages) >= 3
    assert " ".join(read) == text
    # pdftotext marks the direction of each run on pages with right-to-left text.
    assert_row(re.sub("[\u202a-\u202e]", "", pages[-1]), "Total", "$5.00")


def test_text_without_right_to_left_letters_is_drawn_as_stored():
    recipient = replace(RECIPIENT, name="Acme (Europe) Ltd. – 12/3")

    drawn = drawn_lines(render_document(make_doc(recipient=recipient)))

    assert "Acme (Europe) Ltd. – 12/3" in drawn
