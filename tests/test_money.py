"""The grand total of an estimate or invoice, each rule checked against hand sums."""

from decimal import Decimal

import pytest

from bridge.money import (
    ExtraLine,
    ItemLine,
    Totals,
    compute_totals,
    format_money,
    round_money,
    to_decimal,
)

D = Decimal


def totals(items=(), extra=(), item_tax=False) -> Totals:
    return compute_totals(
        {"items": list(items), "extra_field": list(extra), "item_tax": item_tax}
    )


def item(qty, price, tax="", tax_type="percent", **more):
    return {"qty": qty, "price": price, "tax": tax, "tax_type": tax_type, **more}


def field(kind, val, val_type, tax_cal="", fee_cal=""):
    return {
        "type": kind,
        "val": val,
        "val_type": val_type,
        "tax_cal": tax_cal,
        "fee_cal": fee_cal,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12.50", D("12.50")),
        (" 7 ", D(7)),
        (3, D(3)),
        (0.1, D("0.1")),
        (2.675, D("2.675")),
        (D("1.10"), D("1.10")),
        ("", D(0)),
        (None, D(0)),
        ("abc", D(0)),
        ("12.5 kg", D("12.5")),
        ("-4", D(-4)),
        ("1e3", D(1000)),
        ("nan", D(0)),
        (float("inf"), D(0)),
        ("1e999999999", D(0)),
        ([], D(0)),
        ({"a": 1}, D(0)),
        (True, D(1)),
        (b"5.5", D("5.5")),
    ],
)
def test_to_decimal(value, expected):
    assert to_decimal(value) == expected


@pytest.mark.parametrize("invoice", [{}, None, {"items": [], "extra_field": []}, []])
def test_empty_invoice_is_all_zero(invoice):
    result = compute_totals(invoice)

    assert result == Totals(D(0), D(0), D(0), D(0), D(0), D(0), (), ())


def test_items_total_is_qty_times_price():
    result = totals([item("2", "100"), item(3, 0.1), item("1.5", "40")])

    # 200 + 0.3 + 60
    assert result.items_total == D("260.3")
    assert result.grand_total == D("260.3")
    assert [line.amount for line in result.item_lines] == [D(200), D("0.3"), D(60)]


def test_item_tax_off_ignores_item_taxes():
    result = totals([item(2, 100, 10)], item_tax=False)

    assert result.item_taxes == 0
    assert result.item_lines[0].tax_amount == 0
    assert result.grand_total == D(200)


def test_item_tax_percent_uses_the_unit_price_not_the_line_amount():
    # 10 % of the unit price 100 is 10, though the line is 3 x 100 = 300.
    result = totals([item(3, 100, 10)], item_tax=True)

    assert result.items_total == D(300)
    assert result.item_taxes == D(10)
    assert result.grand_total == D(310)


def test_item_tax_fixed_is_added_once_per_item():
    result = totals([item(4, 25, "2.50", "fixed"), item(1, 10, 5)], item_tax="1")

    # 2.50 fixed + 5 % of 10
    assert result.item_taxes == D("3.00")
    assert result.grand_total == D("113.00")


@pytest.mark.parametrize(
    ("flag", "on"),
    [
        (True, True),
        ("1", True),
        ("true", True),
        (1, True),
        (False, False),
        ("0", False),
        ("false", False),
        ("", False),
        (None, False),
    ],
)
def test_item_tax_flag_spellings(flag, on):
    result = totals([item(1, 100, 20)], item_tax=flag)

    assert result.item_taxes == (D(20) if on else D(0))


def test_tax_percent_includes_item_taxes_unless_tax_cal():
    items = [item(1, 200, 10)]

    plain = totals(items, [field("tax", 10, "percent")], item_tax=True)
    # (200 + 20) x 10 %
    assert plain.taxes == D(22)
    assert plain.grand_total == D(242)

    tax_cal = totals(items, [field("tax", 10, "percent", tax_cal="1")], item_tax=True)
    # 200 x 10 %
    assert tax_cal.taxes == D(20)
    assert tax_cal.grand_total == D(240)


