"""Model- and repository-controlled text made safe to show on a terminal: inert and visible.

A file the agent writes can hold terminal escape sequences (ESC[1A ESC[2K erases the line above, so a
diff on screen can hide the line that will be applied), bidi overrides that reorder what is read, or
bytes that are not UTF-8 (kept as surrogate escapes, which would also crash a UTF-8 stream). `inert()`
keeps newline and tab and replaces everything else a terminal would act on or hide with a visible stand-in:

  C0 controls and DEL   -> their Unicode control pictures (ESC -> ␛, CR -> ␍, NUL -> ␀, DEL -> ␡)
  C1 controls, invisible format characters (bidi, zero-width, line/paragraph separators) -> <U+XXXX>
  undecodable bytes (surrogate escapes U+DC80..U+DCFF) -> <0xNN>

Every front end (console, prompts, the Textual inspector) passes such text through here before it is
printed; Rich markup is a separate concern (escape it with rich.markup.escape where markup is on).
"""

from __future__ import annotations

import re

# Everything a terminal interprets or that renders as nothing, except \t and \n. Surrogates cover both
# surrogate-escaped bytes and stray halves from JSON; none of them can be printed to a UTF-8 stream.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f"
    "\u2028-\u202e\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\ud800-\udfff"
    "\U000e0000-\U000e0fff]")


def _stand_in(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"<0x{code - 0xDC00:02X}>"
    return f"<U+{code:04X}>"


def inert(text: str) -> str:
    """`text` with every control or invisible character replaced by a visible, harmless stand-in."""
    if text.isascii() and text.replace("\n", "").replace("\t", "").isprintable():
        return text  # plain ASCII, the common case: three C-speed scans instead of the regex
    return _UNSAFE.sub(_stand_in, text)


def inert_value(value: object) -> object:
    """`inert` applied to every string (keys too) inside JSON-like data, for arguments and tool data."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, dict):
        return {inert(str(k)): inert_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [inert_value(v) for v in value]
    return value
