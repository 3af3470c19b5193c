"""`patchsmith inspect` from the command line: bad input errors, and the app in a real terminal (tmux)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .builders import write_run

ROOT = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _inspect(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "patchsmith", "inspect", *args], capture_output=True, text=True,
                          env=_env(), timeout=60)


@pytest.mark.parametrize("kind", ["missing", "not-json", "other-json", "empty-folder", "bad-middle-line"])
def test_bad_paths_are_one_line_errors(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "x.jsonl"
    if kind == "not-json":
        target.write_text("hello\nworld\n")
    elif kind == "other-json":
        target.write_text('{"some": "thing"}')
    elif kind == "empty-folder":
        target = tmp_path / "empty"
        target.mkdir()
    elif kind == "bad-middle-line":
        write_run(target)
        lines = target.read_text().splitlines()
        lines.insert(2, "{broken")
        target.write_text("\n".join(lines) + "\n")
    proc = _inspect(str(target))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("patchsmith: error: ") and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(target) in proc.stderr


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30, check=True).stdout


def _wait_for(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared on screen:\n{screen}")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (CI installs it)")
def test_inspect_in_a_real_terminal(tmp_path: Path) -> None:
    path = write_run(tmp_path / "run" / "trajectory.jsonl", extra=3)
    session = f"patchsmith-test-{uuid.uuid4().hex[:8]}"
    done = tmp_path / "exit-code"
    command = f"{sys.executable} -m patchsmith inspect {path}; echo $? > {done}; sleep 30"
    env_args = ["-e", f"PYTHONPATH={_env()['PYTHONPATH']}"]
    _tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "40", *env_args, command)
    try:
        screen = _wait_for(session, "Find where durations are parsed.")
        assert "demo__durations-1" in screen and "outcome: submitted" in screen
        assert "Step 1 of 11" in screen
        _tmux("send-keys", "-t", session, "G")
        screen = _wait_for(session, "Step 11 of 11")
        assert "Submit the fix." in screen
        _tmux("send-keys", "-t", session, "/")
        _wait_for(session, "search thoughts, actions")
        _tmux("send-keys", "-t", session, "-l", "NameError")
        _tmux("send-keys", "-t", session, "Enter")
        _wait_for(session, "hit 1/1")
        _wait_for(session, "Step 5 of 11")  # the detail repaints just after the search line on a busy machine
        _tmux("send-keys", "-t", session, "d")
        _wait_for(session, "Final patch")
        _tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 15
        while not done.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert done.read_text().strip() == "0"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
