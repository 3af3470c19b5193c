from decimal import Decimal

import pytest

from ledger import Invoice


def make_invoice() -> Invoice:
    invoice = Invoice("2024-001", tax_rate=Decimal("0.2"))
    invoice.add("Widget", 3, "2.50")
    invoice.add("Gadget", 1, "10.00")
    return invoice


def test_totals():
    invoice = make_invoice()
    assert invoice.subtotal == Decimal("17.50")
    assert invoice.tax == Decimal("3.50")
    assert invoice.total == Decimal("21.00")


def test_render():
    assert make_invoice().render() == (
        "Invoice 2024-001 (USD)\n"
        "3 x Widget: $7.50\n"
        "1 x Gadget: $10.00\n"
        "Subtotal: $17.50\n"
        "Tax: $3.50\n"
        "Total: $21.00"
    )


def test_unsupported_currency_is_rejected():
    with pytest.raises(ValueError, match="JPY"):
        Invoice("2024-002", currency="JPY")


def test_render_in_euros():
    invoice = Invoice("2024-003", currency="EUR")
    invoice.add("Beratung", 2, "1200.00")
    assert invoice.render() == (
        "Invoice 2024-003 (EUR)\n"
        "2 x Beratung: €2,400.00\n"
        "Subtotal: €2,400.00\n"
        "Tax: €0.00\n"
        "Total: €2,400.00"
    )
