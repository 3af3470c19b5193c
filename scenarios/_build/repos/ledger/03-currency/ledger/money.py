"""Money helpers: amounts are Decimals rounded half-up to cents."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


def cents(amount: Decimal | int | str) -> Decimal:
    """``amount`` rounded half-up to two decimal places."""
    return Decimal(amount).quantize(_CENT, rounding=ROUND_HALF_UP)


def currency_symbol(code: str) -> str:
    try:
        return SYMBOLS[code]
    except KeyError:
        raise ValueError(f"unsupported currency {code!r}; expected one of {', '.join(SYMBOLS)}") from None


def format_money(amount: Decimal) -> str:
    """'$1,234.50'; negative amounts as '-$3.00'."""
    value = cents(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"
