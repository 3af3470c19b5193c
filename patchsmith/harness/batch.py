"""Run one job per task on N worker threads, with live progress and resume.

Each finished task's result is written atomically to `OUTPUT/results/<instance_id>.json` the moment it
finishes; a rerun with the same output folder loads those and skips the tasks. A batch killed at any
moment therefore loses only the tasks in flight and never duplicates one.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .locks import write_atomic
from .tasks import Task

Job = Callable[[Task, Path], dict[str, Any]]


def safe_name(instance_id: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.+" else "_" for c in instance_id)


def result_path(output: Path, instance_id: str) -> Path:
    return Path(output) / "results" / f"{safe_name(instance_id)}.json"


def load_finished(output: Path) -> dict[str, dict[str, Any]]:
    finished: dict[str, dict[str, Any]] = {}
    folder = Path(output) / "results"
    if not folder.is_dir():
        return finished
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, OSError):
            continue  # cannot happen with atomic writes, but a hand-edited file must not stop a resume
        if isinstance(data, dict) and data.get("instance_id"):
            finished[data["instance_id"]] = data
    return finished


@dataclass
class Counts:
    done: int = 0
    resolved: int = 0
    errors: int = 0
    cost: float = 0.0

    def add(self, result: dict[str, Any]) -> None:
        self.done += 1
        self.resolved += bool(result.get("resolved"))
        self.errors += result.get("status") == "error"
        self.cost += float((result.get("agent") or {}).get("cost") or 0.0)

    def text(self) -> str:
        return (f"[green]{self.resolved} resolved[/] · [red]{self.errors} errors[/] · "
                f"${self.cost:.4f}")


def error_result(task: Task, reason: str) -> dict[str, Any]:
    return {"instance_id": task.instance_id, "repo": task.repo, "status": "error", "error_kind": "harness",
            "resolved": False, "reason": reason}


def run_batch(tasks: list[Task], job: Job, output: Path, *, workers: int = 1, console: Console | None = None,
              show_progress: bool = True, retry_errors: bool = False) -> dict[str, dict[str, Any]]:
    """Results by instance id: the finished ones from earlier runs plus everything run now.

    `retry_errors` runs again the tasks whose earlier result is an error (an environment that failed to
    build, a crash); their new result replaces the old one.
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    results = load_finished(output)
    if retry_errors:
        results = {k: v for k, v in results.items() if v.get("status") != "error"}
    todo = [t for t in tasks if t.instance_id not in results]
    counts = Counts()
    for task in tasks:
        if task.instance_id in results:
            counts.add(results[task.instance_id])
    console = console or Console(stderr=True)
    lock = threading.Lock()

    def one(task: Task) -> dict[str, Any]:
        task_dir = output / "tasks" / safe_name(task.instance_id)
        task_dir.mkdir(parents=True, exist_ok=True)
        try:
            result = job(task, task_dir)
        except Exception as exc:  # a crash of one task is recorded, never the end of the batch
            (task_dir / "crash.log").write_text(traceback.format_exc(), encoding="utf-8")
            result = error_result(task, f"harness crashed: {type(exc).__name__}: {exc}")
        write_atomic(result_path(output, task.instance_id), json.dumps(result, indent=1, default=str))
        return result

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), console=console,
                  disable=not show_progress, transient=False) as progress:
        bar = progress.add_task("tasks", total=len(tasks), completed=counts.done, counts=counts.text())
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        futures = {pool.submit(one, t): t for t in todo}
        try:
            for future in as_completed(futures):
                result = future.result()
                with lock:
                    results[result["instance_id"]] = result
                    counts.add(result)
                    progress.update(bar, advance=1, counts=counts.text())
        except KeyboardInterrupt:
            # Start nothing new; tasks already running finish and are saved, so a rerun resumes after them.
            console.print("[yellow]interrupted: finishing the tasks already running; rerun to resume[/]")
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    return results
