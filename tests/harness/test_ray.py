"""The Ray executor on a real Ray cluster: a head and a second node, on loopback only (a network namespace made
for the test), the driver `python -m patchsmith run ... --executor ray` inside it too."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.raycluster import ROOT, LoopbackCluster, netns_usable, run_args

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(2400),
    pytest.mark.skipif(bool(netns_usable()) and not os.environ.get("PATCHSMITH_CI"), reason=netns_usable()),
]

SCENARIOS = ROOT / "scenarios"
# What depends on when or where a task ran, not on what it did: timings, a cold or warm environment cache, the
# Ray node, and token counts (the scripted model counts characters, and prompts hold the workspace's absolute path).
VOLATILE = {"timing", "duration", "reused", "prompt_tokens", "completion_tokens", "tokens", "ray_node"}


@pytest.fixture(scope="module")
def cluster():
    with LoopbackCluster() as running:
        yield running


def on_ray(cluster: LoopbackCluster) -> list[str]:
    return ["--executor", "ray", "--ray-address", cluster.address, "-c", "ray_memory_mb=64"]


def driver_env(tmp: Path) -> dict[str, str]:
    return {"PATCHSMITH_CACHE_DIR": str(tmp / "driver-cache")}


def start_driver(cluster: LoopbackCluster, tmp: Path, tasks: Path, out: Path, *extra: str, log: str = "driver"):
    """`patchsmith run` on the cluster in the background, its output in tmp/<log>.log and .err."""
    return cluster.popen(*run_args(tasks, out, *extra, *on_ray(cluster)), env=driver_env(tmp), cwd=ROOT,
                         stdout=(tmp / f"{log}.log").open("w"), stderr=(tmp / f"{log}.err").open("w"))


def normalized(value, output: Path):
    if isinstance(value, dict):
        return {
            k: normalized(v, output) for k, v in value.items() if k not in VOLATILE and not k.endswith("_s")
        }
    if isinstance(value, list):
        return [normalized(v, output) for v in value]
    return value.replace(str(output), "OUTPUT") if isinstance(value, str) else value


def results(output: Path) -> dict[str, dict]:
    return {
        p.name: normalized(json.loads(p.read_text()), output)
        for p in sorted((output / "results").glob("*.json"))
    }


def durations(value):
    """Observations say how long a command took ("[exit code: 0, 0.4s]", pytest's "in 0.08s", node's TAP
    "duration_ms: 8.69")."""
    if isinstance(value, dict):
        return {k: durations(v) for k, v in value.items()}
    if isinstance(value, list):
        return [durations(v) for v in value]
    if not isinstance(value, str):
        return value
    return re.sub(r"\b\d+(\.\d+)?m?s\b", "Ns", re.sub(r"duration_ms:? [\d.]+", "duration_ms N", value))


def actions(output: Path) -> dict[str, list]:
    """Each task's trajectory as what the agent did and saw (paths as the output folder's, no durations)."""
    found = {}
    for path in sorted((output / "tasks").glob("*/agent/trajectory.jsonl")):
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        found[path.parts[-3]] = [
            durations(normalized({k: r.get(k) for k in ("thought", "action", "observation", "diff")}, output))
            for r in rows
            if r.get("type") == "step"
        ]
    return found


def test_scenarios_across_two_nodes_match_the_local_executor(cluster, tmp_path):
    local, remote = tmp_path / "local", tmp_path / "ray"
    cluster.run(
        *run_args(SCENARIOS, local, "--workers", "2"), env=driver_env(tmp_path), cwd=ROOT, timeout=1500
    )
    cluster.run(
        *run_args(SCENARIOS, remote, *on_ray(cluster)), env=driver_env(tmp_path), cwd=ROOT, timeout=1500
    )

    assert len(results(local)) == len(list(SCENARIOS.glob("*/task.json"))) >= 10
    assert results(remote) == results(local)
    assert actions(remote) == actions(local) and len(actions(local)) >= 10
    assert (
        json.loads((remote / "report.json").read_text())["resolved_instances"]
        == json.loads((local / "report.json").read_text())["resolved_instances"]
    )
    # Both nodes ran tasks: each built environments in its own cache (the driver's cache was not theirs).
    for node in (0, 1):
        assert any((cluster.dir / f"cache{node}").rglob("*")), f"node {node} ran no task"
    # Only loopback: every node advertises 127.0.0.1, every socket in the namespace is on loopback.
    assert {n["NodeManagerAddress"] for n in cluster.nodes_info()} == {"127.0.0.1"}
    listeners = cluster.listeners()
    assert listeners and all(a.startswith(("127.0.0.1:", "[::ffff:127.0.0.1]:", "[::1]:")) for a in listeners)


def slow_copy(tmp: Path, names: list[str], seconds: float, marker: str) -> Path:
    """Scenarios whose scripted agent first runs a command that takes `seconds` (carrying `marker`)."""
    folder = tmp / "tasks"
    for name in names:
        shutil.copytree(SCENARIOS / name, folder / name)
        replies = folder / name / "replies.jsonl"
        wait = {"thought": "wait", "tool": "bash", "args": {"command": f"sleep {seconds}; echo {marker}"}}
        replies.write_text(json.dumps(wait) + "\n" + replies.read_text())
    return folder


def worker_running(marker: str, function: str = "run_shipment") -> int | None:
    """The Ray worker process (ray::FUNCTION) whose task runs the command carrying `marker`."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker.encode() not in (proc / "cmdline").read_bytes():
                continue
        except OSError:
            continue
        pid = int(proc.name)
        while pid > 1:
            try:
                if (Path(f"/proc/{pid}/cmdline").read_bytes()).startswith(f"ray::{function}".encode()):
                    return pid
                pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                break
    return None


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_worker_is_retried_elsewhere_and_every_task_has_one_result(cluster, tmp_path):
    marker = f"psray-slow-{os.getpid()}"
    tasks = slow_copy(tmp_path, ["patchsmith__confparse-1"], 30, marker)
    shutil.copytree(SCENARIOS / "patchsmith__confparse-2", tasks / "patchsmith__confparse-2")
    broken = tasks / "patchsmith__intervals-1"
    shutil.copytree(SCENARIOS / "patchsmith__intervals-1", broken)
    (broken / "repo.bundle").write_bytes(b"not a bundle")  # fails the same way on every node: recorded once
    out = tmp_path / "out"
    driver = start_driver(cluster, tmp_path, tasks, out)
    try:
        victim = wait_for(lambda: worker_running(marker), 900, "the slow task to start")
        os.kill(victim, signal.SIGKILL)
        # Ray runs the task again, in another worker process.
        again = wait_for(lambda: (pid := worker_running(marker)) and pid != victim and pid, 900, "the retry")
        assert again != victim
        assert driver.wait(timeout=1200) in (0, 1), (tmp_path / "driver.err").read_text()[-3000:]
    finally:
        if driver.poll() is None:
            driver.kill()
    files = sorted(p.name for p in (out / "results").iterdir())
    assert files == [
        "patchsmith__confparse-1.json",
        "patchsmith__confparse-2.json",
        "patchsmith__intervals-1.json",
    ]
    slow = json.loads((out / "results" / "patchsmith__confparse-1.json").read_text())
    assert slow["resolved"] is True and slow["status"] == "resolved"
    assert marker in (out / "tasks" / "patchsmith__confparse-1" / "agent" / "trajectory.jsonl").read_text()
    bad = json.loads((out / "results" / "patchsmith__intervals-1.json").read_text())
    assert bad["status"] == "error" and bad["error_kind"] == "repository" and "bundle" in bad["reason"]


