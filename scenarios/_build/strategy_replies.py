"""Scripted replies for the strategies (`patchsmith compare scenarios/ --model scripted --strategies ...`).

Writes scenarios/<id>/replies/ (see patchsmith/agent/strategies/scripts.py for the lookup):
- every task: `direct.jsonl`, one completion of search/replace blocks (the reference fix), and
  `critique.jsonl`, a critique that accepts the patch;
- three tasks (WRONG below) get wrong first attempts, so the strategies have work to do:
  `direct.jsonl` is a wrong fix, which `self-refine/critique-1` rejects and `self-refine/revise-2` corrects;
  `reflexion/react-1` (and `retry/react-1`) writes a reproduction test, makes a wrong edit, sees the test
  fail and submits anyway, and `reflexion/lesson-1` says what went wrong; `best-of-3/react-1` is a cheap
  edit that breaks a repository test, `best-of-3/react-3` the reference fix written differently (a
  comment, other spacing), which votes with attempt 2 (the scenario's own replies.jsonl).
These show the machinery (selection dropping a regression, votes grouping variants, lessons carried to the
next attempt); being scripted, they say nothing about which method is better.

    python scenarios/_build/strategy_replies.py
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent

WRONG = {
    "patchsmith__textkit-1": {
        "file": "textkit/truncate.py",
        "cause": "Text of exactly `width` characters is cut because the early return compares with `<`.",
        "direct": ("    if len(text) < width:\n", "    if len(text) <= width + len(ellipsis):\n"),
        "critique": "The change keeps any text up to `width + len(ellipsis)` characters, so "
                    "`truncate('hello world', 8)` (11 characters) now comes back uncut although it is wider than "
                    "8. Only text that fits in `width` should be returned unchanged.\nVERDICT: REVISE",
        "revise": ("    if len(text) <= width + len(ellipsis):\n", "    if len(text) <= width:\n"),
        "regression": ("    if len(text) < width:\n", "    if len(text) <= width + len(ellipsis):\n"),
        "variant": ("    if len(text) < width:\n", "    if len(text)<=width:  # text that already fits is kept whole\n"),
        "reflexion": ("    room = width - len(ellipsis)\n", "    room = max(0, width - len(ellipsis))\n"),
        "repro": ("tests/test_repro_exact_width.py",
                  "from textkit import truncate\n\n\ndef test_text_of_exactly_width_is_kept():\n"
                  "    assert truncate('hello', 5) == 'hello'\n"),
        "lesson": "Clamping `room` changed nothing: the cut happens because the early return uses "
                  "`len(text) < width`, so text of exactly `width` characters falls through to the cutting "
                  "branch. Change that comparison to `<=` and rerun the truncate tests.",
    },
    "patchsmith__confparse-1": {
        "file": "confparse/reader.py",
        "cause": "`_SEPARATOR.split(line)` splits at every separator, so values holding ':' or '=' break.",
        "direct": ("        key, value = parts\n",
                   "        key, value = parts[0], \"=\".join(parts[1:])\n"),
        "critique": "Joining the rest with '=' rewrites every ':' in the value: "
                    "`url = postgres://app:secret@db` would read back as `postgres=//app=secret@db`, and the length "
                    "check above still rejects the line first. Split at the first separator only instead.\n"
                    "VERDICT: REVISE",
        "revise": ("        parts = _SEPARATOR.split(line)\n", "        parts = _SEPARATOR.split(line, maxsplit=1)\n"),
        "revise_extra": ("        key, value = parts[0], \"=\".join(parts[1:])\n", "        key, value = parts\n"),
        "regression": ("_SEPARATOR = re.compile(r\"\\s*[=:]\\s*\")\n", "_SEPARATOR = re.compile(r\"\\s*=\\s*\")\n"),
        "variant": ("        parts = _SEPARATOR.split(line)\n",
                    "        parts = _SEPARATOR.split(line, maxsplit = 1)  # only the first separator counts\n"),
        "reflexion": ("        if len(parts) != 2 or not parts[0]:\n",
                      "        if len(parts) > 2:\n            parts = [parts[0], \"=\".join(parts[1:])]\n"
                      "        if len(parts) != 2 or not parts[0]:\n"),
        "repro": ("tests/test_repro_url_value.py",
                  "from confparse import parse\n\n\ndef test_url_value_is_kept_whole():\n"
                  "    cfg = parse('[db]\\nurl = postgres://app:secret@db/main\\n')\n"
                  "    assert cfg.get('db', 'url') == 'postgres://app:secret@db/main'\n"),
        "lesson": "Re-joining the split parts with '=' turned the URL's ':' into '='. The value must be kept "
                  "exactly as written: split the line at the first separator only "
                  "(`_SEPARATOR.split(line, maxsplit=1)`) and leave the rest of the parser alone.",
    },
    "patchsmith__tinyqs-1": {
        "file": "src/index.js",
        "cause": "`''.split('&')` is `['']`, and the empty piece becomes the pair `'' = ''`.",
        "direct": ("  const text = query.startsWith('?') ? query.slice(1) : query;\n",
                   "  const text = query.startsWith('?') ? query.slice(1) : query;\n  if (text === '') return result;\n"),
        "critique": "This handles `parse('')` but not stray ampersands: `parse('a=1&&b=2')` still yields an "
                    "`''` key from the empty piece between them. Empty pieces should be skipped wherever they "
                    "appear.\nVERDICT: REVISE",
        "revise": ("  for (const [key, value] of text.split('&').map(splitPair)) {\n",
                   "  for (const [key, value] of text.split('&').filter((pair) => pair !== '').map(splitPair)) {\n"),
        "revise_extra": ("  if (text === '') return result;\n", ""),
        "regression": ("  for (const [key, value] of text.split('&').map(splitPair)) {\n",
                       "  for (const [key, value] of text.split('&').filter((pair) => pair.includes('=')).map(splitPair)) {\n"),
        "variant": ("  for (const [key, value] of text.split('&').map(splitPair)) {\n",
                    "  // empty pieces (an empty query, stray ampersands) are not pairs\n"
                    "  for (const [key, value] of text.split('&').filter((pair) => pair !== '' ).map(splitPair))  {\n"),
        "reflexion": ("  const text = query.startsWith('?') ? query.slice(1) : query;\n",
                      "  const text = query.startsWith('?') ? query.slice(1) : query;\n  if (text === '') return result;\n"),
        "repro": ("test/repro.test.js",
                  "'use strict';\nconst test = require('node:test');\nconst assert = require('node:assert/strict');\n"
                  "const { parse } = require('../src/index');\n\ntest('repro: stray ampersands', () => {\n"
                  "  assert.deepEqual(parse('a=1&&b=2&'), { a: '1', b: '2' });\n});\n"),
        "lesson": "Returning early for an empty query left the stray-ampersand case broken: the empty pieces "
                  "come from `split('&')` anywhere in the string. Filter out empty pieces before `splitPair` "
                  "instead of special-casing the empty query.",
    },
}


def load_spec(instance_id: str) -> dict:
    path = HERE / "tasks" / instance_id / "spec.py"
    module_spec = importlib.util.spec_from_file_location(f"spec_{instance_id.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return {k: getattr(module, k) for k in ("FIX", "TASK", "REPLIES")}


def block(path: str, old: str, new: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{old}=======\n{new}>>>>>>> REPLACE\n"


def text_reply(text: str) -> dict:
    return {"text": text}


def step(thought: str, tool: str, **args: object) -> dict:
    return {"thought": thought, "tool": tool, "args": args}


def edit(path: str, old: str, new: str, thought: str) -> dict:
    return step(thought, "str_replace_editor", command="str_replace", path=path, old_str=old, new_str=new)


def wrong_attempts(w: dict) -> dict[str, list[dict]]:
    path, (repro_path, repro_text) = w["file"], w["repro"]
    reflexion = [
        step("Open the code the issue is about.", "str_replace_editor", command="view", path=path),
        step("Write a reproduction test for the reported case first.", "str_replace_editor", command="create",
             path=repro_path, file_text=repro_text),
        edit(path, *w["reflexion"], "Guard the computation this way; it should cover the reported input."),
        step("Run the reproduction test.", "run_tests", tests=[repro_path]),
        step("The reproduction still fails, but I am out of ideas for now; submitting what I have.", "submit"),
    ]
    regression = [
        step("Open the code the issue is about.", "str_replace_editor", command="view", path=path),
        edit(path, *w["regression"], "A quick change that makes the reported input come out right."),
        step("That should do it; submitting without running the tests.", "submit"),
    ]
    variant = [
        step("Open the code the issue is about.", "str_replace_editor", command="view", path=path),
        edit(path, *w["variant"], "Fix the cause the issue points at."),
        step("Run the existing tests of this module.", "run_tests", tests=[]),
        step("The tests pass; submitting.", "submit"),
    ]
    return {"reflexion/react-1": reflexion, "retry/react-1": reflexion, "best-of-3/react-1": regression,
            "best-of-3/react-3": variant}


def write(folder: Path, name: str, entries: list[dict]) -> None:
    path = folder / "replies" / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")


def build(instance_id: str) -> None:
    folder = SCENARIOS / instance_id
    shutil.rmtree(folder / "replies", ignore_errors=True)
    spec = load_spec(instance_id)
    gold = "".join(block(path, old, new) for path, old, new in spec["FIX"])
    write(folder, "critique", [text_reply("The change addresses the cause the issue describes and leaves the "
                                          "other behaviour alone.\nVERDICT: OK")])
    w = WRONG.get(instance_id)
    if w is None:
        write(folder, "direct", [text_reply("The fix, from the code shown:\n\n" + gold)])
        return
    write(folder, "direct", [text_reply(w["cause"] + "\n\n" + block(w["file"], *w["direct"]))])
    write(folder, "self-refine/critique-1", [text_reply(w["critique"])])
    revise = block(w["file"], *w["revise"]) + (block(w["file"], *w["revise_extra"]) if "revise_extra" in w else "")
    write(folder, "self-refine/revise-2", [text_reply("Revised as the review says:\n\n" + revise)])
    write(folder, "reflexion/lesson-1", [text_reply(w["lesson"])])
    for name, entries in wrong_attempts(w).items():
        write(folder, name, entries)


def main() -> None:
    for folder in sorted(SCENARIOS.iterdir()):
        if (folder / "task.json").is_file():
            build(folder.name)
            print(f"{folder.name}: replies/ written{' (wrong first attempts)' if folder.name in WRONG else ''}")


if __name__ == "__main__":
    main()
