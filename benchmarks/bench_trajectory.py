"""Cost of the trajectory and terminal hardening, per step, against the plain serializer in the same run.

    python benchmarks/bench_trajectory.py [--steps 2000]

Rows: writing a typical step (12k-character observation, a diff, memory state) with the hardened writer
(fast path: pydantic's serializer plus a scan for U+FFFD and secrets), with two secrets to look for, and
a step holding undecodable bytes (the careful path that records `exact`); the reference is
`model_dump_json()` + write, the old writer. Then `inert()` over the same observation text (what the console
and the inspector do before drawing), against a plain copy of the string.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from patchsmith.agent.trajectory import Action, ObservationRecord, Step, TrajectoryWriter
from patchsmith.tools.safetext import inert

OBS = ("    12\tdef parse(text):\n    13\t    return int(text)  # données\n" * 200)[:12_000]
DIFF = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-x = 1\n+x = 2\n" * 20


def step(i: int, text: str = OBS) -> Step:
    return Step(index=i, thought="Look at the parser.", action=Action(tool="bash", args={"command": "cat x.py"}),
                observation=ObservationRecord(text=text, data={"command": "cat x.py", "exit_code": 0}),
                state={"notes": ["n"] * 10, "files_viewed": ["x.py"] * 5}, diff=DIFF)


def timed(fn, n: int) -> float:
    t0 = time.perf_counter()
    for i in range(n):
        fn(i)
    return (time.perf_counter() - t0) / n * 1e6  # µs per call


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2000)
    n = parser.parse_args().steps
    steps = [step(i) for i in range(n)]
    latin = [step(i, OBS + "caf\udce9") for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        with open(Path(tmp) / "ref.jsonl", "w", encoding="utf-8") as fh:
            def reference(i: int) -> None:
                fh.write(steps[i].model_dump_json() + "\n")
                fh.flush()
            ref = timed(reference, n)
        plain = TrajectoryWriter(Path(tmp) / "a.jsonl")
        hardened = timed(lambda i: plain.write(steps[i]), n)
        secret = TrajectoryWriter(Path(tmp) / "b.jsonl", secrets=["sk-abcdefghijklmnop", "ghp_0123456789abcdef"])
        with_secrets = timed(lambda i: secret.write(steps[i]), n)
        careful_writer = TrajectoryWriter(Path(tmp) / "c.jsonl")
        careful = timed(lambda i: careful_writer.write(latin[i]), n)
    copy_ref = timed(lambda i: "".join([OBS[:6000], OBS[6000:]]), n)
    shown = timed(lambda i: inert(OBS), n)
    table = Table(title=f"per step, {n} steps (µs; ratio against the reference row above it)")
    for col in ("what", "µs", "ratio"):
        table.add_column(col, justify="left" if col == "what" else "right")
    table.add_row("reference: model_dump_json + write (old writer)", f"{ref:.1f}", "1.00")
    table.add_row("hardened writer, plain step", f"{hardened:.1f}", f"{hardened / ref:.2f}")
    table.add_row("hardened writer, two secrets to mask", f"{with_secrets:.1f}", f"{with_secrets / ref:.2f}")
    table.add_row("hardened writer, step with undecodable bytes", f"{careful:.1f}", f"{careful / ref:.2f}")
    table.add_row("reference: copy the 12k observation", f"{copy_ref:.1f}", "1.00")
    table.add_row("inert() over the 12k observation", f"{shown:.1f}", f"{shown / copy_ref:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
