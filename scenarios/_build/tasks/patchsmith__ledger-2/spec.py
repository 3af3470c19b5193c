TASK = {
    "repo": "ledger",
    "base": "ledger-2-base",
    "language": "python",
    "version": "2.3",
    "created_at": "2024-08-09T16:50:00Z",
    "FAIL_TO_PASS": [
        "tests/test_inventory.py::test_average_cost_of_a_sold_out_item_is_zero",
        "tests/test_inventory.py::test_average_cost_of_an_unknown_item_is_zero",
    ],
}

PROBLEM = '''
average_cost() crashes with decimal.InvalidOperation once an item is sold out

Our nightly stock report prints `inventory.average_cost(sku)` for every SKU in the catalogue.
Since we started recording purchase costs it dies on the first SKU with no units left:

```python
from ledger import Inventory

inv = Inventory()
inv.receive("BOLT-M4", 100, "0.10")
inv.ship("BOLT-M4", 100)
inv.average_cost("BOLT-M4")
```

```
decimal.InvalidOperation: [<class 'decimal.DivisionUndefined'>]
```

The same happens for a SKU that is in the catalogue but was never received. With nothing
in stock there is no cost to average; `stock_value()` already reports 0.00 for such items,
and I'd expect `average_cost()` to return `Decimal("0.00")` too rather than raise.
'''

HINTS = ""

_OLD = '''        """Weighted average purchase cost of the units of ``sku`` in stock, in cents."""
        return cents(self._cost.get(sku, Decimal("0")) / self.quantity(sku))
'''
_NEW = '''        """Weighted average purchase cost of the units of ``sku`` in stock, in cents (0.00 when none are)."""
        quantity = self.quantity(sku)
        if quantity == 0:
            return Decimal("0.00")
        return cents(self._cost[sku] / quantity)
'''

FIX = [("ledger/inventory.py", _OLD, _NEW)]

EXPECT = {
    "failing_runs": [],
    "lint_refusals": [],
    "bash_output": {3: "decimal.InvalidOperation", 5: "0.00 0.00 0.12"},
}

CHECK = (
    "python -c \"\n"
    "from ledger import Inventory\n"
    "inv = Inventory()\n"
    "inv.receive('BOLT-M4', 100, '0.10')\n"
    "inv.ship('BOLT-M4', 100)\n"
    "inv.receive('NUT-M4', 100, '0.10')\n"
    "inv.receive('NUT-M4', 50, '0.16')\n"
    "print(inv.average_cost('BOLT-M4'), inv.average_cost('WASHER-M4'), inv.average_cost('NUT-M4'))\n"
    "\""
)

REPLIES = [
    {
        "thought": "average_cost() belongs to Inventory; locate the module.",
        "tool": "find_file",
        "args": {"pattern": "inventory.py"},
    },
    {
        "thought": "Read how stock and cost are tracked.",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "ledger/inventory.py"},
    },
    {
        "thought": (
            "average_cost() divides the tracked cost by quantity(sku) unconditionally. For a sold-out SKU both "
            "are zero, and Decimal's 0/0 raises InvalidOperation; an unknown SKU is the same. Reproduce."
        ),
        "tool": "bash",
        "args": {"command": "python -c \"from ledger import Inventory; inv = Inventory(); inv.receive('BOLT-M4', 100, '0.10'); inv.ship('BOLT-M4', 100); inv.average_cost('BOLT-M4')\""},
    },
    {
        "thought": (
            "Reproduced. With no units in stock there is nothing to average: return 0.00, consistent with "
            "stock_value(). Guard on the quantity before dividing; once quantity is positive the SKU has a "
            "cost entry, so the .get() default is no longer needed."
        ),
        "tool": "str_replace_editor",
        "args": {"command": "str_replace", "path": "ledger/inventory.py", "old_str": _OLD, "new_str": _NEW},
    },
    {
        "thought": "Check a sold-out SKU, an unknown one, and that a stocked one still gives the weighted average.",
        "tool": "bash",
        "args": {"command": CHECK},
    },
    {
        "thought": "0.00 for both empty cases and 0.12 for the mixed purchase. Run the inventory tests.",
        "tool": "run_tests",
        "args": {"tests": ["tests/test_inventory.py"]},
    },
    {
        "thought": "All pass. Submitting the guard for the zero-quantity case.",
        "tool": "submit",
        "args": {},
    },
]
