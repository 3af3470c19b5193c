"""The executor contract and what every executor does around one task's job."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from ..tasks import Task

Job = Callable[[Task, Path], dict[str, Any]]
Save = Callable[[Task, dict[str, Any]], dict[str, Any]]  # writes the result; returns it as written


class PortableJob(Protocol):
    """A job that can be shipped to another machine (what the Ray executor needs; `HarnessJob` is one)."""

    token: str  # set per batch by the executor

    def __call__(self, task: Task, task_dir: Path) -> dict[str, Any]: ...

    def portable(self) -> PortableJob:
        """A copy holding no path of this machine."""
        ...

    def with_repos(self, repos_dir: Path) -> PortableJob:
        """A copy that reads repositories from `repos_dir` (a worker's mirrors)."""
        ...

    def cache_key(self) -> str:
        """What a worker process keeps this job's built state by."""
        ...


class Executor(Protocol):
    name: str
    stopping: str  # what an interrupt does to the unfinished tasks, told to the user before `stop`

    def run(self, tasks: list[Task], job: Job, output: Path, save: Save) -> Iterator[dict[str, Any]]:
        """Run `job` for each task (its files under OUTPUT/tasks/<id>/), `save` each result once, and
        yield the saved results as they finish."""
        ...

    def stop(self) -> None:
        """After an interrupt: start no more tasks (what already finished is saved)."""
        ...


def error_result(task: Task, reason: str) -> dict[str, Any]:
    return {
        "instance_id": task.instance_id,
        "repo": task.repo,
        "status": "error",
        "error_kind": "harness",
        "resolved": False,
        "reason": reason,
    }


def guarded_run(job: Job, task: Task, folder: Path) -> dict[str, Any]:
    """The job's result; a crash of one task is recorded (crash.log, an error result), never the batch's end."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return job(task, folder)
    except Exception as exc:
        (folder / "crash.log").write_text(traceback.format_exc(), encoding="utf-8")
        return error_result(task, f"harness crashed: {type(exc).__name__}: {exc}")
