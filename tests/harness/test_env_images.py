"""Environment images (docker): built once per key, reused, and nothing of the host's Pythons mounted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from harness_helpers import git, make_repo, task_row

from patchsmith.harness.pipeline import Harness
from patchsmith.harness.repos import checkout, find_source
from patchsmith.harness.specs import spec_for
from patchsmith.harness.tasks import load_tasks, select, task_from_row

pytestmark = pytest.mark.docker
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHARED = ["patchsmith__intervals-1", "patchsmith__intervals-2"]  # two versions, one environment_setup_commit


def _require_docker() -> None:
    from patchsmith.tools.sandbox import backend_status
    from patchsmith.tools.sandbox.engine import docker_client
    from patchsmith.tools.sandbox.images import base_tag

    reason = backend_status("docker")
    if reason is None:
        try:
            docker_client().images.get(base_tag())
        except Exception:
            reason = f"{base_tag()} is missing: run `python -m patchsmith images build base`"
    if reason:
        if os.environ.get("PATCHSMITH_CI") or os.environ.get("CI"):
            pytest.fail(f"docker must work in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Harness:
    _require_docker()
    from patchsmith.harness.evaluate import default_sandbox_factory

    return Harness(
        cache_dir=tmp_path_factory.mktemp("cache"),
        sandbox_factory=default_sandbox_factory("docker"),
        env_images=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def built(harness: Harness) -> list:
    """Two tasks with one environment key, set up at once: one builds, the other waits and reuses."""
    tasks = select(load_tasks(SCENARIOS), SHARED)
    envs: dict[str, object] = {}

    def get(task) -> None:
        envs[task.instance_id] = harness.envs.get(
            task, spec_for(task, {}), find_source(task, None, harness.cache_dir)
        )

    threads = [threading.Thread(target=get, args=(t,)) for t in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [envs[t.instance_id] for t in tasks]


def test_one_build_per_key_then_reused(harness: Harness, built: list) -> None:
    from patchsmith.tools.sandbox.engine import LABEL_ENV_KEY, docker_client

    first, second = built
    assert first.key == second.key and first.image == second.image
    assert first.image_id == second.image_id and first.image_id.startswith("sha256:")
    assert sorted([first.reused, second.reused]) == [False, True]  # built once, by one of the two
    builds = [p for p in (harness.cache_dir / "env-images").glob("*/build.log")]
    assert len(builds) == 1
    mine = docker_client().images.list(filters={"label": f"{LABEL_ENV_KEY}={first.key}"})
    assert first.image_id in {i.id for i in mine}  # other caches on this engine may hold their own build
    again = harness.envs.get(*_task_spec_source(harness, SHARED[1]))  # a later task: the record, no build
    assert again.reused and again.image_id == first.image_id


def test_another_cache_rebuilding_the_tag_leaves_this_caches_image(
    harness: Harness, built: list, tmp_path: Path
) -> None:
    """Two caches (two users, two CI jobs) on one Docker engine build the same tag: neither loses its image."""
    from patchsmith.harness.evaluate import default_sandbox_factory
    from patchsmith.tools.sandbox.engine import docker_client

    other = Harness(cache_dir=tmp_path / "other-cache", sandbox_factory=default_sandbox_factory("docker"),
                    env_images=True, timeout=120)
    theirs = other.envs.get(*_task_spec_source(other, SHARED[0]))
    assert theirs.image == built[0].image and not theirs.reused
    docker_client().images.get(built[0].image_id)  # still there: the old code removed it here
    again = harness.envs.get(*_task_spec_source(harness, SHARED[0]))
    assert again.reused and again.sandbox_image == built[0].image_id  # no rebuild, the same image
    sandbox = harness.sandbox_factory(tmp_path, image=again.sandbox_image)
    try:
        assert sandbox.exec("python -c 'import sys; print(sys.prefix)'").output.strip() == "/opt/venv"
    finally:
        sandbox.close()


def test_images_ls_shows_key_repository_size_age(built: list) -> None:
    from patchsmith.tools.sandbox.images import list_images

    row = next(i for i in list_images() if i.image_id == built[0].image_id)
    assert row.kind == "env" and row.key == built[0].key and row.repo == "patchsmith/intervals"
    assert row.size_mb > row.own_mb > 0 and row.age_s >= 0
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "COLUMNS": "250"}
    shown = subprocess.run([sys.executable, "-m", "patchsmith", "images", "ls"], capture_output=True, text=True,
                           env=env, timeout=120)
    assert shown.returncode == 0, shown.stderr
    line = next(x for x in shown.stdout.splitlines() if built[0].key in x)
    assert "patchsmith/intervals" in line and f"{row.own_mb:.0f}" in line


def _task_spec_source(harness: Harness, instance_id: str) -> tuple:
    task = select(load_tasks(SCENARIOS), [instance_id])[0]
    return task, spec_for(task, {}), find_source(task, None, harness.cache_dir)


def _host_pythons() -> list[Path]:
    """Where this host keeps interpreters and virtualenvs."""
    roots = {
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")),
    }
    return [p.resolve() for p in roots if p.exists()]


def test_no_host_venv_or_interpreter_is_mounted(harness: Harness, built: list, tmp_path: Path) -> None:
    env = built[0]
    task, spec, source = _task_spec_source(harness, SHARED[0])
    workspace = checkout(source, task.base_commit, tmp_path / "ws")
    env.prepare_workspace(workspace)
    sandbox = harness.sandbox_factory(workspace, image=env.image)
    try:
        probe = "import json, sys, pytest; print(json.dumps([sys.executable, sys.prefix, sys.base_prefix]))"
        result = sandbox.exec(f"python -c '{probe}'", env=env.variables(workspace))
        assert result.exit_code == 0, result.output
        inside = [Path(p) for p in json.loads(result.output.strip().splitlines()[-1])]
        info = json.loads(
            subprocess.run(
                ["docker", "inspect", sandbox.container.id], capture_output=True, text=True, check=True
            ).stdout
        )[0]
    finally:
        sandbox.close()
    assert info["Config"]["Image"] == env.image
    sources = [Path(m["Source"]) for m in info["Mounts"] if m["Type"] == "bind"]
    assert Path(workspace).resolve() in sources
    hosts = _host_pythons() + [harness.cache_dir.resolve()]
    for src in sources:
        assert src == Path(workspace).resolve() or src.name == "objects", f"unexpected mount {src}"
        assert not (src / "pyvenv.cfg").exists() and not list(src.glob("bin/python*")), f"{src} is a Python"
        assert not any(src == h or h in src.parents or src in h.parents for h in hosts), (
            f"{src} is the host's"
        )
    # The environment lives in the image: its interpreter and prefix are no host path.
    assert inside[1] == Path("/opt/venv") and inside[0].parent == Path("/opt/venv/bin")
    for path in inside:
        assert not any(path == h or h in path.parents for h in hosts), f"{path} is a host path"


def test_install_commands_run_in_the_container_not_on_the_host(harness: Harness, tmp_path: Path) -> None:
    """A repository's install command is untrusted: it runs in the build container (seen failing on the
    host-virtualenv build, which ran it on the host)."""
    origin = tmp_path / "origin"
    make_repo(origin)
    (origin / ".gitignore").write_text("built.txt\n")  # a build output, as generated files are
    git(origin, "add", "-A")
    git(origin, "commit", "-qm", "ignore the build output")
    base = git(origin, "rev-parse", "HEAD")
    marker = tmp_path / "ran-on-host"
    repos = tmp_path / "repos"
    git(tmp_path, "clone", "-q", "--mirror", str(origin), str(repos / "acme__calc"))
    spec_over = {"install": f"(touch {marker} || true) && echo built > built.txt", "generated": ["built.txt"]}
    task = task_from_row(task_row(base, instance_id="acme__calc-untrusted", spec=spec_over))
    env = harness.envs.get(task, spec_for(task, {}), find_source(task, repos, harness.cache_dir, False))
    try:
        assert not marker.exists()
        assert env.image and env.generated == ["built.txt"]  # the build output came out of the container
        workspace = checkout(find_source(task, repos, harness.cache_dir, False), base, tmp_path / "ws")
        assert env.prepare_workspace(workspace) == ["built.txt"]
        assert (workspace / "built.txt").read_text() == "built\n"
    finally:  # a new repository each run: its image would only pile up
        from patchsmith.tools.sandbox.images import prune_images

        prune_images(tags=[env.image])


def _image_has_compiler(harness: Harness, image: str, workspace: Path) -> tuple[bool, str]:
    """gcc compiles a file that includes the environment interpreter's Python.h (what an extension needs)."""
    sandbox = harness.sandbox_factory(workspace, image=image)
    try:
        probe = (
            "inc=$(python -c \"import sysconfig; print(sysconfig.get_paths()['include'])\") && "
            "printf '#include <Python.h>\\nint main(void){return 0;}\\n' > /tmp/x.c && "
            "gcc -I\"$inc\" -c /tmp/x.c -o /tmp/x.o && echo compiled"
        )
        result = sandbox.exec(probe)
    finally:
        sandbox.close()
    return result.exit_code == 0 and "compiled" in result.output, result.output


