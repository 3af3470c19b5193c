from decimal import Decimal

import pytest

from ledger import Inventory, OutOfStockError


def test_receive_and_ship():
    inv = Inventory()
    inv.receive("BOLT-M4", 100)
    inv.ship("BOLT-M4", 30)
    assert inv.quantity("BOLT-M4") == 70


def test_unknown_sku_has_no_stock():
    assert Inventory().quantity("NUT-M4") == 0


def test_cannot_ship_more_than_in_stock():
    inv = Inventory()
    inv.receive("BOLT-M4", 5)
    with pytest.raises(OutOfStockError):
        inv.ship("BOLT-M4", 6)


def test_low_stock_includes_the_reorder_level():
    inv = Inventory()
    inv.receive("A", 5)
    inv.receive("B", 10)
    inv.receive("C", 11)
    assert inv.low_stock(10) == ["A", "B"]


def test_average_cost_is_weighted():
    inv = Inventory()
    inv.receive("BOLT-M4", 100, "0.10")
    inv.receive("BOLT-M4", 50, "0.16")
    assert inv.average_cost("BOLT-M4") == Decimal("0.12")


def test_shipping_keeps_the_average():
    inv = Inventory()
    inv.receive("BOLT-M4", 100, "0.10")
    inv.receive("BOLT-M4", 50, "0.16")
    inv.ship("BOLT-M4", 120)
    assert inv.average_cost("BOLT-M4") == Decimal("0.12")
    assert inv.stock_value() == Decimal("3.60")
