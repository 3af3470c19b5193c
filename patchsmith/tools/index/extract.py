"""One file's facts from its bytes: definitions (with scope, line range, signature) and referenced names.

Runs in worker processes, so everything here is plain data that pickles cheaply.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import tree_sitter as ts

from .languages import LoadedLanguage, load

MAX_FILE_BYTES = 1_000_000  # bigger files are generated data far more often than code worth reading
MAX_LINE_CHARS = 4_000
PARSE_TIMEOUT = 5.0  # seconds per file; normal code parses at several MB/s
FIRST_TRY_TIMEOUT = 1.0
_PY_COMMENT = re.compile(rb"#[^\n]*")
_COMMENT_LINE = re.compile(rb"(?m)^([ \t]*)(#[^\n]*)")
MINIFIED_AVG_LINE = 300  # an average line this long means minified or generated code
_IDENT = re.compile(rb"\b[A-Za-z_]\w+")  # two characters or more: shorter names are never looked up
_GENERIC_ARGS = re.compile(r"<.*$", re.S)
_SIGNATURE_CHARS = 240
_DOC_CHARS = 200


class Definition(NamedTuple):  # a tuple: pickles fast on its way back from the worker processes
    name: str
    kind: str  # class, function, method, interface, struct, enum, type, trait, impl, module, namespace, macro
    scope: str  # dotted names of the enclosing definitions, "" at top level
    line: int  # 1-based, inclusive
    end_line: int
    signature: str  # the header without the body, whitespace collapsed
    doc: str = ""  # first docstring line(s) where the language has them

    @property
    def qualified(self) -> str:
        return f"{self.scope}.{self.name}" if self.scope else self.name


@dataclass(slots=True)
class FileFacts:
    status: str  # "ok" or why the file was skipped: too-large, binary, minified, not-utf8
    lang: str
    definitions: list[Definition] = field(default_factory=list)
    references: str = ""  # distinct identifiers used, sorted, space separated (one string pickles fast)
    lines: int = 0
    parse_errors: bool = False


def skip_reason(data: bytes, max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """Why a file's content is not worth parsing, or None."""
    if len(data) > max_bytes:
        return "too-large"
    if b"\0" in data[:8192]:
        return "binary"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "not-utf8"
    # Average line length, not the longest line: one long data line in normal code is worth parsing anyway.
    if len(data) > MAX_LINE_CHARS and len(data) / (data.count(b"\n") + 1) > MINIFIED_AVG_LINE:
        return "minified"
    return None


def _spaces(m: re.Match[bytes]) -> bytes:
    return m.group(1) + b" " * len(m.group(2))


def parse_with_deadline(parser: ts.Parser, data: bytes, timeout: float = PARSE_TIMEOUT) -> ts.Tree | None:
    """Parse, giving up after `timeout` seconds: some grammars go quadratic on odd input (tree-sitter-python
    on thousands of comment lines after an indented block). None when it gave up."""
    deadline = time.perf_counter() + timeout
    chunk = 1 << 16

    def read(offset: int, _point: object) -> bytes:
        return data[offset:offset + chunk]  # the progress callback only works with a reader, not bytes

    def expired(_offset: int, _has_error: bool) -> bool:
        return time.perf_counter() > deadline

    try:
        return parser.parse(read, progress_callback=expired)
    except ValueError:  # "Parsing failed": cancelled by the callback
        parser.reset()
        return None


def extract(data: bytes, lang: str, max_bytes: int = MAX_FILE_BYTES, timeout: float = PARSE_TIMEOUT) -> FileFacts:
    reason = skip_reason(data, max_bytes)
    if reason:
        return FileFacts(status=reason, lang=lang)
    loaded = load(lang)
    tree = parse_with_deadline(loaded.parser, data, min(timeout, FIRST_TRY_TIMEOUT + len(data) / 250_000))
    if tree is None and lang == "python":
        # Long runs of comment lines make tree-sitter-python quadratic; blank lines do not. Blanking comments
        # in place keeps every byte offset and line number, and references are read from the original text.
        tree = parse_with_deadline(loaded.parser, _COMMENT_LINE.sub(_spaces, data), timeout)
    if tree is None:
        return FileFacts(status="parse-timeout", lang=lang)
    if loaded.spec.walk_defs:
        raw = _walk_definitions(tree.root_node, data, loaded.spec.walk_containers, dict(loaded.spec.walk_defs))
    else:
        raw = _query_definitions(tree.root_node, data, loaded)
    raw.sort(key=lambda r: (r[0], -r[1]))
    definitions = _scoped(raw, data, lang)
    names = {m.decode() for m in set(_IDENT.findall(data))}
    names -= loaded.spec.keywords
    references = " ".join(sorted(n for n in names if len(n) > 1))
    return FileFacts(status="ok", lang=lang, definitions=definitions, references=references,
                     lines=data.count(b"\n") + 1, parse_errors=tree.root_node.has_error)


