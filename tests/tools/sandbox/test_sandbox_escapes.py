"""Escapes that must fail on the isolating backends (bwrap, docker), each its own test."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from pathlib import Path

import pytest
from sandbox_backends import assert_stopped, heartbeat

from patchsmith.tools.sandbox import LocalSandbox, Sandbox


def test_write_outside_the_workspace_fails(isolating: Sandbox) -> None:
    ws = Path(isolating.root)  # type: ignore[attr-defined]
    targets = [ws.parent / f"outside-{uuid.uuid4().hex[:8]}", Path.home() / f".patchsmith-escape-{uuid.uuid4().hex[:8]}",
               Path("/usr/local") / f"patchsmith-escape-{uuid.uuid4().hex[:8]}"]
    try:
        script = "; ".join(f"echo pwned > {t} 2>/dev/null; mkdir -p {t.parent} 2>/dev/null && echo pwned > {t}"
                           for t in targets)
        isolating.exec(script)
        for target in targets:
            assert not target.exists(), f"the sandbox wrote {target} on the host"
        if isolating.name == "bwrap":  # docker's /usr is the container's own throwaway layer
            assert isolating.exec("touch /usr/bin/patchsmith-x").exit_code != 0  # the host system is read-only
    finally:
        for target in targets:
            target.unlink(missing_ok=True)


def test_reading_the_home_fails(isolating: Sandbox) -> None:
    content = "home-secret-" + uuid.uuid4().hex
    home_file = Path.home() / f".patchsmith-test-{uuid.uuid4().hex[:8]}"
    home_file.write_text(content)
    try:
        result = isolating.exec(f"cat {home_file}; cat ~/{home_file.name}; cat {Path.home()}/.patchsmith-test-*")
        assert content not in result.output
        listing = isolating.exec(f"ls -a {Path.home()}").output
        assert home_file.name not in listing
    finally:
        home_file.unlink()


def test_env_secret_is_unreachable(isolating: Sandbox, monkeypatch) -> None:
    secret = "tok-" + uuid.uuid4().hex
    monkeypatch.setenv("GITHUB_TOKEN", secret)
    result = isolating.exec("env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; cat /proc/1/cmdline")
    assert result.output.count("PATH=") >= 2  # the scan did read environments, just none with the secret
    assert secret not in result.output and "GITHUB_TOKEN" not in result.output


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 (the only address these tests ever touch) counting its connections."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted: list[int] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(1)
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join(2)
    server.close()


def test_network_connection_fails(isolating: Sandbox, listener, tmp_path: Path) -> None:
    port, accepted = listener
    probe = f"exec 3<>/dev/tcp/127.0.0.1/{port} && echo CONNECTED"
    control = LocalSandbox(tmp_path).exec(probe, timeout=10)  # the listener does accept unsandboxed clients
    assert "CONNECTED" in control.output and len(accepted) == 1
    result = isolating.exec(probe + "; python3 -c \"import socket; socket.create_connection(('127.0.0.1', "
                            f"{port}), timeout=2); print('PY-CONNECTED')\"", timeout=20)
    assert "CONNECTED" not in result.output
    time.sleep(0.3)
    assert len(accepted) == 1


def test_fork_bomb_is_contained(isolating: Sandbox) -> None:
    start = time.monotonic()
    result = isolating.exec(":(){ :|:& };:; sleep 30", timeout=2)
    assert time.monotonic() - start < 20
    assert result.timed_out or result.exit_code != 0
    after = isolating.exec("echo alive; ps -e --no-headers | wc -l", timeout=20)
    assert after.exit_code == 0 and "alive" in after.output
    assert int(after.output.split()[-1]) < 20  # nothing of the bomb is left


def test_runaway_output_is_capped_and_stopped(isolating: Sandbox) -> None:
    start = time.monotonic()
    result = isolating.exec("yes pwned", timeout=1)
    assert result.timed_out and result.truncated
    assert len(result.output.encode()) < isolating.output_cap + 200  # type: ignore[attr-defined]
    assert time.monotonic() - start < 15


@pytest.mark.parametrize("detach", ["setsid", "nohup", "double-fork"])
def test_no_process_is_left_behind_after_a_timeout(sandbox: Sandbox, ws: Path, detach: str) -> None:
    # Runs on every backend: local catches these through the PATCHSMITH_EXEC marker, bwrap through its PID
    # namespace, docker through the in-container sweep.
    path, loop = heartbeat(ws)
    launch = {"setsid": f"setsid bash -c '{loop}' >/dev/null 2>&1 &",
              "nohup": f"nohup bash -c '{loop}' >/dev/null 2>&1 &",
              "double-fork": f"( ( bash -c '{loop}' >/dev/null 2>&1 & ) & )"}[detach]
    result = sandbox.exec(f"{launch}\nsleep 30", timeout=0.8)
    assert result.timed_out
    assert_stopped(path)
