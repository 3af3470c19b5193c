"""Benchmark: the inspector on a 5,000-step trajectory with realistic observation sizes.

Run:  python benchmarks/bench_inspect.py   (needs tmux; compares with mini-swe-agent's inspector when
`mini-extra` is on PATH or MINI_EXTRA points at it, e.g. a venv with `pip install mini-swe-agent`).

Measures
  * launch → first paint in a real terminal (tmux), Python start-up included: poll capture-pane until
    the first step is on screen; the same for mini-swe-agent's inspector on the same run in its format;
  * peak memory (RSS) of each inspector process, left open until the background indexing is done;
  * in-process with Textual's Pilot: moving to the last step (G) and a text search across all steps.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).parent)]

import trajgen  # noqa: E402

STEPS = 5000
RUNS = 5
console = Console(width=130)


def to_mini_swe_agent(src: Path, dest: Path) -> None:
    """The same run in mini-swe-agent's current format (info + messages), one assistant/user pair a step."""
    from patchsmith.agent.trajectory import read_trajectory

    traj = read_trajectory(src)
    messages = [{"role": "system", "content": "You are a helpful assistant that can interact with a computer."},
                {"role": "user", "content": f"<pr_description>\n{traj.header.task['problem_statement']}\n</pr_description>"}]
    for step in traj.steps:
        command = step.action.args.get("command") if step.action else ""
        if not isinstance(command, str) or not command:
            command = f"{step.action.tool} {json.dumps(step.action.args)}" if step.action else "true"
        messages.append({"role": "assistant", "content": f"{step.thought}\n\n```mswea_bash_command\n{command}\n```",
                         "extra": {"actions": [{"command": command}], "cost": step.usage.cost}})
        code = 0 if step.observation.ok else 1
        messages.append({"role": "user", "content": f"<returncode>{code}</returncode>\n<output>\n{step.observation.text}\n</output>",
                         "extra": {"returncode": code}})
    info = {"exit_status": traj.result.exit_reason if traj.result else "", "submission": traj.result.patch if traj.result else "",
            "model_stats": {"instance_cost": traj.result.totals.cost if traj.result else 0, "api_calls": len(traj.steps)}}
    dest.write_text(json.dumps({"info": info, "messages": messages, "trajectory_format": "mini-swe-agent-1.1"}))


def to_swe_agent(src: Path, dest: Path) -> None:
    """The same run as a SWE-agent `.traj`, written by our exporter (`patchsmith export --format swe-agent`)."""
    from patchsmith.agent.trajectory import read_trajectory
    from patchsmith.tui.exporters import export_text

    dest.write_text(export_text(read_trajectory(src), "swe-agent", secrets=[]))


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


CPU: dict[str, list[float]] = {}  # command label -> CPU seconds the inspector had used at its first paint


def _descendants_cpu(pid: int) -> float:
    """user+system CPU seconds of `pid`'s deepest descendant (the inspector under bash and /usr/bin/time)."""
    while True:
        children = subprocess.run(["ps", "--ppid", str(pid), "-o", "pid="], capture_output=True,
                                  text=True).stdout.split()
        if not children:
            break
        pid = int(children[0])
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_paint(command: str, marker: str, mem_file: Path, settle: float, label: str = "") -> tuple[float, int]:
    """Seconds from Enter to `marker` on screen, and peak RSS (KB) of the process (via /usr/bin/time); the CPU
    seconds it had used by then go to CPU[label] (steadier than wall time on a loaded machine)."""
    session = f"bench-inspect-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    for attempt in range(5):  # the server of the previous session may still be exiting
        try:
            tmux("new-session", "-d", "-s", session, "-x", "160", "-y", "45", "-e", f"PYTHONPATH={ROOT}",
                 "bash --norc --noprofile")
            break
        except subprocess.CalledProcessError:
            if attempt == 4:
                raise
            time.sleep(0.5)
    try:
        time.sleep(0.3)
        tmux("send-keys", "-t", session, f"/usr/bin/time -f %M -o {mem_file} {command}; clear", "Enter")
        start = time.perf_counter()
        while True:
            if marker in tmux("capture-pane", "-p", "-t", session):
                elapsed = time.perf_counter() - start
                pane = int(tmux("display-message", "-p", "-t", session, "#{pane_pid}").strip())
                CPU.setdefault(label or command, []).append(_descendants_cpu(pane))
                break
            if time.perf_counter() - start > 30:
                raise RuntimeError(f"{marker!r} never appeared for {command}")
            time.sleep(0.005)
        time.sleep(settle)  # let background work (our indexer) finish before quitting, so peak memory counts it
        tmux("send-keys", "-t", session, "q")
        deadline = time.time() + 20
        while (not mem_file.exists() or not mem_file.read_text().strip()) and time.time() < deadline:
            time.sleep(0.05)
        peak = int(mem_file.read_text().split()[-1]) if mem_file.exists() else 0
        mem_file.unlink(missing_ok=True)
        return elapsed, peak
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


