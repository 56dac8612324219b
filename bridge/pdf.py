"""Estimate and invoice PDFs: plain data in, PDF bytes out.

Nothing here knows about Flask or the database: the caller gathers the business, the
client and the stored ``invoice`` array into a ``PdfDocument`` and gets bytes back.
Figures come from ``bridge.money``, the one place the totals are computed.

Text is set in DejaVu Sans, embedded (as a subset) so that accented, Greek, Cyrillic,
Hebrew and Arabic names print on any reader.  The font is looked for at run time;
``PdfFontError`` says which package to install when it is missing.

reportlab draws text left to right, glyph after glyph.  Hebrew and Arabic are therefore
broken into lines in reading order first, then each line is put in the order it is seen
(``python-bidi``), Arabic letters having been joined into their contextual forms before
(``arabic-reshaper``).  Text without right-to-left letters is left as it is.
"""

import html
import io
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

from arabic_reshaper import ArabicReshaper
from babel.dates import format_date
from babel.numbers import format_decimal
from bidi import get_display
from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from bridge.errors import BridgeError
from bridge.money import (
    ExtraLine,
    ItemLine,
    Totals,
    compute_totals,
    format_money,
    is_on,
    parse_locale,
)

log = logging.getLogger(__name__)

FONT_DIR_ENV = "BRIDGE_PDF_FONT_DIR"
FONT = "BridgeSans"
FONT_BOLD = "BridgeSans-Bold"

_FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian and Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/dejavu-sans-fonts",
    "/usr/local/share/fonts",
    "/usr/local/share/fonts/dejavu",
    "/opt/homebrew/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "~/Library/Fonts",
    "/Library/Fonts",
)

PAGE_SIZES = {"A4": A4, "Letter": LETTER}
MARGIN_X = 20 * mm
MARGIN_TOP = 18 * mm
MARGIN_BOTTOM = 20 * mm
LOGO_MAX_WIDTH = 55 * mm
LOGO_MAX_HEIGHT = 18 * mm
LOGO_MAX_PIXELS = 40_000_000
# A description taller than this is cut into several rows, so that a page can break
# inside it instead of failing or leaving most of a page empty.
DESC_CHUNK_HEIGHT = 160
CELL_PADDING = 6
# The share of the width the totals take, at the right.
TOTALS_SHARE = 0.48
# Notes and payment details sit side by side when each is at most this tall.
SIDE_BY_SIDE_HEIGHT = 200

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#6b7280")
RULE = colors.HexColor("#dfe3e8")
ACCENT = colors.HexColor("#2b5b84")
ACCENT_TINT = colors.HexColor("#eef3f8")
GOOD = colors.HexColor("#1d7a4d")
BAD = colors.HexColor("#b42318")

# Every word the PDF prints, in English.  A caller passes its own translations as
# ``PdfDocument.labels``; a key it leaves out is printed in English.
LABELS = {
    "invoice": "Invoice",
    "estimate": "Estimate",
    "bill_to": "Bill to",
    "estimate_for": "Estimate for",
    "invoice_date": "Invoice date",
    "estimate_date": "Estimate date",
    "due_date": "Due date",
    "valid_until": "Valid until",
    "amount_due": "Amount due",
    "subtotal": "Subtotal",
    "item_tax": "Item tax",
    "total": "Total",
    "paid": "Paid",
    "items": "Items",
    "qty": "Qty",
    "price": "Unit price",
    "tax": "Tax",
    "fee": "Fee",
    "discount": "Discount",
    "amount": "Amount",
    "no_items": "No items",
    "note": "Notes",
    "terms": "Terms",
    "payment_details": "Payment details",
    "page": "Page %(page)s of %(pages)s",
    "from": "from %(name)s",
    "to": "to %(name)s",
    # Status marks, printed in capitals.
    "status_paid": "Paid",
    "status_accept": "Accepted",
    "status_decline": "Declined",
    "status_overdue": "Overdue",
    "status_expired": "Expired",
}

# Letters of the right-to-left scripts: Hebrew, Arabic, Syriac, Thaana, NKo and their
# neighbours, the Hebrew and Arabic presentation forms, and the historic RTL planes.
_RTL = re.compile(
    "[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc"
    "\U00010800-\U00010fff\U0001e800-\U0001efff]"
)
# DejaVu Sans has the lam-alef ligatures but not the single-glyph "Allah".
_RESHAPER = ArabicReshaper(configuration={"ARABIC LIGATURE ALLAH": "no"})

_HTML_TAG = re.compile(
    r"</?(?:p|br|div|li|ul|ol|strong|b|em|i|u|span|a|h[1-6])\b[^>]*>", re.IGNORECASE
)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_HTML_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6])>", re.IGNORECASE)