def test_tax_fixed_is_its_value():
    result = totals([item(1, 200)], [field("tax", "15.75", "fixed")])

    assert result.taxes == D("15.75")
    assert result.grand_total == D("215.75")


def test_fee_percent_includes_item_taxes_and_taxes_unless_tax_cal():
    items = [item(2, 50, 10)]
    extra = [field("tax", 10, "percent"), field("fee", 5, "percent")]

    plain = totals(items, extra, item_tax=True)
    # items 100, item tax 5 (10 % of 50), tax (100 + 5) x 10 % = 10.5,
    # fee (100 + 5 + 10.5) x 5 % = 5.775
    assert plain.items_total == D(100)
    assert plain.item_taxes == D(5)
    assert plain.taxes == D("10.5")
    assert plain.fees == D("5.775")
    assert plain.grand_total == D("121.275")

    extra[1] = field("fee", 5, "percent", tax_cal=True)
    tax_cal = totals(items, extra, item_tax=True)
    # fee 100 x 5 %
    assert tax_cal.fees == D(5)
    assert tax_cal.grand_total == D("120.5")


def test_fee_fixed_is_its_value():
    result = totals([item(1, 100)], [field("fee", 12, "fixed")])

    assert result.fees == D(12)
    assert result.grand_total == D(112)


def test_discount_percent_honours_tax_cal_and_fee_cal():
    items = [item(1, 1000)]
    base = [field("tax", 10, "percent"), field("fee", 50, "fixed")]

    # tax 100, fee 50.
    cases = [
        ("", "", D("11.50")),  # (1000 + 100 + 50) x 1 %
        ("1", "", D("10.50")),  # (1000 + 50) x 1 %
        ("", "1", D("11.00")),  # (1000 + 100) x 1 %
        ("1", "1", D("10.00")),  # 1000 x 1 %
    ]
    for tax_cal, fee_cal, discount in cases:
        extra = [*base, field("discount", 1, "percent", tax_cal, fee_cal)]
        result = totals(items, extra)

        assert result.discounts == discount
        assert result.grand_total == D(1150) - discount


def test_discount_fixed_is_subtracted():
    result = totals([item(1, 80)], [field("discount", "30", "fixed")])

    assert result.discounts == D(30)
    assert result.grand_total == D(50)


def test_fields_apply_by_kind_whatever_their_stored_order():
    items = [item(1, 100)]
    extra = [
        field("discount", 10, "percent"),
        field("fee", 10, "percent"),
        field("tax", 10, "percent"),
    ]

    result = totals(items, extra)

    # tax 10, fee (100 + 10) x 10 % = 11, discount (100 + 10 + 11) x 10 % = 12.1
    assert result.taxes == D(10)
    assert result.fees == D(11)
    assert result.discounts == D("12.1")
    assert result.grand_total == D("108.9")
    assert [line.type for line in result.lines] == ["discount", "fee", "tax"]
    assert [line.amount for line in result.lines] == [D("12.1"), D(11), D(10)]


def test_several_fields_of_one_kind_add_up():
    extra = [field("tax", 10, "percent"), field("tax", 5, "fixed")]

    result = totals([item(1, 100)], extra)

    assert result.taxes == D(15)
    assert result.lines == (
        ExtraLine("tax", "Tax (10%)", D(10), "percent", D(10)),
        ExtraLine("tax", "Tax", D(5), "fixed", D(5)),
    )


