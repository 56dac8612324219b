"""Sample estimates and invoices, shared by the benchmark and the reference renders."""

from datetime import date
from decimal import Decimal

from bridge.pdf import PdfDocument, PdfParty

SENDER = PdfParty(
    name="Northwind Studio",
    org_name="Northwind Studio Ltd.",
    email="billing@northwind.example",
    phone="+44 20 7946 0000",
    web="northwind.example",
    address_lines=("12 Harbour Street", "Bristol BS1 4QA", "United Kingdom"),
)

RECIPIENT = PdfParty(
    name="Ελένη Παπαδοπούλου",
    org_name="Zoë Ångström & Co.",
    email="eleni@example.org",
    phone="+30 21 0000 0000",
    address_lines=("Οδός Ερμού 20", "105 63 Αθήνα", "Greece"),
)

_TITLES = (
    "Discovery workshop",
    "Brand identity",
    "Website design",
    "Front-end development",
    "Content migration",
    "Hosting (annual)",
    "Support retainer",
)

_DESCS = (
    "Two half-day sessions with stakeholders, a written summary and a prioritised "
    "backlog.",
    "",
    "Responsive layouts for the home page, the product pages and the checkout, "
    "delivered as a clickable prototype with two rounds of revisions.",
    "Templates, components and the integration with the payment provider.",
    "",
)


def items(count: int) -> list[dict]:
    """Return ``count`` varied items, as the stored ``invoice`` array holds them."""
    return [
        {
            "id": str(index),
            "title": f"{_TITLES[index % len(_TITLES)]} {index + 1}",
            "desc": _DESCS[index % len(_DESCS)],
            "qty": str(1 + index % 4),
            "qty_type": "h" if index % 3 == 0 else "",
            "price": f"{45 + (index * 17) % 400}.50",
            "tax": "10" if index % 2 == 0 else "4",
            "tax_type": "percent" if index % 2 == 0 else "fixed",
        }
        for index in range(count)
    ]


def invoice(count: int, **changes) -> PdfDocument:
    """Return an overdue, partly paid invoice of ``count`` items."""
    values = {
        "kind": "invoice",
        "number": "Inv-12",
        "date": date(2026, 3, 2),
        "due_date": date(2026, 4, 1),
        "status": "sent",
        "overdue": True,
        "currency": "EUR",
        "locale": "en",
        "sender": SENDER,
        "recipient": RECIPIENT,
        "invoice": {
            "item_tax": True,
            "items": items(count),
            "extra_field": [
                {"type": "tax", "val": "20", "val_type": "percent", "tax_cal": "1"},
                {"type": "fee", "val": "25", "val_type": "fixed"},
                {"type": "discount", "val": "5", "val_type": "percent"},
            ],
        },
        "paid": Decimal("500"),
        "note": "Thank you for your business. Дмитрий Иванов will be your contact.",
        "terms": "Payment within 30 days. Late payments incur a fee of 2% a month.",
        "payment_details": (
            ("Bank transfer", "IBAN GB33 BUKB 2020 1555 5555 55\nBIC BUKBGB22"),
            ("PayPal", "pay@northwind.example"),
        ),
        "title": "Website relaunch",
    }
    values.update(changes)
    return PdfDocument(**values)


RTL_RECIPIENT = PdfParty(
    name="דוד לוי",
    org_name="شركة النور للتجارة",
    email="david@example.org",
    phone="+972 3 000 0000",
    address_lines=("רחוב הרצל 12", "תל אביב-יפו", "Israel"),
)

RTL_ITEMS = [
    {
        "title": "ייעוץ עסקי",
        "desc": "פגישות שבועיות עם ההנהלה, סיכום כתוב ותוכנית עבודה מפורטת לשלושת "
        "החודשים הבאים, כולל מעקב אחר ביצוע המשימות.",
        "qty": "6",
        "qty_type": "שעות",
        "price": "180",
        "tax": "17",
        "tax_type": "percent",
    },
    {
        "title": "تصميم الموقع",
        "desc": "تصميم الصفحة الرئيسية وصفحات المنتجات وصفحة الدفع، مع جولتين من "
        "المراجعات.",
        "qty": "1",
        "qty_type": "",
        "price": "2400",
        "tax": "17",
        "tax_type": "percent",
    },
    {
        "title": "Hosting (annual)",
        "desc": "Managed hosting, backups and SSL",
        "qty": "1",
        "qty_type": "",
        "price": "300",
        "tax": "0",
        "tax_type": "percent",
    },
]


def rtl_invoice(**changes) -> PdfDocument:
    """Return an invoice to a client who writes in Hebrew and Arabic."""
    values = {
        "recipient": RTL_RECIPIENT,
        "currency": "ILS",
        "invoice": {
            "item_tax": True,
            "items": RTL_ITEMS,
            "extra_field": [{"type": "discount", "val": "100", "val_type": "fixed"}],
        },
        "note": "شكرا لتعاملكم معنا. תודה על שיתוף הפעולה.",
        "terms": "Payment within 30 days.",
        "title": "אתר חדש · موقع جديد",
    }
    values.update(changes)
    return invoice(0, **values)
