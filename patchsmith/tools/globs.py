"""Path globs with one meaning for every backend: `*` and `?` stay inside a path segment, `**` spans
directories, `{a,b}` alternates; a glob without `/` matches the file name at any depth."""

from __future__ import annotations

import re
from functools import lru_cache

GLOB_CHARS = frozenset("*?[{")


def is_glob(pattern: str) -> bool:
    return any(c in GLOB_CHARS for c in pattern)


def normalize(pattern: str) -> str:
    pattern = pattern.strip().replace("\\", "/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.lstrip("/").rstrip("/") if pattern not in ("/", "") else ""


def expand_braces(pattern: str) -> list[str]:
    """`src/*.{js,ts}` -> [`src/*.js`, `src/*.ts`]; nested groups expand recursively."""
    start = pattern.find("{")
    if start < 0:
        return [pattern]
    depth = 0
    for end in range(start, len(pattern)):
        depth += {"{": 1, "}": -1}.get(pattern[end], 0)
        if depth == 0:
            break
    else:
        return [pattern]  # unbalanced: a literal brace
    inner = pattern[start + 1 : end]
    options, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            options.append(cur)
            cur = ""
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        cur += ch
    options.append(cur)
    if len(options) == 1:
        return [pattern]
    head, tail = pattern[:start], pattern[end + 1 :]
    return [x for opt in options for x in expand_braces(head + opt + tail)]


def _translate(pattern: str) -> str:
    out, i, n = [], 0, len(pattern)
    while i < n:
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            j = pattern.find("]", i + 2 if pattern[i + 1 : i + 2] in ("!", "^", "]") else i + 1)
            if j < 0:
                out.append(re.escape(c))
                i += 1
                continue
            body = pattern[i + 1 : j]
            if body[:1] in ("!", "^"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = j + 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


@lru_cache(maxsize=256)
def compile_glob(pattern: str, *, leading_dirs: bool = False) -> re.Pattern[str]:
    """A regex matched against a whole root-relative path. Without `/` the glob is matched against the file
    name; with `leading_dirs`, a glob that matches a directory also matches everything below it."""
    pattern = normalize(pattern)
    alternatives = []
    for alt in expand_braces(pattern):
        rx = _translate(alt)
        if "/" not in alt:
            rx = "(?:.*/)?" + rx
        if leading_dirs:
            rx += "(?:/.*)?"
        alternatives.append(rx)
    return re.compile("(?:" + "|".join(alternatives) + r")\Z", re.S)


def glob_match(pattern: str, path: str, *, leading_dirs: bool = False) -> bool:
    return compile_glob(pattern, leading_dirs=leading_dirs).match(path) is not None
