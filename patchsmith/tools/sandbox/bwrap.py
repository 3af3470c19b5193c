"""`bwrap`: bubblewrap on the host. The system read-only, the home hidden, no network, a private /tmp.

Inside: /usr, /etc, /opt, /bin, /sbin, /lib* (and the Python installs, e.g. ~/.pyenv) read-only; the home
directory an empty tmpfs; the workspace bound at its own path (read-only in read-only mode); a private
/tmp (a size-limited tmpfs); new PID, network, IPC and UTS namespaces; no capabilities (we may run as root).
Killing bwrap kills its PID namespace, so nothing a command started outlives it. Memory, processes and disk
are limited as on every backend (limits.py): cgroups where they can be made, else rlimits; the time limit
stops everything else.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from .base import DEFAULT_OUTPUT_CAP, DEFAULT_TIMEOUT, ExecResult, SandboxUnavailable, scrubbed_env
from .limits import CgroupJail, DiskBudget, Limits
from .local import limited_run
from .mounts import git_mounts

SYSTEM_DIRS = ["/usr", "/etc", "/opt", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]
HIDDEN_FILES = ["/etc/shadow", "/etc/gshadow", "/etc/sudoers"]  # readable to root even with no capabilities


@functools.cache
def _probe(bwrap: str) -> str | None:
    """None when bwrap can make the namespaces we need here, else the reason in one line."""
    argv = [bwrap, "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "--unshare-net", "--unshare-pid",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL", "true"]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap does not run ({exc})"
    if proc.returncode == 0:
        return None
    err = (proc.stderr.strip().splitlines() or ["no message"])[-1]
    if "namespace" in err.lower() or "permission" in err.lower() or "operation not permitted" in err.lower():
        return (f"bubblewrap cannot create namespaces ({err}): user namespaces are off; enable them "
                "(sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces>0) or use --sandbox docker")
    return f"bubblewrap fails here ({err}); use --sandbox docker or local"


def bwrap_status() -> str | None:
    """None when the bwrap backend works on this machine, else why not (one line)."""
    path = shutil.which("bwrap")
    if not path:
        return "bubblewrap is not installed: apt-get install bubblewrap (or use --sandbox docker or local)"
    return _probe(path)


def _python_installs(home: Path) -> list[Path]:
    """Interpreters living under the home (pyenv, a venv) that commands still need, bound read-only."""
    candidates = [Path(os.environ.get("PYENV_ROOT", home / ".pyenv")), Path(sys.base_prefix), Path(sys.prefix)]
    out: list[Path] = []
    for path in candidates:
        path = path.resolve()
        covered = any(path == p or p in path.parents for p in out)  # ~/.pyenv already holds its versions
        if path.is_dir() and (path == home or home in path.parents) and not covered:
            out.append(path)
    return out


class BwrapSandbox:
    name = "bwrap"
    isolates = True

    def __init__(self, root: Path, read_only: bool = False, network: bool = False,
                 output_cap: int = DEFAULT_OUTPUT_CAP, base_env: Mapping[str, str] | None = None,
                 home: Path | None = None, ro_paths: list[Path] | None = None,
                 limits: Limits | None = None):
        reason = bwrap_status()
        if reason:
            raise SandboxUnavailable(reason)
        self.bwrap = shutil.which("bwrap") or "bwrap"
        self.root = Path(root).resolve()
        self.read_only = read_only
        self.network = network
        self.output_cap = output_cap
        self.base_env = base_env
        self.home = Path(home or os.environ.get("HOME") or Path.home()).resolve()
        self.ro_paths = [Path(p).resolve() for p in (ro_paths or [])]
        self.limits = limits or Limits()
        self._jail = CgroupJail(self.limits)
        self._disk = DiskBudget(self.root, self.limits.disk_bytes)
        self._argv = self._mount_args()

    def _mount_args(self) -> list[str]:
        args = [self.bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-ipc",
                "--unshare-uts", "--unshare-cgroup-try", "--cap-drop", "ALL"]
        if not self.network:
            args.append("--unshare-net")
        for d in SYSTEM_DIRS:
            p = Path(d)
            if p.is_symlink():  # merged /usr: /bin -> usr/bin
                args += ["--symlink", os.readlink(p), d]
            elif p.is_dir():
                args += ["--ro-bind", d, d]
        for f in HIDDEN_FILES:
            if Path(f).exists():
                args += ["--ro-bind", "/dev/null", f]
        args += ["--proc", "/proc", "--dev", "/dev", "--size", str(self.limits.tmp_bytes), "--tmpfs", "/tmp",
                 "--size", str(self.limits.tmp_bytes), "--tmpfs", "/var/tmp"]
        # The home is an empty tmpfs; what must stay reachable under it (Python, the workspace) is bound after.
        args += ["--tmpfs", str(self.home)]
        for p in [*_python_installs(self.home), *self.ro_paths]:
            args += ["--ro-bind", str(p), str(p)]
        args += ["--ro-bind" if self.read_only else "--bind", str(self.root), str(self.root)]
        for path, writable in git_mounts(self.root):  # a linked worktree's git dirs live outside the root
            args += ["--bind" if writable and not self.read_only else "--ro-bind", str(path), str(path)]
        return args

    def _env(self, env: Mapping[str, str] | None) -> dict[str, str]:
        out = scrubbed_env(self.base_env, env)
        out.update({"HOME": str(self.home), "TMPDIR": "/tmp"})
        return out

    def exec(self, command: str, cwd: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
             env: Mapping[str, str] | None = None) -> ExecResult:
        workdir = Path(cwd).resolve() if cwd else self.root
        argv = [*self._argv, "--chdir", str(workdir), "/bin/bash", "-c", command]
        return limited_run(argv, self.root, timeout, self._env(env), self.output_cap, self._jail, self.limits,
                           self._disk)

    def close(self) -> None:
        pass
