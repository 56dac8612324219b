"""Estimate and invoice arithmetic, done the way Propovoice does it, in Decimal.

The input is the unserialized ``invoice`` meta array of an ``ndpv_estinv`` post.  Its
numbers arrive as strings, ints or floats (whatever the browser and PHP stored), its
lists as lists or as dicts keyed by position, and its flags as booleans or strings.
Everything here tolerates that mess, so that one bad field shows as zero instead of
breaking a page.  Amounts are never rounded here: only ``format_money`` rounds, to the
currency's minor unit, for display.
"""

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision

log = logging.getLogger(__name__)

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# The longest leading number of a string, as JavaScript's parseFloat reads it.
_LEADING_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")

_MAX_EXPONENT = 30

_FALSE_WORDS = frozenset({"", "0", "false", "no", "off", "null"})

_LABELS = {"tax": "Tax", "fee": "Fee", "discount": "Discount"}


@dataclass(frozen=True)
class ItemLine:
    """One row of the items table, with its figures already made Decimal."""

    title: str
    desc: str
    qty: Decimal
    qty_type: str
    price: Decimal
    tax: Decimal
    tax_type: str
    tax_amount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class ExtraLine:
    """One tax, fee or discount below the items, with the amount it came to."""

    type: str
    label: str
    val: Decimal
    val_type: str
    amount: Decimal


@dataclass(frozen=True)
class Totals:
    """Every figure an estimate or invoice shows, unrounded."""

    items_total: Decimal
    item_taxes: Decimal
    taxes: Decimal
    fees: Decimal
    discounts: Decimal
    grand_total: Decimal
    lines: tuple[ExtraLine, ...] = ()
    item_lines: tuple[ItemLine, ...] = ()


