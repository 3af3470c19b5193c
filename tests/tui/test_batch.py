"""A batch at a glance: field filters, sorting by the new columns, the summary's numbers (Pilot, real files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import DataTable

from patchsmith.tui.batch import BatchSummaryScreen, RunFilter
from patchsmith.tui.detail import DetailView
from patchsmith.tui.importers import RunSummary, read_folder
from patchsmith.tui.inspector import InspectorApp
from patchsmith.tui.stats import RunDetail, ToolUse, outcome_of, prompt_parts, tool_usage

from .builders import scripted_steps, write_run


def _batch(tmp_path: Path) -> Path:
    root = tmp_path / "runs"
    write_run(root / "zeta__1" / "trajectory.jsonl", instance_id="zeta__1", extra=5)
    write_run(root / "alpha__2" / "trajectory.jsonl", instance_id="alpha__2", exit_reason="max_steps")
    write_run(root / "mid__3" / "trajectory.jsonl", instance_id="mid__3", cut=True)
    (root / "report.json").write_text(json.dumps({"zeta__1": {"resolved": True}, "alpha__2": {"resolved": False}}))
    return root


def test_filter_parsing_and_matching() -> None:
    f = RunFilter.parse('exit:max resolved:no repo:"demo/dur" strategy:react errors:>1 hello')
    assert f.fields == {"exit": "max", "resolved": "no", "repo": "demo/dur", "strategy": "react", "errors": ">1"}
    assert f.words == ["hello"]
    run = RunSummary(task="t", path=Path("x"), resolved=False, exit_reason="max_steps", repo="demo/durations",
                     strategy="react")
    two = RunDetail(tools=[ToolUse("bash", steps=3, errors=2)], parts=prompt_parts([], ""))
    assert f.matches(run, two, "t hello")
    assert not f.matches(run, two, "t")  # the free word is missing
    assert not RunFilter.parse("errors:>2").matches(run, two, "")
    assert not RunFilter.parse("errors:0").matches(run, None, "")  # not known yet: not matched
    assert RunFilter.parse("outcome:unres").matches(run, two, "")
    assert outcome_of(None, "unreadable", "bad json") == "error"


def test_tool_usage_counts_errors_and_tokens() -> None:
    uses = {u.tool: u for u in tool_usage(scripted_steps())}
    assert uses["bash"].steps == 1 and uses["bash"].errors == 1 and uses["bash"].error_rate == 1.0
    assert uses["run_tests"].steps == 2 and uses["run_tests"].errors == 1
    assert uses["str_replace_editor"].steps == 3 and uses["str_replace_editor"].errors == 0
    assert uses["search"].reply_tokens == 50  # the completion tokens of the one reply that called it
    parts = prompt_parts(scripted_steps(), "x" * 400)
    total = sum(s.usage.prompt_tokens for s in scripted_steps())
    assert parts.system + parts.task + parts.working_memory + parts.history == total
    assert parts.task == 100 * len(scripted_steps())  # 400 characters, every call


@pytest.mark.anyio
async def test_filters_sorting_and_summary(tmp_path: Path) -> None:
    app = InspectorApp(read_folder(_batch(tmp_path)))
    async with app.run_test(size=(130, 40)) as pilot:
        screen = app.screen
        for _ in range(1500):
            if screen.details_done:
                break
            await pilot.pause(0.02)
        assert screen.details_done
        table = screen.query_one(DataTable)

        async def filtered(text: str) -> list[str]:
            screen.query_one("#runs-filter").value = text
            await pilot.pause()
            return [str(table.get_row_at(r)[0]) for r in range(table.row_count)]

        assert await filtered("resolved:yes") == ["zeta__1"]
        assert await filtered("exit:max_steps") == ["alpha__2"]
        assert await filtered("outcome:not") == ["mid__3"]
        # every run has the failing test run and the bash traceback
        assert sorted(await filtered("errors:2")) == ["alpha__2", "mid__3", "zeta__1"]
        assert await filtered("errors:>2") == []
        assert await filtered("repo:demo/durations strategy:react zeta") == ["zeta__1"]
        assert await filtered("repo:nowhere") == []
        await filtered("")
        screen.sort_column, screen.reverse = "steps", True
        screen.refill()
        await pilot.pause()
        assert [str(table.get_row_at(r)[0]) for r in range(table.row_count)][0] == "zeta__1"
        table.focus()
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, BatchSummaryScreen)
        text = app.screen.query_one(DetailView).plain_text()
        assert "3 tasks" in text and "resolved: 1" in text and "unresolved: 1" in text
        assert "max_steps" in text and "submitted" in text
        assert "run_tests" in text and "50.0%" in text  # run_tests: 1 error in 2 calls per run
        assert "history" in text and "working memory" in text
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, BatchSummaryScreen)


@pytest.mark.anyio
async def test_run_tokens_screen(tmp_path: Path) -> None:
    from patchsmith.tui.batch import TokensScreen
    from patchsmith.tui.model import open_model

    model = open_model(write_run(tmp_path / "trajectory.jsonl"))
    app = InspectorApp(model)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TokensScreen)
        text = app.screen.query_one(DetailView).plain_text()
        total = sum(model.step(i).usage.prompt_tokens + model.step(i).usage.completion_tokens for i in range(len(model)))
        assert f"{total:,} tokens" in text
        assert "str_replace_editor" in text and "system" in text and "history" in text
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, TokensScreen)


@pytest.mark.anyio
async def test_inspector_marks_the_decisive_step(tmp_path: Path) -> None:
    from patchsmith.tui.model import open_model
    from patchsmith.tui.step_list import StepList

    task_dir = tmp_path / "tasks" / "demo__durations-1"
    path = write_run(task_dir / "agent" / "trajectory.jsonl")
    (task_dir / "credit.json").write_text(json.dumps({"step": 3, "kind": "first_passing"}))
    model = open_model(path)
    assert (model.decisive, model.decisive_kind) == (3, "first_passing")
    app = InspectorApp(model)
    async with app.run_test(size=(130, 40)) as pilot:
        await pilot.pause()
        steps = app.screen.query_one(StepList)
        assert steps.render_line(3).text.lstrip().startswith("4★")
        assert "★" not in steps.render_line(2).text
        assert "decisive step 4" in str(app.screen.query_one("#totals").render())
    (task_dir / "credit.json").write_text("{not json")
    assert open_model(path).decisive is None  # a damaged file is ignored, the run still opens


def _strategy_batch(tmp_path: Path) -> Path:
    """A batch laid out as `patchsmith run --strategy best-of-2` writes it: tasks/<id>/agent/strategy.json, each
    attempt's trajectory under agent/attempts/N, agent/trajectory.jsonl the chosen one's (a symlink), and the
    report's attempt rows with what the scorer made of each attempt's patch."""
    root = tmp_path / "batch"
    agent = root / "tasks" / "best__1" / "agent"
    write_run(agent / "attempts" / "1" / "trajectory.jsonl", instance_id="best__1", exit_reason="max_steps")
    write_run(agent / "attempts" / "2" / "trajectory.jsonl", instance_id="best__1", extra=3)
    (agent / "trajectory.jsonl").symlink_to("attempts/2/trajectory.jsonl")
    attempts = [{"number": 1, "strategy": "react", "folder": "attempts/1", "verdict": "dropped",
                 "why": "it stopped before submitting"},
                {"number": 2, "strategy": "react", "folder": "attempts/2", "verdict": "chosen",
                 "why": "passed 3 regression test(s)"}]
    (agent / "strategy.json").write_text(json.dumps({"version": 1, "strategy": "best-of-2", "chosen": 2,
                                                     "attempts": attempts}))
    write_run(root / "tasks" / "plain__2" / "agent" / "trajectory.jsonl", instance_id="plain__2")
    (root / "tasks" / "plain__2" / "agent" / "strategy.json").write_text(json.dumps({"chosen": 1, "attempts": [
        {"number": 1, "strategy": "react", "folder": ".", "verdict": "final", "why": "the only attempt"}]}))
    rows = [{"number": 1, "resolved": False}, {"number": 2, "resolved": True}]
    (root / "report.json").write_text(json.dumps({"resolved_ids": ["best__1"], "unresolved_ids": ["plain__2"],
                                                  "tasks": {"best__1": {"agent": {"attempts": rows}}}}))
    return root


def test_strategy_attempts_are_read_under_their_task(tmp_path: Path) -> None:
    runs = {r.task: r for r in read_folder(_strategy_batch(tmp_path)).runs}
    assert sorted(runs) == ["best__1", "plain__2"]  # attempts are not tasks of their own
    best = runs["best__1"]
    assert best.verdict == "#2 of 2 chosen" and best.resolved is True
    assert [(a.attempt, a.resolved, a.exit_reason) for a in best.attempts] == [(1, False, "max_steps"),
                                                                            (2, True, "submitted")]
    assert best.attempts[0].verdict == "dropped: it stopped before submitting"
    assert best.attempts[1].path.parent.name == "2" and best.attempts[1].steps == best.steps
    assert runs["plain__2"].attempts == [] and runs["plain__2"].verdict == "final: the only attempt"


@pytest.mark.anyio
async def test_attempts_grouped_under_their_task_with_verdicts(tmp_path: Path) -> None:
    app = InspectorApp(read_folder(_strategy_batch(tmp_path)))
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one(DataTable)
        columns = [str(c.label) for c in table.columns.values()]
        verdict = columns.index("verdict")

        def shown() -> list[tuple[str, str, str]]:
            return [(str(table.get_row_at(r)[0]), str(table.get_row_at(r)[1]), str(table.get_row_at(r)[verdict]))
                    for r in range(table.row_count)]

        assert shown() == [("best__1", "✓ yes", "#2 of 2 chosen"),
                           ("  └ attempt 1", "✗ no", "dropped: it stopped before submitting"),
                           ("  └ attempt 2", "✓ yes", "chosen: passed 3 regression test(s)"),
                           ("plain__2", "✗ no", "final: the only attempt")]
        screen.reverse = True  # sorting moves tasks; each keeps its attempts beneath it, in order
        screen.refill()
        await pilot.pause()
        assert [row[0] for row in shown()] == ["plain__2", "best__1", "  └ attempt 1", "  └ attempt 2"]
        screen.query_one("#runs-filter").value = "resolved:no"
        await pilot.pause()
        assert [row[0] for row in shown()] == ["plain__2"]  # the filter picks tasks
        screen.query_one("#runs-filter").value = ""
        await pilot.pause()
        table.focus()
        table.move_cursor(row=2)  # attempt 1 of best__1, listed under it
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.model.path.endswith("attempts/1/trajectory.jsonl")
        assert app.screen.model.result.exit_reason == "max_steps"