def _text(node: ts.Node, data: bytes) -> str:
    # Slice the source: `node.text` on a tree parsed through a reader callback is many times slower.
    return data[node.start_byte:node.end_byte].decode("utf-8", "replace")


def _walk_definitions(root: ts.Node, data: bytes, containers: frozenset[str],
                      def_kinds: dict[str, str]) -> list[tuple[int, int, str, str, ts.Node]]:
    """Visit statement containers only: several times faster than a query over every expression node."""
    raw: list[tuple[int, int, str, str, ts.Node]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        for child in node.named_children:
            ctype = child.type
            if ctype not in containers:
                continue
            kind = def_kinds.get(ctype)
            if kind:
                name_node = child.child_by_field_name("name")
                if name_node is not None and name_node.end_byte > name_node.start_byte:
                    raw.append((child.start_byte, child.end_byte, kind, _text(name_node, data), child))
            stack.append(child)
    return raw


def _query_definitions(root: ts.Node, data: bytes, loaded: LoadedLanguage) -> list[tuple[int, int, str, str, ts.Node]]:
    cursor = ts.QueryCursor(loaded.definitions)
    cursor.set_max_start_depth(loaded.spec.max_depth)
    raw: list[tuple[int, int, str, str, ts.Node]] = []  # start, end, kind, name, node
    for _, captures in cursor.matches(root):
        kind = next(k for k in captures if k not in ("name", "declarator"))
        node = captures[kind][0]
        if "declarator" in captures:
            name = _declarator_name(captures["declarator"][0], data)
        else:
            name_node = captures["name"][0]
            name = _text(name_node, data)
            if kind == "impl":
                name = _GENERIC_ARGS.sub("", name).strip()
        if name:
            raw.append((node.start_byte, node.end_byte, kind, name, node))
    return raw


def _declarator_name(node: ts.Node, data: bytes) -> str:
    """C/C++: walk pointer/reference declarators down to the function declarator's name."""
    for _ in range(8):
        if node.type == "function_declarator":
            inner = node.child_by_field_name("declarator")
            return _text(inner, data) if inner is not None else ""
        nxt = node.child_by_field_name("declarator")
        if nxt is None:
            # C++ reference declarators keep the inner declarator as an unnamed child
            nxt = next((c for c in node.named_children if "declarator" in c.type), None)
            if nxt is None:
                return ""
        node = nxt
    return ""


def _scoped(raw: list[tuple[int, int, str, str, ts.Node]], data: bytes, lang: str) -> list[Definition]:
    """Nest definitions by byte range (sorted by start) to give each its enclosing scope."""
    out: list[Definition] = []
    stack: list[tuple[int, str, str]] = []  # end byte, name, kind
    for start, end, kind, name, node in raw:
        while stack and stack[-1][0] <= start:
            stack.pop()
        scope_parts = [s[1] for s in stack]
        parent_kind = stack[-1][2] if stack else ""
        if "::" in name:  # C++ `int Foo::bar() {...}` defined outside its class
            *quals, name = name.split("::")
            scope_parts += [q for q in quals if q]
            kind = "method" if kind == "function" else kind
        if kind == "function" and parent_kind in ("class", "impl", "trait", "interface", "struct"):
            kind = "method"
        if kind == "method" and lang == "go":
            receiver = node.child_by_field_name("receiver")
            if receiver is not None:
                types = re.findall(r"[A-Za-z_]\w*", _text(receiver, data))
                if types:
                    scope_parts = [types[-1]]
        signature, doc = _header(node, data, lang)
        out.append(Definition(name=name, kind=kind, scope=".".join(scope_parts),
                              line=node.start_point[0] + 1, end_line=node.end_point[0] + 1,
                              signature=signature, doc=doc))
        stack.append((end, name, kind))
    return out


def _header(node: ts.Node, data: bytes, lang: str) -> tuple[str, str]:
    body = node.child_by_field_name("body")
    if body is not None and body.start_byte > node.start_byte:
        head = data[node.start_byte:body.start_byte]
        if lang == "python" and b"#" in head:  # a comment between the colon and the first statement
            head = _PY_COMMENT.sub(b"", head)
    else:
        head = data[node.start_byte:node.end_byte].split(b"\n", 1)[0]
    signature = " ".join(head.decode("utf-8", "replace").split()).rstrip("{:").rstrip()
    if len(signature) > _SIGNATURE_CHARS:
        signature = signature[:_SIGNATURE_CHARS] + "..."
    doc = ""
    if lang == "python" and body is not None and body.named_child_count:
        first = body.named_children[0]
        if first.type == "expression_statement" and first.named_child_count and \
                first.named_children[0].type == "string":
            text = _text(first, data).strip("\"'rRbBuU \n\t")
            doc = " ".join(text[:_DOC_CHARS * 2].split())[:_DOC_CHARS]
    return signature, doc
