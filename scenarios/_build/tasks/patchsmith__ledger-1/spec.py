TASK = {
    "repo": "ledger",
    "base": "ledger-1-base",
    "language": "python",
    "version": "2.2",
    "created_at": "2024-07-23T13:36:00Z",
    "FAIL_TO_PASS": [
        "tests/test_invoice.py::test_render_in_euros",
        "tests/test_money.py::test_format_money_in_pounds",
    ],
}

PROBLEM = '''
Invoices in EUR/GBP are rendered with dollar signs

Since invoices got a `currency`, the header shows it, but every amount is still printed
with `$`:

```python
from ledger import Invoice

invoice = Invoice("2024-117", currency="EUR")
invoice.add("Beratung", 2, "1200.00")
print(invoice.render())
```

```
Invoice 2024-117 (EUR)
2 x Beratung: $2,400.00
Subtotal: $2,400.00
Tax: $0.00
Total: $2,400.00
```

Expected `€2,400.00` on every line (and `£` for GBP invoices). We also format amounts
outside invoices (statements, reminders) with `ledger.format_money`, and there is no way
to ask it for another currency; something like `format_money(amount, "GBP")` -> `£9.50`
is what we would need there.
'''

HINTS = '''
The currency symbols table already exists in ledger/money.py.
'''

_MONEY_OLD = '''def format_money(amount: Decimal) -> str:
    """'$1,234.50'; negative amounts as '-$3.00'."""
    value = cents(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"
'''
_MONEY_NEW = '''def format_money(amount: Decimal, currency: str = "USD") -> str:
    """'$1,234.50' ('€1,234.50' in EUR); negative amounts as '-$3.00'."""
    value = cents(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}{currency_symbol(currency)}{abs(value):,.2f}"
'''
_RENDER_OLD = '''            rows.append(f"{line.quantity} x {line.description}: {format_money(line.amount)}")
        rows.append(f"Subtotal: {format_money(self.subtotal)}")
        rows.append(f"Tax: {format_money(self.tax)}")
        rows.append(f"Total: {format_money(self.total)}")
'''
_RENDER_NEW = '''            rows.append(f"{line.quantity} x {line.description}: {format_money(line.amount, self.currency)}")
        rows.append(f"Subtotal: {format_money(self.subtotal, self.currency)}")
        rows.append(f"Tax: {format_money(self.tax, self.currency)}")
        rows.append(f"Total: {format_money(self.total, self.currency)}")
'''

FIX = [
    ("ledger/money.py", _MONEY_OLD, _MONEY_NEW),
    ("ledger/invoice.py", _RENDER_OLD, _RENDER_NEW),
]

EXPECT = {
    "failing_runs": [],
    "lint_refusals": [],
    "bash_output": {7: "Total: €2,400.00\n-£9.50 $1,234.50"},
}

CHECK = (
    "python -c \"\n"
    "from decimal import Decimal\n"
    "from ledger import Invoice, format_money\n"
    "invoice = Invoice('2024-117', currency='EUR')\n"
    "invoice.add('Beratung', 2, '1200.00')\n"
    "print(invoice.render())\n"
    "print(format_money(Decimal('-9.5'), 'GBP'), format_money(Decimal('1234.5')))\n"
    "\""
)

REPLIES = [
    {
        "thought": "Find where invoices are rendered.",
        "tool": "search",
        "args": {"pattern": "def render", "path": "ledger/*.py"},
    },
    {
        "thought": "Read the Invoice class and render().",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "ledger/invoice.py"},
    },
    {
        "thought": (
            "render() calls format_money(amount) without the invoice's currency. Look at format_money itself: "
            "the reporter also needs it to format other currencies on its own."
        ),
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "ledger/money.py"},
    },
    {
        "thought": (
            "format_money hard-codes '$' even though SYMBOLS and currency_symbol() exist in the same module. "
            "Give it a `currency` parameter defaulting to USD (so existing callers keep their output) and "
            "take the symbol from currency_symbol(), which also rejects unknown codes."
        ),
        "tool": "str_replace_editor",
        "args": {"command": "str_replace", "path": "ledger/money.py", "old_str": _MONEY_OLD, "new_str": _MONEY_NEW},
    },
    {
        "thought": "Now pass the invoice's currency at every amount render() prints.",
        "tool": "str_replace_editor",
        "args": {"command": "str_replace", "path": "ledger/invoice.py", "old_str": _RENDER_OLD, "new_str": _RENDER_NEW},
    },
    {
        "thought": "Check nothing else calls format_money and would still print dollars for a non-USD document.",
        "tool": "search",
        "args": {"pattern": "format_money(", "path": "ledger/*.py", "regex": False},
    },
    {
        "thought": "Only render() and the definition. Run the reporter's example plus standalone formatting in GBP and USD.",
        "tool": "bash",
        "args": {"command": CHECK},
    },
    {
        "thought": "Euro amounts throughout, pounds and dollars standalone. Run the whole suite.",
        "tool": "run_tests",
        "args": {},
    },
    {
        "thought": "All tests pass. The fix spans money.py (currency-aware format_money) and invoice.py (passes the currency). Submitting.",
        "tool": "submit",
        "args": {},
    },
]
