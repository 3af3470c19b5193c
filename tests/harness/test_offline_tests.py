"""Under --sandbox local, a task's tests run in a network namespace with only loopback: a listener on this
machine's own non-loopback address is never reached, while the tests' own loopback servers still work."""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path

import pytest
from harness_helpers import GOLD, git, make_repo, task_row

from patchsmith.harness.evaluate import default_sandbox_factory, evaluate
from patchsmith.harness.pipeline import Harness
from patchsmith.harness.repos import checkout, find_source
from patchsmith.harness.specs import spec_for
from patchsmith.harness.tasks import task_from_row
from patchsmith.tools.sandbox.local import LocalSandbox, offline_status

NET_TEST = '''import socket


def test_add():
    from pkg.calc import add
    assert add(2, 3) == 5


def test_host_unreachable():
    probe = socket.socket()
    probe.settimeout(3)
    try:
        probe.connect(({host!r}, {port}))
        reached = True
    except OSError:
        reached = False
    assert not reached


def test_loopback_works():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=3)
    client.close()
'''


def host_address() -> str | None:
    """This machine's first non-loopback IPv4 address, if it has one."""
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True)
    fields = [line.split() for line in out.stdout.splitlines()]
    return next((f[3].split("/")[0] for f in fields if len(f) > 3), None)


def patch_adding(text: str) -> str:
    lines = text.splitlines()
    body = "".join(f"+{line}\n" for line in lines)
    return (f"diff --git a/tests/test_net.py b/tests/test_net.py\nnew file mode 100644\n--- /dev/null\n"
            f"+++ b/tests/test_net.py\n@@ -0,0 +1,{len(lines)} @@\n{body}")


@pytest.fixture()
def listener():
    host = host_address()
    if host is None:
        pytest.skip("this machine has no non-loopback address to listen on")
    server = socket.socket()
    server.bind((host, 0))
    server.listen(4)
    accepted: list[object] = []

    def accept() -> None:
        while True:
            try:
                conn, peer = server.accept()
            except OSError:
                return
            accepted.append(peer)
            conn.close()

    threading.Thread(target=accept, daemon=True).start()
    yield host, server.getsockname()[1], accepted
    server.close()


def test_local_sandbox_offline_sees_only_loopback(tmp_path: Path) -> None:
    assert offline_status() is None, offline_status()  # CI installs unshare and ip
    result = LocalSandbox(tmp_path, offline=True).exec("cat /proc/net/dev; ip -o link", timeout=30)
    assert result.exit_code == 0, result.output
    links = [line.split(":")[1].strip() for line in result.output.splitlines() if line[:1].isdigit()]
    assert links == ["lo"] and "UP" in result.output.split("lo:")[-1]
    assert LocalSandbox(tmp_path, offline=True).name == "local+netns"
    assert LocalSandbox(tmp_path).name == "local"  # interactive `fix --sandbox local` keeps the network


def test_task_tests_under_local_cannot_reach_the_host(tmp_path: Path, listener) -> None:
    host, port, accepted = listener
    origin = tmp_path / "origin" / "calc"
    base = make_repo(origin)
    repos = tmp_path / "repos"
    repos.mkdir()
    git(repos, "clone", "-q", "--mirror", str(origin), str(repos / "acme__calc"))
    harness = Harness(repos_dir=repos, cache_dir=tmp_path / "cache", allow_clone=False, timeout=60,
                      sandbox_factory=default_sandbox_factory("local"))
    ids = [f"tests/test_net.py::{name}" for name in ("test_host_unreachable", "test_loopback_works")]
    row = task_row(base, test_patch=patch_adding(NET_TEST.format(host=host, port=port)),
                   FAIL_TO_PASS='["tests/test_net.py::test_add"]', PASS_TO_PASS=str(ids).replace("'", '"'))
    task = task_from_row(row)
    spec = spec_for(task, harness.spec_config)
    src = find_source(task, harness.repos_dir, harness.cache_dir, allow_clone=False)
    env = harness.envs.get(task, spec, src)
    result = evaluate(task, GOLD, checkout(src, base, tmp_path / "ws"), env, spec,
                      sandbox_factory=harness.sandbox_factory, timeout=60)
    assert result.sandbox == "local+netns"
    assert sorted(result.pass_to_pass.success) == ids, result.pass_to_pass
    assert result.resolved and accepted == []


def test_without_a_namespace_the_run_says_so_once(tmp_path: Path) -> None:
    """A machine without `ip`/`unshare`: the tests still run, the records say "local (host network)", and the
    console says it once, with what to do."""
    import json
    import os
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        for tool in Path(folder).glob("*") if Path(folder).is_dir() else []:
            if tool.name not in ("ip", "unshare") and not (bin_dir / tool.name).exists():
                (bin_dir / tool.name).symlink_to(tool)
    origin = tmp_path / "origin"
    base = make_repo(origin)
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text(json.dumps(task_row(base, "acme__calc-1")) + "\n" + json.dumps(task_row(base, "acme__calc-2")))
    repos = tmp_path / "repos"
    repos.mkdir()
    git(repos, "clone", "-q", "--mirror", str(origin), str(repos / "acme__calc"))
    env = {**os.environ, "PATH": str(bin_dir), "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    run = subprocess.run([sys.executable, "-m", "patchsmith", "eval", "--gold", "--tasks", str(tasks),
                          "--repos-dir", str(repos), "--no-clone", "--no-progress", "--sandbox", "local",
                          "--cache-dir", str(tmp_path / "cache"), "--output", str(tmp_path / "out")],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("task tests run with the host's network") == 1, run.stderr
    assert "unshare and ip not found" in run.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["resolved_ids"] == ["acme__calc-1", "acme__calc-2"]
    assert report["tasks"]["acme__calc-1"]["evaluation"]["sandbox"] == "local (host network)"
