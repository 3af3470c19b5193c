TASK = {
    "repo": "pagekit",
    "base": "pagekit-1-base",
    "language": "javascript",
    "version": "1.5",
    "created_at": "2024-09-16T10:03:00Z",
    "FAIL_TO_PASS": ["pageCount of an exact multiple has no empty last page"],
}

PROBLEM = '''
pageCount() adds an empty last page when the total is a multiple of the page size

After upgrading to 1.5 our search results pager shows one page too many whenever the
number of results divides evenly:

```js
const { pageCount } = require('pagekit');
pageCount(20, 10); // 3, expected 2
pageCount(10, 10); // 2, expected 1
pageCount(25, 10); // 3, correct
```

Clicking the last page shows an empty table with "Page 3 of 3". With 25 results it is
fine. An empty result set should still give 1 page, as the README says ("page 1 of 1").
'''

HINTS = '''
1.4 got this right; the 1.5 changelog mentions argument validation for pageCount.
'''

FIX = [
    (
        "src/paginate.js",
        "  return Math.floor(total / perPage) + 1;\n",
        "  return Math.max(1, Math.ceil(total / perPage));\n",
    ),
]

EXPECT = {
    "failing_runs": [5],
    "lint_refusals": [],
    "bash_output": {3: "3 2 3 1", 8: "2 1 3 1"},
}

CHECK = (
    "node -e \"const { pageCount } = require('./src/paginate'); "
    "console.log(pageCount(20, 10), pageCount(10, 10), pageCount(25, 10), pageCount(0, 10))\""
)

REPLIES = [
    {
        "thought": "Find pageCount's implementation.",
        "tool": "search",
        "args": {"pattern": "function pageCount", "path": "src/*.js"},
    },
    {
        "thought": "Read src/paginate.js.",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "src/paginate.js"},
    },
    {
        "thought": (
            "pageCount returns `Math.floor(total / perPage) + 1`, which is one too many whenever total is an "
            "exact multiple. Reproduce with the reporter's numbers and the empty case."
        ),
        "tool": "bash",
        "args": {"command": CHECK},
    },
    {
        "thought": (
            "20 and 10 items are over-counted, 25 and 0 are right. Shifting by one before dividing, "
            "floor((total - 1) / perPage) + 1, is the usual integer ceiling and keeps the shape of the code."
        ),
        "tool": "str_replace_editor",
        "args": {
            "command": "str_replace",
            "path": "src/paginate.js",
            "old_str": "  return Math.floor(total / perPage) + 1;\n",
            "new_str": "  return Math.floor((total - 1) / perPage) + 1;\n",
        },
    },
    {
        "thought": "Run the pagination tests.",
        "tool": "run_tests",
        "args": {"tests": ["test/paginate.test.js"]},
    },
    {
        "thought": (
            "'pageCount of an empty list is one page' fails: for total = 0 the shift gives floor(-0.1) + 1 = 0 "
            "pages, breaking the documented minimum of one page. That trick only works for positive totals. "
            "Undo it and state the rule directly instead."
        ),
        "tool": "str_replace_editor",
        "args": {"command": "undo_edit", "path": "src/paginate.js"},
    },
    {
        "thought": "A ceiling division, with at least one page so an empty list still reads 'page 1 of 1'.",
        "tool": "str_replace_editor",
        "args": {
            "command": "str_replace",
            "path": "src/paginate.js",
            "old_str": "  return Math.floor(total / perPage) + 1;\n",
            "new_str": "  return Math.max(1, Math.ceil(total / perPage));\n",
        },
    },
    {
        "thought": "Same reproduction: expect 2, 1, 3 and 1.",
        "tool": "bash",
        "args": {"command": CHECK},
    },
    {
        "thought": "Correct for exact multiples, partial pages and the empty list. Run the whole test suite.",
        "tool": "run_tests",
        "args": {},
    },
    {
        "thought": "All tests pass, including the existing empty-list and validation tests. Submitting.",
        "tool": "submit",
        "args": {},
    },
]