async def in_process(path: Path) -> dict[str, float]:
    from patchsmith.tui.inspector import InspectorApp, open_model
    from patchsmith.tui.run_view import RunView

    t0 = time.perf_counter()
    model = open_model(path)
    out = {"open (read + index lines)": time.perf_counter() - t0}
    t0 = time.perf_counter()
    model.ensure_index()
    out["build search index / timeline (background)"] = time.perf_counter() - t0
    app = InspectorApp(model)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(RunView)
        last, search, search_keys, idle, handler = [], [], [], [], []
        steps = app.screen.query_one("StepList")
        for _ in range(RUNS):
            t0 = time.perf_counter()
            await pilot.press("x")  # bound to nothing: what a key costs Pilot and a frame, with no work
            await pilot.pause()
            idle.append(time.perf_counter() - t0)
            steps.move_to(0)
            await pilot.pause()
            t0 = time.perf_counter()
            steps.action_last()  # the work itself: move the cursor, draw the last step's detail
            view.show_step(steps.current)
            handler.append(time.perf_counter() - t0)
            await pilot.press("g")
            await pilot.pause()
            t0 = time.perf_counter()
            await pilot.press("G")
            await pilot.pause()
            last.append(time.perf_counter() - t0)
            assert view.current == len(model) - 1
            t0 = time.perf_counter()
            view.run_search("timedelta rounding")
            search.append(time.perf_counter() - t0)
            assert view.hits
            await pilot.press("g", "slash", *"caller because")
            await pilot.pause()
            t0 = time.perf_counter()
            await pilot.press("enter")
            await pilot.pause()
            search_keys.append(time.perf_counter() - t0)
        out["move to last step (G key → frame), median"] = statistics.median(last)
        out["  of which Pilot + frame with no work (unbound key)"] = statistics.median(idle)
        out["  the move itself (cursor + render the step's detail)"] = statistics.median(handler)
        out["search all steps (in-process call), median"] = statistics.median(search)
        out["search all steps (Enter key → hit shown), median"] = statistics.median(search_keys)
    return out


