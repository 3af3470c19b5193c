"""`local`: a plain subprocess in the workspace, in its own process group so a timeout kills the tree.

Every command also carries a unique PATCHSMITH_EXEC marker in its environment; after it ends, processes that
still carry the marker (a `setsid`/`nohup` child that left the process group) are killed too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

from .base import DEFAULT_OUTPUT_CAP, DEFAULT_TIMEOUT, ExecResult, scrubbed_env

EXEC_MARKER = "PATCHSMITH_EXEC"


def kill_marked(marker: str, rounds: int = 20) -> int:
    """SIGKILL every process whose environment carries EXEC_MARKER=marker; repeat until none is left."""
    needle = f"{EXEC_MARKER}={marker}\0".encode()
    killed = 0
    me = os.getpid()
    for _ in range(rounds):
        found = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit() or int(entry) == me:
                continue
            try:
                with open(f"/proc/{entry}/environ", "rb") as fh:
                    if needle not in fh.read():
                        continue
                os.kill(int(entry), signal.SIGKILL)
                found += 1
            except (OSError, ProcessLookupError):
                continue
        killed += found
        if not found:
            break
    return killed


def _read_capped(stream, cap: int, sink: list[bytes], flags: dict[str, bool]) -> None:
    kept = 0
    while chunk := stream.read(65536):
        if kept < cap:
            sink.append(chunk[: cap - kept])
            kept += len(sink[-1])
        if kept >= cap:
            flags["truncated"] = True  # keep draining so the child never blocks on a full pipe


def run_process(argv: list[str], cwd: Path, timeout: float, env: Mapping[str, str],
                output_cap: int = DEFAULT_OUTPUT_CAP, marker: str | None = None) -> ExecResult:
    """Run argv with stdout+stderr merged; afterwards kill its whole process group (and marked processes)."""
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
        if marker:
            kill_marked(marker)
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

    def __init__(self, root: Path, output_cap: int = DEFAULT_OUTPUT_CAP, base_env: Mapping[str, str] | None = None,
                 read_only: bool = False):
        self.root = Path(root)
        self.output_cap = output_cap
        self.base_env = base_env
        # Not enforced for commands (they run as the user); the tools refuse edits when the workspace is
        # read-only, and check_mode warns that commands can still write. Use bwrap/docker to enforce it.
        self.read_only = read_only

    def exec(self, command: str, cwd: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
             env: Mapping[str, str] | None = None) -> ExecResult:
        marker = uuid.uuid4().hex
        full_env = scrubbed_env(self.base_env, env)
        full_env[EXEC_MARKER] = marker
        return run_process(["/bin/bash", "-c", command], cwd or self.root, timeout, full_env, self.output_cap,
                           marker=marker)

    def close(self) -> None:
        pass
