"""Run one job per task on N worker threads, with live progress and resume.

Each finished task's result is written atomically to `OUTPUT/results/<safe_name(id)>.json` the moment it
finishes; a rerun with the same output folder loads those and skips the tasks. A batch killed at any
moment therefore loses only the tasks in flight and never duplicates one.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import UserError
from .executors.base import Executor, Job, error_result
from .executors.local import LocalExecutor
from .locks import write_atomic
from .tasks import Task

__all__ = ["Job", "error_result", "run_batch", "safe_name"]


MAX_NAME = 100  # characters of the id kept in a file name; file systems take 255 bytes


def safe_name(instance_id: str) -> str:
    """A file name for the id, different for every id: an id that is already a plain name is kept as it is
    (`django__django-11099`); any other gets its characters replaced and a hash of the whole id after a `~`,
    which no plain name contains, so `x/1`, `x:1` and `x_1` no longer share (and overwrite) one file."""
    name = "".join(c if (c.isascii() and c.isalnum()) or c in "-_.+" else "_" for c in instance_id)
    if name == instance_id and 0 < len(name) <= MAX_NAME and not name.startswith("."):
        return name
    digest = hashlib.sha256(instance_id.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{name[:MAX_NAME]}~{digest}"


def task_dir(output: Path, instance_id: str) -> Path:
    return Path(output) / "tasks" / safe_name(instance_id)


def result_path(output: Path, instance_id: str) -> Path:
    return Path(output) / "results" / f"{safe_name(instance_id)}.json"


def ensure_writable(output: Path) -> None:
    """Fail now, in one line, when results could not be saved, rather than after running every task."""
    output = Path(output)
    try:
        for folder in (output / "results", output / "tasks"):
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f".write-check-{os.getpid()}-{threading.get_ident()}"
            probe.write_bytes(b"")
            probe.unlink()
    except OSError as exc:
        raise UserError(f"cannot write results to {output}: {exc.strerror or exc}; choose another --output "
                        "(or make that folder writable)") from None


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


RUN_FILE = "run.json"  # what the results in an output folder were made with


def check_resume(output: Path, identity: dict[str, Any], fingerprints: dict[str, str],
                 finished: dict[str, dict[str, Any]], force: bool) -> None:
    """Refuse to mix results: a rerun into an output folder must ask for what the recorded run did (model,
    strategy, sandbox, and for each kept task the same task and patch), unless forced."""
    problems = []
    recorded_file = Path(output) / RUN_FILE
    if recorded_file.is_file() and finished:
        recorded = json.loads(recorded_file.read_text(encoding="utf-8"))
        problems += [f"{key} {recorded.get(key)!r} (now {value!r})" for key, value in identity.items()
                     if key in recorded and recorded[key] != value]
    changed = sorted(i for i, r in finished.items()
                     if i in fingerprints and r.get("fingerprint") and r["fingerprint"] != fingerprints[i])
    if changed:
        problems.append(f"{len(changed)} task(s) whose task or patch differ now ({', '.join(changed[:3])})")
    if problems and not force:
        raise UserError(f"{output} holds results made with {'; '.join(problems)}; resuming would mix them. Give "
                        "another --output, or --resume-anyway to keep those results as they are")


def resume_line(tasks: list[Task], finished: dict[str, dict[str, Any]], rerun: int) -> str:
    kept = [finished[t.instance_id] for t in tasks if t.instance_id in finished]
    if not kept and not rerun:
        return ""
    resolved = sum(bool(r.get("resolved")) for r in kept)
    errors = sum(r.get("status") == "error" for r in kept)
    todo = len(tasks) - len(kept)
    again = f", {rerun} errored task(s) run again" if rerun else ""
    return (f"resuming: kept {len(kept)} finished task(s) ({resolved} resolved, {errors} errors){again}; "
            f"{todo} to run")


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


def run_batch(tasks: list[Task], job: Job, output: Path, *, workers: int = 1, console: Console | None = None,
              show_progress: bool = True, retry_errors: bool = False, identity: dict[str, Any] | None = None,
              fingerprints: dict[str, str] | None = None, resume_anyway: bool = False,
              executor: Executor | None = None) -> dict[str, dict[str, Any]]:
    """Results by instance id: the finished ones from earlier runs plus everything run now.

    `retry_errors` runs again the tasks whose earlier result is an error (an environment that failed to
    build, a crash); their new result replaces the old one. `identity` (model, strategy, sandbox) and the
    tasks' `fingerprints` are recorded; a rerun that differs is refused unless `resume_anyway`. `executor`
    runs the tasks (default: `workers` threads here); this process alone writes the results.
    """
    output = Path(output)
    fingerprints = fingerprints or {}
    ensure_writable(output)
    results = load_finished(output)
    check_resume(output, identity or {}, fingerprints, results, resume_anyway)
    output.mkdir(parents=True, exist_ok=True)
    if identity:
        write_atomic(output / RUN_FILE, json.dumps(identity, indent=1, default=str))
    before = len(results)
    if retry_errors:
        results = {k: v for k, v in results.items() if v.get("status") != "error"}
    todo = [t for t in tasks if t.instance_id not in results]
    counts = Counts()
    for task in tasks:
        if task.instance_id in results:
            counts.add(results[task.instance_id])
    console = console or Console(stderr=True)
    if line := resume_line(tasks, results, before - len(results)):
        console.print(line, highlight=False, soft_wrap=True)
    executor = executor or LocalExecutor(workers)
    def save(task: Task, result: dict[str, Any]) -> dict[str, Any]:
        if task.instance_id in fingerprints:
            result["fingerprint"] = fingerprints[task.instance_id]
        write_atomic(result_path(output, task.instance_id), json.dumps(result, indent=1, default=str))
        return result

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn(), console=console,
                  disable=not show_progress, transient=False) as progress:
        bar = progress.add_task("tasks", total=len(tasks), completed=counts.done, counts=counts.text())
        try:
            for result in executor.run(todo, job, output, save):
                results[result["instance_id"]] = result
                counts.add(result)
                progress.update(bar, advance=1, counts=counts.text())
        except KeyboardInterrupt:
            console.print(f"[yellow]interrupted: {executor.stopping}; rerun to resume[/]")
            executor.stop()
            raise
    return results
