"""Alignment of two runs by action and file, on hand-made pairs."""

from __future__ import annotations

import random

from patchsmith.agent.trajectory import Action, Step
from patchsmith.tui.align import align_keys, align_steps, divergence, norm_path, step_key


def _s(i: int, tool: str, **args) -> Step:
    return Step(index=i, action=Action(tool=tool, args=args))


def run_a() -> list[Step]:
    return [_s(0, "search", pattern="parse_duration"),
            _s(1, "str_replace_editor", command="view", path="src/durations.py"),
            _s(2, "run_tests", tests=["tests/test_durations.py"]),
            _s(3, "str_replace_editor", command="str_replace", path="src/durations.py", old_str="a", new_str="b"),
            _s(4, "run_tests", tests=["tests/test_durations.py"]),
            _s(5, "submit")]


def test_identical_runs_align_one_to_one_with_no_divergence() -> None:
    pairs = align_steps(run_a(), run_a())
    assert [(p.a, p.b, p.kind) for p in pairs] == [(i, i, "same") for i in range(6)]
    assert divergence(pairs) is None


def test_one_extra_step_is_a_gap_and_the_rest_realigns() -> None:
    b = run_a()
    b.insert(2, _s(99, "bash", command="ls src"))
    pairs = align_steps(run_a(), b)
    assert [(p.a, p.b, p.kind) for p in pairs] == [
        (0, 0, "same"), (1, 1, "same"), (None, 2, "only_b"), (2, 3, "same"), (3, 4, "same"), (4, 5, "same"),
        (5, 6, "same")]
    assert divergence(pairs) == 2


def test_diverging_at_step_k_marks_k_and_pairs_the_rest_as_changed() -> None:
    a = run_a()
    b = run_a()[:3] + [_s(3, "str_replace_editor", command="str_replace", path="src/other.py"),
                       _s(4, "bash", command="python reproduce.py"), _s(5, "str_replace_editor", command="create",
                                                                       path="notes.txt")]
    pairs = align_steps(a, b)
    assert divergence(pairs) == 3
    assert [p.kind for p in pairs[:3]] == ["same"] * 3
    assert all(p.kind != "same" for p in pairs[3:])
    assert {p.a for p in pairs if p.a is not None} == set(range(6))  # every step of both runs appears once
    assert {p.b for p in pairs if p.b is not None} == set(range(6))


def test_different_tool_names_for_the_same_file_align() -> None:
    ours = [_s(0, "str_replace_editor", command="view", path="src/durations.py"),
            _s(1, "str_replace_editor", command="str_replace", path="src/durations.py"),
            _s(2, "run_tests", tests=[]),
            _s(3, "submit")]
    swe_agent = [_s(0, "open", command="open /testbed/src/durations.py"),
                 Step(index=1, action=Action(tool="edit", args={"command": "edit 10:10\n    return x\nend_of_edit"}),
                      state={"open_file": "/testbed/src/durations.py"}),
                 _s(2, "bash", command="python -m pytest tests/test_durations.py -q"),
                 _s(3, "submit", command="submit")]
    mini = [_s(0, "bash", command="cat src/durations.py"),
            _s(1, "bash", command="sed -i 's/a/b/' ./src/durations.py"),
            _s(2, "bash", command="cd /testbed && pytest -x tests"),
            _s(3, "bash", command="echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git add -A")]
    for other in (swe_agent, mini):
        pairs = align_steps(ours, other)
        assert [p.kind for p in pairs] == ["same"] * 4, [step_key(s) for s in other]
    # the same tool on a different file does not align as the same step
    moved = [_s(0, "bash", command="cat src/other.py")] + mini[1:]
    assert align_steps(ours, moved)[0].kind == "changed"


def test_norm_path() -> None:
    assert norm_path("/testbed/src/x.py") == norm_path("./src/x.py") == norm_path("src/x.py") == "src/x.py"


def test_long_different_runs_cover_all_steps() -> None:
    rng = random.Random(3)
    vocab = [("read", f"f{k}") for k in range(40)] + [("test", ""), ("edit", "f1")]
    ka = [rng.choice(vocab) for _ in range(3000)]
    kb = ka[:1000] + [rng.choice(vocab) for _ in range(3000)]
    pairs = align_keys(ka, kb)
    assert (divergence(pairs) or 0) >= 1000  # the shared first 1,000 steps stay paired
    assert sorted(p.a for p in pairs if p.a is not None) == list(range(3000))
    assert sorted(p.b for p in pairs if p.b is not None) == list(range(4000))
    for p in pairs:
        if p.kind == "same":
            assert ka[p.a] == kb[p.b]
