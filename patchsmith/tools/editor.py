"""`str_replace_editor`: view, create, str_replace, insert, undo_edit — the editor interface models know."""

from __future__ import annotations

import difflib
import os
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import textfile
from .base import MemoryUpdate, Tool
from .files import ignored
from .guard import git_errors_observed
from .observation import Observation, observe
from .textfile import NotText, TextFile

if TYPE_CHECKING:  # the workspace (sandbox, git snapshots) loads with a run, not with a reader of tools
    from .workspace import Workspace

MAX_DIR_ENTRIES = 400
CONTEXT = 4  # lines shown around an edit
MAX_CANDIDATES = 3
EXACT_WINDOWS = 3_000  # beyond this many line windows, shortlist them cheaply before comparing characters
SHORTLIST = 60
WORD = re.compile(r"\w+")

DESCRIPTION = (
    "View, create and edit files. `view` shows a file with line numbers (like `cat -n`; `view_range` "
    "[start, end] limits it, end -1 = to the end) or lists a directory two levels deep. `create` writes a new "
    "file (`file_text`); it refuses to overwrite. `str_replace` replaces `old_str` with `new_str`; `old_str` must "
    "match the file exactly (whitespace and indentation included) and occur exactly once, so include enough "
    "surrounding lines to make it unique. `insert` adds `new_str` after line `insert_line` (0 = top of file). "
    "`undo_edit` reverts the last edit to `path`. Edits that would introduce a Python syntax error are refused. "
    "Paths are relative to the repository root."
)


class EditorArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: Literal["view", "create", "str_replace", "insert", "undo_edit"] = Field(
        description="view | create | str_replace | insert | undo_edit")
    path: str = Field(description="file or directory, relative to the repository root (or absolute inside it)")
    file_text: str | None = Field(None, description="`create`: the whole content of the new file")
    old_str: str | None = Field(None, description="`str_replace`: the exact text to replace (must occur once)")
    new_str: str | None = Field(None, description="`str_replace`: the replacement; `insert`: the text to insert")
    insert_line: int | None = Field(None, description="`insert`: insert after this line number (0 = top)")
    view_range: list[int] | None = Field(None, description="`view`: [start, end] line numbers, 1-based; end -1 "
                                                           "means the end of the file")


def run_editor(ws: Workspace, args: EditorArgs) -> Observation:
    budget = ws.observation_budget
    if args.command == "view":
        return _view(ws, args, budget)
    if ws.read_only:
        return Observation.fail(f"the workspace is read-only: `{args.command}` is not allowed; only `view` works "
                                "in this mode")
    handler = {"create": _create, "str_replace": _str_replace, "insert": _insert, "undo_edit": _undo}[args.command]
    if any("\0" in (t or "") for t in (args.new_str, args.file_text)):
        # A NUL byte would turn the file into one the editor treats as binary (and could no longer undo).
        return Observation.fail(f"the text for `{args.command}` contains a NUL character (\\0); "
                                "str_replace_editor writes text only; use bash for binary content")
    try:
        return handler(ws, args, budget)
    except Refused as refused:
        return refused.observation


# ---------------------------------------------------------------- view

def _view(ws: Workspace, args: EditorArgs, budget: int) -> Observation:
    path = ws.resolve(args.path)
    rel = ws.relative(path)
    if not path.exists():
        return Observation.fail(f"{rel} does not exist; use find_file to locate it, or `view` a directory "
                                f"(e.g. `.`) to see what is there")
    if path.is_dir():
        if args.view_range is not None:
            return Observation.fail("view_range only applies to files; drop it to list the directory")
        return _view_dir(ws, path, rel, budget)
    try:
        tf = textfile.read(path, rel)
    except NotText as exc:
        return Observation.fail(str(exc), path=rel)
    lines = textfile.split_lines(tf.text)
    n = len(lines)
    start, end = 1, n
    note = ""
    if args.view_range is not None:
        if len(args.view_range) != 2:
            return Observation.fail(f"view_range must be two numbers [start, end], e.g. [1, 40]; got {args.view_range}")
        start, end = args.view_range
        if end == -1:
            end = n
        if n == 0:
            return observe(f"{rel} is empty.", budget=budget, path=rel, command="view", view_range=[0, 0])
        if not 1 <= start <= n:
            return Observation.fail(f"view_range start {start} is outside {rel}, which has {n} lines; use a start "
                                    f"between 1 and {n}")
        if end < start:
            return Observation.fail(f"view_range end {end} is before start {start}; use [start, end] with "
                                    f"end >= start, or -1 for the end of the file")
        if end > n:
            note = f"\n(the file has {n} lines; showing up to line {n})"
            end = n
    if n == 0:
        return observe(f"{rel} is empty.", budget=budget, path=rel, command="view", view_range=[0, 0])
    header = f"Here's the result of running `cat -n` on {rel}:\n"
    body = textfile.number(lines[start - 1 : end], start)
    if len(header) + len(body) + len(note) > budget - 200:
        # Show whole lines that fit rather than cutting the middle out: the model can page with view_range.
        shown, size = [], len(header) + 200
        for offset, line in enumerate(textfile.number(lines[start - 1 : end], start).split("\n")):
            if size + len(line) + 1 > budget - 200 and shown:
                end = start + offset - 1
                break
            shown.append(line)
            size += len(line) + 1
        body = "\n".join(shown)
        note = (f"\n[showing lines {start}-{end} of {n}; the rest did not fit in one observation: "
                f"use view_range [{end + 1}, {min(n, end + (end - start + 1))}] to continue]")
    return observe(header + body + note, budget=budget, path=rel, command="view", view_range=[start, end])


