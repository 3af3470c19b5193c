"""`compare`'s figures against hand-computed values, read from run folders written as `run` writes them
(old ones included): pass@k, bootstrap interval, McNemar, the Pareto frontier, the date split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchsmith.cli.compare import compare_folders
from patchsmith.errors import UserError
from patchsmith.harness.compare import bootstrap_ci, compare, load_run, mcnemar_p, pareto, pass_at_k


def test_pass_at_k_matches_hand_computed_values() -> None:
    # n=5 samples, c=2 correct: pass@1 = 2/5; pass@2 = 1 - C(3,2)/C(5,2) = 1 - 3/10; pass@3 = 1 - 1/10.
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    assert pass_at_k(5, 2, 3) == pytest.approx(0.9)
    assert pass_at_k(5, 2, 4) == 1.0 and pass_at_k(3, 0, 2) == 0.0 and pass_at_k(4, 4, 1) == 1.0
    assert pass_at_k(10, 3, 5) == pytest.approx(1 - 21 / 252)  # C(7,5)=21, C(10,5)=252
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)


def test_mcnemar_and_bootstrap() -> None:
    assert mcnemar_p(0, 3) == pytest.approx(0.25)  # 2 * (1/2)^3
    assert mcnemar_p(1, 5) == pytest.approx(2 * 7 / 64)  # 2 * (C(6,0) + C(6,1)) / 2^6
    assert mcnemar_p(4, 4) == 1.0 and mcnemar_p(0, 0) == 1.0
    lo, hi = bootstrap_ci([1.0] * 5 + [0.0] * 5)
    assert 0.1 <= lo < 0.5 < hi <= 0.9 and bootstrap_ci([1.0] * 4) == (1.0, 1.0)


def test_pareto_frontier() -> None:
    points = {"direct": (0.01, 20.0), "react": (0.10, 60.0), "best-of-3": (0.30, 70.0),
              "reflexion": (0.40, 60.0), "retry": (0.10, 50.0)}
    # reflexion: react is as good and cheaper; retry: react is as cheap and better.
    assert pareto(points) == ["direct", "react", "best-of-3"]


def write_run(folder: Path, strategy: str | None, rows: list[dict]) -> Path:
    """A run folder as `run` writes it; strategy None: an old run from before strategies."""
    folder.mkdir(parents=True)
    tasks = {}
    for r in rows:
        agent = {"cost": r["cost"], "prompt_tokens": r.get("tokens", 1000), "completion_tokens": 0,
                 "steps": r.get("steps", 5), "wall_s": r.get("wall", 10.0)}
        if "attempts" in r:
            agent["attempts"] = [{"number": i + 1, "parent": None, "resolved": ok} for i, ok in enumerate(r["attempts"])]
            agent["oracle"] = any(r["attempts"])
        task = {"instance_id": r["id"], "status": "resolved" if r["resolved"] else "unresolved",
                "resolved": r["resolved"], "agent": agent}
        if "created_at" in r:
            task["created_at"] = r["created_at"]
        tasks[r["id"]] = task
    run = {"command": "run", "model": "m"} | ({"strategy": strategy} if strategy else {})
    (folder / "report.json").write_text(json.dumps({"run": run, "tasks": tasks}))
    return folder


def test_compare_reads_old_and_new_runs_and_splits_by_date(tmp_path: Path) -> None:
    dates = ["2023-05-01", "2023-11-30", "2024-02-01", "2024-06-01"]
    old = write_run(tmp_path / "old", None, [
        {"id": f"t{i}", "resolved": i in (0, 1), "cost": 0.10, "created_at": d} for i, d in enumerate(dates)])
    best = write_run(tmp_path / "best", "best-of-3", [
        {"id": "t0", "resolved": True, "cost": 0.30, "attempts": [True, False, True]},
        {"id": "t1", "resolved": True, "cost": 0.30, "attempts": [False, True, False]},
        {"id": "t2", "resolved": False, "cost": 0.30, "attempts": [False, True, False]},
        {"id": "t3", "resolved": True, "cost": 0.30, "attempts": [True, True, True]}])
    data = compare([load_run(old), load_run(best)], cutoff="2024-01-01")
    assert [r["label"] for r in data["runs"]] == ["react", "best-of-3"]  # the old run counts as react
    everything = data["groups"]["all"]["strategies"]
    assert everything["react"]["resolved"] == 2 and everything["best-of-3"]["resolved"] == 3
    b = everything["best-of-3"]
    # pass@1 = mean(2/3, 1/3, 1/3, 1); pass@2 = mean(1, 1 - C(2,2)/C(3,2), same, 1) = mean(1, 2/3, 2/3, 1)
    assert b["pass_at_k"]["1"] == pytest.approx((2 / 3 + 1 / 3 + 1 / 3 + 1) / 4)
    assert b["pass_at_k"]["2"] == pytest.approx((1 + 2 / 3 + 2 / 3 + 1) / 4) and b["pass_at_k"]["3"] == 1.0
    assert b["selected_at_n"] == 75.0 and b["oracle_at_n"] == 100.0  # selection missed t2's good attempt
    assert b["cost_per_resolved"] == pytest.approx(1.2 / 3) and everything["react"]["cost_mean"] == pytest.approx(0.1)
    assert data["groups"]["all"]["frontier"]["cost"] == ["react", "best-of-3"]
    # The date split: created_at comes from the old run's rows, for both runs' tasks.
    before, after = data["groups"]["before"], data["groups"]["after"]
    assert before["tasks"] == 2 and after["tasks"] == 2
    assert before["strategies"]["react"]["resolved_pct"] == 100.0 and after["strategies"]["react"]["resolved_pct"] == 0.0
    assert after["strategies"]["best-of-3"]["resolved"] == 1
    pair = data["groups"]["all"]["paired"][0]
    assert (pair["a_only"], pair["b_only"], pair["tasks"]) == (0, 1, 4) and pair["p_value"] == 1.0


def test_compare_folders_writes_json_and_plots(tmp_path: Path) -> None:
    a = write_run(tmp_path / "a", "direct", [{"id": "t0", "resolved": False, "cost": 0.01},
                                             {"id": "t1", "resolved": True, "cost": 0.01}])
    b = write_run(tmp_path / "b", "react", [{"id": "t0", "resolved": True, "cost": 0.2},
                                            {"id": "t1", "resolved": True, "cost": 0.2}])
    out = tmp_path / "cmp"
    compare_folders([a, b], out)
    data = json.loads((out / "compare.json").read_text())
    assert data["groups"]["all"]["frontier"]["cost"] == ["direct", "react"]
    png = (out / "pareto.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    assert "resolved_within_budget" in data["groups"]["all"]["strategies"]["react"]


def test_compare_refuses_what_is_not_a_run(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not a run folder"):
        load_run(tmp_path)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "report.json").write_text("{nope")
    with pytest.raises(UserError, match="not valid JSON"):
        load_run(bad)
    evil = write_run(tmp_path / "evil", "re\x1b[31mact", [{"id": "t", "resolved": True, "cost": 0}])
    assert "\x1b" not in load_run(evil).label


def test_memory_and_instructions_ablations_are_rows_of_their_own(tmp_path: Path) -> None:
    rows = [{"id": "t1", "resolved": True, "cost": 0.1}, {"id": "t2", "resolved": False, "cost": 0.2}]
    plain = write_run(tmp_path / "plain", "react", rows)
    mem = write_run(tmp_path / "mem", "react", [{**r, "resolved": True} for r in rows])
    bare = write_run(tmp_path / "bare", "react", rows)
    for folder, switches in ((plain, {"memory": False, "instructions": True}),
                             (mem, {"memory": True, "instructions": True}),
                             (bare, {"memory": False, "instructions": False})):
        report = json.loads((folder / "report.json").read_text())
        report["run"].update(switches)
        (folder / "report.json").write_text(json.dumps(report))
    labels = [load_run(f).label for f in (plain, mem, bare)]
    assert labels == ["react", "react+memory", "react-instructions"]
    result = compare([load_run(f) for f in (plain, mem, bare)])
    assert {r["label"] for r in result["runs"]} == set(labels)
