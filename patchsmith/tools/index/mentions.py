"""What an issue text points at: file paths, stack-trace frames, dotted module paths and code identifiers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_EXT = r"(?:py|pyi|pyx|js|jsx|mjs|ts|tsx|go|rs|java|c|h|cc|cpp|cxx|hpp|hh|rb|php|cs|kt|scala|swift)"
_PATH = re.compile(r"(?<![\w/.-])((?:[\w.-]+[/\\])*[\w-]+(?:\.[\w-]+)*\." + _EXT + r")(?![\w/])")
_PY_FRAME = re.compile(r'File "([^"]+)", line (\d+), in ([\w<>.]+)')
_JS_FRAME = re.compile(r"at (?:([\w.$<>]+) )?\(?([^\s():]+\." + _EXT + r"):(\d+)(?::\d+)?\)?")
_GO_RUST_FRAME = re.compile(r"(?m)^\s+((?:[\w.-]+/)*[\w.-]+\." + _EXT + r"):(\d+)")
_DOTTED = re.compile(r"(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?![\w])")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BACKTICK = re.compile(r"``?([^`\n]{1,200})``?")
_FENCE = re.compile(r"```[\w+-]*\n(.*?)```", re.S)
_CODE_LINE = re.compile(r"(?m)^(?:>>>|\.\.\.|\$|In \[\d+\]:|    )\s?(.*)$")
_STOP = frozenset(
    "the a an and or of to in on for with is are was were be been it this that these those as at by from not no "
    "but if then else when which what who how why where can could should would will may might must do does did "
    "have has had i we you he she they them my our your its there here also just only so than too very such "
    "into about after before over under up down out more most some any all each other new use used using get "
    "set one two see like make made want need work works working issue bug error problem example expected "
    "actual result results output input following code file line case cases return value values true false "
    "none null self cls def class import python version thanks please hi hello".split())


@dataclass(frozen=True, slots=True)
class Frame:
    path: str
    line: int
    function: str
    depth: int  # 0 = the innermost frame (where the error was raised)


@dataclass
class Mentions:
    paths: list[str] = field(default_factory=list)  # as written, in order of appearance
    frames: list[Frame] = field(default_factory=list)
    dotted: list[str] = field(default_factory=list)  # a.b.c chains (modules or attribute paths)
    names: dict[str, float] = field(default_factory=dict)  # identifier -> emphasis (code-formatted counts more)


def _code_shaped(word: str) -> bool:
    return "_" in word.strip("_") or any(c.isupper() for c in word[1:]) or (word[:1].isupper() and len(word) > 2)


def parse_mentions(text: str) -> Mentions:
    m = Mentions()
    frames: list[tuple[str, int, str]] = []
    for path, line, func in _PY_FRAME.findall(text):
        frames.append((path, int(line), func))
    for func, path, line in _JS_FRAME.findall(text):
        frames.append((path, int(line), func or ""))
    for path, line in _GO_RUST_FRAME.findall(text):
        frames.append((path, int(line), ""))
    n = len(frames)
    m.frames = [Frame(p.replace("\\", "/"), ln, fn, n - 1 - i) for i, (p, ln, fn) in enumerate(frames)]
    seen: set[str] = set()
    for path in _PATH.findall(text):
        path = path.replace("\\", "/")
        if path not in seen:
            seen.add(path)
            m.paths.append(path)
    for chain in _DOTTED.findall(text):
        if chain not in m.dotted and not _PATH.fullmatch(chain):
            m.dotted.append(chain)
    code_parts = [b for b in _BACKTICK.findall(text)] + _FENCE.findall(text) + _CODE_LINE.findall(text)
    code_parts += [fn for _, _, fn in frames]
    emphasis: dict[str, float] = {}
    for part in code_parts:
        for word in _IDENT.findall(part):
            if len(word) > 1 and word.lower() not in _STOP:
                emphasis[word] = max(emphasis.get(word, 0.0), 1.0)
    for word in _IDENT.findall(text):
        if len(word) < 2 or word.lower() in _STOP:
            continue
        weight = 0.6 if _code_shaped(word) else 0.15
        if text.find(word + "(") >= 0:
            weight = max(weight, 0.8)
        emphasis[word] = max(emphasis.get(word, 0.0), weight)
    m.names = emphasis
    return m


_PARTS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+[a-z]*")


def split_identifier(word: str) -> list[str]:
    """`parseHTTPResponse_v2` -> parse, http, response, v, 2 (lowercased)."""
    return [p.lower() for p in _PARTS.findall(word)]


def _normalize(token: str) -> str:
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        return token[:-1]
    return token


def word_tokens(word: str) -> list[str]:
    """One identifier's tokens: itself (when compound) and its parts."""
    lower = word.lower()
    parts = split_identifier(word)
    out = [lower] if len(parts) > 1 or (parts and parts[0] != lower) else []
    out.extend(_normalize(p) for p in parts if len(p) > 1 and p not in _STOP)
    return out


class Tokenizer:
    """`tokenize` with a per-word memo: a repository repeats the same identifiers across thousands of files."""

    def __init__(self) -> None:
        self._memo: dict[str, list[str]] = {}

    def words(self, words: list[str]) -> list[str]:
        memo = self._memo
        out: list[str] = []
        for word in words:
            toks = memo.get(word)
            if toks is None:
                toks = memo[word] = word_tokens(word)
            out.extend(toks)
        return out

    def __call__(self, text: str) -> list[str]:
        return self.words(_IDENT.findall(text))


def tokenize(text: str) -> list[str]:
    """Code-aware words: whole identifiers plus their camel/snake parts, lowercased, lightly stemmed."""
    return Tokenizer()(text)
