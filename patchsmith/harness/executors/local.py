"""Today's pool: N threads on this machine, each result saved the moment its task finishes."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from ..tasks import Task
from .base import Job, Save, guarded_run


def task_folder(output: Path, task: Task) -> Path:
    from ..batch import task_dir  # batch imports this module

    return task_dir(output, task.instance_id)


class LocalExecutor:
    name = "local"
    stopping = "finishing the tasks already running"

    def __init__(self, workers: int = 1):
        self.workers = max(1, workers)
        self.pool: ThreadPoolExecutor | None = None

    def run(self, tasks: list[Task], job: Job, output: Path, save: Save) -> Iterator[dict[str, Any]]:
        def one(task: Task) -> dict[str, Any]:
            # Saved in the worker thread: a task still running at Ctrl-C is kept when it finishes.
            return save(task, guarded_run(job, task, task_folder(output, task)))

        self.pool = ThreadPoolExecutor(max_workers=self.workers)
        futures = [self.pool.submit(one, t) for t in tasks]
        for future in as_completed(futures):
            yield future.result()
        self.pool.shutdown(wait=True)

    def stop(self) -> None:
        """Start nothing new; tasks already running finish and are saved, so a rerun resumes after them."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