def _view_dir(ws: Workspace, path: Path, rel: str, budget: int) -> Observation:
    entries: list[tuple[str, bool]] = []  # (root-relative path, is_dir)
    level1: list[tuple[str, bool]] = []
    for entry in _scan(path):
        level1.append((_rel(ws, entry), entry.is_dir(follow_symlinks=False)))
    skip = ignored(ws.root, [p for p, _ in level1])
    for p, is_dir in level1:
        if p in skip:
            continue
        entries.append((p, is_dir))
        if is_dir:
            children = [(_rel(ws, e), e.is_dir(follow_symlinks=False)) for e in _scan(ws.root / p)]
            drop = ignored(ws.root, [c for c, _ in children])
            entries.extend(c for c in children if c[0] not in drop)
    entries.sort()
    shown = entries[:MAX_DIR_ENTRIES]
    lines = [f"{p}/" if d else p for p, d in shown]
    where = "the repository root" if rel == "." else rel
    text = (f"Files and directories up to 2 levels deep in {where}, excluding hidden and git-ignored items:\n"
            + ("\n".join(lines) if lines else "(empty)"))
    if len(entries) > len(shown):
        text += f"\n[... {len(entries) - len(shown)} more entries not shown; view a subdirectory to see them]"
    return observe(text, budget=budget, path=rel, command="view", entries=len(entries))


def _rel(ws: Workspace, entry: os.DirEntry) -> str:
    # Not ws.relative(): that resolves symlinks, and a link may point outside the root; listing it is harmless.
    return Path(entry.path).relative_to(ws.root).as_posix()


def _scan(path: Path) -> list[os.DirEntry]:
    try:
        with os.scandir(path) as it:
            return [e for e in it if not e.name.startswith(".")]
    except OSError:
        return []


# ---------------------------------------------------------------- edits

class Refused(Exception):
    """An edit that cannot start; `observation` says why (run_editor returns it)."""

    def __init__(self, observation: Observation) -> None:
        super().__init__(observation.text)
        self.observation = observation


def _load(ws: Workspace, raw: str) -> tuple[Path, str, TextFile]:
    path = ws.resolve(raw)
    rel = ws.relative(path)
    if not path.exists():
        raise Refused(Observation.fail(f"{rel} does not exist; create it with `create` (file_text=...), or use "
                                       "find_file to locate the file you mean"))
    if path.is_dir():
        raise Refused(Observation.fail(f"{rel} is a directory; give a file path"))
    try:
        return path, rel, textfile.read(path, rel)
    except NotText as exc:
        raise Refused(Observation.fail(str(exc), path=rel)) from None


