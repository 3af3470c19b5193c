TASK = {
    "repo": "intervals",
    "base": "intervals-2-base",
    "language": "python",
    "version": "1.4",
    "created_at": "2024-05-20T08:41:00Z",
    "FAIL_TO_PASS": [
        "tests/test_interval.py::test_touching_intervals_do_not_overlap",
        "tests/test_ops.py::test_conflicts_ignore_back_to_back_bookings",
    ],
}

PROBLEM = '''
conflicts() reports back-to-back bookings as a clash

We started using the new `conflicts()` helper for room bookings, and it flags a stay that
ends on the 4th and the next one that starts on the 4th as a double booking:

```python
from datetime import date
from intervals import Interval, conflicts

checkout_on_4th = Interval(date(2024, 5, 1), date(2024, 5, 4))
checkin_on_4th = Interval(date(2024, 5, 4), date(2024, 5, 6))

conflicts([checkout_on_4th, checkin_on_4th])
# [(Interval(start=datetime.date(2024, 5, 1), ...), Interval(start=datetime.date(2024, 5, 4), ...))]
checkout_on_4th.overlaps(checkin_on_4th)
# True
```

Intervals are half-open according to the README ("the next guest can arrive on the 4th"),
and these two share no day, so I expected `conflicts()` to return `[]` and `overlaps()` to
return `False`. Right now every changeover day shows up as a conflict on our calendar.
'''

HINTS = ""

FIX = [
    (
        "intervals/interval.py",
        "        return self.start <= other.end and other.start <= self.end\n",
        "        return self.start < other.end and other.start < self.end\n",
    ),
    (
        "intervals/ops.py",
        "        if result and result[-1].overlaps(current):\n",
        "        if result and (result[-1].overlaps(current) or result[-1].end == current.start):\n",
    ),
]

EXPECT = {
    "failing_runs": [5],
    "lint_refusals": [],
    "bash_output": {8: "[] False [Interval(start=datetime.date(2024, 5, 1), end=datetime.date(2024, 5, 6))]"},
}

CHECK = (
    "python -c \"\n"
    "from datetime import date\n"
    "from intervals import Interval, conflicts, merge\n"
    "a = Interval(date(2024, 5, 1), date(2024, 5, 4))\n"
    "b = Interval(date(2024, 5, 4), date(2024, 5, 6))\n"
    "print(conflicts([a, b]), a.overlaps(b), merge([a, b]))\n"
    "\""
)

REPLIES = [
    {
        "thought": "Start from conflicts() and see what it uses to decide that two bookings clash.",
        "tool": "search",
        "args": {"pattern": "def conflicts", "path": "intervals/*.py"},
    },
    {
        "thought": "It lives in intervals/ops.py. Read the module.",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "intervals/ops.py"},
    },
    {
        "thought": "conflicts() just asks Interval.overlaps() for each pair, so the question is what overlaps() does.",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "intervals/interval.py"},
    },
    {
        "thought": (
            "overlaps() compares with `<=`, so [1, 4) and [4, 6) count as overlapping although, with half-open "
            "intervals, they share no day. Its own docstring says 'share at least one day'. Make the "
            "comparisons strict."
        ),
        "tool": "str_replace_editor",
        "args": {
            "command": "str_replace",
            "path": "intervals/interval.py",
            "old_str": "        return self.start <= other.end and other.start <= self.end\n",
            "new_str": "        return self.start < other.end and other.start < self.end\n",
        },
    },
    {
        "thought": "overlaps() is used elsewhere in the package, so run the whole suite rather than only the interval tests.",
        "tool": "run_tests",
        "args": {},
    },
    {
        "thought": (
            "test_merge_joins_back_to_back_intervals fails now. merge() also decides with overlaps(), and "
            "it relied on the loose `<=` to join back-to-back intervals, which is merge's documented "
            "behaviour. So overlaps() should stay strict and merge() must treat adjacency explicitly."
        ),
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "intervals/ops.py", "view_range": [10, 19]},
    },
    {
        "thought": "Join when the intervals overlap or when the previous one ends exactly where the next begins.",
        "tool": "str_replace_editor",
        "args": {
            "command": "str_replace",
            "path": "intervals/ops.py",
            "old_str": "        if result and result[-1].overlaps(current):\n",
            "new_str": "        if result and (result[-1].overlaps(current) or result[-1].end == current.start):\n",
        },
    },
    {
        "thought": "Check the reported case and that merge() still gives one block for the two stays.",
        "tool": "bash",
        "args": {"command": CHECK},
    },
    {
        "thought": "No conflict, no overlap, and merge() joins them. Run the full suite again.",
        "tool": "run_tests",
        "args": {},
    },
    {
        "thought": (
            "All tests pass. overlaps() is strict again (two files changed: interval.py for the comparison, "
            "ops.py so merge keeps joining adjacent intervals). Submitting."
        ),
        "tool": "submit",
        "args": {},
    },
]