class PdfError(BridgeError):
    """A PDF could not be made."""


class PdfFontError(PdfError):
    """No usable Unicode font was found to set the PDF in."""


@dataclass(frozen=True)
class PdfParty:
    """The business that sends the document, or the client it is for."""

    name: str
    org_name: str = ""
    email: str = ""
    phone: str = ""
    web: str = ""
    address_lines: Sequence[str] = ()
    logo_path: str | os.PathLike | None = None


@dataclass(frozen=True)
class PdfDocument:
    """One estimate or invoice, with everything its PDF shows.

    ``invoice`` is the stored ``invoice`` meta array; its items and totals are read
    with ``bridge.money.compute_totals``.  ``paid`` and ``due`` are the invoice's own
    amounts; a missing ``due`` is the grand total less ``paid``.  ``title`` is an
    optional subject line shown under the number (a project name, say).
    ``page_size`` is ``"A4"`` or ``"Letter"``.  ``labels`` are the words printed,
    keyed as ``LABELS`` is, in the language of ``locale``; ``item_label`` heads the
    items column in place of ``labels["items"]``.
    """

    kind: str
    number: str
    date: date | None
    due_date: date | None
    status: str
    overdue: bool
    currency: str
    locale: str
    sender: PdfParty
    recipient: PdfParty
    invoice: dict = field(default_factory=dict)
    paid: Decimal | None = None
    due: Decimal | None = None
    note: str = ""
    terms: str = ""
    payment_details: Sequence[tuple[str, str]] = ()
    item_label: str = ""
    title: str | None = None
    page_size: str = "A4"
    labels: Mapping[str, str] = field(default_factory=lambda: LABELS)


def document_filename(kind: str, number: str) -> str:
    """Return a download name such as ``Invoice-Inv-12.pdf``, in safe characters.

    The name is English whatever the document's language: it must survive any mail
    client and file system, and a translated word would often not be ASCII.
    """
    prefix = _kind_label(kind, LABELS)
    ascii_number = (
        unicodedata.normalize("NFKD", str(number or ""))
        .encode("ascii", "ignore")
        .decode()
    )
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_number)
    safe = re.sub(r"-{2,}", "-", safe).strip("-._")

    return f"{prefix}-{safe}.pdf" if safe else f"{prefix}.pdf"


