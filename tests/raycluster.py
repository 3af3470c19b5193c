"""A real Ray cluster on loopback only, for tests and benchmarks: a head and more worker nodes (each with its
own temp dir, resources and cache) inside a network namespace made for it, where only `lo` exists.

Ray binds the machine's outward address even when told `--node-ip-address 127.0.0.1`; inside the namespace
there is no such address. Everything that talks to the cluster (the driver too) runs through `exec`. The
cluster is stopped by killing the processes in its namespace, by pid (`ray stop` would kill every Ray process
on the machine, other people's too), and the namespace is deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 6379  # the namespace is new: nothing else listens there


def netns_usable() -> str:
    """Why a loopback cluster cannot run here ("" when it can)."""
    if shutil.which("ip") is None:
        return "no `ip` (iproute2)"
    try:
        import ray  # noqa: F401
    except ModuleNotFoundError:
        return "ray is not installed (pip install -e '.[test]')"
    if os.geteuid() != 0:
        return "network namespaces need root"
    return ""


def run_args(tasks: Path, output: Path, *more: str) -> list[str]:
    """`patchsmith run` of the scripted tasks in `tasks` into `output`, for a driver in the namespace."""
    command = ["run", str(tasks), "--model", "scripted", "--output", str(output), "--no-progress"]
    return [sys.executable, "-m", "patchsmith", *command, *more]


class LoopbackCluster:
    def __init__(
        self,
        nodes: list[dict] | None = None,
        object_store_mb: int = 80,
        env: dict[str, str] | None = None,
        cache: Path | None = None,
    ):
        # One CPU per node: two tasks run at once, one on each node.
        self.nodes = nodes or [{"num_cpus": 1}, {"num_cpus": 1, "resources": {"second": 1}}]
        self.object_store_mb = object_store_mb
        self.name = f"psray-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.dir = Path(
            tempfile.mkdtemp(prefix="psray-", dir="/tmp")
        )  # short: Ray's socket paths are bounded
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0", **(env or {})}
        self.address = f"127.0.0.1:{PORT}"
        self.cache = cache

    def __enter__(self) -> LoopbackCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def run(
        self,
        *command: str,
        env: dict[str, str] | None = None,
        timeout: float = 600,
        check: bool = True,
        **kwargs,
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["ip", "netns", "exec", self.name, *command],
            env={**self.env, **(env or {})},
            timeout=timeout,
            check=check,
            capture_output=True,
            text=True,
            **kwargs,
        )

    def popen(self, *command: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(
            ["ip", "netns", "exec", self.name, *command], env={**self.env, **(env or {})}, **kwargs
        )

    def start(self) -> None:
        subprocess.run(["ip", "netns", "add", self.name], check=True, capture_output=True)
        self.run("ip", "link", "set", "lo", "up")
        for number, node in enumerate(self.nodes):
            where = (
                ["--head", f"--port={PORT}", "--include-dashboard=false"]
                if number == 0
                else [f"--address={self.address}"]
            )
            options = [
                f"--num-cpus={node.get('num_cpus', 1)}",
                f"--temp-dir={self.dir / f'node{number}'}",
                f"--object-store-memory={self.object_store_mb << 20}",
                "--node-ip-address=127.0.0.1",
                "--disable-usage-stats",
            ]
            if node.get("resources"):
                options.append(f"--resources={json.dumps(node['resources'])}")
            # Each node its own cache (nothing shared with the driver), unless one is given (benchmarks).
            cache = self.cache or self.dir / f"cache{number}"
            # A node's own environment on top (e.g. another PYTHONPATH: a node with other code).
            env = {"PATCHSMITH_CACHE_DIR": str(cache), **node.get("env", {})}
            self.run("ray", "start", *where, *options, env=env, timeout=300)
        self.wait_for_nodes()

    def wait_for_nodes(self, timeout: float = 180) -> None:
        probe = (
            "import ray,sys; ray.init(address=sys.argv[1], logging_level='ERROR'); "
            "print(sum(n['Alive'] for n in ray.nodes()))"
        )
        deadline = time.monotonic() + timeout
        while True:
            out = self.run(sys.executable, "-c", probe, self.address, check=False, timeout=120)
            if out.stdout.strip() == str(len(self.nodes)):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"Ray cluster did not come up: {out.stdout[-500:]} {out.stderr[-1500:]}")
            time.sleep(2)

    def nodes_info(self) -> list[dict]:
        probe = (
            "import ray,sys,json; ray.init(address=sys.argv[1], logging_level='ERROR'); "
            "print(json.dumps([{k: n[k] for k in ('NodeID','NodeManagerAddress','Alive')} for n in ray.nodes()]))"
        )
        return json.loads(self.run(sys.executable, "-c", probe, self.address).stdout.strip().splitlines()[-1])

    def pids(self) -> list[int]:
        out = subprocess.run(["ip", "netns", "pids", self.name], capture_output=True, text=True, check=False)
        return [int(p) for p in out.stdout.split()]

    def processes(self, needle: str) -> list[int]:
        """Pids in the namespace whose command line contains `needle` (Ray names busy workers ray::FN)."""
        found = []
        for pid in self.pids():
            try:
                cmdline = (
                    Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                )
            except OSError:
                continue
            if needle in cmdline:
                found.append(pid)
        return found

    def listeners(self) -> list[str]:
        """Local addresses of every listening TCP/UDP socket in the namespace."""
        out = self.run("ss", "-H", "-ltun").stdout
        return [line.split()[4] for line in out.splitlines() if line.strip()]

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in self.pids():
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 15
            while self.pids() and time.monotonic() < deadline:
                time.sleep(0.3)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
