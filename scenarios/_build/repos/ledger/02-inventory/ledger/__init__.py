"""ledger: invoices and stock for a small shop."""

from .inventory import Inventory, OutOfStockError
from .invoice import Invoice, LineItem
from .money import cents, format_money

__all__ = ["Inventory", "Invoice", "LineItem", "OutOfStockError", "cents", "format_money"]
