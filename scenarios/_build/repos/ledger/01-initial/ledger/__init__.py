"""ledger: invoices and stock for a small shop."""

from .invoice import Invoice, LineItem
from .money import cents, format_money

__all__ = ["Invoice", "LineItem", "cents", "format_money"]
