"""Invoices: line items, tax and a plain-text rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .money import cents, format_money


@dataclass
class LineItem:
    description: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return cents(self.unit_price * self.quantity)


@dataclass
class Invoice:
    number: str
    tax_rate: Decimal = Decimal("0")
    lines: list[LineItem] = field(default_factory=list)

    def add(self, description: str, quantity: int, unit_price: Decimal | str) -> LineItem:
        item = LineItem(description, quantity, Decimal(unit_price))
        self.lines.append(item)
        return item

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def tax(self) -> Decimal:
        return cents(self.subtotal * self.tax_rate)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.tax

    def render(self) -> str:
        rows = [f"Invoice {self.number}"]
        for line in self.lines:
            rows.append(f"{line.quantity} x {line.description}: {format_money(line.amount)}")
        rows.append(f"Subtotal: {format_money(self.subtotal)}")
        rows.append(f"Tax: {format_money(self.tax)}")
        rows.append(f"Total: {format_money(self.total)}")
        return "\n".join(rows)
