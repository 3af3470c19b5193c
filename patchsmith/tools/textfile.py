"""Reading and writing text files for the editor: UTF-8 only, line endings preserved, `cat -n` numbering."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from ..errors import PatchsmithError

MAX_SHOWN_LINE = 2_000  # characters of one line shown by `view` (minified files have megabyte lines)


class NotText(PatchsmithError, ValueError):
    """The file is binary or not UTF-8: the editor cannot show or change it."""


@dataclass
class TextFile:
    """`text` is what the editor works on (always `\\n` line endings); `crlf` says how to write it back."""

    text: str
    crlf: bool = False

    def encode(self, text: str) -> bytes:
        return (text.replace("\n", "\r\n") if self.crlf else text).encode("utf-8")

    def incoming(self, text: str) -> str:
        """Text from the model in the editor's working form: a CRLF file is edited with `\n` endings."""
        return text.replace("\r\n", "\n") if self.crlf else text


def decode(data: bytes, name: str) -> TextFile:
    if b"\0" in data[:8192]:
        raise NotText(f"{name} is a binary file; str_replace_editor only reads and edits UTF-8 text "
                      f"(use bash, e.g. `file {name}` or `xxd {name} | head`, to inspect it)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NotText(f"{name} is not UTF-8 text (invalid byte at offset {exc.start}); str_replace_editor only "
                      f"handles UTF-8 files (use bash, e.g. `iconv`, to inspect or convert it)") from None
    # A consistently CRLF file is edited as LF and written back as CRLF, so old_str written with \n matches.
    n_lf = text.count("\n")
    if n_lf and text.count("\r\n") == n_lf:
        return TextFile(text.replace("\r\n", "\n"), crlf=True)
    return TextFile(text)


def read(path: Path, name: str) -> TextFile:
    return decode(path.read_bytes(), name)


def split_lines(text: str) -> list[str]:
    """Lines as `cat -n` and `grep -n` count them: split on \\n only (not on \\r, \\f or U+2028)."""
    if not text:
        return []
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    return lines


def split_keepends(text: str) -> list[str]:
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        out.append(parts[-1])
    return out


def number(lines: list[str], first: int = 1) -> str:
    """`cat -n` style: right-aligned line number, a tab, the line (overlong lines cut)."""
    out = []
    for i, line in enumerate(lines, start=first):
        if len(line) > MAX_SHOWN_LINE:
            line = line[:MAX_SHOWN_LINE] + f" [... {len(line) - MAX_SHOWN_LINE} more characters on this line]"
        out.append(f"{i:6}\t{line}")
    return "\n".join(out)


def snippet(text: str, first: int, last: int, context: int = 4) -> str:
    """Lines first..last (1-based, inclusive) of `text` with `context` lines around, numbered."""
    lines = split_lines(text)
    if not lines:
        return "(the file is now empty)"
    lo = max(1, first - context)
    hi = min(len(lines), max(last, first) + context)
    return number(lines[lo - 1 : hi], lo)


def changed_region(old: str, new: str) -> tuple[int, int]:
    """1-based first and last line of `new` that differ from `old` (for showing an edit's result)."""
    a, b = split_lines(old), split_lines(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    changes = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    if not changes:
        return 1, 0
    first = changes[0][3] + 1
    last = max(changes[-1][4], first)
    return first, last


def unified_diff(old: str | None, new: str | None, rel: str) -> str:
    a = split_keepends(old or "")
    b = split_keepends(new or "")
    lines = difflib.unified_diff(a, b, fromfile="/dev/null" if old is None else f"a/{rel}",
                                 tofile="/dev/null" if new is None else f"b/{rel}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
