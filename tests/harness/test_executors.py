"""The executor layer without a cluster: start-up does not import Ray, a cluster that does not answer is one
line, and a worker's task folder comes back with its paths as the driver's."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from patchsmith.harness.executors.ray import _pack, _rewrite, place

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATCHSMITH_CACHE_DIR": str(tmp / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "patchsmith", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=300,
    )


def test_the_cli_starts_without_importing_ray():
    code = "import sys, patchsmith.cli.main as m; m.build_parser(); print('ray' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.stdout.strip() == "False"


def test_a_cluster_that_does_not_answer_is_one_line(tmp_path):
    pytest.importorskip("ray")
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = cli(
        "run",
        str(ROOT / "scenarios"),
        "--instances",
        "patchsmith__pagekit-1",
        "--model",
        "scripted",
        "--executor",
        "ray",
        "--ray-address",
        f"127.0.0.1:{port}",
        "--output",
        str(tmp_path / "out"),
        "--no-progress",
        tmp=tmp_path,
    )
    assert out.returncode == 2
    assert f"no Ray cluster answers at 127.0.0.1:{port}" in out.stderr and "Traceback" not in out.stderr
    assert not list((tmp_path / "out" / "results").glob("*.json"))


def test_a_bad_executor_name_is_refused_before_any_task(tmp_path):
    out = cli(
        "run",
        str(ROOT / "scenarios"),
        "--model",
        "scripted",
        "--executor",
        "slurm",
        "--output",
        str(tmp_path / "out"),
        tmp=tmp_path,
    )
    assert out.returncode == 2 and "executor" in out.stderr and "Traceback" not in out.stderr


def test_returned_files_carry_the_drivers_paths(tmp_path):
    worker, driver = tmp_path / "w" / "out", tmp_path / "output" / "tasks" / "x-1"
    (worker / "agent").mkdir(parents=True)
    trajectory = {"cwd": str(worker / "workspace"), "model": f"scripted:{tmp_path}/w/in/replies.jsonl"}
    (worker / "agent" / "trajectory.jsonl").write_text(json.dumps(trajectory) + "\n")
    (worker / "eval.log").write_text(f"rootdir: {worker}/workspace\n")
    (worker / "blob.bin").write_bytes(b"\xff\xfe" + str(worker).encode())  # not text: kept byte for byte
    renames = {str(worker): str(driver), str(tmp_path / "w" / "in"): str(ROOT / "scenarios" / "x-1")}
    driver.mkdir(parents=True)
    (driver / "stale.log").write_text("from an earlier run")
    place(_pack(worker, renames), driver)
    assert json.loads((driver / "agent" / "trajectory.jsonl").read_text()) == {
        "cwd": str(driver / "workspace"),
        "model": f"scripted:{ROOT}/scenarios/x-1/replies.jsonl",
    }
    assert (driver / "eval.log").read_text() == f"rootdir: {driver}/workspace\n"
    assert (driver / "blob.bin").read_bytes() == b"\xff\xfe" + str(worker).encode()
    assert not (driver / "stale.log").exists()  # the task folder is the worker's, whole
    assert sorted(p.name for p in driver.parent.iterdir()) == ["x-1"]  # nothing left beside it
    assert _rewrite(json.dumps({"p": f"{worker}/a"}), renames, escaped=True) == json.dumps(
        {"p": f"{driver}/a"}
    )


def test_an_interrupt_says_what_the_executor_does_with_unfinished_tasks(tmp_path):
    """Ray cancels what is unfinished; the local pool lets running tasks finish: the message says which."""
    import io

    from rich.console import Console

    from patchsmith.harness.batch import run_batch
    from patchsmith.harness.executors.local import LocalExecutor
    from patchsmith.harness.executors.ray import RayExecutor
    from patchsmith.harness.tasks import Task

    class Interrupted(LocalExecutor):
        def run(self, tasks, job, output, save):
            raise KeyboardInterrupt
            yield  # a generator, like the real executors

    for executor_class in (LocalExecutor, RayExecutor):
        shown = io.StringIO()
        executor = Interrupted()
        executor.stopping = executor_class.stopping
        with pytest.raises(KeyboardInterrupt):
            run_batch([Task(instance_id="t-1", repo="r", base_commit="0" * 40, problem_statement="p")],
                      job=lambda task, folder: {}, output=tmp_path / executor_class.name,
                      console=Console(file=shown, width=200), show_progress=False, executor=executor)
        assert f"interrupted: {executor_class.stopping}; rerun to resume" in shown.getvalue()
    assert "cancel" in RayExecutor.stopping and "finishing" in LocalExecutor.stopping


def test_a_returned_tar_cannot_write_outside_the_task_folder(tmp_path):
    """What comes back from a worker holds names from a task's own files: none may leave the folder, on
    Pythons with tarfile's "data" filter and (the fallback check) on those without it."""
    import io
    import tarfile

    from patchsmith.harness.executors.ray import _refuse_escape, _unpack

    def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.type, info.linkname = kind, link
        return info

    dest = tmp_path / "task"
    dest.mkdir()
    for ok in (member("agent/trajectory.jsonl"), member("ws/link", tarfile.SYMTYPE, "../agent/x")):
        _refuse_escape(ok, dest)
    for bad in (member("../escape"), member("/etc/passwd"), member("ws/out", tarfile.SYMTYPE, "../../x"),
                member("ws/abs", tarfile.SYMTYPE, "/etc"), member("hard", tarfile.LNKTYPE, "../x"),
                member("dev", tarfile.CHRTYPE)):
        with pytest.raises(ValueError):
            _refuse_escape(bad, dest)
    blob = io.BytesIO()
    with tarfile.open(fileobj=blob, mode="w") as tar:
        tar.addfile(member("../escape"), io.BytesIO(b""))
    with pytest.raises((ValueError, tarfile.TarError)):
        _unpack(blob.getvalue(), dest)
    assert not (tmp_path / "escape").exists()
