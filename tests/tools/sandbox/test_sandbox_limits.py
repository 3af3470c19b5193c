"""Every backend enforces the same memory, process, disk and /tmp limits on a command, and says which one
stopped it; what the workspace held before survives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_backends import ALL, ISOLATING, require_backend

from patchsmith.tools.sandbox import Limits, Sandbox, make_sandbox
from patchsmith.tools.sandbox.limits import MiB, tree_size

SMALL = Limits(memory_bytes=256 * MiB, pids=64, disk_bytes=64 * MiB, tmp_bytes=32 * MiB)


def _limited(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    require_backend(kind)
    root = tmp_path_factory.mktemp(f"limits-{kind}")
    (root / "kept.txt").write_text("written before\n")
    sandbox = make_sandbox(kind, root, limits=SMALL)
    yield sandbox
    sandbox.close()


@pytest.fixture(scope="module", params=ALL)
def limited(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    yield from _limited(request.param, tmp_path_factory)


@pytest.fixture(scope="module", params=ISOLATING)
def limited_isolating(request: pytest.FixtureRequest,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    yield from _limited(request.param, tmp_path_factory)


def _root(sandbox: Sandbox) -> Path:
    return Path(sandbox.root)  # type: ignore[attr-defined]


def test_memory_is_limited(limited: Sandbox) -> None:
    result = limited.exec("python3 -c \"b = bytearray(700 * 1024 * 1024); print('ALLOCATED', len(b))\"",
                          timeout=60)
    assert "ALLOCATED" not in result.output and result.exit_code != 0, result.output
    assert limited.exec("echo alive").output.strip() == "alive"


def test_processes_are_limited(limited: Sandbox) -> None:
    root = _root(limited)
    result = limited.exec("rm -f count; for i in $(seq 200); do (echo x >> count; sleep 4) & done 2>/dev/null; "
                          "sleep 1; echo started", timeout=40)
    started = len((root / "count").read_text().splitlines()) if (root / "count").exists() else 0
    assert 0 < started <= SMALL.pids, (started, result.output[-300:])
    (root / "count").unlink(missing_ok=True)


def test_one_huge_file_is_cut_at_the_file_size_limit(limited: Sandbox) -> None:
    root = _root(limited)
    result = limited.exec("head -c 300M /dev/zero > huge.bin; echo rc=$?", timeout=60)
    assert "rc=0" not in result.output
    assert (root / "huge.bin").stat().st_size <= SMALL.file_bytes
    assert (root / "kept.txt").read_text() == "written before\n"
    (root / "huge.bin").unlink()


def test_many_files_are_stopped_by_the_disk_budget(limited: Sandbox) -> None:
    root = _root(limited)
    result = limited.exec("mkdir -p fill; for i in $(seq 40); do head -c 8M /dev/zero > fill/f$i; sleep 0.05; done; "
                          "echo FINISHED", timeout=60)
    assert "FINISHED" not in result.output and "disk budget exceeded" in result.output, result.output[-300:]
    assert tree_size(root / "fill") < 200 * MiB
    assert (root / "kept.txt").read_text() == "written before\n"
    after = limited.exec("rm -rf fill; echo cleaned")  # deleting is always possible, and lifts the stop
    assert "cleaned" in after.output and "disk budget" not in after.output
    assert limited.exec("echo small > s.txt; cat s.txt").output.strip() == "small"


def test_tmp_is_size_limited(limited_isolating: Sandbox) -> None:
    result = limited_isolating.exec("head -c 100M /dev/zero > /tmp/x; echo rc=$?; du -m /tmp/x | cut -f1",
                                    timeout=60)
    assert "rc=0" not in result.output
    assert int(result.output.split()[-1]) <= SMALL.tmp_bytes // MiB


@pytest.mark.parametrize("kind", [p for p in ALL if p.values[0] != "docker"])
def test_memory_is_limited_without_cgroups_too(kind: str, tmp_path: Path, monkeypatch) -> None:
    """Where no cgroup can be made (cgroup v2 without delegation), local and bwrap fall back to RLIMIT_DATA."""
    require_backend(kind)
    from patchsmith.tools.sandbox import limits

    monkeypatch.setattr(limits, "_find_parents", lambda: (None, []))
    sandbox = make_sandbox(kind, tmp_path, limits=SMALL)
    try:
        result = sandbox.exec("python3 -c \"b = bytearray(700 * 1024 * 1024); print('ALLOCATED')\"", timeout=60)
        assert "ALLOCATED" not in result.output and "MemoryError" in result.output, result.output
    finally:
        sandbox.close()