def test_string_and_number_inputs_give_the_same_totals():
    as_strings = compute_totals(
        {
            "item_tax": "true",
            "items": {"0": item("2", "19.99", "7.5"), "1": item("1", "0.01", "1")},
            "extra_field": {"0": field("tax", "8.25", "percent")},
        }
    )
    as_numbers = compute_totals(
        {
            "item_tax": True,
            "items": {0: item(2, 19.99, 7.5), 1: item(1, 0.01, 1)},
            "extra_field": [field("tax", 8.25, "percent")],
        }
    )

    # items 39.98 + 0.01 = 39.99; item taxes 19.99 x 7.5 % + 0.01 x 1 %
    # = 1.49925 + 0.0001 = 1.49935; tax 41.48935 x 8.25 % = 3.319148 + 0.103723375
    assert as_strings == as_numbers
    assert as_strings.items_total == D("39.99")
    assert as_strings.item_taxes == D("1.49935")
    assert as_strings.taxes == D("3.422871375")
    assert as_strings.grand_total == D("44.912221375")


def test_dict_items_are_read_in_numeric_key_order():
    invoice = {
        "items": {
            "10": item(1, 3, title="third"),
            "2": item(1, 2, title="second"),
            "0": item(1, 1, title="first"),
        }
    }

    result = compute_totals(invoice)

    assert [line.title for line in result.item_lines] == ["first", "second", "third"]


def test_garbage_counts_as_zero_and_never_crashes():
    invoice = {
        "item_tax": "1",
        "items": [
            item("abc", "100", "x"),
            item("2", None, "10"),
            "not an item",
            None,
            item("1", "5", "", tax_type=None),
        ],
        "extra_field": [
            field("tax", "abc", "percent"),
            field("bogus", 10, "fixed"),
            {"type": "fee"},
            42,
        ],
    }

    result = compute_totals(invoice)

    assert result.items_total == D(5)
    assert result.item_taxes == D(0)
    assert result.fees == D(0)
    assert result.grand_total == D(5)
    assert [line.type for line in result.lines] == ["tax", "fee"]


def test_item_lines_carry_the_display_fields():
    invoice = {
        "item_tax": True,
        "items": [
            {
                "title": " Design ",
                "desc": "Logo and\nbrand book",
                "qty": "3",
                "qty_type": "hours",
                "price": "80",
                "tax": "5",
                "tax_type": "fixed",
            }
        ],
    }

    (line,) = compute_totals(invoice).item_lines

    assert line == ItemLine(
        title="Design",
        desc="Logo and\nbrand book",
        qty=D(3),
        qty_type="hours",
        price=D(80),
        tax=D(5),
        tax_type="fixed",
        tax_amount=D(5),
        amount=D(240),
    )


def test_labels_name_the_percentage():
    extra = [
        field("tax", "7.50", "percent"),
        field("fee", "3", "fixed"),
        field("discount", "5", "percent"),
    ]

    result = totals([item(1, 100)], extra)

    assert [line.label for line in result.lines] == [
        "Tax (7.5%)",
        "Fee",
        "Discount (5%)",
    ]


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        (D("1234.5"), "USD", "en", "$1,234.50"),
        (D("0.125"), "USD", "en", "$0.13"),
        (D("0.135"), "USD", "en", "$0.14"),
        (D("44.912221375"), "USD", "en", "$44.91"),
        (D("-5"), "USD", "en", "-$5.00"),
        (D("1234.5"), "EUR", "de", "1.234,50\xa0€"),
        (D("1234.5"), "EUR", "fr_FR", "1\u202f234,50\xa0€"),
        (D("1234.5"), "JPY", "en", "¥1,235"),
        (D("1234.5"), "usd", "en-US", "$1,234.50"),
        (D("1"), "", "en", "$1.00"),
        (D("1"), "USD", "xx_nowhere", "$1.00"),
    ],
)
def test_format_money(amount, currency, locale, expected):
    assert format_money(amount, currency, locale) == expected


def test_round_money_rounds_half_up_to_the_minor_unit():
    assert round_money(D("2.675"), "USD") == D("2.68")
    assert round_money(D("2.5"), "JPY") == D(3)
    assert round_money(D("1.0005"), "KWD") == D("1.001")
