"""Under --executor ray each best-of-n attempt is a Ray task of its own, on a real loopback cluster (a head and a
second node): the same selection and results as the local executor, each attempt's Ray task and node in
strategy.json, and an attempt whose worker is killed runs again while its task still has one result."""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from tests.harness.test_ray import (
    SCENARIOS,
    driver_env,
    normalized,
    on_ray,
    results,
    start_driver,
    wait_for,
    worker_running,
)
from tests.raycluster import ROOT, LoopbackCluster, netns_usable, run_args

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(2400),
    pytest.mark.skipif(bool(netns_usable()) and not os.environ.get("PATCHSMITH_CI"), reason=netns_usable()),
]

TASK = "patchsmith__confparse-1"
WHERE = {"node", "task_id"}  # where an attempt ran: differs between executors by design


@pytest.fixture(scope="module")
def cluster():
    with LoopbackCluster() as running:
        yield running


def best_of_two(tmp: Path, sleep_marker: str = "") -> Path:
    """confparse-1 with scripted best-of-2 replies: attempt 1 breaks a test without running any, attempt 2
    fixes the cause and runs the tests (first sleeping, with `sleep_marker`, when given)."""
    folder = tmp / "tasks" / TASK
    shutil.copytree(SCENARIOS / TASK, folder)
    three, two = folder / "replies" / "best-of-3", folder / "replies" / "best-of-2"
    two.mkdir()
    shutil.copyfile(three / "react-1.jsonl", two / "react-1.jsonl")
    replies = (three / "react-3.jsonl").read_text()
    if sleep_marker:
        wait = {"thought": "wait", "tool": "bash", "args": {"command": f"sleep 30; echo {sleep_marker}"}}
        replies = json.dumps(wait) + "\n" + replies
    (two / "react-2.jsonl").write_text(replies)
    return folder.parent


def record(output: Path) -> dict:
    return json.loads((output / "tasks" / TASK / "agent" / "strategy.json").read_text())


def attempts_seen(output: Path) -> list[dict]:
    """What each attempt did and how it was judged, without timings, token counts or where it ran."""
    rows = normalized(record(output)["attempts"], output)
    return [{k: v for k, v in row.items() if k not in WHERE} for row in rows]


def trajectory_steps(output: Path, number: int) -> list:
    path = output / "tasks" / TASK / "agent" / "attempts" / str(number) / "trajectory.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [(r["action"], r.get("diff")) for r in rows if r.get("type") == "step"]


def test_each_attempt_is_its_own_ray_task_with_the_local_selection(cluster, tmp_path):
    tasks = best_of_two(tmp_path)
    local, remote, inside = tmp_path / "local", tmp_path / "ray", tmp_path / "inside"
    strategy = ["--strategy", "best-of-2"]
    env, timeout = driver_env(tmp_path), 1500
    cluster.run(*run_args(tasks, local, *strategy), env=env, cwd=ROOT, timeout=timeout)
    cluster.run(*run_args(tasks, remote, *strategy, *on_ray(cluster)), env=env, cwd=ROOT, timeout=timeout)

    assert results(remote) == results(local)
    assert results(remote)[f"{TASK}.json"]["resolved"] is True
    assert attempts_seen(remote) == attempts_seen(local)
    verdicts = {a["number"]: a["verdict"] for a in record(remote)["attempts"]}
    assert verdicts == {1: "dropped", 2: "chosen"} and record(remote)["chosen"] == 2
    assert record(remote)["selection"] == record(local)["selection"] | {"wall_s": record(remote)["selection"]["wall_s"]}
    for number in (1, 2):  # the attempt's folder came back: its trajectory, as the local run's
        assert trajectory_steps(remote, number) == trajectory_steps(local, number)
    assert record(remote)["budget"]["spent_tokens"] > 0  # the remote attempts' usage was charged here
    # Each attempt ran as its own Ray task, on a node of this cluster; locally, nowhere else.
    ran = [(a["node"], a["task_id"]) for a in record(remote)["attempts"]]
    nodes = {n["NodeID"] for n in cluster.nodes_info()}
    assert all(node in nodes and task_id for node, task_id in ran), ran
    assert len({task_id for _, task_id in ran}) == 2
    assert all(not a["node"] and not a["task_id"] for a in record(local)["attempts"])

    # Switched off, the attempts run inside the task's Ray task again: same results, no task of their own.
    cluster.run(*run_args(tasks, inside, *strategy, *on_ray(cluster), "--no-ray-attempts"), env=env, cwd=ROOT,
                timeout=timeout)
    assert results(inside) == results(local)
    assert all(not a["node"] and not a["task_id"] for a in record(inside)["attempts"])


def test_a_killed_attempt_worker_is_retried_and_the_task_has_one_result(cluster, tmp_path):
    marker = f"psray-attempt-{os.getpid()}"
    tasks = best_of_two(tmp_path, sleep_marker=marker)
    out = tmp_path / "out"
    driver = start_driver(cluster, tmp_path, tasks, out, "--strategy", "best-of-2")
    try:
        victim = wait_for(lambda: worker_running(marker, "run_attempt"), 900, "attempt 2 to start")
        assert worker_running(marker, "run_shipment") is None  # the attempt is not in its task's process
        os.kill(victim, signal.SIGKILL)
        again = wait_for(lambda: (pid := worker_running(marker, "run_attempt")) and pid != victim and pid, 900,
                         "the attempt's retry")
        assert again != victim
        assert driver.wait(timeout=1200) in (0, 1), (tmp_path / "driver.err").read_text()[-3000:]
    finally:
        if driver.poll() is None:
            driver.kill()
    assert sorted(p.name for p in (out / "results").iterdir()) == [f"{TASK}.json"]
    result = json.loads((out / "results" / f"{TASK}.json").read_text())
    assert result["resolved"] is True and result["agent"]["chosen"] == 2
    attempts = record(out)["attempts"]
    assert [a["number"] for a in attempts] == [1, 2] and attempts[1]["verdict"] == "chosen"
    assert attempts[1]["task_id"] and attempts[1]["error"] is None
    trajectory = (out / "tasks" / TASK / "agent" / "attempts" / "2" / "trajectory.jsonl").read_text()
    headers = [line for line in trajectory.splitlines() if json.loads(line).get("type") == "header"]
    assert marker in trajectory and len(headers) == 1  # the retry's run alone, not the killed one's too
