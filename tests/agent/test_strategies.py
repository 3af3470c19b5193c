"""Each strategy on the fake endpoint through the real `openai` SDK, on a real git repository and real pytest:
direct, self-refine, reflexion (lessons, clean workspaces), retry/warming/escalation, best-of-n (parallel
sampled attempts, selection), and the per-task budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fakeopenai import FakeOpenAI
from repos import git, make_repo

from patchsmith.agent.config import RunConfig
from patchsmith.agent.strategies import (
    Budget,
    CloneWorkspaces,
    TaskContext,
    make_strategy,
    parse_budget,
    run_strategy,
)
from patchsmith.agent.strategies.edits import apply_blocks, parse_blocks
from patchsmith.errors import UserError
from patchsmith.tools.workspace import Workspace

PRICE = "discount(200, 10) gives 0 instead of 180: the percent discount is ten times too large."
FILES = {
    "shop/__init__.py": "",
    "shop/price.py": ('def discount(total, percent):\n    """Price after a percent discount."""\n'
                      "    return total - total * percent / 10\n\n\ndef tax(total):\n"
                      "    return round(total * 1.2, 2)\n"),
    "tests/test_price.py": ("from shop.price import discount, tax\n\n\ndef test_tax():\n    assert tax(10) == 12.0\n\n\n"
                            "def test_no_discount():\n    assert discount(50, 0) == 50\n"),
}
BUG = "    return total - total * percent / 10\n"
FIXED = "    return total - total * percent / 100\n"
REPRO = "from shop.price import discount\n\n\ndef test_ten_percent():\n    assert discount(200, 10) == 180\n"


def call(name: str, **args: object) -> dict:
    return {"name": name, "arguments": args}


def reply(*calls: dict, text: str = "", tokens: int | None = None) -> dict:
    item: dict = {"text": text, "tool_calls": list(calls)}
    if tokens is not None:
        item["usage"] = {"prompt_tokens": tokens - 100, "completion_tokens": 100, "total_tokens": tokens}
    return item


def edit(old: str, new: str, path: str = "shop/price.py") -> dict:
    return call("str_replace_editor", command="str_replace", path=path, old_str=old, new_str=new)


def good_attempt(tokens: int | None = None) -> list[dict]:
    return [reply(edit(BUG, FIXED), tokens=tokens), reply(call("run_tests", tests=["tests/test_price.py"]), tokens=tokens),
            reply(call("submit"), tokens=tokens)]


def wrong_attempt(tokens: int | None = None) -> list[dict]:
    """Writes a reproduction test, makes a wrong edit, sees the test fail, submits anyway."""
    return [reply(call("str_replace_editor", command="create", path="tests/test_repro.py", file_text=REPRO), tokens=tokens),
            reply(edit(BUG, "    return total - total * percent / 10.0\n"), tokens=tokens),
            reply(call("run_tests", tests=["tests/test_repro.py"]), tokens=tokens),
            reply(call("submit"), tokens=tokens)]


def blocks(old: str, new: str) -> str:
    return f"The divisor is wrong.\n\nshop/price.py\n<<<<<<< SEARCH\n{old}=======\n{new}>>>>>>> REPLACE\n"


@pytest.fixture(autouse=True)
def _hermetic_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    # The repository needs no plugins; loading the machine's (heavy) ones costs seconds per test run.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    root = make_repo(tmp_path / "repo", FILES)
    return root, git(root, "rev-parse", "HEAD").strip()


def context(repo: tuple[Path, str], tmp_path: Path, server: FakeOpenAI, *, localize: bool = False,
            budget: Budget | None = None, **config: object) -> TaskContext:
    root, base = repo
    cfg = RunConfig(model=str(config.pop("model", "gpt-4o-mini")), base_url=server.base_url, api_key="k",
                    mode="full-auto", max_retries=0, **config)

    def setup(dest: Path):  # noqa: ANN202 - (workspace, close)
        return Workspace(root=dest, base=base), lambda: None

    return TaskContext(problem_statement=PRICE, workspace=Workspace(root=root, base=base), config=cfg,
                       output_dir=tmp_path / "agent", hints=None if localize else [],
                       workspaces=CloneWorkspaces(root, base, tmp_path / "attempts", setup),
                       budget=budget or Budget(), task={"instance_id": "shop-1"})


def record(ctx: TaskContext) -> dict:
    return json.loads((ctx.output_dir / "strategy.json").read_text())


def user_texts(request: dict) -> str:
    return "\n".join(str(m.get("content") or "") for m in request["messages"] if m["role"] == "user")


# -- direct and self-refine ---------------------------------------------------------------------------
def test_direct_one_completion_with_retrieved_code_and_no_tools(repo, tmp_path: Path) -> None:
    with FakeOpenAI([{"text": blocks(BUG, FIXED)}]) as server:
        ctx = context(repo, tmp_path, server, localize=True)
        outcome = run_strategy(make_strategy("direct", ctx.config), ctx)
    assert len(server.requests) == 1 and "tools" not in server.requests[0]
    prompt = user_texts(server.requests[0])
    assert PRICE in prompt and "def discount(total, percent):" in prompt  # the localized file, retrieved
    assert "+    return total - total * percent / 100" in outcome.patch
    rec = record(ctx)
    assert rec["attempts"][0]["exit_reason"] == "submitted" and rec["attempts"][0]["cost"] > 0
    assert Path(rec["attempts"][0]["trajectory"]).is_file()


def test_direct_reports_a_block_that_does_not_match(repo, tmp_path: Path) -> None:
    with FakeOpenAI([{"text": blocks("    return nothing_like_this\n", FIXED)}]) as server:
        ctx = context(repo, tmp_path, server)
        outcome = run_strategy(make_strategy("direct", ctx.config), ctx)
    assert outcome.patch == "" and outcome.attempts[0].exit_reason == "edit_failed"
    assert not outcome.attempts[0].checks.ok


def test_self_refine_critiques_then_revises_without_running_anything(repo, tmp_path: Path) -> None:
    wrong = "    return total - total * percent / 1000\n"
    script = [{"text": blocks(BUG, wrong)}, {"text": "Ten times too small now.\nVERDICT: REVISE"},
              {"text": blocks(wrong, FIXED)}, {"text": "Right.\nVERDICT: OK"}]
    with FakeOpenAI(script) as server:
        ctx = context(repo, tmp_path, server)
        outcome = run_strategy(make_strategy("self-refine:3", ctx.config), ctx)
    assert len(server.requests) == 4 and all("tools" not in r for r in server.requests)
    assert "/ 1000" in user_texts(server.requests[1]) and "Ten times too small" in user_texts(server.requests[2])
    assert "percent / 100\n" in outcome.patch and "/ 1000" not in outcome.patch
    rec = record(ctx)
    assert [a["parent"] for a in rec["attempts"]] == [None, 1] and rec["chosen"] == 2
    assert [c["kind"] for c in rec["calls"]] == ["critique", "critique"] and all(c["cost"] > 0 for c in rec["calls"])
    assert rec["totals"]["cost"] == pytest.approx(sum(a["cost"] for a in rec["attempts"]) +
                                                  sum(c["cost"] for c in rec["calls"]))


def test_edit_blocks_ignore_trailing_whitespace_and_refuse_ambiguity(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {"a.py": "x = 1   \ny = 2\nx = 1   \n", "b.py": "z = 1  \n"})
    ws = Workspace(root=root, base="HEAD")
    text = "a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 3\n>>>>>>> REPLACE\n" \
           "b.py\n<<<<<<< SEARCH\nz = 1\n=======\nz = 2\n>>>>>>> REPLACE\n"
    results = apply_blocks(ws, parse_blocks(text))
    assert [r.ok for r in results] == [False, True] and "2 places" in results[0].message
    assert (root / "b.py").read_text() == "z = 2\n"


# -- reflexion, retry, warming, escalation -------------------------------------------------------------
def test_reflexion_lesson_reaches_a_clean_second_attempt(repo, tmp_path: Path) -> None:
    attempt2 = [reply(call("str_replace_editor", command="view", path="shop/price.py")), *good_attempt()]
    script = [*wrong_attempt(), {"text": "LESSON-42: divide by 100, not 10.0."}, *attempt2]
    with FakeOpenAI(script) as server:
        ctx = context(repo, tmp_path, server)
        outcome = run_strategy(make_strategy("reflexion:3", ctx.config), ctx)
    rec = record(ctx)
    assert [a["parent"] for a in rec["attempts"]] == [None, 1] and rec["chosen"] == 2
    first = rec["attempts"][0]
    assert not first["checks_ok"] and first["checks"]["repro_tests"] == ["tests/test_repro.py"]
    assert first["checks"]["repro_passed"] is False and "failing" in first["why"]
    assert [c["kind"] for c in rec["calls"]] == ["lesson"] and rec["calls"][0]["cost"] > 0
    assert "tests/test_repro.py" in user_texts(server.requests[4])  # the lesson prompt saw what attempt 1 did
    # Attempt 2: the lesson is in its working memory on every turn, and its workspace started clean.
    later = server.requests[5:]
    assert all("LESSON-42" in user_texts(r) for r in later)
    assert not any("LESSON-42" in user_texts(r) for r in server.requests[:4])
    view = next(m for m in later[1]["messages"] if m["role"] == "tool")["content"]
    assert "percent / 10\n" in view and "10.0" not in view
    assert "percent / 100\n" in outcome.patch and "test_repro" not in outcome.patch
    header = json.loads(Path(rec["attempts"][1]["trajectory"]).read_text().splitlines()[0])
    assert header["attempt"]["number"] == 2 and header["attempt"]["parent"] == 1


@pytest.mark.parametrize("name,temperatures", [("retry", [0.0, 0.0]), ("warming", [0.0, 0.3])])
def test_retry_and_warming_rerun_while_checks_fail(repo, tmp_path: Path, name: str, temperatures: list[float]) -> None:
    with FakeOpenAI([*wrong_attempt(), *good_attempt()]) as server:
        ctx = context(repo, tmp_path, server)
        outcome = run_strategy(make_strategy(f"{name}:3", ctx.config), ctx)
    assert len(outcome.attempts) == 2 and outcome.chosen == 2 and not outcome.calls  # no lesson calls
    seen = [r["temperature"] for r in server.requests]
    assert seen == [temperatures[0]] * 4 + [temperatures[1]] * 3


def test_escalation_moves_to_the_stronger_model_after_a_failure(repo, tmp_path: Path) -> None:
    with FakeOpenAI([*wrong_attempt(), *good_attempt()]) as server:
        ctx = context(repo, tmp_path, server, escalate_to="gpt-4o")
        outcome = run_strategy(make_strategy("escalation", ctx.config), ctx)
    assert [r["model"] for r in server.requests] == ["gpt-4o-mini"] * 4 + ["gpt-4o"] * 3
    assert outcome.chosen == 2 and outcome.attempts[1].model == "gpt-4o"
    with pytest.raises(UserError, match="--escalate-to"):
        make_strategy("escalation", RunConfig())


def test_budget_stops_before_an_attempt_it_cannot_afford(repo, tmp_path: Path) -> None:
    # Attempt 1 spends 4 x 1,100 tokens; 6,000 leaves 1,600, less than another such attempt.
    with FakeOpenAI([*wrong_attempt(tokens=1100), *good_attempt(tokens=1100)]) as server:
        ctx = context(repo, tmp_path, server, budget=parse_budget("6000 tokens"))
        outcome = run_strategy(make_strategy("reflexion:3", ctx.config), ctx)
    assert len(server.requests) == 4  # neither the lesson nor attempt 2 started
    assert len(outcome.attempts) == 1 and outcome.stopped_by_budget
    rec = record(ctx)
    assert rec["budget"]["spent_tokens"] == 4400 and "budget" in rec["attempts"][0]["why"]


def test_budget_caps_each_run_and_parses() -> None:
    budget = Budget(dollars=1.0)
    budget.charge(0.4, 10)
    capped = budget.caps(RunConfig(max_cost=5.0), share=3)
    assert capped.max_cost == pytest.approx(0.2) and budget.affords(0.1, 0, share=3)
    assert not budget.affords(0.3, 0, share=3)
    assert parse_budget("$0.50").dollars == 0.5 and parse_budget("20k tokens").tokens == 20_000
    assert parse_budget("1500tok").tokens == 1500 and parse_budget(None).limited is False
    with pytest.raises(UserError):
        parse_budget("lots")


# -- best-of-n ------------------------------------------------------------------------------------
def test_best_of_n_samples_in_parallel_then_selects_without_the_regression(repo, tmp_path: Path) -> None:
    regression = [reply(edit(BUG, FIXED)), reply(edit("    return round(total * 1.2, 2)\n", "    return total\n")),
                  reply(call("submit"))]
    # The same fix as good_attempt, written differently (parentheses, a comment) and without the test run.
    variant = [reply(edit(BUG, "    return total - (total * percent) / 100  # percent, not per mille\n")),
               reply(call("submit"))]
    with FakeOpenAI(variants=[regression, good_attempt(), variant]) as server:
        seed = next(s for s in range(200) if sorted(server.variant_for(s + i) for i in range(3)) == [0, 1, 2])
        ctx = context(repo, tmp_path, server, seed=seed)
        outcome = run_strategy(make_strategy("best-of-3", ctx.config), ctx)
    assert {r["seed"] for r in server.requests} == {seed, seed + 1, seed + 2}
    assert {r["temperature"] for r in server.requests} == {0.7}
    by_variant = {server.variant_for(a.seed): a for a in outcome.attempts}
    assert len({a.patch for a in outcome.attempts}) == 3  # sampled attempts differ
    assert by_variant[0].verdict == "dropped" and "test_tax" in by_variant[0].why
    rec = record(ctx)
    assert rec["selection"]["groups"] == [sorted([by_variant[1].number, by_variant[2].number])]
    # The two agreeing patches vote together; the cheaper (fewer steps) is chosen.
    assert outcome.chosen == by_variant[2].number and by_variant[1].verdict == "same as chosen"
    assert outcome.patch == by_variant[2].patch
    assert not any((tmp_path / "attempts").iterdir())  # attempts' workspaces are removed


def test_best_of_n_needs_workspaces_and_a_known_inner(repo, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="react or direct"):
        make_strategy("best-of-2:reflexion", RunConfig())
    with pytest.raises(UserError, match="unknown strategy"):
        make_strategy("best-of", RunConfig())


def test_normalized_patches_group_formatting_only_variants(tmp_path: Path) -> None:
    from patchsmith.agent.strategies.normalize import normalize_source, patch_key

    a = 'def f(x):\n    """Doc."""\n    return (x + 1)  # one more\n'
    b = "def f(x):\n\n    return x+1\n"
    assert normalize_source("m.py", a) == normalize_source("m.py", b)
    assert normalize_source("m.py", a) != normalize_source("m.py", "def f(x):\n    return x + 2\n")
    js_a = "  // skip empty pieces\n  const n = parts.filter((p) => p !== '').length;\n"
    js_b = "  const n = parts.filter( (p)=>p !== '' ).length ;\n"
    assert normalize_source("a.js", js_a) == normalize_source("a.js", js_b)
    assert normalize_source("a.js", "s = 'a  b';") != normalize_source("a.js", "s = 'a b';")  # strings keep spaces
    for name, text in (("one", a), ("two", b)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "m.py").write_text(text)
    assert patch_key(tmp_path / "one", ["m.py"]) == patch_key(tmp_path / "two", ["m.py"])
    assert patch_key(tmp_path / "one", ["gone.py"]) == (("gone.py", "<deleted>"),)