def _commit(ws: Workspace, path: Path, rel: str, before_raw: str | None, tf: TextFile, new_text: str,
            action: str, command: str, budget: int, old_text: str = "") -> Observation:
    """Lint-check, write, record undo history, and show the edited region."""
    problem = syntax_problem(path, old_text if before_raw is not None else None, new_text)
    if problem:
        return Observation.fail(f"edit refused, {rel} is unchanged: {problem}", path=rel)
    data = tf.encode(new_text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    ws.edit_history.setdefault(rel, []).append(before_raw)
    first, last = textfile.changed_region(old_text, new_text)
    view = textfile.snippet(new_text, first, last if last >= first else first, CONTEXT)
    text = (f"{action}. Here's the result of running `cat -n` on a snippet of {rel}:\n{view}\n"
            "Review the changes and make sure they are as expected; edit again if not.")
    return observe(text, budget=budget, path=rel, command=command,
                   diff=textfile.unified_diff(None if before_raw is None else old_text, new_text, rel))


def _create(ws: Workspace, args: EditorArgs, budget: int) -> Observation:
    if args.file_text is None:
        return Observation.fail("`create` needs `file_text`: the whole content of the new file")
    path = ws.resolve(args.path)
    rel = ws.relative(path)
    if path.is_dir():
        return Observation.fail(f"{rel} is a directory; give the path of the new file inside it")
    if path.exists() or path.is_symlink():
        return Observation.fail(f"{rel} already exists; `create` never overwrites: use `str_replace` to change "
                                f"it (or `view` it first)")
    text = args.file_text
    return _commit(ws, path, rel, None, TextFile(text), text, f"File created successfully at {rel}", "create", budget)


def _str_replace(ws: Workspace, args: EditorArgs, budget: int) -> Observation:
    if not args.old_str:
        return Observation.fail("`str_replace` needs a non-empty `old_str` (the exact text to replace) and "
                                "`new_str`; to add text without replacing any, use `insert`")
    path, rel, tf = _load(ws, args.path)
    text = tf.text
    old = tf.incoming(args.old_str)
    new = tf.incoming(args.new_str or "")
    count = text.count(old)
    if count == 0:
        return Observation.fail(no_match_message(text, old, rel), path=rel)
    if count > 1:
        return Observation.fail(multiple_match_message(text, old, rel, count), path=rel)
    if old == new:
        return Observation.fail("old_str and new_str are identical, so nothing would change; give the new text "
                                "in new_str")
    new_text = text.replace(old, new, 1)
    raw_before = path.read_bytes().decode("utf-8")
    return _commit(ws, path, rel, raw_before, tf, new_text, f"The file {rel} has been edited", "str_replace",
                   budget, old_text=text)


def _insert(ws: Workspace, args: EditorArgs, budget: int) -> Observation:
    if args.insert_line is None or args.new_str is None:
        return Observation.fail("`insert` needs `insert_line` (insert after this line; 0 = top of file) and "
                                "`new_str` (the text to insert)")
    path, rel, tf = _load(ws, args.path)
    text = tf.text
    n = len(textfile.split_lines(text))
    k = args.insert_line
    if not 0 <= k <= n:
        return Observation.fail(f"insert_line {k} is outside {rel}, which has {n} lines; use a number from 0 "
                                f"(top of file) to {n} (end of file)")
    block = tf.incoming(args.new_str)
    if not block.endswith("\n"):
        block += "\n"
    pos = 0
    for _ in range(k):
        nxt = text.find("\n", pos)
        if nxt < 0:  # the last line has no newline: end it before appending
            text, pos = text + "\n", len(text) + 1
            break
        pos = nxt + 1
    new_text = text[:pos] + block + text[pos:]
    raw_before = path.read_bytes().decode("utf-8")
    return _commit(ws, path, rel, raw_before, tf, new_text, f"The file {rel} has been edited (text inserted after "
                   f"line {k})", "insert", budget, old_text=tf.text)


def _undo(ws: Workspace, args: EditorArgs, budget: int) -> Observation:
    path = ws.resolve(args.path)
    rel = ws.relative(path)
    history = ws.edit_history.get(rel)
    if not history:
        return Observation.fail(f"no edit to undo for {rel}: undo_edit only reverts edits made with "
                                f"str_replace_editor in this run")
    previous = history.pop()
    current = path.read_bytes().decode("utf-8", errors="replace") if path.is_file() else None
    if previous is None:
        path.unlink(missing_ok=True)
        text = f"Last edit to {rel} undone: the file it created was removed."
    else:
        path.write_bytes(previous.encode("utf-8"))
        tf = textfile.decode(previous.encode("utf-8"), rel)
        cur = textfile.decode(current.encode("utf-8"), rel).text if current is not None else ""
        first, last = textfile.changed_region(cur, tf.text)
        text = (f"Last edit to {rel} undone. Here's the result of running `cat -n` on a snippet of {rel}:\n"
                + textfile.snippet(tf.text, first, max(first, last), CONTEXT))
    left = len(history)
    text += f"\n({left} earlier edit{'s' if left != 1 else ''} to {rel} can still be undone.)" if left else ""
    return observe(text, budget=budget, path=rel, command="undo_edit",
                   diff=textfile.unified_diff(current, previous, rel))


# ---------------------------------------------------------------- messages

def multiple_match_message(text: str, old: str, rel: str, count: int) -> str:
    lines = textfile.split_lines(text)
    starts, pos = [], text.find(old)
    while pos >= 0:
        starts.append(text.count("\n", 0, pos) + 1)
        pos = text.find(old, pos + len(old))
    shown = "\n".join(f"  line {n}: {lines[n - 1].strip()[:120]}" for n in starts[:20])
    more = f"\n  ... and {len(starts) - 20} more" if len(starts) > 20 else ""
    return (f"No replacement was performed: old_str occurs {count} times in {rel}, at lines "
            f"{', '.join(map(str, starts[:20]))}{'...' if len(starts) > 20 else ''}. Include more surrounding "
            f"lines in old_str so that it matches exactly once.\n{shown}{more}")


def _squash(line: str) -> str:
    return " ".join(line.split())


def no_match_message(text: str, old: str, rel: str) -> str:
    head = (f"No replacement was performed: old_str did not appear verbatim in {rel}. It must match exactly, "
            f"including whitespace and indentation.")
    file_lines = textfile.split_lines(text)
    want = textfile.split_lines(old.strip("\n")) or [old]
    k = len(want)
    if not file_lines:
        return head + f" {rel} is empty."
    # Same text up to whitespace: the usual cause is indentation (tabs vs spaces, a different depth).
    squashed_want = [_squash(x) for x in want]
    squashed = [_squash(x) for x in file_lines]
    hits = [i for i in range(len(file_lines) - k + 1) if squashed[i : i + k] == squashed_want]
    if hits:
        i = hits[0]
        return (head + f"\nold_str matches lines {i + 1}-{i + k} only if whitespace is ignored (indentation or "
                f"spacing differs). The exact text there is:\n{textfile.number(file_lines[i : i + k], i + 1)}\n"
                "Copy it exactly (keep its indentation) into old_str.")
    candidates = closest_windows(file_lines, "\n".join(want), k)
    if not candidates:
        return head + f"\nNothing in {rel} resembles old_str; `view` the file and copy the text you mean to change."
    parts = [head, "The closest candidates in the file are:"]
    for score, i in candidates:
        lo, hi = i + 1, min(len(file_lines), i + k)
        parts.append(f"--- lines {lo}-{hi} ({score:.0%} similar):\n{textfile.number(file_lines[lo - 1 : hi], lo)}")
    parts.append("Copy the exact text from the file (view it if needed) into old_str.")
    return "\n".join(parts)


def closest_windows(lines: list[str], target: str, k: int) -> list[tuple[float, int]]:
    """The up-to-3 non-overlapping k-line windows most similar to `target` (ratio, 0-based start)."""
    n_windows = max(1, len(lines) - k + 1)
    starts: Iterable[int] = range(n_windows)
    if n_windows > EXACT_WINDOWS:
        starts = _likely_windows(lines, target, k, n_windows)
    matcher = difflib.SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(target)  # seq2 is the cached side: set it once
    scored: list[tuple[float, int]] = []
    floor = 0.4
    for i in starts:
        matcher.set_seq1("\n".join(lines[i : i + k]))
        if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
            continue
        score = matcher.ratio()
        if score >= floor:
            scored.append((score, i))
    scored.sort(key=lambda s: (-s[0], s[1]))
    chosen: list[tuple[float, int]] = []
    for score, i in scored:
        if all(abs(i - j) >= k for _, j in chosen):
            chosen.append((score, i))
        if len(chosen) == MAX_CANDIDATES:
            break
    return chosen


def _likely_windows(lines: list[str], target: str, k: int, n_windows: int) -> list[int]:
    """On big files, shortlist windows by shared identifiers/numbers (set operations in C) before the
    character-level comparison, which is too slow to run on every window."""
    want = set(WORD.findall(target))
    if not want:
        return list(range(0, n_windows, max(1, n_windows // EXACT_WINDOWS)))
    words = [set(WORD.findall(line)) & want for line in lines]
    scores = []
    for i in range(n_windows):
        shared = set().union(*words[i : i + k]) if k > 1 else words[i]
        if shared:
            scores.append((len(shared), i))
    scores.sort(key=lambda s: (-s[0], s[1]))
    return sorted(i for _, i in scores[:SHORTLIST])


def _compile_error(source: str, filename: str) -> SyntaxError | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarnings (e.g. invalid escapes) are not our business here
        try:
            compile(source, filename, "exec", dont_inherit=True)
        except SyntaxError as exc:
            return exc
        except (ValueError, RecursionError, MemoryError):
            return None  # null bytes or absurd nesting: not a syntax error we can point at
    return None


def syntax_problem(path: Path, before: str | None, after: str) -> str | None:
    """The lint guard: a message when the edit turns a compiling .py file into one that does not."""
    if path.suffix not in (".py", ".pyi"):
        return None
    if before is not None and _compile_error(before, path.name) is not None:
        return None  # it was already broken: do not block the edits that may fix it
    err = _compile_error(after, path.name)
    if err is None:
        return None
    lines = textfile.split_lines(after)
    lineno = err.lineno or 1
    col = err.offset or 0
    lo, hi = max(1, lineno - 3), min(len(lines), lineno + 2)
    shown = []
    for i in range(lo, hi + 1):
        prefix = ">" if i == lineno else " "
        shown.append(f"{prefix}{i:5}\t{lines[i - 1] if i - 1 < len(lines) else ''}")
        if i == lineno and col > 0:
            shown.append(" " * 5 + " \t" + " " * (col - 1) + "^")
    kind = type(err).__name__
    return (f"it would introduce a Python {kind} at line {lineno}, column {col}: {err.msg}\n"
            + "\n".join(shown) + "\nFix the edit (indentation, brackets, quotes, colons) and try again.")


EDIT_SUMMARIES = {"create": "created", "undo_edit": "undid last edit"}


def _changes_files(args: dict) -> bool:
    return args.get("command") != "view"


def _preview(args: dict) -> str:
    if args.get("command") == "str_replace":
        old = "".join(f"-{ln}\n" for ln in str(args.get("old_str", "")).splitlines())
        new = "".join(f"+{ln}\n" for ln in str(args.get("new_str", "")).splitlines())
        return f"--- {args.get('path')}\n+++ {args.get('path')}\n{old}{new}"
    return f"{args.get('command')} {args.get('path')}"


def _summary(args: dict, data: dict) -> str:
    extra = f" {args['view_range']}" if args.get("view_range") else ""
    return f"{args.get('command', '')} {args.get('path', '')!s}{extra}"


def _remember(args: dict, obs: Observation) -> MemoryUpdate | None:
    if not obs.ok:
        return None
    command, path = args.get("command"), str(args.get("path", ""))
    if command == "view":
        if obs.data.get("kind") == "directory":
            return MemoryUpdate(viewed=path)
        rng = args.get("view_range")
        window = (int(rng[0]), int(rng[1])) if isinstance(rng, list) and len(rng) == 2 else None
        return MemoryUpdate(viewed=path, opened=path, window=window)
    summary = EDIT_SUMMARIES.get(str(command), "replaced text")
    if command == "insert":
        summary = f"inserted after line {args.get('insert_line')}"
    diff = str(obs.data.get("diff", ""))
    if diff:
        plus = sum(1 for ln in diff.splitlines() if ln.startswith("+") and not ln.startswith("+++"))
        minus = sum(1 for ln in diff.splitlines() if ln.startswith("-") and not ln.startswith("---"))
        summary += f", +{plus}/-{minus} lines"
    return MemoryUpdate(edited=path, edit_summary=summary)


def _diff(args: dict, data: dict) -> str | None:
    """The tool's recorded diff, else old_str -> new_str (an imported or refused call has no recorded diff)."""
    if isinstance(data.get("diff"), str) and data["diff"].strip():
        return data["diff"]
    if "old_str" in args or "new_str" in args:
        path = str(args.get("path", "file"))
        old = str(args.get("old_str") or "").splitlines()
        new = str(args.get("new_str") or "").splitlines()
        return "\n".join(difflib.unified_diff(old, new, f"a/{path}", f"b/{path}", lineterm=""))
    return None


editor_tool = Tool(name="str_replace_editor", description=DESCRIPTION, args=EditorArgs,
                   fn=git_errors_observed(run_editor), mutates=True, edits=_changes_files, preview_of=_preview,
                   summary_of=_summary, remember=_remember, diff_of=_diff,
                   path_of=lambda args: str(args.get("path") or "") or None)