def render_document(doc: PdfDocument) -> bytes:
    """Render one estimate or invoice as PDF bytes.

    :raise PdfFontError: when DejaVu Sans cannot be found.
    :raise ValueError: when ``doc.kind`` is neither ``estimate`` nor ``invoice``, or
        ``doc.page_size`` is neither ``A4`` nor ``Letter``.
    """
    labels = {**LABELS, **doc.labels}
    kind_label = _kind_label(doc.kind, labels)
    if doc.page_size not in PAGE_SIZES:
        raise ValueError(
            f"page_size must be one of {', '.join(PAGE_SIZES)}, not {doc.page_size!r}"
        )
    register_fonts()

    totals = compute_totals(doc.invoice)
    page = _Page(doc, totals, labels)
    doc_title = f"{kind_label} {doc.number}".strip()
    subject = doc.title or _subject(doc_title, doc, labels)

    buffer = io.BytesIO()
    template = BaseDocTemplate(
        buffer,
        pagesize=PAGE_SIZES[doc.page_size],
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=doc_title,
        author=_party_name(doc.sender),
        subject=subject,
        creator="WP Portal Bridge",
    )
    # No frame padding: the margins alone decide where text starts and ends.
    frame = Frame(
        template.leftMargin,
        template.bottomMargin,
        template.width,
        template.height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    footer = _Footer(" · ".join(filter(None, [doc_title, _party_name(doc.sender)])))
    template.addPageTemplates([PageTemplate(frames=[frame], onPage=footer)])
    canvas = partial(_NumberedCanvas, page_label=labels["page"])
    template.build(page.story(template.width), canvasmaker=canvas)

    return buffer.getvalue()


def _kind_label(kind: str, labels: Mapping[str, str]) -> str:
    if kind not in ("estimate", "invoice"):
        raise ValueError(f"kind must be 'estimate' or 'invoice', not {kind!r}")

    return labels[kind]


def _subject(doc_title: str, doc: PdfDocument, labels: Mapping[str, str]) -> str:
    parts = [doc_title]
    sender = _party_name(doc.sender)
    if sender:
        parts.append(labels["from"] % {"name": sender})
    recipient = _party_name(doc.recipient)
    if recipient:
        parts.append(labels["to"] % {"name": recipient})

    return " ".join(part for part in parts if part)


def _party_name(party: PdfParty) -> str:
    return (party.name or party.org_name or "").strip()


# Fonts

_font_lock = threading.Lock()
_fonts_ready = False


def font_paths() -> dict[str, Path]:
    """Find DejaVu Sans and DejaVu Sans Bold; Bold falls back to the regular face.

    ``BRIDGE_PDF_FONT_DIR``, when set, is the only place looked at.

    :raise PdfFontError: naming the package that provides the font.
    """
    configured = os.environ.get(FONT_DIR_ENV, "").strip()
    if configured:
        directories = [Path(configured).expanduser()]
    else:
        directories = [Path(path).expanduser() for path in _FONT_DIRS]

    for directory in directories:
        regular = directory / _FONT_FILES[FONT]
        if regular.is_file():
            bold = directory / _FONT_FILES[FONT_BOLD]
            return {FONT: regular, FONT_BOLD: bold if bold.is_file() else regular}

    if not configured:
        for regular in sorted(Path("/usr/share/fonts").glob("**/DejaVuSans.ttf")):
            bold = regular.with_name(_FONT_FILES[FONT_BOLD])
            return {FONT: regular, FONT_BOLD: bold if bold.is_file() else regular}

    where = configured or ", ".join(_FONT_DIRS)
    raise PdfFontError(
        f"DejaVuSans.ttf was not found in {where}. Install the font (Debian and "
        f"Ubuntu: apt-get install fonts-dejavu-core) or set {FONT_DIR_ENV} to the "
        "folder that holds DejaVuSans.ttf and DejaVuSans-Bold.ttf."
    )


def register_fonts() -> None:
    """Register the embedded fonts with reportlab, once per process."""
    global _fonts_ready

    if _fonts_ready:
        return

    with _font_lock:
        if _fonts_ready:
            return

        for name, path in font_paths().items():
            try:
                pdfmetrics.registerFont(TTFont(name, str(path)))
            except Exception as error:
                raise PdfFontError(
                    f"{path} could not be loaded as a TrueType font ({error}). "
                    f"Reinstall fonts-dejavu-core or point {FONT_DIR_ENV} to a good "
                    "copy."
                ) from error

        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        _fonts_ready = True


# Page furniture


class _NumberedCanvas(Canvas):
    """A canvas that holds its pages back so each can say "Page N of M".

    ``page_label`` is the words, with ``%(page)s`` and ``%(pages)s`` in them.
    """

    def __init__(self, *args, page_label: str = LABELS["page"], **kwargs):
        super().__init__(*args, **kwargs)
        self.page_label = page_label
        self._held_pages: list[dict] = []

    def showPage(self):
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        pages = len(self._held_pages)
        for number, state in enumerate(self._held_pages, start=1):
            self.__dict__.update(state)
            self._draw_page_number(number, pages)
            super().showPage()

        super().save()

    def _draw_page_number(self, number: int, pages: int) -> None:
        width, _ = self._pagesize
        self.saveState()
        self.setFont(FONT, 7.5)
        self.setFillColor(MUTED)
        self.drawRightString(
            width - MARGIN_X,
            MARGIN_BOTTOM / 2 - 3,
            _visual(self.page_label % {"page": number, "pages": pages}),
        )
        self.restoreState()


class _Footer:
    """Draws the rule and the document's name at the foot of every page."""

    def __init__(self, text: str):
        self.text = text

    def __call__(self, canvas: Canvas, template: BaseDocTemplate) -> None:
        width, _ = template.pagesize
        baseline = MARGIN_BOTTOM / 2 - 3

        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.6)
        canvas.line(MARGIN_X, baseline + 11, width - MARGIN_X, baseline + 11)
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(MUTED)
        # Leave the right-hand third of the line to the page number.
        text = _shorten(_shape(self.text), width * 0.6, 7.5)
        canvas.drawString(MARGIN_X, baseline, _visual(text))
        canvas.restoreState()


def _shorten(text: str, width: float, size: float) -> str:
    """Cut text to fit ``width`` at ``size`` points, with an ellipsis if cut."""
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text

    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


class _Stamp(Flowable):
    """A status mark in an outlined box: PAID, ACCEPTED, OVERDUE, …"""

    FONT_SIZE = 9.5
    PAD_X = 9
    PAD_Y = 5

    def __init__(self, text: str, color: colors.Color):
        super().__init__()
        # Letters spaced apart would come unjoined in Arabic.
        self.spacing = 0 if _RTL.search(text) else 1.2
        self.text = _visual(text.upper())
        self.color = color
        self.hAlign = "RIGHT"

    def wrap(self, available_width, available_height):
        text_width = pdfmetrics.stringWidth(self.text, FONT_BOLD, self.FONT_SIZE)
        self.width = text_width + 2 * self.PAD_X + self._tracking()
        self.height = self.FONT_SIZE + 2 * self.PAD_Y
        return self.width, self.height

    def _tracking(self) -> float:
        return self.spacing * (len(self.text) - 1)

    def draw(self):
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(self.color)
        canvas.setFillColor(self.color)
        canvas.setLineWidth(1.3)
        canvas.roundRect(0, 0, self.width, self.height, 3, stroke=1, fill=0)

        text = canvas.beginText(self.PAD_X, self.PAD_Y + 0.22 * self.FONT_SIZE)
        text.setFont(FONT_BOLD, self.FONT_SIZE)
        text.setCharSpace(self.spacing)
        text.textOut(self.text)
        canvas.drawText(text)
        canvas.restoreState()


