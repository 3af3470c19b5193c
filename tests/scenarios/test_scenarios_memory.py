"""Memory in harness runs, on the offline scenarios: off unless asked for; a later task of the same
repository receives the earlier one's test command and lesson; an earlier task never sees a later one's;
nothing from a task's hidden fields is stored."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from test_scenarios_run import SCENARIOS, patchsmith

FIRST, SECOND = "patchsmith__ledger-1", "patchsmith__ledger-2"


def run(tmp: Path, out: str, *ids: str, memory: bool = True) -> None:
    proc = patchsmith("run", str(SCENARIOS), "--instances", *ids, "--model", "scripted", "--workers", "1",
                      "--output", str(tmp / out), *(["--memory"] if memory else []), tmp=tmp)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def events(tmp: Path, out: str, task: str, kind: str) -> list[dict]:
    path = tmp / out / "tasks" / task / "agent" / "trajectory.jsonl"
    return [e for e in map(json.loads, path.read_text().splitlines()) if e.get("kind") == kind]


def stored(tmp: Path) -> list[tuple[str, str]]:
    path = tmp / "data" / "memory.sqlite"
    if not path.exists():
        return []
    return sqlite3.connect(path).execute("SELECT origin, text FROM items").fetchall()


def test_memory_is_off_in_harness_runs_unless_asked(tmp_path: Path) -> None:
    run(tmp_path, "plain", FIRST, SECOND, memory=False)
    assert stored(tmp_path) == [] and events(tmp_path, "plain", SECOND, "recalled") == []


def test_a_later_task_recalls_the_earlier_ones_test_command_and_lesson(tmp_path: Path) -> None:
    run(tmp_path, "both", FIRST, SECOND)
    recalled = events(tmp_path, "both", SECOND, "recalled")
    assert recalled, "the second task of the repository recalled nothing"
    text = recalled[0]["text"]
    assert f"task {FIRST}" in text and "Tests ran successfully with: `python -m pytest" in text
    assert "Fixed in ledger/" in text
    assert events(tmp_path, "both", FIRST, "recalled") == []
    report = json.loads((tmp_path / "both" / "report.json").read_text())
    assert json.dumps(report).count(FIRST) >= 1


def test_an_earlier_task_never_sees_what_a_later_one_taught(tmp_path: Path) -> None:
    run(tmp_path, "later-first", SECOND)
    assert any(f"task {SECOND}" in origin for origin, _ in stored(tmp_path))
    run(tmp_path, "earlier-second", FIRST)
    assert events(tmp_path, "earlier-second", FIRST, "recalled") == []


def test_nothing_from_hidden_fields_is_stored(tmp_path: Path) -> None:
    run(tmp_path, "both", FIRST, SECOND)
    texts = "\n".join(t for _, t in stored(tmp_path))
    for task in (FIRST, SECOND):
        row = json.loads((SCENARIOS / task / "task.json").read_text())
        lists = [row.get(k) or [] for k in ("FAIL_TO_PASS", "PASS_TO_PASS")]
        hidden = [t for lst in lists for t in (json.loads(lst) if isinstance(lst, str) else lst)]
        assert hidden
        for test_id in hidden:
            assert test_id.split("::")[-1] not in texts, test_id
        added = [ln[1:].strip() for ln in row.get("test_patch", "").splitlines()
                 if ln.startswith("+") and not ln.startswith("+++") and len(ln.strip()) > 12]
        assert added and not any(line in texts for line in added)
