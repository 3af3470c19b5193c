"""`patchsmith images list|build|prune`: the locally built images the docker sandbox runs tasks in."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import UserError
from ..tools.sandbox import SandboxUnavailable
from ..tools.sandbox import images as img
from ..tools.sandbox.toolchain import ensure_toolchain_image


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("images", help="list, build or prune the docker sandbox's task images",
                                   description="Task images are built locally: a Debian base (debootstrap), "
                                               "then one layer per Python environment, cached by content.")
    sub = parser.add_subparsers(dest="images_command", metavar="ACTION")
    sub.add_parser("list", aliases=["ls"], help="show patchsmith's images: environment images with their key, "
                   "repository, size and age").set_defaults(func=cmd_list)
    build = sub.add_parser("build", help="build the base image, or an environment image from a spec file")
    build.add_argument("what", choices=["base", "toolchain", "env"],
                       help="base: the Debian base; toolchain: the base plus compilers (for repositories "
                            "that compile extensions); env: a layer from SPEC")
    build.add_argument("spec", nargs="?", type=Path,
                       help="for env: a JSON file with python, packages, pip_packages, requirements, pre_install, "
                            "install (the harness's spec table entry)")
    build.add_argument("--suite", default=img.DEFAULT_SUITE, help="Debian release of the base (default %(default)s)")
    build.add_argument("--rebuild", action="store_true", help="build even when the image exists")
    build.set_defaults(func=cmd_build)
    prune = sub.add_parser("prune", help="remove patchsmith's environment images and stale sandbox containers")
    prune.add_argument("tags", nargs="*", help="only these images (default: every environment image)")
    prune.add_argument("--all", action="store_true", help="remove the base images too")
    prune.set_defaults(func=cmd_prune)
    parser.set_defaults(func=lambda args: parser.print_help() or 2)


def _progress(console: Console) -> Progress:
    return Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[stage]}"), BarColumn(),
                    TextColumn("{task.completed:.0f} steps"), TimeElapsedColumn(),
                    TextColumn("[dim]{task.description}"), console=console, transient=False)


def _reporter(progress: Progress, task_id: TaskID) -> img.Report:
    """Turn build log lines into progress: debootstrap's "I: ..." lines and docker build's "Step n/m"."""
    def report(line: str) -> None:
        line = line.strip()
        if line.startswith("I: "):  # debootstrap: Retrieving, Validating, Unpacking, Configuring ...
            progress.update(task_id, stage="debootstrap " + line[3:].split(" ", 1)[0].lower(), advance=1)
        elif line.startswith("Step "):  # docker build: "Step 3/9 : RUN ..."
            done, _, total = line[5:].split(" ", 1)[0].partition("/")
            if done.isdigit() and total.isdigit():
                progress.update(task_id, stage="docker build", total=int(total), completed=int(done) - 1)
        elif line.startswith(("packing", "docker import")):
            progress.update(task_id, stage=line.split(" ", 1)[0])
        progress.update(task_id, description=line[:70])
    return report


def cmd_list(args: argparse.Namespace) -> int:
    console = Console()
    rows = img.list_images()
    if not rows:
        console.print("no patchsmith images yet; build the base with: patchsmith images build base")
        return 0
    table = Table(title="patchsmith images")
    for col in ("tag", "kind", "key", "repository", "size MB", "own MB", "age"):
        table.add_column(col, justify="right" if col in ("size MB", "own MB", "age") else "left", no_wrap=col == "key")
    for row in rows:
        table.add_row(row.tag.split(":", 1)[0] if row.kind == "env" else row.tag, row.kind, row.key, row.repo,
                      f"{row.size_mb:.0f}", f"{row.own_mb:.0f}", _age(row.age_s))
    console.print(table)
    return 0


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def cmd_build(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    spec = None
    if args.what == "env":
        if not args.spec:
            raise UserError("images build env needs a SPEC file: a JSON object such as "
                            '{"python": "3.11", "packages": ["six==1.16.0"]}')
        try:
            spec = json.loads(args.spec.read_text())
        except OSError as exc:
            raise UserError(f"cannot read {args.spec}: {exc.strerror}") from exc
        except json.JSONDecodeError as exc:
            raise UserError(f"{args.spec} is not valid JSON ({exc.msg} at line {exc.lineno})") from exc
        if not isinstance(spec, dict):
            raise UserError(f"{args.spec} must hold one JSON object (the environment spec), not a list")
    try:
        with _progress(console) as progress:
            task_id = progress.add_task("starting", total=None, stage=f"build {args.what}")
            report = _reporter(progress, task_id)
            if args.what == "toolchain":
                tag = ensure_toolchain_image(img.ensure_base_image(args.suite, report=report), suite=args.suite)
            elif spec is None:
                tag = img.ensure_base_image(args.suite, rebuild=args.rebuild, report=report)
            else:
                tag = img.ensure_env_image(spec, rebuild=args.rebuild, report=report)
            progress.update(task_id, stage="done", description=tag)
    except (SandboxUnavailable, img.ImageError) as exc:  # a build log follows the first line: show it dim
        first, _, rest = str(exc).partition("\n")
        if rest:
            console.print(f"[dim]{rest}[/dim]")
        raise UserError(first) from exc
    print(tag)
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    removed = img.prune_images(include_base=args.all, tags=args.tags or None)
    console = Console()
    for tag in removed:
        console.print(f"removed {tag}")
    console.print(f"{len(removed)} image(s) removed")
    return 0