# The document itself


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle(
        "body", fontName=FONT, fontSize=9, leading=13, textColor=INK, alignment=TA_LEFT
    )
    small = ParagraphStyle("small", body, fontSize=8.5, leading=12.5, textColor=MUTED)
    right = ParagraphStyle("right", body, alignment=TA_RIGHT)

    return {
        "body": body,
        "small": small,
        "right": right,
        "business": ParagraphStyle(
            "business", body, fontName=FONT_BOLD, fontSize=13, leading=17, spaceAfter=2
        ),
        "heading": ParagraphStyle(
            "heading",
            body,
            fontName=FONT_BOLD,
            fontSize=24,
            leading=28,
            textColor=ACCENT,
            alignment=TA_RIGHT,
        ),
        "number": ParagraphStyle(
            "number", right, fontSize=11, leading=15, spaceBefore=2, spaceAfter=2
        ),
        "subject": ParagraphStyle("subject", right, textColor=MUTED, spaceAfter=2),
        "label": ParagraphStyle(
            "label",
            body,
            fontName=FONT_BOLD,
            fontSize=7.5,
            leading=10,
            textColor=MUTED,
            spaceAfter=3,
        ),
        "client": ParagraphStyle(
            "client", body, fontName=FONT_BOLD, fontSize=11, leading=15, spaceAfter=1
        ),
        "meta_label": ParagraphStyle("meta_label", small, alignment=TA_RIGHT),
        "meta_value": ParagraphStyle("meta_value", right),
        "meta_strong": ParagraphStyle(
            "meta_strong", right, fontName=FONT_BOLD, fontSize=11, textColor=ACCENT
        ),
        "th": ParagraphStyle(
            "th", body, fontName=FONT_BOLD, fontSize=7.5, leading=10, textColor=ACCENT
        ),
        "th_right": ParagraphStyle(
            "th_right",
            body,
            fontName=FONT_BOLD,
            fontSize=7.5,
            leading=10,
            textColor=ACCENT,
            alignment=TA_RIGHT,
        ),
        "item": ParagraphStyle("item", body, fontName=FONT_BOLD),
        "desc": ParagraphStyle("desc", small, spaceBefore=1),
        "num": right,
        "total_label": ParagraphStyle("total_label", right, textColor=MUTED),
        "grand_label": ParagraphStyle(
            "grand_label", right, fontName=FONT_BOLD, fontSize=11, leading=15
        ),
        "grand_value": ParagraphStyle(
            "grand_value",
            right,
            fontName=FONT_BOLD,
            fontSize=11,
            leading=15,
            textColor=ACCENT,
        ),
        "strong_right": ParagraphStyle("strong_right", right, fontName=FONT_BOLD),
        "payment_title": ParagraphStyle("payment_title", body, fontName=FONT_BOLD),
    }


def _clean(text: object) -> str:
    """Return text with plain line breaks, tabs made spaces and control codes gone."""
    value = "" if text is None else str(text)
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    return _CONTROL.sub("", value.replace("\t", " "))


def _plain(text: object) -> str:
    """Turn the little HTML a rich-text note may hold into plain lines of text."""
    value = "" if text is None else str(text)
    if _HTML_TAG.search(value):
        value = _HTML_BREAK.sub("\n", value)
        value = _HTML_TAG.sub("", value)
        value = html.unescape(value)
        value = re.sub(r"\n{3,}", "\n\n", value)

    return value.strip()


# Right-to-left text


def _shape(text: str) -> str:
    """Join the Arabic letters in text into the forms they take beside each other."""
    return _RESHAPER.reshape(text) if _RTL.search(text) else text


