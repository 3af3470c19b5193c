"""Environment images: cold build against cached start, per repository (the scenarios' and real SWE-bench ones).

    PYTHONPATH=. python benchmarks/bench_env_images.py [--instances ID ...] [--mirrors /work/.mirror]
                                                       [--no-swebench] [--no-scenarios] [--keep-layers]

For one task per repository (every scenario repository unless --no-scenarios, and by default
pytest-dev/pytest, pallets/flask, psf/requests and astropy/astropy from the shared SWE-bench Lite test file,
whose repositories come from `fetch` mirrors), in a fresh cache: the cold build (the environment image made
from the base image: toolchain layer for a spec with `compilers` and interpreter layer unless --keep-layers
keeps them, venv, requirements, pins, the repository's install, committed; the toolchain layer's own build
is also shown apart, "layer s", as only the first such task on a machine pays it), then the cached
start as a later task pays it (the key's record read, the image checked, a sandbox container started
from it, one command run in its environment, the container removed). The reference, measured in the same
run, is that same start from the bare base image: the ratio says what an environment image adds to a task's
start once it is built (and what the cold build costs the first task of a key). Sizes: the image, and
what it adds beyond the image it was made from. SWE-bench builds download their packages from PyPI.
Results also go to benchmarks/results/env_images.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patchsmith.harness.envs import Env, EnvError, EnvManager  # noqa: E402
from patchsmith.harness.repos import find_source  # noqa: E402
from patchsmith.harness.specs import spec_for  # noqa: E402
from patchsmith.harness.tasks import Task, load_tasks  # noqa: E402
from patchsmith.tools.sandbox import images as img  # noqa: E402
from patchsmith.tools.sandbox import make_sandbox  # noqa: E402

SWEBENCH = Path("/work/shared/swebench/lite-test.jsonl")
DEFAULT_SWE = ["pytest-dev__pytest-11148", "pallets__flask-5063", "psf__requests-2317", "astropy__astropy-14182"]


def pick(args: argparse.Namespace) -> list[Task]:
    """One scenario task per repository, then the SWE-bench instances asked for."""
    tasks: dict[str, Task] = {}
    for task in [] if args.no_scenarios else load_tasks(ROOT / "scenarios"):
        tasks.setdefault(task.repo, task)
    if not args.no_swebench:
        wanted = set(args.instances or DEFAULT_SWE)
        for task in load_tasks(SWEBENCH):
            if task.instance_id in wanted:
                tasks[task.instance_id] = task
    return list(tasks.values())


def probe(env: Env | None) -> str:
    """One command in the environment, as a task's first one would be."""
    if env is None:
        return "python3 -c 'import sys'"
    return "python -c 'import sys'" if env.root is not None else "node -e 0"


def start(image: str, env: Env | None, workspace: Path) -> float:
    t0 = time.perf_counter()
    sandbox = make_sandbox("docker", workspace, image=image)
    try:
        result = sandbox.exec(probe(env), env=env.variables(workspace) if env else None)
        if result.exit_code != 0:
            raise RuntimeError(f"{image}: {result.output[-300:]}")
    finally:
        sandbox.close()
    return time.perf_counter() - t0


def measure(task: Task, cache: Path, mirrors: Path, starts: int, workspace: Path) -> dict:
    spec = spec_for(task, {})
    source = find_source(task, mirrors, cache, allow_clone=False)
    t0 = time.perf_counter()
    manager = EnvManager(cache, images=True)
    layer = 0.0
    if spec.compilers and manager.images is not None:  # the toolchain layer's share of the cold build
        cache.mkdir(parents=True, exist_ok=True)
        with (cache / "toolchain.log").open("a") as log:
            manager.images.toolchain_image(log)
        layer = time.perf_counter() - t0
    env = manager.get(task, spec, source)
    cold = time.perf_counter() - t0
    cached = []
    for _ in range(starts):
        t1 = time.perf_counter()
        again = EnvManager(cache, images=True).get(task, spec, source)  # a later task: a new manager
        assert again.reused and again.image_id == env.image_id
        cached.append(time.perf_counter() - t1 + start(again.image or "", again, workspace))
    info = next(i for i in img.list_images() if i.tag == env.image)
    return {
        "repo": task.repo,
        "instance": task.instance_id,
        "python": str(spec.python),
        "cold_s": cold,
        "layer_s": layer,
        "cached_s": statistics.median(cached),
        "size_mb": info.size_mb,
        "own_mb": info.own_mb,
        "image": env.image,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--instances", nargs="*", help=f"SWE-bench instance ids (default {' '.join(DEFAULT_SWE)})"
    )
    parser.add_argument("--mirrors", type=Path, default=Path("/work/.mirror"))
    parser.add_argument("--no-swebench", action="store_true", help="the scenarios only (offline)")
    parser.add_argument("--no-scenarios", action="store_true", help="the SWE-bench instances only")
    parser.add_argument(
        "--keep-layers", action="store_true", help="keep the interpreter layers already built"
    )
    parser.add_argument("--starts", type=int, default=3, help="cached starts per repository (median)")
    args = parser.parse_args()
    console = Console()
    tasks = pick(args)
    if not args.keep_layers:
        img.prune_images(tags=[i.tag for i in img.list_images() if i.kind in ("python", "toolchain")])
    work = Path(tempfile.mkdtemp(prefix="patchsmith-bench-images-"))
    workspace = work / "ws"
    workspace.mkdir()
    rows, failed = [], []
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("reference: base image start", total=len(tasks) + 1)
        base = img.ensure_base_image()
        reference = statistics.median(start(base, None, workspace) for _ in range(args.starts))
        progress.advance(bar)
        for task in tasks:
            progress.update(bar, description=f"{task.repo} ({task.instance_id})")
            try:
                rows.append(measure(task, work / "cache", args.mirrors, args.starts, workspace))
            except (EnvError, RuntimeError) as exc:
                failed.append({"instance": task.instance_id, "reason": str(exc)[:300]})
            progress.advance(bar)
    show(console, rows, failed, reference)
    out = ROOT / "benchmarks" / "results" / "env_images.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"reference_start_s": reference, "rows": rows, "failed": failed}, indent=2))


def show(console: Console, rows: list[dict], failed: list[dict], reference: float) -> None:
    table = Table(
        title=f"environment images (reference: a sandbox start from the base image, {reference:.2f}s)"
    )
    for col in (
        "repository",
        "instance",
        "python",
        "cold build s",
        "layer s",
        "cached start s",
        "cold / cached",
        "cached / reference",
        "image MB",
        "own MB",
    ):
        table.add_column(col, justify="left" if col in ("repository", "instance", "python") else "right")
    for row in rows:
        table.add_row(
            row["repo"],
            row["instance"],
            row["python"],
            f"{row['cold_s']:.1f}",
            f"{row['layer_s']:.1f}" if row["layer_s"] else "-",
            f"{row['cached_s']:.2f}",
            f"{row['cold_s'] / row['cached_s']:.0f}x",
            f"{row['cached_s'] / reference:.2f}x",
            f"{row['size_mb']:.0f}",
            f"{row['own_mb']:.0f}",
        )
    console.print(table)
    for row in failed:
        console.print(f"[red]{row['instance']}: {row['reason']}[/red]")


if __name__ == "__main__":
    main()
