TASK = {
    "repo": "textkit",
    "base": "textkit-3-base",
    "language": "python",
    "version": "0.4",
    "created_at": "2024-03-27T10:41:00Z",
    "FAIL_TO_PASS": [
        "tests/test_wrap.py::test_paragraphs_are_wrapped_separately",
        "tests/test_wrap.py::test_several_blank_lines_are_one_break",
    ],
}

# Ambiguous on purpose: the issue wants paragraphs kept apart but leaves open how a break shows in the
# list wrap() returns. The maintainers' comments (HINTS) settle it; `--clarify hints` lets the agent ask.
PROBLEM = '''
wrap() runs paragraphs together

I wrap release notes for a terminal with `print("\\n".join(wrap(notes, 72)))`. When the notes
have several paragraphs, wrap() glues them into one block, and a line can even hold the end of
one paragraph and the start of the next:

```python
>>> from textkit import wrap
>>> wrap("First paragraph here.\\n\\nSecond one.", 12)
['First', 'paragraph', 'here. Second', 'one.']
```

Paragraphs (separated by a blank line) should be wrapped separately and stay apart in the
result. textkit 0.4.
'''

HINTS = '''
Maya Lindqvist: Agreed, wrap() should wrap one paragraph at a time. Keep the break visible in the
list it returns: exactly one empty string between two paragraphs, so that "\\n".join(wrap(text, width))
prints the blank line again. Several blank lines in a row (or lines holding only spaces) are still
one break, and blank lines at the start or the end of the text give no empty strings.

Tomas Berg: And a single line break inside a paragraph stays plain whitespace: people paste
hard-wrapped text, and wrap() should reflow it as it does today.
'''

_HEAD_OLD = '''"""Greedy word wrapping."""


def wrap(text: str, width: int) -> list[str]:
'''
_HEAD_NEW = '''"""Greedy word wrapping."""

import re

# A blank line (or one holding only whitespace) ends a paragraph; several in a row are one break.
_PARAGRAPH_BREAK = re.compile(r"\\n\\s*\\n")


def wrap(text: str, width: int) -> list[str]:
'''
_BODY_OLD = '''    Words longer than ``width`` are put on a line of their own rather than split.
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    lines: list[str] = []
    current = ""
    for word in text.split():
'''
_BODY_NEW = '''    Words longer than ``width`` are put on a line of their own rather than split. Paragraphs
    (separated by blank lines) are wrapped one at a time, with one empty string between them;
    a single line break is whitespace.
    """
    if width < 1:
        raise ValueError("width must be at least 1")
    lines: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        words = paragraph.split()
        if not words:
            continue
        if lines:
            lines.append("")
        lines.extend(_wrap_words(words, width))
    return lines


def _wrap_words(words: list[str], width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in words:
'''

FIX = [
    ("textkit/wrap.py", _HEAD_OLD, _HEAD_NEW),
    ("textkit/wrap.py", _BODY_OLD, _BODY_NEW),
]

REPRO = "python -c \"from textkit import wrap; print(wrap('First paragraph here.\\n\\nSecond one.', 12))\""
CHECK = (
    "python -c \"from textkit import wrap; "
    "print(wrap('First paragraph here.\\n\\nSecond one.', 12), wrap('a\\n\\n\\n\\nb', 5), "
    "wrap('\\n\\nabc\\n\\n', 5), wrap('one\\ntwo', 10))\""
)
FIXED = "['First', 'paragraph', 'here.', '', 'Second one.'] ['a', '', 'b'] ['abc'] ['one two']"

QUESTION = ("When wrap() keeps paragraphs apart, how should the break show in the list of lines it returns: "
            "as an empty string between the paragraphs, or with no marker (the next paragraph just starts "
            "on a new line)? And should a single line break inside a paragraph stay whitespace?")
CHOICES = ["one empty string '' between paragraphs", "no marker: the next paragraph starts on a new line"]