def test_a_killed_driver_resumes_without_duplicates(cluster, tmp_path):
    names = ["patchsmith__confparse-1", "patchsmith__confparse-2", "patchsmith__ledger-1"]
    tasks = slow_copy(tmp_path, names, 6, f"psray-driver-{os.getpid()}")
    out = tmp_path / "out"
    driver = start_driver(cluster, tmp_path, tasks, out, log="first")
    try:
        wait_for(
            lambda: (out / "results").is_dir() and any((out / "results").glob("*.json")),
            900,
            "a first result",
        )
        driver.send_signal(signal.SIGKILL)
        driver.wait(timeout=60)
    finally:
        if driver.poll() is None:
            driver.kill()
    kept = {p.name: p.read_text() for p in (out / "results").glob("*.json")}
    assert 1 <= len(kept) < len(names), "the driver was killed mid-batch"

    second = cluster.run(
        *run_args(tasks, out, *on_ray(cluster)), env=driver_env(tmp_path), cwd=ROOT, timeout=1500
    )
    assert f"kept {len(kept)} finished task(s)" in second.stderr
    final = sorted(p.name for p in (out / "results").iterdir())
    assert final == sorted(f"{n}.json" for n in names)  # one each, no temporary files left
    for name, text in kept.items():
        assert (out / "results" / name).read_text() == text  # kept, not run again
    assert all(json.loads((out / "results" / f"{n}.json").read_text())["resolved"] for n in names)


def other_patchsmith(tmp: Path) -> Path:
    """A copy of this checkout's patchsmith with one file changed: a node installed from other code."""
    other = tmp / "other"
    shutil.copytree(ROOT / "patchsmith", other / "patchsmith", ignore=shutil.ignore_patterns("__pycache__"))
    with (other / "patchsmith" / "harness" / "report.py").open("a") as fh:
        fh.write("\n# a node running a patchsmith built from other code\n")
    return other


