TASK = {
    "repo": "tinyqs",
    "base": "tinyqs-1-base",
    "language": "javascript",
    "version": "0.7",
    "created_at": "2024-10-14T21:12:00Z",
    "FAIL_TO_PASS": [
        "parse of an empty query is an empty object",
        "parse skips empty pairs from stray ampersands",
    ],
}

PROBLEM = '''
parse('') returns { '': '' } instead of {}

On pages without a query string, `location.search` is `''`, and since 0.7 parsing it gives
an object with an empty key:

```js
const qs = require('tinyqs');
qs.parse('');          // { '': '' }   expected {}
qs.parse('?');         // { '': '' }   expected {}
qs.parse('a=1&&b=2&'); // { a: '1', '': ['', ''], b: '2' }   expected { a: '1', b: '2' }
```

Our filter sidebar checks `Object.keys(qs.parse(location.search)).length` to decide whether
any filter is active, so now it always thinks one is. Trailing `&` also comes out of the
form serializer we use. 0.6 returned `{}` for all of these.
'''

HINTS = ""

FIX = [
    (
        "src/index.js",
        "  for (const [key, value] of text.split('&').map(splitPair)) {\n",
        "  for (const [key, value] of text.split('&').filter((pair) => pair !== '').map(splitPair)) {\n",
    ),
]

EXPECT = {
    "failing_runs": [],
    "lint_refusals": [],
    "bash_output": {3: "{ '': '' } { '': '' } { a: '1', '': [ '', '' ], b: '2' }", 5: "{} {} { a: '1', b: '2' } { tag: [ 'x', 'y' ] }"},
}

def _repro(extra: str = "") -> str:
    return (
        "node -e \"const qs = require('./src/index'); "
        f"console.log(qs.parse(''), qs.parse('?'), qs.parse('a=1&&b=2&'){extra})\""
    )


REPLIES = [
    {
        "thought": "Find the module that implements parse().",
        "tool": "find_file",
        "args": {"pattern": "index.js"},
    },
    {
        "thought": "Read src/index.js.",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "src/index.js"},
    },
    {
        "thought": (
            "parse() maps every '&'-separated segment through splitPair, including empty ones: ''.split('&') "
            "is [''], which becomes the pair ['', '']. The older loop skipped empty segments; the repeated-keys "
            "rewrite lost that. Reproduce the three cases from the report."
        ),
        "tool": "bash",
        "args": {"command": _repro()},
    },
    {
        "thought": "Reproduced exactly. Drop empty segments before splitting them into key and value.",
        "tool": "str_replace_editor",
        "args": {
            "command": "str_replace",
            "path": "src/index.js",
            "old_str": "  for (const [key, value] of text.split('&').map(splitPair)) {\n",
            "new_str": "  for (const [key, value] of text.split('&').filter((pair) => pair !== '').map(splitPair)) {\n",
        },
    },
    {
        "thought": "Check the same inputs, plus repeated keys to be sure arrays still work.",
        "tool": "bash",
        "args": {"command": _repro(", qs.parse('tag=x&tag=y')")},
    },
    {
        "thought": "Empty objects for empty queries, stray '&' ignored, repeated keys intact. Run the parse tests.",
        "tool": "run_tests",
        "args": {"tests": ["test/parse.test.js"]},
    },
    {
        "thought": "They pass; run everything, since stringify round-trips through parse in one test.",
        "tool": "run_tests",
        "args": {},
    },
    {
        "thought": "All green. Submitting.",
        "tool": "submit",
        "args": {},
    },
]
