TASK = {
    "repo": "confparse",
    "base": "confparse-2-base",
    "language": "python",
    "version": "1.0",
    "created_at": "2024-07-02T12:27:00Z",
    "FAIL_TO_PASS": [
        "tests/test_config.py::test_none_is_a_valid_fallback",
        "tests/test_config.py::test_typed_getters_accept_none_fallback",
    ],
}

PROBLEM = '''
get(..., fallback=None) raises MissingOptionError instead of returning None

The README says the getters return the fallback "whatever it is (`None` included)", and
shows `cfg.get("s", "o", fallback=None)` for optional settings. That raises for me:

```python
>>> from confparse import parse
>>> cfg = parse("[server]\\nport = 8080\\n")
>>> cfg.get("server", "proxy", fallback=None)
Traceback (most recent call last):
  ...
confparse.errors.MissingOptionError: "no option 'proxy' in section [server]"
>>> cfg.getint("server", "timeout", fallback=None)
Traceback (most recent call last):
  ...
confparse.errors.MissingOptionError: "no option 'timeout' in section [server]"
```

Other fallbacks work (`fallback="x"`, `fallback=0`, `fallback=False`). I need `None` to tell
"not configured" apart from any real value. confparse 1.0.
'''

HINTS = ""

_HEAD_OLD = '''from __future__ import annotations

from .errors import MissingOptionError

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off"}
'''
_HEAD_NEW = '''from __future__ import annotations

from typing import Any

from .errors import MissingOptionError

_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"0", "no", "false", "off"}

# Default of `fallback`: None is a legitimate fallback, so "no fallback given" needs its own marker.
_MISSING: Any = object()
'''
_GET_OLD = '''    def get(self, section: str, option: str, fallback: str | None = None) -> str | None:
        """The value as written; ``fallback`` if the option is missing and one was given."""
        try:
            return self._data[section][option.lower()]
        except KeyError:
            if fallback is not None:
'''
_GET_NEW = '''    def get(self, section: str, option: str, fallback: Any = _MISSING) -> Any:
        """The value as written; ``fallback`` if the option is missing and one was given."""
        try:
            return self._data[section][option.lower()]
        except KeyError:
            if fallback is not _MISSING:
'''
_INT_OLD = '''    def getint(self, section: str, option: str, fallback: int | None = None) -> int | None:
        if fallback is not None and not self.has_option(section, option):
'''
_INT_NEW = '''    def getint(self, section: str, option: str, fallback: Any = _MISSING) -> Any:
        if fallback is not _MISSING and not self.has_option(section, option):
'''
_BOOL_OLD = '''    def getbool(self, section: str, option: str, fallback: bool | None = None) -> bool | None:
        if fallback is not None and not self.has_option(section, option):
'''
_BOOL_NEW = '''    def getbool(self, section: str, option: str, fallback: Any = _MISSING) -> Any:
        if fallback is not _MISSING and not self.has_option(section, option):
'''

FIX = [
    ("confparse/config.py", _HEAD_OLD, _HEAD_NEW),
    ("confparse/config.py", _GET_OLD, _GET_NEW),
    ("confparse/config.py", _INT_OLD, _INT_NEW),
    ("confparse/config.py", _BOOL_OLD, _BOOL_NEW),
]

EXPECT = {
    "failing_runs": [],
    "lint_refusals": [],
    "bash_output": {3: "MissingOptionError", 9: "None None None 8080 0"},
}

CHECK = (
    "python -c \"\n"
    "from confparse import parse\n"
    "cfg = parse('[server]\\nport = 8080\\n')\n"
    "print(cfg.get('server', 'proxy', fallback=None), cfg.getint('server', 'timeout', fallback=None),\n"
    "      cfg.getbool('server', 'color', fallback=None), cfg.getint('server', 'port', fallback=None),\n"
    "      cfg.getint('server', 'timeout', fallback=0))\n"
    "\""
)

REPLIES = [
    {
        "thought": "The getters are on the Config class; find the module.",
        "tool": "find_file",
        "args": {"pattern": "config.py"},
    },
    {
        "thought": "Read Config.get / getint / getbool and how they handle fallback.",
        "tool": "str_replace_editor",
        "args": {"command": "view", "path": "confparse/config.py"},
    },
    {
        "thought": (
            "`fallback=None` is the default, and the code checks `fallback is not None` to decide whether a "
            "fallback was given, so an explicit None is indistinguishable from no fallback. Reproduce first."
        ),
        "tool": "bash",
        "args": {"command": "python -c \"from confparse import parse; parse('[server]\\nport = 8080\\n').get('server', 'proxy', fallback=None)\""},
    },
    {
        "thought": "Confirmed. Check every place that uses None as the 'no fallback' marker so none is missed.",
        "tool": "search",
        "args": {"pattern": "fallback is not None", "path": "confparse/*.py"},
    },
    {
        "thought": (
            "Three getters use the same pattern. Introduce a private sentinel object as the default so None "
            "can be passed and returned like any other fallback."
        ),
        "tool": "str_replace_editor",
        "args": {"command": "str_replace", "path": "confparse/config.py", "old_str": _HEAD_OLD, "new_str": _HEAD_NEW},
    },
    {
        "thought": "Use the sentinel in get().",
        "tool": "str_replace_editor",
        "args": {"command": "str_replace", "path": "confparse/config.py", "old_str": _GET_OLD, "new_str": _GET_NEW},
    },
    {
        "thought": "Same for getint(): only an omitted fallback should fall through to the error.",
        "tool": "str_replace_editor",
        "args": {"command": "str_replace", "path": "confparse/config.py", "old_str": _INT_OLD, "new_str": _INT_NEW},
    },
    {
        "thought": "And getbool().",
        "tool": "str_replace_editor",
        "args": {"command": "str_replace", "path": "confparse/config.py", "old_str": _BOOL_OLD, "new_str": _BOOL_NEW},
    },
    {
        "thought": "Check None fallbacks for all three getters, that an existing option ignores the fallback, and a falsy fallback.",
        "tool": "bash",
        "args": {"command": CHECK},
    },
    {
        "thought": "All as expected. Run the full test suite, which covers missing options without a fallback too.",
        "tool": "run_tests",
        "args": {},
    },
    {
        "thought": "Everything passes: fallback=None now returns None, and omitting fallback still raises MissingOptionError. Submitting.",
        "tool": "submit",
        "args": {},
    },
]
