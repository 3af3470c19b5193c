TASK = {
    "repo": "confparse",
    "base": "confparse-1-base",
    "language": "python",
    "version": "0.9",
    "created_at": "2024-06-13T07:55:00Z",
    "FAIL_TO_PASS": ["tests/test_reader.py::test_value_may_contain_separators"],
}

PROBLEM = '''
ParseError on values that contain ':' or '=' (URLs, DSNs)

After upgrading to the version with `option: value` support, our config no longer loads:

```ini
[database]
url = postgres://app:secret@db.internal/main?sslmode=require
```

```
confparse.errors.ParseError: line 2: expected 'option = value' or 'option: value'
```

The line is a perfectly normal `option = value`; the value just happens to contain `:` and
`=`. The same file loaded fine before the upgrade. Anything with a URL, a time (`at: 10:30`)
or a base64 token ending in `==` is affected. I'd expect `cfg.get("database", "url")` to
return the full URL.
'''

HINTS = '''
Only the first separator on a line should count, like configparser does.
'''

FIX = [
    (
        "confparse/reader.py",
        "        parts = _SEPARATOR.split(line)\n",
        "        parts = _SEPARATOR.split(line, maxsplit=1)\n",
    ),
]

EXPECT = {
    "failing_runs": [],
    "lint_refusals": [4],
    "bash_output": {
        3: "ParseError: line 2: expected 'option = value' or 'option: value'",
        6: "'postgres://app:secret@db.internal/main?sslmode=require' '10:30'",
    },
}

REPRO = (
    "python -c \"\n"
    "from confparse import parse\n"
    "cfg = parse('[database]\\nurl = postgres://app:secret@db.internal/main?sslmode=require\\nat: 10:30\\n')\n"
    "print(repr(cfg.get('database', 'url')), repr(cfg.get('database', 'at')))\n"
    "\""
)

REPLIES = [
    {
        "thought": "Search for the error message from the report to find where option lines are split.",
        "tool": "search",
        "args": {"pattern": "expected 'option = value'"},
    },
    {
        "thought": "The message comes from confparse/reader.py. Read the parser.",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "confparse/reader.py"},
    },
    {
        "thought": (
            "`_SEPARATOR.split(line)` splits at every '=' or ':', so a URL value produces more than two "
            "parts and the length check raises ParseError. Reproduce with the reporter's line."
        ),
        "tool": "bash",
        "args": {"command": REPRO},
    },
    {
        "thought": "Reproduced. Only the first separator separates option from value: split at most once.",
        "tool": "str_replace_editor",
        "args": {
            "command": "str_replace",
            "path": "confparse/reader.py",
            "old_str": "        parts = _SEPARATOR.split(line)\n",
            "new_str": "        parts = _SEPARATOR.split(line, maxsplit=1\n",
        },
    },
    {
        "thought": (
            "The editor rejected the edit because the file would not compile: I left the call's closing "
            "parenthesis out. The file is unchanged, so apply the same change again, written correctly."
        ),
        "tool": "str_replace_editor",
        "args": {
            "command": "str_replace",
            "path": "confparse/reader.py",
            "old_str": "        parts = _SEPARATOR.split(line)\n",
            "new_str": "        parts = _SEPARATOR.split(line, maxsplit=1)\n",
        },
    },
    {
        "thought": "Run the reproduction again; both values should come back whole.",
        "tool": "bash",
        "args": {"command": REPRO},
    },
    {
        "thought": (
            "The URL and the time are intact. The length check still catches lines without any separator, "
            "and an empty option name is still rejected. Run the reader tests."
        ),
        "tool": "run_tests",
        "args": {"tests": ["tests/test_reader.py"]},
    },
    {
        "thought": "All reader tests pass. Submitting the one-line fix.",
        "tool": "submit",
        "args": {},
    },
]
