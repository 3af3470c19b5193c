"""Two runs aligned step by step by what each step did (its kind of action and the file it touched), not by index.

A step's key is (kind, target): `("read", "src/x.py")`, `("edit", "src/x.py")`, `("test", "")`, `("search", "foo")`...
so that SWE-agent's `open src/x.py`, mini-swe-agent's `cat src/x.py` and our editor's `view` of the same file
align. The keys are aligned as sequences (longest matching blocks); pairs whose keys differ are `changed`, a
step with no counterpart is `only_a` / `only_b`. No Textual here: the views and the HTML export share it.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from patchsmith.agent.trajectory import Step

Key = tuple[str, str]

_READ_CMDS = {"cat", "head", "tail", "nl", "less", "more", "open", "goto", "view"}
_SEARCH_CMDS = {"grep", "rg", "ag", "find", "search_dir", "search_file", "find_file", "ack", "git grep"}
_EDIT_TOOLS = {"str_replace", "insert", "undo_edit", "edit", "write", "append"}
_TEST_WORDS = re.compile(r"\b(pytest|tox|nosetests|unittest|runtests\.py|manage\.py test|go test|cargo test|npm test)\b")
_REDIRECT = re.compile(r"(?:>>?|\btee\s+(?:-a\s+)?)\s*([\w./-]+)")
MAX_EXACT = 4_000_000  # cells of the middle part aligned exactly; beyond that a windowed greedy pass


def norm_path(path: Any) -> str:
    """A path as the repository sees it: `/testbed/src/x.py`, `/repo/src/x.py` and `./src/x.py` are `src/x.py`."""
    text = str(path or "").strip().strip("'\"")
    if text.startswith("./"):
        text = text[2:]
    if text.startswith("/"):
        parts = text.strip("/").split("/")
        text = "/".join(parts[1:]) if len(parts) > 1 else parts[0]
    return text


def _bash_key(command: str, state: dict[str, Any]) -> Key:
    command = command.strip()
    if not command:
        return ("bash", "")
    if _TEST_WORDS.search(command):
        return ("test", "")
    redirect = _REDIRECT.search(command)
    try:
        words = shlex.split(command.splitlines()[0])
    except ValueError:
        words = command.split()
    if not words:
        return ("bash", "")
    name = words[0]
    files = [w for w in words[1:] if not w.startswith("-") and ("/" in w or "." in w)]
    if name == "sed" and any(w.startswith("-i") for w in words[1:]) and files:
        return ("edit", norm_path(files[-1]))
    if name in ("edit", "insert"):
        return ("edit", norm_path(state.get("open_file", "")))
    if name == "create" and files:
        return ("create", norm_path(files[0]))
    if redirect and ("<<" in command or name in ("echo", "printf")):
        return ("edit", norm_path(redirect.group(1)))
    if name in _READ_CMDS or (name == "sed" and "-n" in words):
        target = files[-1] if files else state.get("open_file", "")
        return ("read", norm_path(target))
    if name in ("scroll_up", "scroll_down"):
        return ("read", norm_path(state.get("open_file", "")))
    if name in _SEARCH_CMDS:
        pattern = next((w for w in words[1:] if not w.startswith("-")), "")
        return ("search", pattern)
    if name == "submit" or "COMPLETE_TASK_AND_SUBMIT" in command:
        return ("submit", "")
    if name in ("python", "python3") and files:
        return ("run", norm_path(files[0]))
    return ("bash", name)


def action_key(tool: str, args: dict[str, Any], state: dict[str, Any]) -> Key:
    """What a step did, from its tool, arguments and recorded state (shared by our tools and peers' commands)."""
    if tool == "str_replace_editor":
        command = str(args.get("command", ""))
        path = norm_path(args.get("path", ""))
        if command == "view":
            return ("read", path)
        if command == "create":
            return ("create", path)
        return ("edit", path) if command in _EDIT_TOOLS or command else ("read", path)
    if tool == "run_tests":
        return ("test", "")
    if tool in ("search", "find_file"):
        return ("search", str(args.get("pattern") or args.get("name") or args.get("query") or ""))
    if tool == "submit":
        return ("submit", "")
    command = args.get("command")
    if isinstance(command, str):
        if tool != "bash" and not command.startswith(tool):  # SWE-agent's commands keep their name in the text
            command = f"{tool} {command}"
        return _bash_key(command, state if isinstance(state, dict) else {})
    return (tool or "none", "")


def step_key(step: Step) -> Key:
    if step.action is None:
        return ("none", "")
    return action_key(step.action.tool, step.action.args, step.state)


@dataclass(frozen=True)
class Pair:
    a: int | None  # step index in run A, None when the step exists only in B
    b: int | None
    kind: str  # same | changed | only_a | only_b


def _exact(ka: Sequence[Key], kb: Sequence[Key], oa: int, ob: int) -> list[Pair]:
    out: list[Pair] = []
    matcher = difflib.SequenceMatcher(None, list(ka), list(kb), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out += [Pair(oa + i1 + k, ob + j1 + k, "same") for k in range(i2 - i1)]
            continue
        common = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        out += [Pair(oa + i1 + k, ob + j1 + k, "changed") for k in range(common)]
        out += [Pair(oa + i, None, "only_a") for i in range(i1 + common, i2)]
        out += [Pair(None, ob + j, "only_b") for j in range(j1 + common, j2)]
    return out


def _greedy(ka: Sequence[Key], kb: Sequence[Key], oa: int, ob: int, window: int = 25) -> list[Pair]:
    """For very long, very different middles: re-synchronise on the nearest equal keys within a window."""
    out: list[Pair] = []
    i = j = 0
    while i < len(ka) and j < len(kb):
        if ka[i] == kb[j]:
            out.append(Pair(oa + i, ob + j, "same"))
            i, j = i + 1, j + 1
            continue
        best = None
        for d in range(1, window):
            for di in range(d + 1):
                dj = d - di
                if i + di < len(ka) and j + dj < len(kb) and ka[i + di] == kb[j + dj]:
                    best = (di, dj)
                    break
            if best:
                break
        if best is None or (best[0] and best[1]):
            out.append(Pair(oa + i, ob + j, "changed"))
            i, j = i + 1, j + 1
            continue
        out += [Pair(oa + i + k, None, "only_a") for k in range(best[0])]
        out += [Pair(None, ob + j + k, "only_b") for k in range(best[1])]
        i, j = i + best[0], j + best[1]
    out += [Pair(oa + k, None, "only_a") for k in range(i, len(ka))]
    out += [Pair(None, ob + k, "only_b") for k in range(j, len(kb))]
    return out


def align_keys(ka: Sequence[Key], kb: Sequence[Key]) -> list[Pair]:
    """Aligned pairs covering every step of both runs, in order."""
    prefix = 0
    while prefix < len(ka) and prefix < len(kb) and ka[prefix] == kb[prefix]:
        prefix += 1
    suffix = 0
    while (suffix < len(ka) - prefix and suffix < len(kb) - prefix
           and ka[len(ka) - 1 - suffix] == kb[len(kb) - 1 - suffix]):
        suffix += 1
    out = [Pair(k, k, "same") for k in range(prefix)]
    mid_a, mid_b = ka[prefix:len(ka) - suffix], kb[prefix:len(kb) - suffix]
    if mid_a or mid_b:
        exact = len(mid_a) * len(mid_b) <= MAX_EXACT
        out += (_exact if exact else _greedy)(mid_a, mid_b, prefix, prefix)
    out += [Pair(len(ka) - suffix + k, len(kb) - suffix + k, "same") for k in range(suffix)]
    return out


def divergence(pairs: Sequence[Pair]) -> int | None:
    """The first aligned pair where the runs part ways, or None when they did the same things throughout."""
    return next((n for n, p in enumerate(pairs) if p.kind != "same"), None)


def align_steps(a: Sequence[Step], b: Sequence[Step]) -> list[Pair]:
    return align_keys([step_key(s) for s in a], [step_key(s) for s in b])
