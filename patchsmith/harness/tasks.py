"""SWE-bench-style tasks: load dataset files (JSON list, JSON Lines, parquet) or a `scenarios/` folder."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError

FIELDS = ("instance_id", "repo", "base_commit", "problem_statement", "hints_text", "patch", "test_patch",
          "FAIL_TO_PASS", "PASS_TO_PASS", "version", "environment_setup_commit", "created_at")


@dataclass
class Task:
    instance_id: str
    repo: str
    base_commit: str
    problem_statement: str = ""
    hints_text: str = ""
    patch: str = ""
    test_patch: str = ""
    fail_to_pass: list[str] = field(default_factory=list)
    pass_to_pass: list[str] = field(default_factory=list)
    version: str = ""
    environment_setup_commit: str = ""
    created_at: str = ""
    # Where a scenario's files live (bundle, replies, spec); None for dataset rows.
    folder: Path | None = None
    bundle: Path | None = None
    replies: Path | None = None
    spec: dict[str, Any] = field(default_factory=dict)  # per-task overrides: install, test_cmd, python, ...
    extra: dict[str, Any] = field(default_factory=dict)  # any other fields of the row, kept as they came

    @property
    def env_key(self) -> str:
        return self.environment_setup_commit or self.version or "default"

    def public(self) -> dict[str, Any]:
        """What the agent may see: never `patch` nor `test_patch` (nor the test lists)."""
        return {"instance_id": self.instance_id, "repo": self.repo, "base_commit": self.base_commit,
                "problem_statement": self.problem_statement, "hints_text": self.hints_text,
                "version": self.version, "created_at": self.created_at}

    def fingerprint(self, prediction: str = "") -> str:
        """What a finished result was computed from (the task's fields, the patch scored): a resumed run
        keeps a result only for the same."""
        row = {k: v for k, v in asdict(self).items() if k in FIELDS or k in ("fail_to_pass", "pass_to_pass", "spec")}
        blob = json.dumps({"row": row, "prediction": prediction}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _test_list(value: Any, name: str, where: str) -> list[str]:
    """Official exports carry the lists as JSON-encoded strings; some copies as lists."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise UserError(f"{where}: {name} is a string but not a JSON list; fix the row") from None
    if hasattr(value, "tolist"):  # numpy arrays from parquet
        value = value.tolist()
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise UserError(f"{where}: {name} must be a list of test ids (or a JSON-encoded one)")
    return value


def task_from_row(row: dict[str, Any], where: str = "task") -> Task:
    if not isinstance(row, dict):
        raise UserError(f"{where}: expected a JSON object per task, got {type(row).__name__}")
    missing = [k for k in ("instance_id", "repo", "base_commit") if not row.get(k)]
    if missing:
        raise UserError(f"{where}: missing required field(s) {', '.join(missing)}")
    where = f"{where} ({row['instance_id']})"
    text = {k: ("" if row.get(k) is None else str(row.get(k))) for k in
            ("problem_statement", "hints_text", "patch", "test_patch", "version", "environment_setup_commit",
             "created_at")}
    spec = row.get("spec") if isinstance(row.get("spec"), dict) else {}
    for key in ("install", "test_cmd", "python", "language"):  # overrides allowed directly on the row
        if key in row and key not in spec:
            spec[key] = row[key]
    extra = {k: v for k, v in row.items() if k not in FIELDS and k != "spec"}
    return Task(instance_id=str(row["instance_id"]), repo=str(row["repo"]), base_commit=str(row["base_commit"]),
                fail_to_pass=_test_list(row.get("FAIL_TO_PASS"), "FAIL_TO_PASS", where),
                pass_to_pass=_test_list(row.get("PASS_TO_PASS"), "PASS_TO_PASS", where),
                spec=spec, extra=extra, **text)


def _read_json_rows(path: Path) -> list[dict[str, Any]]:
    text = path.read_text(encoding="utf-8-sig")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}: not valid JSON ({exc}); give a JSON list or JSON Lines file") from None
        return rows
    if stripped.startswith("{") and path.suffix == ".json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError:
            obj = None  # maybe JSON Lines named .json
        if isinstance(obj, dict):
            return [obj]
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}: line {number} is not valid JSON ({exc.msg})") from None
    return rows


