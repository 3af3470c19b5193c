TASK = {
    "repo": "intervals",
    "base": "intervals-1-base",
    "language": "python",
    "version": "1.3",
    "created_at": "2024-04-29T10:18:00Z",
    "FAIL_TO_PASS": ["tests/test_duration.py::test_unknown_unit_is_a_duration_error"],
}

PROBLEM = '''
parse_duration() raises KeyError for an unknown unit instead of DurationError

The docs say parse_duration() raises `DurationError` (a `ValueError`) for anything it cannot
parse, and that is what happens for text like `"soon"`. But a number followed by a unit it
does not know escapes as a bare `KeyError`:

```python
>>> from intervals import parse_duration
>>> parse_duration("3 fortnights")
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
  File ".../intervals/duration.py", line 32, in parse_duration
KeyError: 'fortnights'
```

Same for `"2 months"` or `"5h"`. Our CLI wraps the call in `except ValueError` to print a
friendly message, so these inputs crash it with a traceback instead. I'd expect a
`DurationError` that says which unit was not understood.
'''

HINTS = '''
Started with 1.3 (units spelled out); before that the pattern only allowed d and w.
'''

FIX = [
    (
        "intervals/duration.py",
        "    return timedelta(days=int(count) * UNITS[unit.lower()])\n",
        "    factor = UNITS.get(unit.lower())\n"
        "    if factor is None:\n"
        "        known = \", \".join(UNITS)\n"
        "        raise DurationError(f\"unknown unit {unit!r} in duration {text!r}; known units: {known}\")\n"
        "    return timedelta(days=int(count) * factor)\n",
    ),
]

EXPECT = {
    "failing_runs": [],
    "lint_refusals": [],
    "bash_output": {3: "KeyError: 'fortnights'", 5: "DurationError unknown unit 'fortnights'"},
}

CHECK = (
    "python -c \"\n"
    "from intervals import parse_duration\n"
    "for text in ['3 fortnights', '2 Weeks']:\n"
    "    try:\n"
    "        print(repr(parse_duration(text)))\n"
    "    except ValueError as exc:\n"
    "        print(type(exc).__name__, exc)\n"
    "\""
)

REPLIES = [
    {
        "thought": "Locate the module that defines parse_duration.",
        "tool": "find_file",
        "args": {"pattern": "duration.py"},
    },
    {
        "thought": "Read it to see how the unit is looked up.",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "intervals/duration.py"},
    },
    {
        "thought": (
            "The regex accepts any run of letters as the unit, and the result is indexed straight into "
            "UNITS, so an unknown unit raises KeyError from the dict lookup. Confirm."
        ),
        "tool": "bash",
        "args": {"command": "python -c \"from intervals import parse_duration; parse_duration('3 fortnights')\""},
    },
    {
        "thought": (
            "Confirmed. Look the unit up with .get() and raise the module's DurationError when it is "
            "missing, naming the unit and the accepted spellings so the message is actionable."
        ),
        "tool": "str_replace_editor",
        "args": {
            "command": "str_replace",
            "path": "intervals/duration.py",
            "old_str": "    return timedelta(days=int(count) * UNITS[unit.lower()])\n",
            "new_str": (
                "    factor = UNITS.get(unit.lower())\n"
                "    if factor is None:\n"
                "        known = \", \".join(UNITS)\n"
                "        raise DurationError(f\"unknown unit {unit!r} in duration {text!r}; known units: {known}\")\n"
                "    return timedelta(days=int(count) * factor)\n"
            ),
        },
    },
    {
        "thought": "Check that the unknown unit is now caught as a ValueError (DurationError) and a valid one still parses.",
        "tool": "bash",
        "args": {"command": CHECK},
    },
    {
        "thought": "Both behave as expected. Run the duration tests.",
        "tool": "run_tests",
        "args": {"tests": ["tests/test_duration.py"]},
    },
    {
        "thought": "All pass. Unknown units now raise DurationError with the unit in the message; submitting.",
        "tool": "submit",
        "args": {},
    },
]