SHIP_ON_SECOND = """
import json, sys
from dataclasses import replace
from pathlib import Path
import ray
from patchsmith.harness.executors.identity import identity
from patchsmith.harness.executors.ray import Shipment, run_shipment
from patchsmith.harness.tasks import load_tasks, select
ray.init(address=sys.argv[1], logging_level="ERROR")
task = select(load_tasks(Path(sys.argv[2])), ["patchsmith__confparse-1"])[0]
shipment = Shipment(task=replace(task, folder=None, bundle=None, replies=None), driver_dir="/nowhere")
remote = ray.remote(run_shipment).options(num_cpus=0, resources={"second": 1}, max_retries=0)
print(json.dumps(ray.get(remote.remote(None, shipment, identity()))))
"""


def test_a_node_with_other_patchsmith_code_is_refused(tmp_path):
    """Before any task, the driver compares every node's patchsmith with its own and refuses in one line
    naming the node; a task that reaches such a node (one that joined later) is refused there too, with no
    files sent back. The second node runs a copy of patchsmith with one comment added (its PYTHONPATH)."""
    other = other_patchsmith(tmp_path)
    tasks = tmp_path / "tasks"
    shutil.copytree(SCENARIOS / "patchsmith__confparse-1", tasks / "patchsmith__confparse-1")
    nodes = [{"num_cpus": 1}, {"num_cpus": 1, "resources": {"second": 1}, "env": {"PYTHONPATH": str(other)}}]
    out = tmp_path / "out"
    # The drivers run outside ROOT: Ray puts the driver's working directory first on every worker's
    # sys.path, and ROOT's patchsmith would then shadow the second node's own.
    with LoopbackCluster(nodes=nodes) as cluster:
        driver = cluster.run(
            *run_args(tasks, out, *on_ray(cluster)), env=driver_env(tmp_path), cwd=tmp_path, check=False,
            timeout=900,
        )
        shipped = cluster.run(
            sys.executable, "-c", SHIP_ON_SECOND, cluster.address, str(tasks), cwd=tmp_path, timeout=600
        )
    said = [line for line in driver.stderr.splitlines() if line.startswith("patchsmith: error:")]
    assert driver.returncode != 0 and len(said) == 1, driver.stderr[-3000:]
    assert "Ray node 127.0.0.1" in said[0] and "code digest" in said[0], said
    assert str(other / "patchsmith") in said[0] and "install the same patchsmith" in said[0], said
    assert "Traceback" not in driver.stderr
    assert not list(out.glob("results/*.json"))  # refused before any task ran
    reply = json.loads(shipped.stdout.strip().splitlines()[-1])
    assert reply["files"] is None and reply["result"]["status"] == "error"
    assert "code digest" in reply["result"]["reason"] and str(other / "patchsmith") in reply["result"]["reason"]


HOLD_HEAD = """
import sys, ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy
ray.init(address=sys.argv[1], logging_level="ERROR")
head = ray.get_runtime_context().get_node_id()  # the node a driver connects to
@ray.remote(num_cpus=1)
class Hold:
    def where(self):
        return ray.get_runtime_context().get_node_id()
hold = Hold.options(scheduling_strategy=NodeAffinitySchedulingStrategy(head, soft=False)).remote()
print(ray.get(hold.where.remote()), flush=True)
sys.stdin.read()
"""
FREE_CPUS = "import ray,sys; ray.init(address=sys.argv[1], logging_level='ERROR'); print(ray.available_resources().get('CPU', 0))"


def test_a_retried_task_prefers_the_node_that_ran_it(cluster, tmp_path):
    """A result records its Ray node; `--retry-errors` sends the task back there (its environment is in that
    node's cache). The first run lands on the second node because the head's CPU is held; the rerun, with
    both nodes free, would go to the head (where the driver connects) without the affinity."""
    tasks = tmp_path / "tasks"
    broken = tasks / "patchsmith__intervals-1"
    shutil.copytree(SCENARIOS / "patchsmith__intervals-1", broken)
    (broken / "repo.bundle").write_bytes(b"not a bundle")  # an error result, the same on every node
    out, result = tmp_path / "out", tmp_path / "out" / "results" / "patchsmith__intervals-1.json"
    holder = cluster.popen(sys.executable, "-c", HOLD_HEAD, cluster.address, cwd=tmp_path, text=True,
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        head = holder.stdout.readline().strip()
        assert head, "the head's CPU was not held"
        cluster.run(*run_args(tasks, out, *on_ray(cluster)), env=driver_env(tmp_path), cwd=ROOT, check=False)
    finally:
        holder.stdin.close()
        holder.wait(timeout=120)
    first = json.loads(result.read_text())
    assert first["status"] == "error" and first["ray_node"] not in ("", head)
    free = lambda: cluster.run(sys.executable, "-c", FREE_CPUS, cluster.address).stdout.split()[-1] == "2.0"  # noqa: E731
    wait_for(free, 120, "the head's CPU to be free again")
    cluster.run(*run_args(tasks, out, *on_ray(cluster), "--retry-errors"), env=driver_env(tmp_path), cwd=ROOT,
                check=False)
    again = json.loads(result.read_text())
    assert again["status"] == "error" and again["ray_node"] == first["ray_node"]
