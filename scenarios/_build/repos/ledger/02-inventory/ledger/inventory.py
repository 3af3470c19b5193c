"""Stock levels per SKU."""

from __future__ import annotations


class OutOfStockError(ValueError):
    """Shipping more units than are in stock."""


class Inventory:
    def __init__(self) -> None:
        self._stock: dict[str, int] = {}

    def quantity(self, sku: str) -> int:
        return self._stock.get(sku, 0)

    def receive(self, sku: str, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        self._stock[sku] = self.quantity(sku) + quantity

    def ship(self, sku: str, quantity: int) -> None:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        available = self.quantity(sku)
        if quantity > available:
            raise OutOfStockError(f"{sku}: {quantity} requested, {available} in stock")
        self._stock[sku] = available - quantity

    def low_stock(self, reorder_level: int) -> list[str]:
        """SKUs at or below ``reorder_level``, alphabetically."""
        return sorted(sku for sku, count in self._stock.items() if count <= reorder_level)