def _direction(text: str) -> str:
    """Return "R" or "L": the direction of the first letter that has one."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "R"
        if kind == "L":
            return "L"
    return "L"


def _visual(line: str, direction: str | None = None) -> str:
    """Return one line of text shaped and in the order it is drawn, left to right.

    ``direction`` ("R" or "L") is that of the paragraph the line belongs to; by
    default the line's own.
    """
    if not _RTL.search(line):
        return line

    return get_display(_shape(line), base_dir=direction or _direction(line))


class _RtlParagraph(Flowable):
    """A paragraph with right-to-left letters in it, set in visual order.

    reportlab breaks lines left to right, so the text is broken into lines in
    reading order first, at the width it is given, and each line is then reordered
    on its own: the first words read stay on the first line.  What is drawn is a
    plain Paragraph of those lines.
    """

    def __init__(self, text: str, style: ParagraphStyle):
        super().__init__()
        self.text = _shape(text)
        self.style = style
        self.direction = _direction(text)
        self.spaceBefore = style.spaceBefore
        self.spaceAfter = style.spaceAfter
        self._set: tuple[float, Paragraph] | None = None

    def paragraph(self, width: float) -> Paragraph:
        """The Paragraph of visual lines that fits ``width``, made once a width."""
        if self._set is None or self._set[0] != width:
            lines = [
                _visual(line, self.direction)
                for hard_line in self.text.split("\n")
                for line in self._break(hard_line, width)
            ]
            markup = "<br/>".join(escape(line) for line in lines)
            self._set = (width, Paragraph(markup, self.style))

        return self._set[1]

    def _break(self, text: str, width: float) -> list[str]:
        """Break one line of text in reading order, as reportlab would break it."""
        if not text.strip():
            return [""]

        logical = Paragraph(escape(text), self.style)
        logical.wrap(width, 1e9)
        if logical.blPara.kind != 0:
            return [text]
        return [" ".join(words) for _, words in logical.blPara.lines]

    def wrap(self, available_width, available_height):
        paragraph = self.paragraph(available_width)
        self.width, self.height = paragraph.wrap(available_width, available_height)
        return self.width, self.height

    def split(self, available_width, available_height):
        paragraph = self.paragraph(available_width)
        paragraph.wrap(available_width, available_height)
        return paragraph.split(available_width, available_height)

    def draw(self):
        self.paragraph(self.width).drawOn(self.canv, 0, 0)


def _logo(path: str | os.PathLike | None) -> Image | None:
    """Return the logo scaled to fit its box, or None when it cannot be read.

    The picture is shrunk to three pixels a point, sharp in print without making a
    large upload a large PDF.
    """
    if not path:
        return None

    try:
        with PILImage.open(path) as picture:
            if picture.width * picture.height > LOGO_MAX_PIXELS:
                raise ValueError(f"{picture.width}x{picture.height} is too large")
            picture.load()
            scale = min(
                LOGO_MAX_WIDTH / picture.width, LOGO_MAX_HEIGHT / picture.height, 1.0
            )
            width, height = picture.width * scale, picture.height * scale
            see_through = picture.mode in ("RGBA", "LA", "PA") or (
                "transparency" in picture.info
            )
            picture = picture.convert("RGBA" if see_through else "RGB")
            picture.thumbnail((max(1, round(width * 3)), max(1, round(height * 3))))
            png = io.BytesIO()
            picture.save(png, "PNG")
    except Exception as error:  # noqa: BLE001 - a bad logo must not stop the PDF
        log.warning("Logo %s left out: %s", path, error)
        return None

    png.seek(0)
    image = Image(png, width=width, height=height, mask="auto")
    image.hAlign = "LEFT"
    return image


class _Page:
    """Builds the story (the list of flowables) for one document."""

    def __init__(self, doc: PdfDocument, totals: Totals, labels: Mapping[str, str]):
        self.doc = doc
        self.totals = totals
        self.labels = labels
        self.styles = _styles()
        self.locale = parse_locale(doc.locale)
        self.is_invoice = doc.kind == "invoice"
        invoice = doc.invoice if isinstance(doc.invoice, Mapping) else {}
        self.item_tax = is_on(invoice.get("item_tax"))

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.doc.currency, str(self.locale))

    def date(self, value: date | None) -> str:
        return format_date(value, format="medium", locale=self.locale) if value else ""

    def para(self, text: object, style: str) -> Flowable:
        """A paragraph of plain text, kept as written, its line breaks kept."""
        text = _clean(text)
        if _RTL.search(text):
            return _RtlParagraph(text, self.styles[style])

        return Paragraph(escape(text).replace("\n", "<br/>"), self.styles[style])

    def story(self, width: float) -> list[Flowable]:
        story: list[Flowable] = [
            self.header(width),
            Spacer(1, 6 * mm),
            self.parties(width),
            Spacer(1, 8 * mm),
            self.items(width),
        ]
        story.extend(self.closing(width))
        return story

    # The top of the first page

    def header(self, width: float) -> Table:
        sender = self.doc.sender
        left: list[Flowable] = []
        logo = _logo(sender.logo_path)
        if logo is not None:
            left += [logo, Spacer(1, 4 * mm)]
        name = _party_name(sender)
        if name:
            left.append(self.para(name, "business"))
        left += self.contact_lines(sender, with_org=sender.org_name != name)

        right: list[Flowable] = [
            self.para(self.labels[self.doc.kind].upper(), "heading"),
        ]
        if self.doc.number:
            right.append(self.para(self.doc.number, "number"))
        if self.doc.title:
            right.append(self.para(self.doc.title, "subject"))
        stamp = self.stamp()
        if stamp is not None:
            right += [Spacer(1, 2 * mm), stamp]

        table = Table([[left, right]], colWidths=[width * 0.58, width * 0.42])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return table

    def contact_lines(self, party: PdfParty, with_org: bool) -> list[Flowable]:
        lines = []
        if with_org and party.org_name:
            lines.append(party.org_name)
        lines += [line for line in party.address_lines if line and str(line).strip()]
        lines += [value for value in (party.email, party.phone, party.web) if value]

        return [self.para(line, "small") for line in lines]

    def stamp(self) -> _Stamp | None:
        status = (self.doc.status or "").strip().lower()
        if self.is_invoice and status == "paid":
            return _Stamp(self.labels["status_paid"], GOOD)
        if not self.is_invoice and status == "accept":
            return _Stamp(self.labels["status_accept"], GOOD)
        if not self.is_invoice and status == "decline":
            return _Stamp(self.labels["status_decline"], BAD)
        if self.doc.overdue and self.is_invoice:
            return _Stamp(self.labels["status_overdue"], BAD)
        if self.doc.overdue:
            return _Stamp(self.labels["status_expired"], BAD)

        return None

    def parties(self, width: float) -> Table:
        recipient = self.doc.recipient
        left: list[Flowable] = [
            self.para(
                self.labels["bill_to" if self.is_invoice else "estimate_for"].upper(),
                "label",
            )
        ]
        name = recipient.name or recipient.org_name
        if name:
            left.append(self.para(name, "client"))
        left += self.contact_lines(recipient, with_org=recipient.org_name != name)

        table = Table(
            [[left, self.key_figures(width * 0.42)]],
            colWidths=[width * 0.58, width * 0.42],
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("TOPPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                ]
            )
        )
        return table

    def key_figures(self, width: float) -> Table:
        """The dates and the one amount the client most needs, top right."""
        doc = self.doc
        rows = []
        if doc.date:
            label = "invoice_date" if self.is_invoice else "estimate_date"
            rows.append((self.labels[label], self.date(doc.date), "meta_value"))
        if doc.due_date:
            label = "due_date" if self.is_invoice else "valid_until"
            rows.append((self.labels[label], self.date(doc.due_date), "meta_value"))
        if self.is_invoice:
            rows.append(
                (self.labels["amount_due"], self.money(self.due()), "meta_strong")
            )
        else:
            rows.append(
                (
                    self.labels["total"],
                    self.money(self.totals.grand_total),
                    "meta_strong",
                )
            )

        data = [
            [self.para(label, "meta_label"), self.para(value, style)]
            for label, value, style in rows
        ]
        table = Table(data, colWidths=[width * 0.5, width * 0.5])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (0, -1), 10),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                    ("TOPPADDING", (0, -1), (-1, -1), 6),
                    ("LINEABOVE", (1, -1), (1, -1), 0.6, RULE),
                ]
            )
        )
        return table

    # Items

    def item_figures(self, line: ItemLine) -> list[str]:
        """The texts of an item's number columns: qty, price, [tax], amount."""
        qty = format_decimal(line.qty, locale=self.locale)
        if line.qty_type:
            qty = f"{qty} {line.qty_type}"

        figures = [qty, self.money(line.price)]
        if self.item_tax:
            if line.tax_type == "fixed":
                figures.append(self.money(line.tax))
            else:
                figures.append(f"{format_decimal(line.tax, locale=self.locale)}%")
        figures.append(self.money(line.amount))
        return figures

    def item_columns(
        self, width: float, headers: list[str], figures: list[list[str]]
    ) -> tuple[list[float], bool]:
        """Size the number columns to their widest text; the item column gets the rest.

        The number columns together take at most 60 % of the width; past that they
        shrink and their longest texts wrap.  Also say whether every text fits on one
        line.
        """
        body = self.styles["num"]
        head = self.styles["th_right"]
        columns = []
        for index, header in enumerate(headers):
            widest = max(
                (
                    pdfmetrics.stringWidth(
                        _shape(row[index]), body.fontName, body.fontSize
                    )
                    for row in figures
                ),
                default=0,
            )
            header_width = pdfmetrics.stringWidth(
                _shape(header), head.fontName, head.fontSize
            )
            columns.append(max(widest, header_width, 36) + 2 * CELL_PADDING + 12)

        # Too wide: the quantity (which may hold a unit, and words wrap) gives way
        # first, then every column in proportion.
        limit = width * 0.6
        fits = sum(columns) <= limit
        if not fits:
            qty_header = pdfmetrics.stringWidth(
                _shape(headers[0]), head.fontName, head.fontSize
            )
            qty_least = max(qty_header, 36) + 2 * CELL_PADDING + 12
            columns[0] -= min(sum(columns) - limit, columns[0] - qty_least)
        if sum(columns) > limit:
            columns = [column * limit / sum(columns) for column in columns]
        return [width - sum(columns), *columns], fits

    def items(self, width: float) -> Table:
        keys = ("qty", "price", "tax", "amount")
        headers = [self.labels[key] for key in keys if key != "tax" or self.item_tax]
        lines = self.totals.item_lines
        figures = [self.item_figures(line) for line in lines]
        columns, one_line = self.item_columns(width, headers, figures)

        data: list[list] = [
            [
                self.para(self.doc.item_label or self.labels["items"], "th"),
                *(self.para(header, "th_right") for header in headers),
            ]
        ]
        style = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("TOPPADDING", (0, 0), (-1, -1), 6),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ("BACKGROUND", (0, 0), (-1, 0), ACCENT_TINT),
            ("LINEBELOW", (0, 0), (-1, 0), 1, ACCENT),
            ("BOTTOMPADDING", (0, 0), (-1, 0), 5),
        ]

        if one_line:
            # Figures that fit go in as plain strings: much cheaper than paragraphs.
            number = self.styles["num"]
            style += [
                ("FONTNAME", (1, 1), (-1, -1), number.fontName),
                ("FONTSIZE", (1, 1), (-1, -1), number.fontSize),
                ("LEADING", (1, 1), (-1, -1), number.leading),
                ("TEXTCOLOR", (1, 1), (-1, -1), number.textColor),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ]
            figures = [[_visual(text) for text in row] for row in figures]
        else:
            figures = [[self.para(text, "num") for text in row] for row in figures]

        if not lines:
            data.append([self.para(self.labels["no_items"], "small")])
            data[-1] += [""] * len(headers)
            style.append(("SPAN", (0, 1), (-1, 1)))

        for line, numbers in zip(lines, figures, strict=True):
            first = len(data)
            data += self.item_rows(line, numbers, columns[0] - 2 * CELL_PADDING)
            last = len(data) - 1
            style.append(("LINEBELOW", (0, last), (-1, last), 0.5, RULE))
            if last > first:
                # A continued description: no rule or gap between its pieces.
                style += [
                    ("BOTTOMPADDING", (0, first), (-1, last - 1), 0),
                    ("TOPPADDING", (0, first + 1), (-1, last), 0),
                ]

        # The totals are the table's last row, bound to the last item's last row so
        # that a page break never leaves them alone on a page without the header.
        data.append([self.summary(width)] + [""] * len(headers))
        totals = len(data) - 1
        style += [
            ("SPAN", (0, totals), (-1, totals)),
            ("ALIGN", (0, totals), (-1, totals), "RIGHT"),
            ("LEFTPADDING", (0, totals), (-1, totals), 0),
            ("RIGHTPADDING", (0, totals), (-1, totals), 0),
            ("TOPPADDING", (0, totals), (-1, totals), 4 * mm),
            ("BOTTOMPADDING", (0, totals), (-1, totals), 0),
            ("NOSPLIT", (0, totals - 1), (-1, totals)),
        ]

        table = Table(data, colWidths=columns, repeatRows=1, hAlign="LEFT")
        table.setStyle(TableStyle(style))
        return table

    def item_rows(self, line: ItemLine, numbers: list, width: float) -> list[list]:
        """One row for an item, more when its description has to be cut up."""
        title = self.para(line.title, "item") if line.title else None
        pieces: list[Flowable] = []
        if line.desc:
            pieces = _cut(self.para(line.desc, "desc"), width, DESC_CHUNK_HEIGHT)

        first_cell = [flowable for flowable in (title, *pieces[:1]) if flowable]
        rows = [[first_cell or "", *numbers]]
        rows += [[piece] + [""] * len(numbers) for piece in pieces[1:]]
        return rows

    # Totals

    def due(self) -> Decimal:
        if self.doc.due is not None:
            return self.doc.due

        return self.totals.grand_total - (self.doc.paid or Decimal(0))

    def extra_label(self, line: ExtraLine) -> str:
        """A tax, fee or discount's name, with its rate when it is a percentage."""
        label = self.labels.get(line.type, line.label)
        if line.val_type == "percent":
            label += f" ({format_decimal(line.val, locale=self.locale)}%)"
        return label

    def summary(self, width: float) -> Table:
        totals = self.totals
        rows: list[tuple[str, str, str, str]] = [
            (
                self.labels["subtotal"],
                self.money(totals.items_total),
                "total_label",
                "num",
            )
        ]
        if self.item_tax:
            rows.append(
                (
                    self.labels["item_tax"],
                    self.money(totals.item_taxes),
                    "total_label",
                    "num",
                )
            )
        for line in totals.lines:
            amount = -line.amount if line.type == "discount" else line.amount
            rows.append(
                (self.extra_label(line), self.money(amount), "total_label", "num")
            )

        grand = len(rows)
        rows.append(
            (
                self.labels["total"],
                self.money(totals.grand_total),
                "grand_label",
                "grand_value",
            )
        )
        if self.is_invoice:
            rows.append(
                (
                    self.labels["paid"],
                    self.money(self.doc.paid or Decimal(0)),
                    "total_label",
                    "num",
                )
            )
            rows.append(
                (
                    self.labels["amount_due"],
                    self.money(self.due()),
                    "strong_right",
                    "strong_right",
                )
            )

        data = [
            [self.para(label, label_style), self.para(value, value_style)]
            for label, value, label_style, value_style in rows
        ]
        style = [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), 6),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ("LINEABOVE", (0, grand), (-1, grand), 1, ACCENT),
            ("TOPPADDING", (0, grand), (-1, grand), 7),
            ("BOTTOMPADDING", (0, grand), (-1, grand), 7),
        ]
        if self.is_invoice:
            style += [
                ("LINEABOVE", (0, -1), (-1, -1), 0.5, RULE),
                ("BACKGROUND", (0, -1), (-1, -1), ACCENT_TINT),
                ("TOPPADDING", (0, -1), (-1, -1), 6),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 6),
            ]

        # The figures get the room their widest one needs, within limits.
        widest = max(
            pdfmetrics.stringWidth(
                value, self.styles[style].fontName, self.styles[style].fontSize
            )
            for _, value, _, style in rows
        )
        figures = min(max(widest + 16, width * 0.2), width * 0.32)
        table = Table(
            data, colWidths=[width * TOTALS_SHARE - figures, figures], hAlign="RIGHT"
        )
        table.setStyle(TableStyle(style))
        return table

    # Notes, terms and payment details

    def closing(self, width: float) -> list[Flowable]:
        """Notes and terms, then payment details; side by side when both are short."""
        texts = [
            self.section(self.labels[key], [self.para(_plain(text), "small")])
            for key, text in (("note", self.doc.note), ("terms", self.doc.terms))
            if _plain(text)
        ]

        body: list[Flowable] = []
        for title, text in self.doc.payment_details:
            if body and (title or _plain(text)):
                body.append(Spacer(1, 2 * mm))
            if title:
                body.append(self.para(title, "payment_title"))
            if _plain(text):
                body.append(self.para(_plain(text), "small"))
        payment = [self.section(self.labels["payment_details"], body)] if body else []

        # The right column lines up with the totals above it.
        gutter = 10 * mm
        right = width * TOTALS_SHARE
        left = _joined(texts)
        if (
            texts
            and payment
            and _height(left, width - right - gutter) <= SIDE_BY_SIDE_HEIGHT
            and _height(payment[0], right) <= SIDE_BY_SIDE_HEIGHT
        ):
            table = Table([[left, payment[0]]], colWidths=[width - right, right])
            table.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LEFTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                        ("RIGHTPADDING", (0, 0), (0, 0), gutter),
                        ("TOPPADDING", (0, 0), (-1, -1), 0),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                    ]
                )
            )
            return [Spacer(1, 7 * mm), table]

        story: list[Flowable] = []
        for section in texts + payment:
            story += [Spacer(1, 6 * mm), KeepTogether(section)]
        return story

    def section(self, heading: str, body: list[Flowable]) -> list[Flowable]:
        return [self.para(heading.upper(), "label"), *body]


def _joined(sections: list[list[Flowable]]) -> list[Flowable]:
    """Stack sections in one column, a gap between each."""
    joined: list[Flowable] = []
    for section in sections:
        if joined:
            joined.append(Spacer(1, 5 * mm))
        joined += section
    return joined


def _height(flowables: list[Flowable], width: float) -> float:
    return sum(
        flowable.wrap(width, 1e9)[1]
        + flowable.getSpaceBefore()
        + flowable.getSpaceAfter()
        for flowable in flowables
    )


def _cut(paragraph: Paragraph, width: float, height: float) -> list[Flowable]:
    """Cut a long paragraph into pieces no taller than ``height``."""
    pieces: list[Flowable] = []
    rest: Flowable = paragraph
    while True:
        _, needed = rest.wrap(width, height)
        if needed <= height:
            pieces.append(rest)
            return pieces

        parts = rest.split(width, height)
        if len(parts) < 2:
            pieces.append(rest)
            return pieces

        pieces.append(parts[0])
        rest = parts[1]
