from decimal import Decimal

from ledger import cents, format_money


def test_cents_rounds_half_up():
    assert cents(Decimal("2.345")) == Decimal("2.35")


def test_format_money():
    assert format_money(Decimal("1234.5")) == "$1,234.50"


def test_format_negative_money():
    assert format_money(Decimal("-3")) == "-$3.00"


def test_format_money_in_pounds():
    assert format_money(Decimal("-9.5"), "GBP") == "-£9.50"