def _read_parquet(path: Path) -> list[dict[str, Any]]:
    try:
        import pyarrow.parquet as pq  # optional: only parquet datasets need it
    except ImportError:
        raise UserError(f"{path}: reading parquet needs pyarrow; `pip install pyarrow`, or convert the "
                        "dataset to JSON Lines") from None
    return pq.read_table(path).to_pylist()


def _load_scenario(folder: Path, shared_specs: dict[str, Any]) -> Task:
    task_file = folder / "task.json"
    try:
        row = json.loads(task_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UserError(f"{task_file}: not valid JSON ({exc})") from None
    task = task_from_row(row, str(task_file))
    task.folder = folder
    bundles = sorted(folder.glob("*.bundle"))
    task.bundle = bundles[0] if bundles else None
    for name in ("replies.jsonl", "replies.json"):
        if (folder / name).exists():
            task.replies = folder / name
            break
    spec: dict[str, Any] = {}
    shared = shared_specs.get(task.repo)
    if isinstance(shared, dict):
        spec.update(shared)
    if (folder / "spec.json").exists():
        try:
            spec.update(json.loads((folder / "spec.json").read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise UserError(f"{folder / 'spec.json'}: not valid JSON ({exc})") from None
    spec.update(task.spec)
    task.spec = spec
    return task


def load_scenarios(folder: Path) -> list[Task]:
    """A folder of task folders (each with task.json), or one task folder; `specs.json` maps repo -> spec."""
    folder = Path(folder).resolve()  # git runs elsewhere (-C): bundle paths must not be relative
    if (folder / "task.json").exists():
        shared_file = folder.parent / "specs.json"
        shared = json.loads(shared_file.read_text()) if shared_file.exists() else {}
        return [_load_scenario(folder, shared)]
    shared = {}
    if (folder / "specs.json").exists():
        try:
            shared = json.loads((folder / "specs.json").read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise UserError(f"{folder / 'specs.json'}: not valid JSON ({exc})") from None
    tasks = [_load_scenario(sub, shared) for sub in sorted(folder.iterdir())
             if sub.is_dir() and (sub / "task.json").exists()]
    if not tasks:
        raise UserError(f"{folder}: no task folders (each needs a task.json) found")
    return tasks


def load_tasks(path: str | Path) -> list[Task]:
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: no such file or folder; give a SWE-bench .jsonl/.json/.parquet file or a "
                        "scenarios folder")
    if path.is_dir():
        tasks = load_scenarios(path)
    else:
        rows = _read_parquet(path) if path.suffix == ".parquet" else _read_json_rows(path)
        if not isinstance(rows, list):
            raise UserError(f"{path}: expected a list of task objects")
        tasks = [task_from_row(row, f"{path}:{i + 1}") for i, row in enumerate(rows)]
    seen: set[str] = set()
    for task in tasks:
        if task.instance_id in seen:
            raise UserError(f"{path}: instance_id {task.instance_id} appears twice")
        seen.add(task.instance_id)
    return tasks


def select(tasks: list[Task], ids: list[str] | None) -> list[Task]:
    if not ids:
        return tasks
    by_id = {t.instance_id: t for t in tasks}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise UserError(f"unknown instance id(s): {', '.join(unknown[:5])}; check --instances against the tasks file")
    return [by_id[i] for i in dict.fromkeys(ids)]


def patch_files(patch: str) -> list[str]:
    """Paths a unified diff touches (the `b/` side; the `a/` side for deletions)."""
    files: list[str] = []
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            parts = line.split(" b/", 1)
            if len(parts) == 2:
                files.append(parts[1].strip())
        elif line.startswith("+++ b/") and not files:
            files.append(line[6:].strip())
    return list(dict.fromkeys(files))