def main() -> None:
    if shutil.which("tmux") is None:
        sys.exit("bench_inspect: tmux is required (apt-get install tmux)")
    mini = os.environ.get("MINI_EXTRA") or shutil.which("mini-extra") or (
        "/tmp/mswea-venv/bin/mini-extra" if Path("/tmp/mswea-venv/bin/mini-extra").exists() else None)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ours = work / "trajectory.jsonl"
        with console.status(f"building a {STEPS}-step trajectory…"):
            trajgen.build(ours, STEPS)
            theirs = work / "bench.traj.json"
            to_mini_swe_agent(ours, theirs)
            swe = work / "bench.traj"
            to_swe_agent(ours, swe)
        console.print(f"trajectory: {ours.stat().st_size / 1e6:.1f} MB (ours), {theirs.stat().st_size / 1e6:.1f} MB "
                      f"(mini-swe-agent format), {swe.stat().st_size / 1e6:.1f} MB (SWE-agent .traj), {STEPS} steps")
        ours_paint, ours_mem, mini_paint, mini_mem = [], [], [], []
        swe_paint, swe_mem, minifile_paint, base_paint = [], [], [], []
        baseline = os.environ.get("BASELINE_ROOT")  # an older checkout, to show what the change did
        for i in range(RUNS):
            with console.status(f"first paint, run {i + 1}/{RUNS}…"):
                t, m = first_paint(f"{sys.executable} -m patchsmith inspect {ours}", f"Step 1 of {STEPS}",
                                   work / "mem", settle=1.5, label="ours")
                ours_paint.append(t)
                ours_mem.append(m)
                t, m = first_paint(f"{sys.executable} -m patchsmith inspect {swe}", f"Step 1 of {STEPS}",
                                   work / "mem", settle=1.5, label="swe")
                swe_paint.append(t)
                swe_mem.append(m)
                t, _ = first_paint(f"{sys.executable} -m patchsmith inspect {theirs}", f"Step 1 of {STEPS}",
                                   work / "mem", settle=1.5, label="minifile")
                minifile_paint.append(t)
                if baseline:
                    t, _ = first_paint(f"env PYTHONPATH={baseline} {sys.executable} -m patchsmith inspect {swe}",
                                       f"Step 1 of {STEPS}", work / "mem", settle=0.5, label="baseline")
                    base_paint.append(t)
                if mini:
                    t, m = first_paint(f"{mini} inspector {theirs}", "Step 1/", work / "mem", settle=0.5, label="mini")
                    mini_paint.append(t)
                    mini_mem.append(m)
        results = asyncio.run(in_process(ours))

    table = Table(title=f"patchsmith inspect — {STEPS}-step trajectory (median of {RUNS})")
    table.add_column("measure")
    table.add_column("patchsmith", justify="right")
    table.add_column("mini-swe-agent inspector", justify="right")
    table.add_column("ratio (ours/theirs)", justify="right")
    table.add_column("target", justify="right")
    paint = statistics.median(ours_paint)
    ref = statistics.median(mini_paint) if mini_paint else None
    table.add_row("launch → first paint (tmux, Python start-up included)", f"{paint:.3f} s",
                  f"{ref:.3f} s" if ref else "n/a (0.4–0.6 s per the issue)",
                  f"{paint / ref:.2f}×" if ref else "–", "≤ reference")
    rows = [("  the same run as a SWE-agent .traj", swe_paint),
            ("  the same run in mini-swe-agent's format", minifile_paint)]
    if base_paint:
        rows.append(("  the SWE-agent .traj, BASELINE_ROOT's code (before)", base_paint))
    for label, runs in rows:
        value = statistics.median(runs)
        table.add_row(label, f"{value:.3f} s", f"{ref:.3f} s" if ref else "–",
                      f"{value / ref:.2f}×" if ref else "–", "≤ reference")
    cref = statistics.median(CPU["mini"]) if "mini" in CPU else None
    for key, label in (("ours", "CPU s to first paint: our JSONL"), ("swe", "CPU s to first paint: SWE-agent .traj"),
                       ("minifile", "CPU s to first paint: mini-swe-agent's format"),
                       ("baseline", "CPU s to first paint: .traj, BASELINE_ROOT's code")):
        if key in CPU:
            value = statistics.median(CPU[key])
            table.add_row(label, f"{value:.2f} s", f"{cref:.2f} s" if cref else "–",
                          f"{value / cref:.2f}×" if cref else "–", "≤ reference")
    mem, mref = max(ours_mem) / 1024, (max(mini_mem) / 1024 if mini_mem else None)
    table.add_row("peak memory (RSS)", f"{mem:.0f} MB", f"{mref:.0f} MB" if mref else "n/a",
                  f"{mem / mref:.2f}×" if mref else "–", "reported")
    for name, value in results.items():
        target = {"move to last step (G key → frame), median": "< 50 ms",
                  "search all steps (in-process call), median": "< 100 ms"}.get(name, "–")
        table.add_row(name, f"{value * 1000:.1f} ms", "–", "–", target)
    console.print(table)
    console.print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
                  "(a shared machine: absolute times scale with load; the ratio is measured side by side)")
    console.print("first paint runs (s): ours " + ", ".join(f"{t:.3f}" for t in ours_paint)
                  + "; SWE-agent .traj " + ", ".join(f"{t:.3f}" for t in swe_paint)
                  + ("; mini-swe-agent " + ", ".join(f"{t:.3f}" for t in mini_paint) if mini_paint else ""))
    console.print("CPU seconds at first paint: " + json.dumps({k: [round(x, 2) for x in v] for k, v in CPU.items()}))
    if not mini:
        console.print("mini-swe-agent's inspector not found (set MINI_EXTRA or pip install mini-swe-agent); "
                      "the issue's reference is 0.4–0.6 s.")


if __name__ == "__main__":
    main()
