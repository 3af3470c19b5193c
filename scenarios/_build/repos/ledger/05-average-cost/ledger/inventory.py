"""Stock levels and average purchase cost per SKU."""

from __future__ import annotations

from decimal import Decimal

from .money import cents


class OutOfStockError(ValueError):
    """Shipping more units than are in stock."""


class Inventory:
    def __init__(self) -> None:
        self._stock: dict[str, int] = {}
        self._cost: dict[str, Decimal] = {}  # total purchase cost of the units in stock

    def quantity(self, sku: str) -> int:
        return self._stock.get(sku, 0)

    def receive(self, sku: str, quantity: int, unit_cost: Decimal | str = "0") -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self._stock[sku] = self.quantity(sku) + quantity
        self._cost[sku] = self._cost.get(sku, Decimal("0")) + Decimal(unit_cost) * quantity

    def ship(self, sku: str, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        available = self.quantity(sku)
        if quantity > available:
            raise OutOfStockError(f"{sku}: {quantity} requested, {available} in stock")
        # Units leave at the average cost, so the average of what remains is unchanged.
        self._cost[sku] -= self._cost[sku] / available * quantity
        self._stock[sku] = available - quantity

    def average_cost(self, sku: str) -> Decimal:
        """Weighted average purchase cost of the units of ``sku`` in stock, in cents."""
        return cents(self._cost.get(sku, Decimal("0")) / self.quantity(sku))

    def stock_value(self) -> Decimal:
        """Purchase value of everything in stock."""
        return sum((cents(self._cost[sku]) for sku in self._stock), Decimal("0.00"))

    def low_stock(self, reorder_level: int) -> list[str]:
        """SKUs at or below ``reorder_level``, alphabetically."""
        return sorted(sku for sku, count in self._stock.items() if count <= reorder_level)
