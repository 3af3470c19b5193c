"""`docker`: one long-lived container per run; each command is an `exec` in it, so a run pays start-up once.

The workspace is bind-mounted at its own path (read-only in read-only mode), the network is `none` unless
asked, CPU/memory/pids are limited, and all capabilities are dropped. Commands run as the workspace's owner
so files they write belong to the user on the host. Each command runs under `timeout -s KILL` inside the
container; afterwards a sweep (bash builtins only, so it works even when a fork bomb used up the pids limit)
kills whatever still carries the command's PATCHSMITH_EXEC marker (children that were backgrounded or
`setsid`). Containers carry labels (run id, owner pid and its start time, host) so that containers left by a
crashed run are found and removed by `cleanup_stale()`, which every new sandbox runs first.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .base import DEFAULT_OUTPUT_CAP, DEFAULT_TIMEOUT, ExecResult, SandboxUnavailable, scrubbed_env
from .engine import LABEL_HOST, LABEL_PID, LABEL_RUN, LABEL_SANDBOX, docker_client
from .images import base_tag
from .limits import DiskBudget, Limits, MiB
from .local import EXEC_MARKER
from .mounts import git_mounts

LABEL_START = "patchsmith.owner-start"
KILL_GRACE = 10.0  # seconds past the time limit before the host stops waiting for an exec's stream

# $1 = time limit (s), $2 = the command. The command gets the whole process group killed by `timeout`; the
# sweep then kills anything left that still carries this exec's marker. Builtins only after `timeout`.
# (The command's stderr goes through fd 3 so that bash's own "Killed" job notice is dropped.)
WRAPPER = r"""
{ timeout -s KILL "$1" /bin/bash -c "$2" </dev/null 2>&3 3>&-; } 3>&2 2>/dev/null
rc=$?
m="PATCHSMITH_EXEC=$PATCHSMITH_EXEC"
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
  n=0
  for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = "$$" ] && continue
    while IFS= read -r -d '' kv; do
      if [ "$kv" = "$m" ]; then kill -9 "$p" 2>/dev/null && n=$((n+1)); break; fi
    done 2>/dev/null < "$d/environ"
  done
  [ "$n" = 0 ] && break
done
exit $rc
"""

SWEEP = WRAPPER.split("rc=$?", 1)[1].replace("exit $rc", "exit 0")


def _process_start(pid: int) -> str | None:
    """The start time (clock ticks since boot) of pid, which tells a live owner from a reused pid."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def owner_labels(run_id: str) -> dict[str, str]:
    """A container's owner (this process, its start time, this host): what `cleanup_stale` judges it by."""
    return {LABEL_SANDBOX: "1", LABEL_RUN: run_id, LABEL_PID: str(os.getpid()),
            LABEL_START: _process_start(os.getpid()) or "", LABEL_HOST: socket.gethostname()}


def _owner_alive(labels: Mapping[str, str]) -> bool:
    if labels.get(LABEL_HOST) != socket.gethostname():
        return True  # another machine's container on a shared engine: not ours to judge
    try:
        pid = int(labels.get(LABEL_PID, "0"))
    except ValueError:
        return False
    start = _process_start(pid)
    return start is not None and start == labels.get(LABEL_START)


def cleanup_stale(client: Any = None) -> list[str]:
    """Remove sandbox containers whose owning process (on this host) is gone. Returns their names."""
    import docker.errors

    client = client or docker_client()
    removed = []
    for container in client.containers.list(all=True, filters={"label": f"{LABEL_SANDBOX}=1"}):
        if _owner_alive(container.labels):
            continue
        try:
            container.remove(force=True)
            removed.append(container.name)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if "already in progress" not in str(exc):
                raise
    return removed


def _remove_container(client: Any, container_id: str) -> None:
    try:
        client.api.remove_container(container_id, force=True)
    except Exception:  # at interpreter exit or already gone: nothing more to do
        pass


