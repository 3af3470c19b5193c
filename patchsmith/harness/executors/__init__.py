"""Where a batch's tasks run: `local` (a thread pool on this machine) or `ray` (Ray tasks on a cluster).

`run_batch` hands an executor the tasks still to do and a `save` callback; the executor runs each task's job,
puts the task's files in OUTPUT/tasks/<id>/ and calls `save` with the result, on the driver, once per task.
"""

from __future__ import annotations

from ..config import HarnessConfig
from .base import Executor, Save, guarded_run
from .local import LocalExecutor

__all__ = ["Executor", "LocalExecutor", "Save", "guarded_run", "make_executor"]


def make_executor(config: HarnessConfig) -> Executor:
    """The executor `--executor` names; Ray is imported only when asked for (the CLI starts without it)."""
    if config.executor == "ray":
        from .ray import RayExecutor

        return RayExecutor.from_config(config)
    return LocalExecutor(config.workers)
