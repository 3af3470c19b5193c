"""`local`: a plain subprocess in the workspace, in its own process group so a timeout kills the tree."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from .base import DEFAULT_OUTPUT_CAP, DEFAULT_TIMEOUT, ExecResult, scrubbed_env


def _read_capped(stream, cap: int, sink: list[bytes], flags: dict[str, bool]) -> None:
    kept = 0
    while chunk := stream.read(65536):
        if kept < cap:
            sink.append(chunk[: cap - kept])
            kept += len(sink[-1])
        if kept >= cap:
            flags["truncated"] = True  # keep draining so the child never blocks on a full pipe


def run_process(argv: list[str], cwd: Path, timeout: float, env: Mapping[str, str],
                output_cap: int = DEFAULT_OUTPUT_CAP) -> ExecResult:
    """Run argv with stdout+stderr merged; on timeout kill its whole process group."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    chunks: list[bytes] = []
    flags = {"truncated": False}
    reader = threading.Thread(target=_read_capped, args=(proc.stdout, output_cap, chunks, flags), daemon=True)
    reader.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        # Kill the group even on success: a backgrounded child must not outlive the command.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
    reader.join(timeout=5)
    output = b"".join(chunks).decode("utf-8", errors="replace")
    if flags["truncated"]:
        output += f"\n[output capped at {output_cap} bytes]"
    if timed_out:
        output += f"\n[command timed out after {timeout:g}s and was killed]"
    return ExecResult(exit_code=124 if timed_out else proc.returncode, output=output,
                      duration=time.monotonic() - start, timed_out=timed_out, truncated=flags["truncated"])


class LocalSandbox:
    """No isolation: the command runs as the user, in the workspace, with a scrubbed environment."""

    name = "local"
    isolates = False

    def __init__(self, root: Path, output_cap: int = DEFAULT_OUTPUT_CAP, base_env: Mapping[str, str] | None = None):
        self.root = Path(root)
        self.output_cap = output_cap
        self.base_env = base_env

    def exec(self, command: str, cwd: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
             env: Mapping[str, str] | None = None) -> ExecResult:
        return run_process(["/bin/bash", "-c", command], cwd or self.root, timeout,
                           scrubbed_env(self.base_env, env), self.output_cap)

    def close(self) -> None:
        pass
