"""Working memory: what the agent is reminded of every turn."""

from patchsmith.agent.memory import WorkingMemory
from patchsmith.tools.observation import Observation
from patchsmith.tools.registry import tools_by_name

TOOLS = tools_by_name()


def update(m: WorkingMemory, step: int, tool: str, args: dict, obs: Observation) -> None:
    """What the controller does after each call: the tool says what changed, memory keeps it."""
    m.apply(step, TOOLS[tool].memory_update(args, obs))


def test_tests_edits_views_and_notes_are_tracked():
    m = WorkingMemory()
    update(m, 0, "str_replace_editor", {"command": "view", "path": "a.py", "view_range": [1, 20]}, Observation(text="..."))
    update(m, 1, "str_replace_editor", {"command": "str_replace", "path": "a.py"},
           Observation(text="ok", data={"diff": "--- a\n+++ b\n-x\n+y\n+z\n"}))
    failing = Observation(text="1 failed", ok=False, data={"counts": {"passed": 3, "failed": 1},
                                                         "tests": [{"id": "t.py::test_a", "status": "failed"}]})
    update(m, 2, "run_tests", {}, failing)
    update(m, 3, "run_tests", {}, Observation.fail("the user did not approve this action"))
    update(m, 4, "note", {"text": "bug is in a.py"}, Observation(text="Noted."))
    update(m, 5, "outline", {"path": "b.py"}, Observation(text="b.py:"))
    update(m, 6, "str_replace_editor", {"command": "view", "path": "a.py"}, Observation(text="..."))
    assert m.files_viewed == ["b.py", "a.py"] and m.open_file == "a.py" and m.window is None
    assert m.edits[0].summary == "replaced text, +2/-1 lines"
    assert m.last_tests.step == 2 and m.last_tests.failing == 1 and "t.py::test_a" in m.last_tests.summary
    assert m.failing_history == [(2, 1)]
    text = m.render(step=7, steps_left=10)
    assert "bug is in a.py" in text and "a.py (replaced text" in text and "Last test run (step 2)" in text


def test_snapshot_is_bounded():
    m = WorkingMemory()
    for i in range(100):
        update(m, i, "str_replace_editor", {"command": "insert", "path": f"f{i}.py", "insert_line": 1},
               Observation(text="ok"))
    snap = m.snapshot()
    assert len(snap["edits"]) == 15 and snap["edit_count"] == 100