class DockerSandbox:
    name = "docker"
    isolates = True

    def __init__(self, root: Path, image: str | None = None, read_only: bool = False, network: bool = False,
                 output_cap: int = DEFAULT_OUTPUT_CAP, base_env: Mapping[str, str] | None = None,
                 cpus: float | None = None, memory: str | None = None, pids_limit: int | None = None,
                 run_id: str | None = None, client: Any = None, ro_paths: list[Path] | None = None,
                 limits: Limits | None = None):
        import docker.errors
        import docker.types

        self.client = client or docker_client()
        self.root = Path(root).resolve()
        self.read_only = read_only
        self.network = network
        self.output_cap = output_cap
        self.base_env = dict(base_env or {})
        self.image = image or base_tag()
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.limits = limits or Limits()
        memory = memory or str(self.limits.memory_bytes)
        pids_limit = pids_limit or self.limits.pids
        stat = self.root.stat()
        self.user = f"{stat.st_uid}:{stat.st_gid}"  # files written in the workspace belong to its owner
        self.home = "/root" if stat.st_uid == 0 else "/tmp"
        try:
            self.client.images.get(self.image)
        except docker.errors.ImageNotFound:
            hint = ("run `patchsmith images build base`" if self.image.startswith("patchsmith/base:")
                    else "build it first (patchsmith.tools.sandbox.images.ensure_env_image)")
            raise SandboxUnavailable(f"docker image {self.image} is missing: {hint}") from None
        cleanup_stale(self.client)
        volumes = {str(self.root): {"bind": str(self.root), "mode": "ro" if read_only else "rw"}}
        for path, writable in git_mounts(self.root):  # a linked worktree's git dirs live outside the root
            volumes[str(path)] = {"bind": str(path), "mode": "rw" if writable and not read_only else "ro"}
        for path in ro_paths or []:
            volumes[str(Path(path).resolve())] = {"bind": str(Path(path).resolve()), "mode": "ro"}
        labels = owner_labels(self.run_id)
        self._disk = DiskBudget(self.root, self.limits.disk_bytes)
        tmpfs = {d: f"size={self.limits.tmp_bytes},mode=1777" for d in ("/tmp", "/var/tmp", "/run")}
        if self.home != "/tmp":
            tmpfs[self.home] = f"size={self.limits.tmp_bytes},mode=700"
        t0 = time.monotonic()
        try:
            self.container = self.client.containers.run(
                self.image, ["sleep", "infinity"], detach=True, init=True, name=f"patchsmith-{self.run_id}",
                labels=labels, network_mode="bridge" if network else "none",
                volumes=volumes,
                working_dir=str(self.root), mem_limit=memory, memswap_limit=memory,
                nano_cpus=int((cpus or os.cpu_count() or 1) * 1e9), pids_limit=pids_limit,
                cap_drop=["ALL"], security_opt=["no-new-privileges"],
                # The image's own files are read-only: what a command writes goes to the workspace (under the
                # disk budget) or to size-limited tmpfs, never to an unbounded container layer.
                read_only=True, tmpfs=tmpfs,
                ulimits=[docker.types.Ulimit(name="fsize", soft=self.limits.file_bytes,
                                             hard=self.limits.file_bytes)])
        except docker.errors.APIError as exc:
            raise SandboxUnavailable(f"cannot start a container from {self.image}: {exc.explanation}") from exc
        self.start_time = time.monotonic() - t0
        # Removed at close(), when garbage-collected, or at interpreter exit, whichever comes first.
        self._finalizer = weakref.finalize(self, _remove_container, self.client, self.container.id)

    def _exec_env(self, env: Mapping[str, str] | None, marker: str) -> dict[str, str]:
        # The host's PATH means nothing in the image (the image's own PATH, e.g. its venv, must win).
        out = scrubbed_env(self.base_env, env)
        if "PATH" not in self.base_env and not (env and "PATH" in env):
            out.pop("PATH", None)
        out.update({"HOME": self.home, "TMPDIR": "/tmp", EXEC_MARKER: marker})
        return out

    def exec(self, command: str, cwd: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
             env: Mapping[str, str] | None = None) -> ExecResult:
        import docker.errors

        try:
            return self._exec(command, cwd, timeout, env)
        except docker.errors.APIError as exc:
            # The contract is a result, never an exception: say what broke (125 is docker's own error code).
            return ExecResult(exit_code=125, output=f"[sandbox error: {exc.explanation or exc}]", duration=0.0)

    def _exec(self, command: str, cwd: Path | None, timeout: float, env: Mapping[str, str] | None) -> ExecResult:
        start = time.monotonic()
        marker = uuid.uuid4().hex
        api = self.client.api
        exec_id = api.exec_create(self.container.id, ["/bin/bash", "-c", WRAPPER, "patchsmith-exec",
                                                      f"{max(timeout, 0.01):g}", command],
                                  user=self.user, environment=self._exec_env(env, marker),
                                  workdir=str(Path(cwd).resolve() if cwd else self.root))["Id"]
        chunks: list[bytes] = []
        state = {"kept": 0, "truncated": False}

        def pump() -> None:
            for chunk in api.exec_start(exec_id, stream=True):
                room = self.output_cap - state["kept"]
                if room > 0:
                    chunks.append(chunk[:room])
                    state["kept"] += len(chunks[-1])
                if len(chunk) > max(room, 0):
                    state["truncated"] = True  # keep draining so the command never blocks on output

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        stopped = self._watch(reader, marker, start + timeout + KILL_GRACE)
        if reader.is_alive():  # the in-container limit should have fired; make sure, then stop waiting
            self._sweep(marker)
            reader.join(5)
        info = api.exec_inspect(exec_id)
        duration = time.monotonic() - start
        exit_code = info.get("ExitCode")
        exit_code = 137 if exit_code is None else int(exit_code)
        timed_out = exit_code == 137 and duration >= timeout - 0.05
        output = b"".join(chunks).decode("utf-8", errors="replace")
        if state["truncated"]:
            output += f"\n[output capped at {self.output_cap} bytes]"
        if timed_out:
            output += f"\n[command timed out after {timeout:g}s and was killed]"
            exit_code = 124
        if stopped:
            output += f"\n{stopped}"
        elif exit_code == 137 and not timed_out and self._oom_killed():
            output += f"\n[killed: the command ran out of its {self.limits.memory_bytes // MiB} MiB of memory]"
        return ExecResult(exit_code=exit_code, output=output, duration=duration, timed_out=timed_out,
                          truncated=bool(state["truncated"]))

    def _watch(self, reader: threading.Thread, marker: str, deadline: float) -> str:
        """Wait for the exec's stream to end; kill the command early when it spends the disk budget."""
        at_start = self._disk.grown()
        while reader.is_alive() and time.monotonic() < deadline:
            reader.join(0.2)
            grown = self._disk.grown()
            if reader.is_alive() and grown > self._disk.budget and grown > at_start:
                self._sweep(marker)
                reader.join(5)
                return self._disk.message()
        return ""

    def _oom_killed(self) -> bool:
        try:
            self.container.reload()
            return bool(self.container.attrs.get("State", {}).get("OOMKilled"))
        except Exception:  # the answer only decorates the message
            return False

    def _sweep(self, marker: str) -> None:
        api = self.client.api
        exec_id = api.exec_create(self.container.id, ["/bin/bash", "-c", SWEEP], user=self.user,
                                  environment={EXEC_MARKER: marker})["Id"]
        api.exec_start(exec_id)

    def close(self) -> None:
        self._finalizer()
