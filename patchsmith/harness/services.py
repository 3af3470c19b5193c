"""Loopback services some test suites need in place of the internet (e.g. a local httpbin for requests).

A service runs inside the same sandboxed command as the tests (so it shares the network namespace when
the network is off), on a free loopback port, and is gone when the command ends. Its own virtualenv is
built once per cache, like the test environments.
"""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import PatchsmithError
from .locks import file_lock, write_atomic


@dataclass(frozen=True)
class ServiceDef:
    packages: tuple[str, ...]
    start: str  # shell command; {python} and {port} are filled in
    env: tuple[tuple[str, str], ...]  # variables for the tests; {port} is filled in


SERVICES: dict[str, ServiceDef] = {
    # Old requests suites read HTTPBIN_URL (default http://httpbin.org/).
    "httpbin": ServiceDef(
        packages=("httpbin==0.10.2", "flask<4", "werkzeug<4"),
        start="{python} -c 'import sys; from httpbin import app; "
              "app.run(host=\"127.0.0.1\", port=int(sys.argv[1]), threaded=True)' {port}",
        env=(("HTTPBIN_URL", "http://127.0.0.1:{port}/"),)),
}


class ServiceError(PatchsmithError, RuntimeError):
    """A helper service (e.g. a scorer's own environment) could not be set up."""


def service_python(name: str, cache_dir: Path) -> Path:
    """The interpreter of the service's virtualenv, built on first use."""
    if name not in SERVICES:
        raise ServiceError(f"unknown service {name!r}; known: {', '.join(SERVICES)}")
    folder = Path(cache_dir) / "services" / name
    python = folder / "venv" / "bin" / "python"
    with file_lock(folder.with_suffix(".lock")):
        if (folder / "READY").exists():
            return python
        folder.mkdir(parents=True, exist_ok=True)
        log = folder / "build.log"
        with log.open("w") as fh:
            for argv in ([sys.executable, "-m", "venv", "--clear", str(folder / "venv")],
                         [str(python), "-m", "pip", "install", "-q", *SERVICES[name].packages]):
                if subprocess.run(argv, stdout=fh, stderr=subprocess.STDOUT, timeout=1200).returncode != 0:
                    raise ServiceError(f"building the {name} service failed; see {log}")
        write_atomic(folder / "READY", "ok\n")
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrap(command: str, services: dict[str, Path]) -> tuple[str, dict[str, str]]:
    """`command` with the services started before it and stopped after; plus the variables the tests need."""
    if not services:
        return command, {}
    lines, env = [], {}
    for i, (name, python) in enumerate(sorted(services.items())):
        spec = SERVICES[name]
        port = free_port()
        start = spec.start.format(python=shlex.quote(str(python)), port=port)
        lines += [f"{start} >/dev/null 2>&1 &", f"_svc{i}=$!",
                  # Wait (up to 20 s) until it accepts connections.
                  f"for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.1; done"]
        env.update({k: v.format(port=port) for k, v in spec.env})
    kills = " ".join(f"$_svc{i}" for i in range(len(services)))
    lines += [command, "_rc=$?", f"kill {kills} 2>/dev/null", "exit $_rc"]
    return "\n".join(lines), env
