"""`local`: a plain subprocess in the workspace, in its own process group so a timeout kills the tree.

With `offline=True` (the harness's test runs) each command runs in a fresh network namespace where only
loopback exists (`unshare -n`, or `-rn` as a user), so a task's test suite reaches nothing but itself; where no
namespace can be made here the sandbox says so in its name ("local (host network)").

Every command also carries a unique PATCHSMITH_EXEC marker in its environment; after it ends, processes that
still carry the marker (a `setsid`/`nohup` child that left the process group) are killed too.
"""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from .base import DEFAULT_OUTPUT_CAP, DEFAULT_TIMEOUT, ExecResult, scrubbed_env
from .limits import CgroupJail, DiskBudget, Limits, MiB, rlimit_argv

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


WATCH_EVERY = 0.2  # seconds between checks of the disk budget while a command runs


def _wait(proc: subprocess.Popen, timeout: float, watch: Callable[[], str | None] | None) -> tuple[bool, str]:
    """Wait for proc up to `timeout`; (timed out, why `watch` stopped it early, or "")."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        try:
            proc.wait(timeout=max(min(left, WATCH_EVERY if watch else left), 0))
            return False, ""
        except subprocess.TimeoutExpired:
            if left <= 0:
                return True, ""
            reason = watch() if watch else None
            if reason:
                return False, reason


def run_process(argv: list[str], cwd: Path, timeout: float, env: Mapping[str, str],
                output_cap: int = DEFAULT_OUTPUT_CAP, marker: str | None = None,
                watch: Callable[[], str | None] | None = None) -> ExecResult:
    """Run argv with stdout+stderr merged; afterwards kill its whole process group (and marked processes).
    `watch`, polled while it runs, returns a reason to kill it early (e.g. the disk budget is spent)."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    chunks: list[bytes] = []
    flags = {"truncated": False}
    reader = threading.Thread(target=_read_capped, args=(proc.stdout, output_cap, chunks, flags), daemon=True)
    reader.start()
    timed_out, stopped = False, ""
    try:
        timed_out, stopped = _wait(proc, timeout, watch)
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
    if stopped:
        output += f"\n{stopped}"
    return ExecResult(exit_code=124 if timed_out else (137 if stopped else proc.returncode), output=output,
                      duration=time.monotonic() - start, timed_out=timed_out, truncated=flags["truncated"])


def limited_run(argv: list[str], cwd: Path, timeout: float, env: Mapping[str, str], output_cap: int,
                jail: CgroupJail, limits: Limits, disk: DiskBudget, marker: str | None = None) -> ExecResult:
    """run_process under the limits: fresh cgroups (or rlimits), the file-size cap, the disk budget watched."""
    prefix, cgroups = jail.enter()
    full = [*prefix, *rlimit_argv(limits, bool(cgroups)), *argv]
    at_start = disk.grown()

    def watch() -> str | None:
        grown = disk.grown()
        return disk.message() if grown > disk.budget and grown > at_start else None

    try:
        result = run_process(full, cwd, timeout, env, output_cap, marker=marker, watch=watch)
        oom = jail.oom_killed(cgroups)
    finally:
        jail.drop(cgroups)
    if oom:
        result.output += f"\n[killed: the command ran out of its {limits.memory_bytes // MiB} MiB of memory]"
    elif disk.budget < disk.grown() and disk.message() not in result.output:
        result.output += "\n" + disk.message().replace("the command was killed", "it is over now")
    return result


# Brings loopback up inside the new namespace, then runs the command ("$@") in place of this shell.
_LO_UP = 'ip link set lo up || exit 125; exec "$@"'


def netns_prefix() -> list[str]:
    """argv that runs the rest in a new network namespace with only loopback (as root: `unshare -n`; as a user:
    `unshare -rn`, mapped to root inside)."""
    userns = ["--map-root-user"] if os.geteuid() != 0 else []
    return ["unshare", *userns, "--net", "--", "/bin/sh", "-c", _LO_UP, "sh"]


@functools.lru_cache(maxsize=1)
def offline_status() -> str | None:
    """None when a loopback-only network namespace can be made here, else why not (one line). Probed once."""
    missing = [tool for tool in ("unshare", "ip") if shutil.which(tool) is None]
    if missing:
        return f"{' and '.join(missing)} not found (install util-linux and iproute2)"
    try:
        probe = subprocess.run([*netns_prefix(), "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unshare failed: {exc}"
    if probe.returncode != 0:
        return f"unshare -n failed: {(probe.stderr.strip().splitlines() or ['exit ' + str(probe.returncode)])[-1]}"
    return None


class LocalSandbox:
    """No isolation: the command runs as the user, in the workspace, with a scrubbed environment, under the
    memory/process limits (a cgroup where one can be made, else rlimits) and the disk budget."""

    name = "local"
    isolates = False

    def __init__(self, root: Path, output_cap: int = DEFAULT_OUTPUT_CAP, base_env: Mapping[str, str] | None = None,
                 read_only: bool = False, limits: Limits | None = None, offline: bool = False):
        self.root = Path(root)
        # offline: no network but loopback, where a namespace can be made (else the name tells the records).
        self._netns = netns_prefix() if offline and offline_status() is None else []
        if offline:
            self.name = "local+netns" if self._netns else "local (host network)"
        self.output_cap = output_cap
        self.base_env = base_env
        # Not enforced for commands (they run as the user); the tools refuse edits when the workspace is
        # read-only, and check_mode warns that commands can still write. Use bwrap/docker to enforce it.
        self.read_only = read_only
        self.limits = limits or Limits()
        self._jail = CgroupJail(self.limits)
        self._disk = DiskBudget(self.root, self.limits.disk_bytes)

    def exec(self, command: str, cwd: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
             env: Mapping[str, str] | None = None) -> ExecResult:
        marker = uuid.uuid4().hex
        full_env = scrubbed_env(self.base_env, env)
        full_env[EXEC_MARKER] = marker
        return limited_run([*self._netns, "/bin/bash", "-c", command], cwd or self.root, timeout, full_env, self.output_cap,
                           self._jail, self.limits, self._disk, marker=marker)

    def close(self) -> None:
        pass
