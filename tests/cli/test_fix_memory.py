"""`fix` reads the repository's instruction files and carries memory from one run to the next (real SDK,
local fake endpoint, real repository, real store)."""

from __future__ import annotations

import json
from pathlib import Path

from fakeopenai import FakeOpenAI
from repos import BUGGY_CALC, make_repo

from patchsmith.agent.recall.repo import repo_key
from patchsmith.agent.recall.store import MemoryStore

from .test_fix import FIX_SCRIPT, patchsmith

FILES = {**BUGGY_CALC, "AGENTS.md": "Always run the whole test suite before submitting.\n",
         "calc/AGENTS.md": "Code in calc/ must stay free of third-party imports.\n"}
SECOND = [{"text": "Done already?", "tool_calls": [{"name": "submit", "arguments": {}}]}]


def fix(repo: Path, out: Path, data: Path, script: list, issue: str, *flags: str) -> FakeOpenAI:
    with FakeOpenAI(json.loads(json.dumps(script))) as server:
        proc = patchsmith("fix", issue, "--repo", str(repo), "--model", "gpt-4o-mini", "--base-url",
                          server.base_url, "--api-key", "sk-test", "--mode", "auto-edit", "--sandbox", "local",
                          "--no-apply", "--output", str(out), *flags, stdin="a\n", env={"data": str(data)})
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return server


def prompt_text(request: dict) -> str:
    return "\n".join(str(m.get("content") or "") for m in request["messages"])


def test_instructions_reach_the_prompt_and_memory_carries_to_the_next_run(tmp_path: Path) -> None:
    repo, data = make_repo(tmp_path / "calc", FILES), tmp_path / "data"
    first = fix(repo, tmp_path / "run1", data, FIX_SCRIPT, "mean([1, 2, 3]) returns 3 instead of 2")
    assert "Always run the whole test suite" in prompt_text(first.requests[0])
    assert "third-party imports" not in prompt_text(first.requests[0]), "nested: only once working under calc/"
    assert "third-party imports" in prompt_text(first.requests[-1])
    events = [json.loads(x) for x in (tmp_path / "run1/trajectory.jsonl").read_text().splitlines()]
    seen = [e["data"]["paths"] for e in events if e.get("kind") == "instructions"]
    assert seen == [["AGENTS.md"], ["calc/AGENTS.md"]]

    items = MemoryStore(data / "memory.sqlite").items(repo_key(repo))
    texts = [i.text for i in items]
    assert any(t.startswith("Tests ran successfully with:") and "pytest" in t for t in texts)
    lesson = next(i for i in items if i.kind == "lesson")
    assert lesson.files == ["calc/stats.py"] and "sum(values) / len(values)" in lesson.text

    second = fix(repo, tmp_path / "run2", data, SECOND, "mean of an empty list crashes in calc stats")
    prompt = prompt_text(second.requests[0])
    assert "Tests ran successfully with:" in prompt and "Fixed in calc/stats.py" in prompt
    recalled = [json.loads(x) for x in (tmp_path / "run2/trajectory.jsonl").read_text().splitlines()
                if '"recalled"' in x]
    assert recalled and set(recalled[0]["data"]["ids"]) <= {i.id for i in items}


def test_switches_turn_both_off(tmp_path: Path) -> None:
    repo, data = make_repo(tmp_path / "calc", FILES), tmp_path / "data"
    server = fix(repo, tmp_path / "run1", data, FIX_SCRIPT, "mean is wrong", "--no-instructions", "--no-memory")
    assert not any("Always run the whole test suite" in prompt_text(r) or "third-party" in prompt_text(r)
                   for r in server.requests)
    assert not (data / "memory.sqlite").exists() or MemoryStore(data / "memory.sqlite").items(repo_key(repo)) == []


def test_the_api_key_given_on_the_command_line_is_never_stored(tmp_path: Path) -> None:
    repo, data = make_repo(tmp_path / "calc", BUGGY_CALC), tmp_path / "data"
    key = "plainlocalkey0123456789"  # no known token shape: masked because patchsmith was given it
    fix(repo, tmp_path / "run", data, FIX_SCRIPT, f"mean broken since I set the key {key}", "--api-key", key)
    store = MemoryStore(data / "memory.sqlite")
    lesson = next(i for i in store.items(repo_key(repo)) if i.kind == "lesson")
    assert key not in lesson.text and "***" in lesson.text and key.encode() not in (data / "memory.sqlite").read_bytes()
