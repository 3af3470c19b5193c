"""Money helpers: amounts are Decimals rounded half-up to cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")


def cents(amount: Decimal | int | str) -> Decimal:
    """``amount`` rounded half-up to two decimal places."""
    return Decimal(amount).quantize(_CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal) -> str:
    """'$1,234.50'; negative amounts as '-$3.00'."""
    value = cents(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"
