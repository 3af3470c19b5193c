"""Sandbox costs: per-command overhead of each backend against a plain subprocess, container start, and a cold
versus cached environment image for a SWE-bench-style task (its test dependencies installed from PyPI).

    PYTHONPATH=. python benchmarks/bench_sandbox.py [--commands 200] [--starts 3] [--no-image]

Prints rich tables; the reference (plain subprocess) is measured in the same run. Results also go to
benchmarks/results/sandbox.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from patchsmith.tools.sandbox import backend_status, images, make_sandbox

# SWE-bench's spec-table shape for a small pure-Python project (marshmallow-like test dependencies).
SWE_SPEC = {"python": "3.11", "packages": ["pytest==8.3.3", "pytz==2024.2", "simplejson==3.19.3",
                                           "python-dateutil==2.9.0.post0"],
            "install": ["python -c 'import pytest, pytz, simplejson, dateutil'"]}


def per_command(run, n: int, progress: Progress, label: str) -> list[float]:
    task = progress.add_task(label, total=n)
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
        progress.advance(task)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--no-image", action="store_true", help="skip the (network-using) env image build")
    args = parser.parse_args()
    console = Console()
    results: dict = {"commands": args.commands}
    workspace = Path(tempfile.mkdtemp(prefix="patchsmith-bench-"))
    backends = [k for k in ("local", "bwrap", "docker") if backend_status(k) is None]

    with Progress(console=console, transient=True) as progress:
        ref = per_command(lambda: subprocess.run(["/bin/bash", "-c", "true"], cwd=workspace, check=True),
                          args.commands, progress, "plain subprocess")
        rows = {"plain subprocess (reference)": ref}
        starts: list[float] = []
        closes: list[float] = []
        for kind in backends:
            sandbox = make_sandbox(kind, workspace)
            sandbox.exec("true")  # warm-up
            rows[kind] = per_command(lambda sb=sandbox: sb.exec("true"), args.commands, progress, kind)
            sandbox.close()
        if "docker" in backends:
            task = progress.add_task("container start", total=args.starts)
            for _ in range(args.starts):
                t0 = time.perf_counter()
                sandbox = make_sandbox("docker", workspace)
                sandbox.exec("true")
                starts.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                sandbox.close()
                closes.append(time.perf_counter() - t0)
                progress.advance(task)

    ref_mean = statistics.mean(ref)
    table = Table(title=f"per-command cost, {args.commands} x `true` (same run)")
    for col in ("backend", "mean ms", "median ms", "p95 ms", "overhead ms", "x reference"):
        table.add_column(col, justify="left" if col == "backend" else "right")
    for name, times in rows.items():
        mean = statistics.mean(times)
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        table.add_row(name, f"{mean * 1e3:.2f}", f"{statistics.median(times) * 1e3:.2f}", f"{p95 * 1e3:.2f}",
                      f"{(mean - ref_mean) * 1e3:+.2f}", f"{mean / ref_mean:.1f}")
        results[name] = {"mean_ms": mean * 1e3, "median_ms": statistics.median(times) * 1e3,
                         "ratio": mean / ref_mean}
    console.print(table)
    if starts:
        t2 = Table(title="docker container lifecycle")
        for col in ("what", "mean s", "min s", "x one exec"):
            t2.add_column(col, justify="left" if col == "what" else "right")
        one_exec = statistics.mean(rows["docker"])
        for what, vals in (("start + first exec", starts), ("close (remove)", closes)):
            t2.add_row(what, f"{statistics.mean(vals):.2f}", f"{min(vals):.2f}", f"{statistics.mean(vals) / one_exec:.0f}")
        console.print(t2)
        results["container_start_s"] = statistics.mean(starts)
        results["container_close_s"] = statistics.mean(closes)

    if "docker" in backends and not args.no_image:
        images.ensure_base_image(report=lambda line: None)
        with console.status("cold env image build (pip from PyPI, no docker cache)"):
            t0 = time.perf_counter()
            tag = images.ensure_env_image(SWE_SPEC, rebuild=True)
            cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        assert images.ensure_env_image(SWE_SPEC) == tag
        cached = time.perf_counter() - t0
        t0 = time.perf_counter()
        sandbox = make_sandbox("docker", workspace, image=tag)
        check = sandbox.exec("python -c 'import pytest, pytz, simplejson, dateutil; print(pytest.__version__)'")
        ready = time.perf_counter() - t0
        sandbox.close()
        assert check.exit_code == 0, check.output
        t3 = Table(title=f"environment image {tag} ({', '.join(SWE_SPEC['packages'])})")
        for col in ("step", "seconds", "x cached"):
            t3.add_column(col, justify="left" if col == "step" else "right")
        for step, secs in (("cold build (no cache)", cold), ("cached lookup", cached),
                           ("cached: lookup + start + first test import", cached + ready)):
            t3.add_row(step, f"{secs:.2f}", f"{secs / cached:.0f}")
        console.print(t3)
        results.update(env_cold_s=cold, env_cached_s=cached, env_ready_s=cached + ready)

    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "sandbox.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
