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
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
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
    """The same run as a SWE-agent `.traj` as SWE-agent writes it: our exporter's file (`patchsmith export
    --format swe-agent`) without the patchsmith record it adds, so the importer reads SWE-agent's own fields."""
    from patchsmith.agent.trajectory import read_trajectory
    from patchsmith.tui.exporters import EXTRA_KEY
    from patchsmith.tui.exporters import to_swe_agent as export

    doc = export(read_trajectory(src))
    for step in doc["trajectory"]:
        step.pop("extra_info", None)
    doc["info"].pop(EXTRA_KEY, None)
    dest.write_text(json.dumps(doc, ensure_ascii=False))


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


# Both inspectors start as installed ones do, from cached bytecode: a session that sets PYTHONDONTWRITEBYTECODE
# would otherwise compile every patchsmith module on each launch while mini-swe-agent's come from pip's .pyc.
PYCACHE = Path(tempfile.mkdtemp(prefix="bench-inspect-pyc-"))
AS_INSTALLED = f"env -u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX={PYCACHE}"


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
        tmux("send-keys", "-t", session, f"/usr/bin/time -f %M -o {mem_file} {AS_INSTALLED} {command}; clear", "Enter")
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


def interpreter_start(python: str) -> float:
    """CPU seconds of `python -c pass` (median of 5): what each environment's site start-up costs before any
    inspector code (the system interpreter runs the .pth files of its site-packages; a venv has its own)."""
    runs = []
    for _ in range(5):
        before = os.times()
        subprocess.run(["env", "-u", "PYTHONDONTWRITEBYTECODE", f"PYTHONPYCACHEPREFIX={PYCACHE}", python, "-c", "pass"],
                       check=True)
        after = os.times()
        runs.append(after.children_user + after.children_system - before.children_user - before.children_system)
    return statistics.median(runs)


def paint_variants(work: Path, mini: str | None) -> list[tuple[str, str, str, float]]:
    """(label, command, marker, settle) for each launch measured; mini-swe-agent's inspector is the reference."""
    ours = f"{sys.executable} -m patchsmith inspect"
    first = f"Step 1 of {STEPS}"
    variants = [("ours", f"{ours} {work / 'trajectory.jsonl'}", first, 1.5),
                ("swe", f"{ours} {work / 'bench.traj'}", first, 1.5),
                ("minifile", f"{ours} {work / 'bench.traj.json'}", first, 1.5)]
    baseline = os.environ.get("BASELINE_ROOT")  # an older checkout, to show what the change did
    if baseline:
        variants.append(("baseline", f"env PYTHONPATH={baseline} {ours} {work / 'bench.traj'}", first, 0.5))
    if mini:
        variants.append(("mini", f"{mini} inspector {work / 'bench.traj.json'}", "Step 1/", 0.5))
    return variants


def measure_paints(work: Path, mini: str | None) -> tuple[dict[str, list[float]], dict[str, list[int]]]:
    variants = paint_variants(work, mini)
    with console.status("warming the bytecode caches (one untimed launch each)…"):
        for _, command, marker, _ in variants:
            first_paint(command, marker, work / "mem", settle=0.2, label="warm-up")
    paints: dict[str, list[float]] = {}
    mems: dict[str, list[int]] = {}
    for i in range(RUNS):  # interleaved, so that a change of load hits every variant alike
        with console.status(f"first paint, run {i + 1}/{RUNS}…"):
            for label, command, marker, settle in variants:
                t, m = first_paint(command, marker, work / "mem", settle=settle, label=label)
                paints.setdefault(label, []).append(t)
                mems.setdefault(label, []).append(m)
    return paints, mems


PAINT_ROWS = [("ours", "launch → first paint: our JSONL (tmux, Python start-up included)"),
              ("swe", "  the same run as a SWE-agent .traj"),
              ("minifile", "  the same run in mini-swe-agent's format"),
              ("baseline", "  the SWE-agent .traj, BASELINE_ROOT's code (before)")]


def paint_rows(table: Table, paints: dict[str, list[float]], mems: dict[str, list[int]], mini: str | None) -> None:
    ref = statistics.median(paints["mini"]) if "mini" in paints else None
    cref = statistics.median(CPU["mini"]) if "mini" in CPU else None
    for key, label in PAINT_ROWS:
        if key in paints:
            value = statistics.median(paints[key])
            table.add_row(label, f"{value:.3f} s", f"{ref:.3f} s" if ref else "n/a",
                          f"{value / ref:.2f}×" if ref else "–", "≤ reference")
    for key, label in PAINT_ROWS:
        if key in CPU:
            value = statistics.median(CPU[key])
            table.add_row("CPU s to first paint:" + label.split(":", 1)[-1].split("(")[0].rstrip().lstrip(),
                          f"{value:.2f} s", f"{cref:.2f} s" if cref else "–", f"{value / cref:.2f}×" if cref else "–",
                          "≤ reference")
    start, mstart = interpreter_start(sys.executable), (interpreter_start(str(Path(mini).parent / "python"))
                                                        if mini else None)
    table.add_row("  of which the interpreter's own start-up (python -c pass, CPU)", f"{start:.3f} s",
                  f"{mstart:.3f} s" if mstart else "–", f"{start / mstart:.2f}×" if mstart else "–", "reported")
    mem, mref = max(mems["ours"]) / 1024, (max(mems["mini"]) / 1024 if "mini" in mems else None)
    table.add_row("peak memory (RSS), our JSONL", f"{mem:.0f} MB", f"{mref:.0f} MB" if mref else "n/a",
                  f"{mem / mref:.2f}×" if mref else "–", "reported")


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
            to_mini_swe_agent(ours, work / "bench.traj.json")
            to_swe_agent(ours, work / "bench.traj")
        console.print(f"trajectory: {ours.stat().st_size / 1e6:.1f} MB (ours), "
                      f"{(work / 'bench.traj.json').stat().st_size / 1e6:.1f} MB (mini-swe-agent format), "
                      f"{(work / 'bench.traj').stat().st_size / 1e6:.1f} MB (SWE-agent .traj), {STEPS} steps")
        paints, mems = measure_paints(work, mini)
        results = asyncio.run(in_process(ours))
    table = Table(title=f"patchsmith inspect — {STEPS}-step trajectory (median of {RUNS})")
    for column, justify in (("measure", "left"), ("patchsmith", "right"), ("mini-swe-agent inspector", "right"),
                            ("ratio (ours/theirs)", "right"), ("target", "right")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    paint_rows(table, paints, mems, mini)
    for name, value in results.items():
        target = {"move to last step (G key → frame), median": "< 50 ms",
                  "search all steps (in-process call), median": "< 100 ms"}.get(name, "–")
        table.add_row(name, f"{value * 1000:.1f} ms", "–", "–", target)
    console.print(table)
    console.print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
                  "(a shared machine: absolute times scale with load; the ratio is measured side by side)")
    console.print("first paint runs (s): " + json.dumps({k: [round(x, 3) for x in v] for k, v in paints.items()}))
    console.print("CPU seconds at first paint: " + json.dumps({k: [round(x, 2) for x in v] for k, v in CPU.items()
                                                              if k != "warm-up"}))
    if not mini:
        console.print("mini-swe-agent's inspector not found (set MINI_EXTRA or pip install mini-swe-agent into a "
                      "venv); the issue's reference is 1.0–1.2 s on a quiet machine.")
    shutil.rmtree(PYCACHE, ignore_errors=True)


if __name__ == "__main__":
    main()
