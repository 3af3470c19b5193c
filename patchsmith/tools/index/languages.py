"""Which tree-sitter grammar reads which file, and the queries that find its definitions.

Grammars come from the offline wheels (tree-sitter-python, ...); nothing is downloaded at run time.
Each definition pattern captures the whole definition as `@<kind>` and its name as `@name`.
"""

from __future__ import annotations

import functools
import importlib
import threading
from dataclasses import dataclass

import tree_sitter as ts


@dataclass(frozen=True)
class LanguageSpec:
    name: str
    module: str  # the grammar wheel's import name
    entry: str  # the function in it that returns the language pointer
    extensions: tuple[str, ...]
    definitions: str  # tree-sitter query; see module docstring
    keywords: frozenset[str]
    # Deepest node where a definition may start; bounds the query walk, the dominant extraction cost.
    max_depth: int = 12
    # Faster path for hot languages: definitions found by walking only statement containers (node types
    # here), with `walk_defs` mapping a definition node type to its kind; the query is then unused.
    walk_containers: frozenset[str] = frozenset()
    walk_defs: tuple[tuple[str, str], ...] = ()


_C_FAMILY_KEYWORDS = frozenset(
    "auto break case char const continue default do double else enum extern float for goto if inline int long "
    "register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while "
    "include define ifdef ifndef endif elif bool true false NULL nullptr class public private protected virtual "
    "template typename namespace using new delete this operator friend override final const_cast static_cast "
    "dynamic_cast reinterpret_cast try catch throw noexcept constexpr".split())

PYTHON = LanguageSpec(
    name="python", module="tree_sitter_python", entry="language", extensions=(".py", ".pyi"),
    definitions="""
    (class_definition name: (identifier) @name) @class
    (function_definition name: (identifier) @name) @function
    """,
    keywords=frozenset(
        "False None True and as assert async await break class continue def del elif else except finally for "
        "from global if import in is lambda nonlocal not or pass raise return try while with yield self cls "
        "print len isinstance str int list dict tuple set object super range".split()),
    max_depth=9,
    walk_containers=frozenset({
        "module", "block", "class_definition", "function_definition", "decorated_definition", "if_statement",
        "else_clause", "elif_clause", "try_statement", "except_clause", "except_group_clause", "finally_clause",
        "with_statement", "for_statement", "while_statement", "match_statement", "case_clause"}),
    walk_defs=(("class_definition", "class"), ("function_definition", "function")),
)

_JS_DEFS = """
    (class_declaration name: (_) @name) @class
    (function_declaration name: (identifier) @name) @function
    (generator_function_declaration name: (identifier) @name) @function
    (method_definition name: (_) @name) @method
    (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)]) @function
"""
_JS_KEYWORDS = frozenset(
    "break case catch class const continue debugger default delete do else export extends finally for function "
    "if import in instanceof let new return super switch this throw try typeof var void while with yield async "
    "await static get set of null undefined true false".split())

JAVASCRIPT = LanguageSpec(
    name="javascript", module="tree_sitter_javascript", entry="language",
    extensions=(".js", ".jsx", ".mjs", ".cjs"), definitions=_JS_DEFS, keywords=_JS_KEYWORDS)

_TS_DEFS = _JS_DEFS + """
    (abstract_class_declaration name: (_) @name) @class
    (interface_declaration name: (_) @name) @interface
    (type_alias_declaration name: (_) @name) @type
    (enum_declaration name: (_) @name) @enum
    (method_signature name: (_) @name) @method
    (abstract_method_signature name: (_) @name) @method
    (internal_module name: (_) @name) @namespace
"""
_TS_KEYWORDS = _JS_KEYWORDS | frozenset(
    "interface type enum implements namespace declare abstract readonly public private protected any number "
    "string boolean never unknown keyof as is".split())

TYPESCRIPT = LanguageSpec(
    name="typescript", module="tree_sitter_typescript", entry="language_typescript",
    extensions=(".ts", ".mts", ".cts"), definitions=_TS_DEFS, keywords=_TS_KEYWORDS)
TSX = LanguageSpec(
    name="tsx", module="tree_sitter_typescript", entry="language_tsx",
    extensions=(".tsx",), definitions=_TS_DEFS, keywords=_TS_KEYWORDS)

GO = LanguageSpec(
    name="go", module="tree_sitter_go", entry="language", extensions=(".go",),
    definitions="""
    (function_declaration name: (identifier) @name) @function
    (method_declaration name: (field_identifier) @name) @method
    (type_spec name: (type_identifier) @name) @type
    """,
    keywords=frozenset(
        "break case chan const continue default defer else fallthrough for func go goto if import interface map "
        "package range return select struct switch type var nil true false err string int error bool byte".split()),
    max_depth=6,
)

