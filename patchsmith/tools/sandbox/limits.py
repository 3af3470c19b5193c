"""The resource limits every backend enforces on a command: memory, processes, disk, and the size of /tmp.

- Memory and processes: a cgroup per command when one can be made here (cgroup v1 `memory` and `pids`
  hierarchies, or cgroup v2 with those controllers, as root or in a delegated subtree); otherwise
  RLIMIT_DATA per process for memory and, for a normal user, RLIMIT_NPROC. Docker has its own.
- Disk: RLIMIT_FSIZE caps any one file a command writes; a checked budget caps how much the workspace may
  grow in all (polled while the command runs: a cheap free-space probe, then a walk of the workspace only
  when the file system grew); a command that takes it past the budget is killed and told why.
- /tmp: a size-limited tmpfs (bwrap `--size`, docker `tmpfs`); local has no private /tmp.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

GiB = 1024 ** 3
MiB = 1024 ** 2
CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Limits:
    memory_bytes: int = 4 * GiB
    pids: int = 1024
    disk_bytes: int = 10 * GiB  # how much the workspace may grow past its size when the sandbox was made
    tmp_bytes: int = 2 * GiB  # the private /tmp (bwrap, docker)

    @property
    def file_bytes(self) -> int:
        return self.disk_bytes  # no single file may exceed the whole budget


def tree_size(root: Path) -> int:
    """Bytes the files under `root` occupy on disk (sparse files count what they really use)."""
    total = 0
    stack = [str(root)]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for entry in it:
                    try:
                        st = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    total += st.st_blocks * 512
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue
    return total


def _fs_used(root: Path) -> int:
    try:
        st = os.statvfs(root)
    except OSError:
        return 0
    return (st.f_blocks - st.f_bfree) * st.f_frsize


class DiskBudget:
    """How far the workspace may grow. `over()` is cheap until the file system itself has grown."""

    def __init__(self, root: Path, budget: int):
        self.root, self.budget = Path(root), budget
        self.baseline = tree_size(self.root)
        self._size = self.baseline
        self._fs_mark = _fs_used(self.root)
        self._probe_step = max(min(budget // 8, 64 * MiB), MiB)

    def grown(self) -> int:
        """Bytes the workspace grew since the sandbox was made, walked afresh only when the disk filled up
        by more than a probe step since the last walk (someone else's writes just cost a walk)."""
        used = _fs_used(self.root)
        if abs(used - self._fs_mark) >= self._probe_step:
            self._size = tree_size(self.root)
            self._fs_mark = used
        return self._size - self.baseline

    def over(self) -> bool:
        return self.grown() > self.budget

    def message(self) -> str:
        return (f"[disk budget exceeded: the workspace grew by {self.grown() // MiB} MiB, past its "
                f"{self.budget // MiB} MiB budget; the command was killed. Delete large files you wrote to go on]")


def rlimit_argv(limits: Limits, cgroups: bool) -> list[str]:
    """`prlimit` arguments: the file-size cap always; memory and processes when no cgroup does it."""
    if not shutil.which("prlimit"):  # util-linux missing: the cgroups and the disk budget still hold
        return []
    args = ["prlimit", f"--fsize={limits.file_bytes}"]
    if not cgroups:
        args.append(f"--data={limits.memory_bytes}")
        if os.geteuid() != 0:
            # RLIMIT_NPROC counts all the user's tasks, so allow what exists now plus the limit.
            total = int(Path("/proc/loadavg").read_text().split()[3].split("/")[1])
            args.append(f"--nproc={total + limits.pids}")
    return [*args, "--"]


class CgroupJail:
    """Makes a cgroup per command with memory and pids limits, in whichever hierarchy is writable here."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.kind, self.parents = _find_parents()

    @property
    def works(self) -> bool:
        return self.kind is not None

    def enter(self) -> tuple[list[str], list[Path]]:
        """(argv prefix that moves the command into fresh cgroups, those cgroups); ([], []) when none."""
        made: list[Path] = []
        name = uuid.uuid4().hex
        try:
            for parent in self.parents:
                cg = parent / name
                cg.mkdir()
                made.append(cg)
                self._limit(cg)
        except OSError:
            self.drop(made)
            self.kind, self.parents = None, []
            return [], []
        procs = [str(cg / "cgroup.procs") for cg in made]
        # The shell moves itself into every cgroup, then becomes the command: each descendant is counted.
        script = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"'
        return ["/bin/sh", "-c", script, "sh", str(len(procs)), *procs], made

    def _limit(self, cg: Path) -> None:
        mem, pids = str(self.limits.memory_bytes), str(self.limits.pids)
        if self.kind == "v2":
            (cg / "memory.max").write_text(mem)
            (cg / "pids.max").write_text(pids)
            if (cg / "memory.swap.max").exists():
                (cg / "memory.swap.max").write_text("0")
        elif (cg / "memory.limit_in_bytes").exists():
            (cg / "memory.limit_in_bytes").write_text(mem)
            if (cg / "memory.memsw.limit_in_bytes").exists():
                (cg / "memory.memsw.limit_in_bytes").write_text(mem)
        else:
            (cg / "pids.max").write_text(pids)

    @staticmethod
    def oom_killed(cgs: list[Path]) -> bool:
        for cg in cgs:
            for name, key in (("memory.events", "oom_kill"), ("memory.oom_control", "oom_kill")):
                try:
                    for line in (cg / name).read_text().splitlines():
                        if line.startswith(key + " ") and int(line.split()[1]) > 0:
                            return True
                except (OSError, ValueError):
                    continue
        return False

    @staticmethod
    def drop(cgs: list[Path]) -> None:
        for cg in cgs:
            for _ in range(1000):  # killed tasks take a moment to leave; rmdir fails until then
                try:
                    for pid in (cg / "cgroup.procs").read_text().split():
                        try:
                            os.kill(int(pid), signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    cg.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.002)


def _usable(parent: Path) -> bool:
    try:
        parent.mkdir(exist_ok=True)
        probe = parent / f"probe-{uuid.uuid4().hex[:8]}"
        probe.mkdir()
        probe.rmdir()
        return True
    except OSError:
        return False


def _sweep_stale(parent: Path) -> None:
    """Empty cgroups left by a crashed run; the age check spares ones another run is just setting up."""
    try:
        for child in parent.iterdir():
            if child.is_dir() and time.time() - child.stat().st_mtime > 60:
                try:
                    child.rmdir()
                except OSError:
                    pass
    except OSError:
        pass


def _v2_root() -> Path | None:
    for candidate in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        controllers = candidate / "cgroup.controllers"
        if controllers.is_file() and {"memory", "pids"} <= set(controllers.read_text().split()):
            return candidate
    return None


def _find_parents() -> tuple[str | None, list[Path]]:
    v1 = [CGROUP_ROOT / "memory" / "patchsmith", CGROUP_ROOT / "pids" / "patchsmith"]
    if all(p.parent.is_dir() and (p.parent / "cgroup.procs").exists() for p in v1) and all(_usable(p) for p in v1):
        for p in v1:
            _sweep_stale(p)
        return "v1", v1
    root = _v2_root()
    if root is None:
        return None, []
    parent = root / "patchsmith"
    try:
        # Controllers must be on in the parent's subtree_control for its children to be limited; our own
        # folder holds no process, so that is allowed under it.
        (root / "cgroup.subtree_control").write_text("+memory +pids")
        parent.mkdir(exist_ok=True)
        (parent / "cgroup.subtree_control").write_text("+memory +pids")
    except OSError:
        return None, []
    if not _usable(parent):
        return None, []
    _sweep_stale(parent)
    return "v2", [parent]
