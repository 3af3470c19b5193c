TASK = {
    "repo": "textkit",
    "base": "textkit-1-base",
    "language": "python",
    "version": "0.3",
    "created_at": "2024-02-27T09:14:00Z",
    "FAIL_TO_PASS": ["tests/test_truncate.py::test_text_of_exactly_width_is_kept"],
}

PROBLEM = '''
truncate() shortens text that already fits the width

```python
>>> from textkit import truncate
>>> truncate("hello", 5)
'he...'
>>> truncate("hello", 6)
'hello'
```

`"hello"` is exactly 5 characters, so with `width=5` there is nothing to shorten and I
expect it back unchanged. Shorter strings come back unchanged and longer ones get the
ellipsis as they should; it only goes wrong when the text is exactly `width` long.

We noticed it in a table renderer: values that exactly fill their column get mangled, e.g.
`truncate("status: ok", 10, break_words=False)` gives `'status:...'` instead of `'status: ok'`.

textkit 0.3.0 (main), Python 3.11.
'''

HINTS = '''
Looks like it started with the break_words change; 0.2 returned "hello" for this.
'''

FIX = [
    ("textkit/truncate.py", "    if len(text) < width:\n", "    if len(text) <= width:\n"),
]

EXPECT = {
    "failing_runs": [],
    "lint_refusals": [],
    "bash_output": {3: "'he...'", 5: "'hello'"},
}

REPRO = (
    "python -c \"from textkit import truncate; "
    "print(repr(truncate('hello', 5)), repr(truncate('status: ok', 10, break_words=False)), "
    "repr(truncate('hello world', 8)))\""
)

REPLIES = [
    {
        "thought": "The report is about textkit's truncate(). Let me find where it is defined.",
        "tool": "find_file",
        "args": {"pattern": "truncate.py"},
    },
    {
        "thought": "Open the implementation to see how it decides whether the text needs cutting.",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "textkit/truncate.py"},
    },
    {
        "thought": (
            "The early return uses `len(text) < width`, so text of exactly `width` characters falls "
            "through to the cutting branch. Reproduce before changing anything, and include a long "
            "string to confirm the normal case still truncates."
        ),
        "tool": "bash",
        "args": {"command": REPRO},
    },
    {
        "thought": (
            "Confirmed: 'hello' at width 5 becomes 'he...'. Text fits when its length is at most "
            "`width`, so the comparison must be `<=`. The rest of the function is only reached when "
            "the text is longer than `width`, which is what it assumes."
        ),
        "tool": "str_replace_editor",
        "args": {
            "command": "str_replace",
            "path": "textkit/truncate.py",
            "old_str": "    if len(text) < width:\n        return text\n",
            "new_str": "    if len(text) <= width:\n        return text\n",
        },
    },
    {
        "thought": "Run the reproduction again: both exact-width cases should come back unchanged, the long one cut.",
        "tool": "bash",
        "args": {"command": REPRO},
    },
    {
        "thought": "Now the existing truncate tests, to make sure the ellipsis and break_words behaviour is intact.",
        "tool": "run_tests",
        "args": {"tests": ["tests/test_truncate.py"]},
    },
    {
        "thought": "All truncate tests pass and the reported cases are fixed. The change is a one-character boundary fix; submitting.",
        "tool": "submit",
        "args": {},
    },
]