RUST = LanguageSpec(
    name="rust", module="tree_sitter_rust", entry="language", extensions=(".rs",),
    definitions="""
    (function_item name: (identifier) @name) @function
    (function_signature_item name: (identifier) @name) @function
    (struct_item name: (type_identifier) @name) @struct
    (enum_item name: (type_identifier) @name) @enum
    (union_item name: (type_identifier) @name) @struct
    (trait_item name: (type_identifier) @name) @trait
    (type_item name: (type_identifier) @name) @type
    (mod_item name: (identifier) @name) @module
    (macro_definition name: (identifier) @name) @macro
    (impl_item type: (_) @name) @impl
    """,
    keywords=frozenset(
        "as break const continue crate else enum extern false fn for if impl in let loop match mod move mut pub ref "
        "return self Self static struct super trait true type unsafe use where while async await dyn Some None Ok "
        "Err Option Result String Vec".split()),
)

JAVA = LanguageSpec(
    name="java", module="tree_sitter_java", entry="language", extensions=(".java",),
    definitions="""
    (class_declaration name: (identifier) @name) @class
    (record_declaration name: (identifier) @name) @class
    (interface_declaration name: (identifier) @name) @interface
    (annotation_type_declaration name: (identifier) @name) @interface
    (enum_declaration name: (identifier) @name) @enum
    (method_declaration name: (identifier) @name) @method
    (constructor_declaration name: (identifier) @name) @method
    """,
    keywords=frozenset(
        "abstract assert boolean break byte case catch char class const continue default do double else enum "
        "extends final finally float for goto if implements import instanceof int interface long native new "
        "package private protected public return short static strictfp super switch synchronized this throw "
        "throws transient try void volatile while true false null var String Override".split()),
)

# C/C++ function names sit at the bottom of a declarator chain (pointer, reference, ...): `@declarator` is
# followed in extract.py.
_C_DEFS = """
    (function_definition declarator: (_) @declarator) @function
    (struct_specifier name: (type_identifier) @name body: (_)) @struct
    (union_specifier name: (type_identifier) @name body: (_)) @struct
    (enum_specifier name: (type_identifier) @name body: (_)) @enum
    (type_definition declarator: (type_identifier) @name) @type
    (preproc_function_def name: (identifier) @name) @macro
"""
C = LanguageSpec(name="c", module="tree_sitter_c", entry="language", extensions=(".c", ".h"),
                 definitions=_C_DEFS, keywords=_C_FAMILY_KEYWORDS, max_depth=8)
CPP = LanguageSpec(
    name="cpp", module="tree_sitter_cpp", entry="language",
    extensions=(".cc", ".cpp", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".h++", ".ipp", ".inl"),
    definitions=_C_DEFS + """
    (class_specifier name: (type_identifier) @name body: (_)) @class
    (namespace_definition name: (namespace_identifier) @name) @namespace
    """,
    keywords=_C_FAMILY_KEYWORDS, max_depth=10)

SPECS: tuple[LanguageSpec, ...] = (PYTHON, JAVASCRIPT, TYPESCRIPT, TSX, GO, RUST, JAVA, C, CPP)
_BY_EXTENSION = {ext: spec for spec in SPECS for ext in spec.extensions}
_BY_NAME = {spec.name: spec for spec in SPECS}


def spec_for_path(path: str) -> LanguageSpec | None:
    """The language of a repository path by its extension; None for languages we do not index."""
    dot = path.rfind(".")
    if dot < 0 or "/" in path[dot:]:
        return None
    return _BY_EXTENSION.get(path[dot:].lower())


@dataclass(frozen=True)
class LoadedLanguage:
    spec: LanguageSpec
    language: ts.Language
    parser: ts.Parser
    definitions: ts.Query


@functools.cache
def _compiled(name: str) -> tuple[LanguageSpec, ts.Language, ts.Query]:
    spec = _BY_NAME[name]
    module = importlib.import_module(spec.module)
    language = ts.Language(getattr(module, spec.entry)())
    return spec, language, ts.Query(language, spec.definitions)


_per_thread = threading.local()


def load(name: str) -> LoadedLanguage:
    """Grammar and compiled query (once per process) and a parser of this thread's own: a tree-sitter
    Parser used by two threads at once crashes the process (parallel attempts, `--workers`)."""
    cache: dict[str, LoadedLanguage] | None = getattr(_per_thread, "loaded", None)
    if cache is None:
        cache = _per_thread.loaded = {}
    if name not in cache:
        spec, language, query = _compiled(name)
        cache[name] = LoadedLanguage(spec=spec, language=language, parser=ts.Parser(language), definitions=query)
    return cache[name]