def test_compilers_spec_builds_from_the_toolchain_layer(harness: Harness, tmp_path: Path) -> None:
    """`compilers` on: the env image is made over the toolchain layer and compiles against Python.h;
    off: over the plain base, which has no compiler (seen failing with the field ignored: no gcc)."""
    from patchsmith.tools.sandbox.engine import docker_client
    from patchsmith.tools.sandbox.images import base_tag, prune_images
    from patchsmith.tools.sandbox.toolchain import TOOLCHAIN_REPO

    origin = tmp_path / "origin"
    base = make_repo(origin)
    repos = tmp_path / "repos"
    git(tmp_path, "clone", "-q", "--mirror", str(origin), str(repos / "acme__calc"))
    client = docker_client()
    envs = {}
    try:
        for name, spec_over in (("on", {"compilers": True}), ("off", {})):
            task = task_from_row(task_row(base, instance_id=f"acme__calc-cc-{name}", spec=spec_over))
            envs[name] = harness.envs.get(task, spec_for(task, {}), find_source(task, repos, harness.cache_dir, False))
        assert envs["on"].key != envs["off"].key  # the layer is part of the image key
        parents = {n: client.images.get(e.image_id).attrs.get("Parent", "") for n, e in envs.items()}
        toolchain = client.images.get(parents["on"])
        assert any(t.startswith(f"{TOOLCHAIN_REPO}:") for t in toolchain.tags)
        assert parents["off"] == client.images.get(base_tag()).id  # the plain base, no toolchain
        assert toolchain.attrs.get("Parent", "") == parents["off"]  # the toolchain is over that same base
        (tmp_path / "ws").mkdir()
        compiled, output = _image_has_compiler(harness, envs["on"].image_id, tmp_path / "ws")
        assert compiled, output
        compiled, output = _image_has_compiler(harness, envs["off"].image_id, tmp_path / "ws")
        assert not compiled and "gcc" in output, output
    finally:  # a new repository each run: its images would only pile up (the toolchain layer is kept)
        prune_images(tags=[e.image for e in envs.values()])