def to_decimal(value: object) -> Decimal:
    """Read a stored number as Decimal; empty, missing or unreadable values are 0.

    Strings are read by their leading number, as both PHP's float cast and
    JavaScript's ``parseFloat`` read them (``"12.5 kg"`` is 12.5, ``"abc"`` is 0).
    Floats go through ``str`` so that 0.1 stays 0.1.
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        result = Decimal(int(value))
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = _parse(str(value))
    elif isinstance(value, bytes | bytearray):
        result = _parse(value.decode("utf-8", "replace"))
    elif isinstance(value, str):
        result = _parse(value)
    else:
        result = ZERO

    # Out-of-range exponents ("1e999999") are garbage, and would overflow later.
    if (
        not result.is_finite()
        or not -_MAX_EXPONENT <= result.adjusted() <= _MAX_EXPONENT
    ):
        return ZERO

    return result


def _parse(text: str) -> Decimal:
    match = _LEADING_NUMBER.match(text.strip())
    if match is None:
        return ZERO

    try:
        return Decimal(match.group())
    except InvalidOperation:
        return ZERO


def is_on(value: object) -> bool:
    """Read a stored flag: ``True``, ``1``, ``"1"``, ``"true"`` are on."""
    if isinstance(value, str):
        return value.strip().lower() not in _FALSE_WORDS

    return bool(value)


def rows(value: object) -> list[Mapping]:
    """Return the dict entries of a PHP list, whether it came as a list or a dict.

    A PHP array unserializes as a dict keyed ``0, 1, …`` or ``"0", "1", …``; numeric
    keys are put in numeric order, any others keep their stored order after them.
    """
    if isinstance(value, Mapping):
        numbered = []
        named = []
        for key, entry in value.items():
            try:
                numbered.append((int(key), entry))
            except (TypeError, ValueError):
                named.append(entry)
        numbered.sort(key=lambda pair: pair[0])
        entries: Iterable = [entry for _, entry in numbered] + named
    elif isinstance(value, list | tuple):
        entries = value
    else:
        entries = ()

    return [entry for entry in entries if isinstance(entry, Mapping)]


def _text(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""

    return str(value).strip()


def _kind(value: object, default: str, other: str) -> str:
    """Return ``other`` if the stored type names it, else ``default``."""
    return other if _text(value).lower() == other else default


def _percent_label(val: Decimal) -> str:
    text = format(val.normalize(), "f")
    return f"{text}%"


def _item_line(item: Mapping, item_tax: bool) -> ItemLine:
    qty = to_decimal(item.get("qty"))
    price = to_decimal(item.get("price"))
    tax = to_decimal(item.get("tax"))
    tax_type = _kind(item.get("tax_type"), "percent", "fixed")

    if not item_tax:
        tax_amount = ZERO
    elif tax_type == "percent":
        # Propovoice takes the percentage of the unit price, not of the line amount.
        tax_amount = price * tax / HUNDRED
    else:
        tax_amount = tax

    return ItemLine(
        title=_text(item.get("title")),
        desc=_text(item.get("desc")),
        qty=qty,
        qty_type=_text(item.get("qty_type")),
        price=price,
        tax=tax,
        tax_type=tax_type,
        tax_amount=tax_amount,
        amount=qty * price,
    )


def compute_totals(invoice: Mapping | None) -> Totals:
    """Compute the figures of one ``invoice`` meta array as Propovoice does.

    Taxes, fees and discounts given as a percentage apply to the items total plus,
    unless the field's ``tax_cal`` (or, for discounts, ``fee_cal``) flag is set, the
    taxes and fees that come before them.
    """
    invoice = invoice if isinstance(invoice, Mapping) else {}
    item_tax = is_on(invoice.get("item_tax"))

    item_lines = tuple(
        _item_line(item, item_tax) for item in rows(invoice.get("items"))
    )
    items_total = sum((line.amount for line in item_lines), ZERO)
    item_taxes = sum((line.tax_amount for line in item_lines), ZERO)

    fields = [
        field
        for field in rows(invoice.get("extra_field"))
        if _text(field.get("type")).lower() in _LABELS
    ]

    # Each kind is summed in its own pass because later kinds are percentages of
    # the sums of earlier ones, whatever order the fields are stored in.
    amounts: dict[int, Decimal] = {}
    sums = {"tax": ZERO, "fee": ZERO, "discount": ZERO}
    for kind in ("tax", "fee", "discount"):
        for index, field in enumerate(fields):
            if _text(field.get("type")).lower() != kind:
                continue
            base = _percent_base(kind, field, items_total, item_taxes, sums)
            amount = _field_amount(field, base)
            amounts[index] = amount
            sums[kind] += amount

    lines = tuple(
        _extra_line(field, amounts[index]) for index, field in enumerate(fields)
    )
    grand_total = (
        items_total + item_taxes + sums["tax"] + sums["fee"] - sums["discount"]
    )

    return Totals(
        items_total=items_total,
        item_taxes=item_taxes,
        taxes=sums["tax"],
        fees=sums["fee"],
        discounts=sums["discount"],
        grand_total=grand_total,
        lines=lines,
        item_lines=item_lines,
    )


def _percent_base(
    kind: str,
    field: Mapping,
    items_total: Decimal,
    item_taxes: Decimal,
    sums: Mapping[str, Decimal],
) -> Decimal:
    """Return what a percentage field of this kind is a percentage of."""
    tax_cal = is_on(field.get("tax_cal"))

    if kind == "tax":
        return items_total + (ZERO if tax_cal else item_taxes)

    if kind == "fee":
        return items_total + (ZERO if tax_cal else item_taxes + sums["tax"])

    fee_cal = is_on(field.get("fee_cal"))
    return (
        items_total
        + (ZERO if tax_cal else item_taxes + sums["tax"])
        + (ZERO if fee_cal else sums["fee"])
    )


def _field_amount(field: Mapping, base: Decimal) -> Decimal:
    val = to_decimal(field.get("val"))
    if _kind(field.get("val_type"), "percent", "fixed") == "fixed":
        return val

    return base * val / HUNDRED


def _extra_line(field: Mapping, amount: Decimal) -> ExtraLine:
    kind = _text(field.get("type")).lower()
    val = to_decimal(field.get("val"))
    val_type = _kind(field.get("val_type"), "percent", "fixed")

    label = _LABELS[kind]
    if val_type == "percent":
        label = f"{label} ({_percent_label(val)})"

    return ExtraLine(type=kind, label=label, val=val, val_type=val_type, amount=amount)


def parse_locale(locale: str | None) -> Locale:
    """Return the Babel locale for `en`, `en_US` or `en-US`; English if unknown."""
    try:
        return Locale.parse((locale or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        log.warning("Unknown locale %r, formatting in English", locale)
        return Locale.parse("en")


def currency_code(currency: str | None) -> str:
    """Return a three-letter currency code, USD when none is set."""
    code = _text(currency).upper()
    return code if re.fullmatch(r"[A-Z]{3}", code) else "USD"


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half up to the currency's minor unit (cents, or none for JPY)."""
    digits = get_currency_precision(currency_code(currency))
    return to_decimal(amount).quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str, locale: str = "en") -> str:
    """Format an amount for display, the only place where money is rounded."""
    code = currency_code(currency)
    return format_currency(round_money(amount, code), code, locale=parse_locale(locale))
