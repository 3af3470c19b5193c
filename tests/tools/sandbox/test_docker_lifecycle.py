"""The docker backend's container: limits and labels, removal on close/exit, stale containers after a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_backends import require_backend

pytestmark = pytest.mark.docker

START = """
import os, sys
from pathlib import Path
from patchsmith.tools.sandbox.docker import DockerSandbox
sb = DockerSandbox(Path(sys.argv[1]))
print(sb.container.id, flush=True)
if sys.argv[2] == "crash":
    os.kill(os.getpid(), 9)
"""


@pytest.fixture(scope="module")
def client():
    require_backend("docker")
    from patchsmith.tools.sandbox.engine import docker_client

    return docker_client()


def _exists(client, container_id: str) -> bool:
    import docker.errors

    try:
        client.containers.get(container_id)
        return True
    except docker.errors.NotFound:
        return False


def _start_in_child(tmp_path: Path, how: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    proc = subprocess.run([sys.executable, "-c", START, str(tmp_path), how], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.stdout.strip(), proc.stderr
    return proc.stdout.split()[0]


def test_container_has_limits_labels_and_no_network(client, tmp_path: Path) -> None:
    from patchsmith.tools.sandbox.docker import DockerSandbox

    sandbox = DockerSandbox(tmp_path, run_id="lifecycle-test", memory="1g", pids_limit=300, cpus=1)
    try:
        attrs = client.api.inspect_container(sandbox.container.id)
        host = attrs["HostConfig"]
        assert host["NetworkMode"] == "none" and host["PidsLimit"] == 300
        assert host["Memory"] == 1024**3 and host["NanoCpus"] == 10**9 and host["CapDrop"] == ["ALL"]
        labels = attrs["Config"]["Labels"]
        assert labels["patchsmith.sandbox"] == "1" and labels["patchsmith.run-id"] == "lifecycle-test"
        assert labels["patchsmith.owner-pid"] == str(os.getpid())
        mount = next(m for m in attrs["Mounts"] if m["Destination"] == str(tmp_path.resolve()))
        assert mount["RW"] is True
        lines = sandbox.exec("cat /proc/net/dev").output.splitlines()[2:]
        assert [line.split(":")[0].strip() for line in lines] == ["lo"]  # no interface leads anywhere
    finally:
        sandbox.close()
    assert not _exists(client, sandbox.container.id)


def test_container_is_removed_at_interpreter_exit(client, tmp_path: Path) -> None:
    container_id = _start_in_child(tmp_path, "exit")
    assert not _exists(client, container_id)


def test_stale_container_of_a_crashed_run_is_cleaned(client, tmp_path: Path) -> None:
    from patchsmith.tools.sandbox.docker import DockerSandbox, cleanup_stale

    container_id = _start_in_child(tmp_path, "crash")
    assert _exists(client, container_id), "SIGKILL leaves the container behind; that is what cleanup is for"
    mine = DockerSandbox(tmp_path)  # a new sandbox cleans up first...
    try:
        assert not _exists(client, container_id)
        assert cleanup_stale(client) == []  # ...and a live owner's container is never taken
        assert _exists(client, mine.container.id)
    finally:
        mine.close()


def test_missing_image_is_one_clear_line(client, tmp_path: Path) -> None:
    from patchsmith.tools.sandbox import SandboxUnavailable, make_sandbox

    with pytest.raises(SandboxUnavailable, match="missing") as info:
        make_sandbox("docker", tmp_path, image="patchsmith/env:does-not-exist")
    assert "\n" not in str(info.value)
