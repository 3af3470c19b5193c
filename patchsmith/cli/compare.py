"""`patchsmith compare RUN_DIR...`: strategies side by side on the same tasks (resolved % with its
interval, paired tests, pass@k, selected@n against oracle@n, cost, tokens, time, the Pareto frontier);
or `patchsmith compare TASKS --strategies a,b,c` to run them first. Writes compare.json and the plots."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ..errors import UserError
from ..harness.calibration import calibration_png, calibration_table
from ..harness.compare import AXES, as_json, compare, load_run
from ..harness.locks import write_atomic
from ..harness.tasks import load_tasks
from .charts import terminal_chart, write_png

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def register(sub: argparse._SubParsersAction) -> None:
    from .run import add_run_options

    p = sub.add_parser("compare", help="compare strategies: success, cost, the Pareto frontier",
                       description=__doc__)
    p.add_argument("paths", nargs="+", type=Path,
                   help="run folders (from `patchsmith run`), or one tasks file/scenarios folder with --strategies")
    p.add_argument("--cutoff", metavar="YYYY-MM-DD",
                   help="the model's knowledge cutoff: every figure for tasks created before and after it")
    p.add_argument("--tasks", type=Path, dest="dates_from", metavar="FILE",
                   help="tasks file giving created_at for run folders too old to record it")
    add_run_options(p)
    p.set_defaults(func=run)


def is_run_folder(path: Path) -> bool:
    return path.is_dir() and ((path / "report.json").is_file() or (path / "results").is_dir())


def run(args: argparse.Namespace) -> int:
    if args.cutoff and not DATE.match(args.cutoff):
        raise UserError(f"--cutoff {args.cutoff!r}: give a date as YYYY-MM-DD")
    if all(is_run_folder(p) for p in args.paths):
        if args.strategies:
            raise UserError("--strategies runs tasks; give one tasks file or scenarios folder, not run folders")
        out = (args.output or args.paths[0].parent / "compare").resolve()
        compare_folders(args.paths, out, cutoff=args.cutoff, dates_from=args.dates_from)
        return 0
    if len(args.paths) != 1:
        bad = next(p for p in args.paths if not is_run_folder(p))
        raise UserError(f"{bad} is not a run folder (no report.json or results/); to run strategies give one "
                        "tasks file or scenarios folder and --strategies")
    if not args.strategies:
        raise UserError(f"{args.paths[0]} holds tasks, not a run; add --strategies a,b,c to run and compare them")
    from .run import run_run

    args.tasks = args.paths[0]
    return run_run(args)


def _dates(dates_from: Path | None) -> dict[str, str]:
    if dates_from is None:
        return {}
    return {t.instance_id: t.created_at for t in load_tasks(dates_from)}


def compare_folders(folders: list[Path], out: Path, *, cutoff: str | None = None,
                    dates_from: Path | None = None, console: Console | None = None) -> dict[str, Any]:
    console = console or Console()
    dates = _dates(dates_from)
    data = compare([load_run(Path(f), dates) for f in folders], cutoff)
    out.mkdir(parents=True, exist_ok=True)
    plots = {}
    for group, figures in data["groups"].items():
        name = "pareto.png" if group == "all" else f"pareto-{group}.png"
        if figures["strategies"]:
            plots[group] = str(write_png(figures, out / name, f"{group} tasks ({figures['tasks']})"))
    curves = {label: s["calibration"] for label, s in data["groups"].get("all", {}).get("strategies", {}).items()}
    if (png := calibration_png(curves, out / "calibration.png")) is not None:
        plots["calibration"] = str(png)
    data["plots"] = plots
    write_atomic(out / "compare.json", as_json(data))
    print_comparison(data, console)
    console.print(f"compare.json and plots: {out}")
    return data


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}%"


def _money(v: float | None) -> str:
    return "-" if v is None else f"${v:.4f}"


def strategy_table(group: str, figures: dict[str, Any]) -> Table:
    front = figures["frontier"]
    table = Table(title=f"{group} tasks ({figures['tasks']})")
    table.caption = ("per task: mean cost, tokens, wall time, steps; sel/oracle = selected@n / oracle@n; "
                     "frontier: $ cost, t tokens, s time")
    for col in ("strategy", "resolved", "95% CI", "pass@1", "sel/oracle", "$/task", "$/resolved", "tokens",
                "wall", "steps", "front"):
        table.add_column(col, justify="left" if col in ("strategy", "front") else "right", overflow="fold")
    for name, s in figures["strategies"].items():
        lo, hi = s["ci95"]
        sel = "-" if s["selected_at_n"] is None else f"{s['selected_at_n']:.0f}/{s['oracle_at_n']:.0f}%"
        on = " ".join(mark for axis, mark in zip(AXES, ("$", "t", "s"), strict=True) if name in front[axis])
        table.add_row(name, f"{s['resolved']}/{s['tasks']} {s['resolved_pct']:.0f}%", f"{lo:.0f}-{hi:.0f}%",
                      _pct(100 * s["pass_at_k"]["1"]) if s["pass_at_k"] else "-", sel, _money(s["cost_mean"]),
                      _money(s["cost_per_resolved"]), f"{s['tokens_mean']:,.0f}", f"{s['wall_s_mean']:.1f}s",
                      f"{s['steps_mean']:.1f}", on or "-")
    return table


def paired_table(figures: dict[str, Any]) -> Table:
    table = Table(title="paired, same tasks", caption="exact McNemar on the tasks only one resolved; "
                                                       "p < 0.05: unlikely to be noise")
    for col in ("a", "b", "tasks", "only a", "only b", "a - b", "95% CI", "p"):
        table.add_column(col, justify="left" if col in ("a", "b") else "right", overflow="fold")
    for p in figures["paired"]:
        lo, hi = p["diff_ci95"]
        table.add_row(p["a"], p["b"], str(p["tasks"]), str(p["a_only"]), str(p["b_only"]), f"{p['diff_pct']:+.0f}",
                      f"{lo:+.0f}..{hi:+.0f}", f"{p['p_value']:.3f}")
    return table


def progress_table(figures: dict[str, Any]) -> Table | None:
    """How far runs got, resolved or not (the reference patch's files: the scorer's measure, after the run)."""
    rows = {n: s["progress"] for n, s in figures["strategies"].items() if s["progress"]}
    if not rows:
        return None
    table = Table(title="progress: the files the reference patch touches")
    for col in ("strategy", "opened all", "edited all", "first edit (step)", "failing tests first -> last"):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    for name, p in rows.items():
        first = "-" if p["first_reference_edit_step"] is None else f"{p['first_reference_edit_step']:.1f}"
        curve = "-" if p["failing_tests_first"] is None else f"{p['failing_tests_first']} -> {p['failing_tests_last']}"
        table.add_row(name, f"{100 * p['opened_reference_files']:.0f}%", f"{100 * p['edited_reference_files']:.0f}%",
                      first, curve)
    return table


def print_comparison(data: dict[str, Any], console: Console) -> None:
    for group, figures in data["groups"].items():
        console.print(strategy_table(group, figures))
        if (progress := progress_table(figures)) is not None:
            console.print(progress)
        if figures["paired"]:
            console.print(paired_table(figures))
        ks = {n: s["pass_at_k"] for n, s in figures["strategies"].items() if len(s["pass_at_k"]) > 1}
        for name, values in ks.items():
            console.print(f"pass@k {name}: " + ", ".join(f"k={k} {100 * v:.1f}%" for k, v in values.items()),
                          highlight=False)
        for name, s in figures["strategies"].items():
            if s["calibration"]["runs_with_confidence"]:
                console.print(calibration_table(s["calibration"], f"calibration, {group} tasks: {name}"))
        if figures["strategies"]:
            console.print(terminal_chart(figures, "cost" if any(
                s["cost_mean"] for s in figures["strategies"].values()) else "tokens"))
    if data.get("undated_tasks"):
        console.print(f"[yellow]{len(data['undated_tasks'])} task(s) have no created_at and are in neither "
                      "side of the cutoff (give --tasks FILE for old runs)[/]")
