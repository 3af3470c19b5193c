"""`patchsmith export RUN [RUN_B] --html OUT.html | --format swe-agent|mini --output OUT`: share a run."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..errors import UserError
from .targets import add_run_arguments, open_run


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="write a run as one self-contained HTML page, or as a SWE-agent / mini-swe-agent trajectory",
        description="Export a trajectory (any format we read) or a run/batch folder. --html writes one page with "
                    "no external assets (a batch: its summary and every task; two runs: them side by side, aligned). "
                    "--format writes the trajectory in a peer's format. Secrets are masked.")
    add_run_arguments(parser, "run", "a second run: export the two side by side (--html)")
    parser.add_argument("--html", type=Path, metavar="OUT.html", help="write a self-contained HTML page")
    parser.add_argument("--format", choices=["swe-agent", "mini"], help="write the trajectory in this format")
    parser.add_argument("-o", "--output", type=Path, help="where --format writes (default: beside the run)")
    parser.add_argument("--task", help="with two batch folders: the task to compare")
    parser.set_defaults(func=run)


def _is_batch(path: Path) -> bool:
    from ..tui.importers import find_trajectory

    return path.is_dir() and find_trajectory(path) is None


def run(args: argparse.Namespace) -> int:
    if not args.html and not args.format:
        raise UserError("say what to write: --html OUT.html, or --format swe-agent|mini")
    from ..tui import html_export

    start = time.perf_counter()
    if args.format:
        if args.other is not None:
            raise UserError("--format exports one run; pass one trajectory")
        _export_format(args)
    if args.html:
        if args.other is not None:
            page = html_export.compare_page(open_run(args.run, args.task), open_run(args.other, args.task))
        elif _is_batch(args.run) and not args.task:
            from ..tui.importers import read_folder

            folder = read_folder(args.run)
            if not folder.runs:
                raise UserError(f"{args.run}: no runs here (expected subfolders with trajectory.jsonl)")
            page = html_export.batch_page(folder)
        else:
            page = html_export.run_page(open_run(args.run, args.task))
        try:
            html_export.write(args.html, page)
        except OSError as exc:
            raise UserError(f"{args.html}: cannot write it ({exc.strerror or exc})") from None
        print(f"wrote {args.html} ({len(page.encode()) / 1e6:.1f} MB) in {time.perf_counter() - start:.1f}s")
    return 0


def _export_format(args: argparse.Namespace) -> None:
    from ..agent.trajectory import Trajectory
    from ..tui.exporters import export_text

    model = open_run(args.run, args.task)
    traj = Trajectory(header=model.header, steps=[model.step(i) for i in range(len(model))], events=model.events,
                      result=model.result, incomplete=model.incomplete, path=model.path)
    base = Path(model.path or "run")
    suffix = ".traj" if args.format == "swe-agent" else ".mini.traj.json"
    out = args.output or base.with_name(base.name.split(".")[0] + suffix)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(export_text(traj, args.format), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{out}: cannot write it ({exc.strerror or exc})") from None
    print(f"wrote {out} ({args.format} format, {len(traj.steps)} steps)")
