TASK = {
    "repo": "textkit",
    "base": "textkit-2-base",
    "language": "python",
    "version": "0.4",
    "created_at": "2024-03-21T15:02:00Z",
    "FAIL_TO_PASS": [
        "tests/test_slug.py::test_text_without_letters_or_digits_gives_an_empty_slug",
        "tests/test_slug.py::test_empty_text_gives_an_empty_slug",
    ],
}

PROBLEM = '''
slugify() crashes with IndexError on titles that have no letters or digits

Since updating to main, slugify() raises instead of returning an empty slug for titles made
only of punctuation or emoji, and for an empty title:

```python
>>> from textkit import slugify
>>> slugify("!!!")
Traceback (most recent call last):
  ...
IndexError: string index out of range
>>> slugify("")
Traceback (most recent call last):
  ...
IndexError: string index out of range
```

Our blog importer calls `slugify(post.title) or post.id`, so an empty string is what we
need (that is what 0.3 returned). Posts titled "🎉🎉" or "???" now abort the whole import.
'''

HINTS = ""

FIX = [
    (
        "textkit/slug.py",
        "    if slug[0] == sep:\n        slug = slug[len(sep):]\n    if slug[-1] == sep:\n",
        "    if slug.startswith(sep):\n        slug = slug[len(sep):]\n    if slug.endswith(sep):\n",
    ),
]

EXPECT = {
    "failing_runs": [],
    "lint_refusals": [],
    "bash_output": {3: "IndexError", 5: "['', '', '', 'launch', 'a-b']"},
}

CHECK = (
    "python -c \"from textkit import slugify; "
    "print([slugify(t) for t in ['!!!', '', '🎉🎉', '🎉 Launch 🎉', '-a--b-']])\""
)

REPLIES = [
    {
        "thought": "The traceback comes from slugify(). Find its definition.",
        "tool": "search",
        "args": {"pattern": "def slugify", "path": "textkit/*.py"},
    },
    {
        "thought": "It is in textkit/slug.py; read the whole function.",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "textkit/slug.py"},
    },
    {
        "thought": (
            "`slug[0]` and `slug[-1]` assume the slug is non-empty. For '!!!' the substitution gives '-', "
            "the first check strips it to '' and `slug[-1]` fails; for '' it fails at once. Reproduce."
        ),
        "tool": "bash",
        "args": {"command": "python -c \"from textkit import slugify; slugify('!!!')\""},
    },
    {
        "thought": (
            "Reproduced. `startswith`/`endswith` are safe on an empty string and, unlike `strip(sep)`, keep "
            "treating a multi-character separator as one unit, matching the slicing by `len(sep)` below them."
        ),
        "tool": "str_replace_editor",
        "args": {
            "command": "str_replace",
            "path": "textkit/slug.py",
            "old_str": "    if slug[0] == sep:\n        slug = slug[len(sep):]\n    if slug[-1] == sep:\n",
            "new_str": "    if slug.startswith(sep):\n        slug = slug[len(sep):]\n    if slug.endswith(sep):\n",
        },
    },
    {
        "thought": "Check the reported inputs plus a normal title and one with separators at both ends.",
        "tool": "bash",
        "args": {"command": CHECK},
    },
    {
        "thought": "Empty slugs for the punctuation-only and empty titles, normal slugs otherwise. Run the slug tests.",
        "tool": "run_tests",
        "args": {"tests": ["tests/test_slug.py"]},
    },
    {
        "thought": "Those pass; run the whole suite once since slugify is re-exported from the package.",
        "tool": "run_tests",
        "args": {},
    },
    {
        "thought": "Everything passes. The fix makes the end-trimming safe for empty slugs; submitting.",
        "tool": "submit",
        "args": {},
    },
]