def _common(decide: dict) -> list[dict]:
    """The replies both settings share; `decide` is the step where the open question is settled."""
    return [
        {
            "thought": "The issue is about wrap(); find where it is defined.",
            "tool": "search",
            "args": {"pattern": "def wrap", "path": "textkit/*.py"},
        },
        {
            "thought": "Read textkit/wrap.py.",
            "tool": "str_replace_editor",
            "args": {"command": "view", "path": "textkit/wrap.py"},
        },
        {
            "thought": (
                "wrap() splits the whole text on any whitespace, so the blank line between paragraphs is lost "
                "before wrapping starts. Reproduce the reporter's example."
            ),
            "tool": "bash",
            "args": {"command": REPRO},
        },
        decide,
        {
            "thought": "Wrap the words of each paragraph with the existing greedy loop, moved into a helper.",
            "tool": "str_replace_editor",
            "args": {"command": "str_replace", "path": "textkit/wrap.py", "old_str": _BODY_OLD, "new_str": _BODY_NEW},
        },
        {
            "thought": (
                "Check the reporter's example, several blank lines, blank lines at the ends and a single line "
                "break."
            ),
            "tool": "bash",
            "args": {"command": CHECK},
        },
        {
            "thought": "As intended. Run the test suite: the long-word and empty-text behaviour must not change.",
            "tool": "run_tests",
            "args": {},
        },
    ]


# The standard setting: no one to ask (harness runs offer no ask_user). The agent decides, says so, and
# submits with the decision marked as unsure.
REPLIES = _common({
    "thought": (
        "Reproduced: 'here. Second' mixes the two paragraphs. Wrapping each paragraph separately fixes that, "
        "but the issue leaves open how the break shows in the returned list: an empty string between "
        "paragraphs, or no marker. No one can be asked in this run, so I decide: one empty string, because "
        "the reporter prints the lines with '\\n'.join and will want the blank line back; several blank lines "
        "are one break. That is my reading, not a stated requirement. First, a pattern for the break."
    ),
    "tool": "str_replace_editor",
    "args": {"command": "str_replace", "path": "textkit/wrap.py", "old_str": _HEAD_OLD, "new_str": _HEAD_NEW},
}) + [
    {
        "thought": (
            "Every test passes. Submitting, with the representation of the break marked as my own decision."
        ),
        "tool": "submit",
        "args": {"confidence": 0.6, "unsure": [{
            "file": "textkit/wrap.py", "start": 23, "end": 24,
            "why": "the empty string between paragraphs is my reading of the issue; no one confirmed it"}]},
    },
]

# `run --clarify hints`: the agent asks; the answer comes from the task's hints_text.
CLARIFY_REPLIES = _common({
    "thought": (
        "Reproduced: 'here. Second' mixes the two paragraphs. Wrapping each paragraph separately fixes that, "
        "but the issue leaves open how the break shows in the returned list, which every caller sees, and "
        "the code cannot tell me which is wanted. Ask."
    ),
    "tool": "ask_user",
    "args": {"question": QUESTION, "choices": CHOICES},
})
CLARIFY_REPLIES[4:4] = [{
    "thought": (
        "The maintainers settled it: one empty string between paragraphs, several blank lines are one break, "
        "none at the ends, and a single line break stays whitespace. First, a pattern for the break."
    ),
    "tool": "str_replace_editor",
    "args": {"command": "str_replace", "path": "textkit/wrap.py", "old_str": _HEAD_OLD, "new_str": _HEAD_NEW},
}]
CLARIFY_REPLIES.append({
    "thought": "Every test passes, and the behaviour is the one the maintainers asked for. Submitting.",
    "tool": "submit",
    "args": {"confidence": 0.9},
})

EXPECT = {
    "failing_runs": [],
    "lint_refusals": [],
    "bash_output": {3: "['First', 'paragraph', 'here. Second', 'one.']", 6: FIXED},
}
CLARIFY_EXPECT = {
    "failing_runs": [],
    "lint_refusals": [],
    "bash_output": {3: "['First', 'paragraph', 'here. Second', 'one.']", 7: FIXED},
    # reply number -> text the answer (from hints_text, as `run --clarify hints` answers) must hold
    "answers": {4: "exactly one empty string between two paragraphs"},
}
