"""Task images: content keys, mirror discovery, a real cached env layer, and the `images` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sandbox_backends import require_backend

from patchsmith.tools.sandbox import images

# No packages to download: building it sends nothing over the network, yet it is a real layer with a venv.
OFFLINE_SPEC = {"python": "3.11", "install": ["python -c 'import sys; print(sys.prefix)' > /opt/patchsmith/prefix"],
                "env": {"PATCHSMITH_TEST_ENV": "yes"}}
ROOT = Path(__file__).resolve().parents[3]


def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "patchsmith", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_env_key_is_a_content_key() -> None:
    a = {"python": "3.11", "packages": "six==1.16.0 attrs", "pre_install": ["true"]}
    b = {"pre_install": "true", "packages": ["six==1.16.0", "attrs"], "python": "3.11"}
    assert images.env_key(a) == images.env_key(b)  # same environment, however it is spelled
    assert images.env_key(a) != images.env_key({**a, "packages": "six==1.15.0 attrs"})
    assert images.env_key(a) != images.env_key({**a, "python": "3.9"})
    assert images.env_tag(a).startswith("patchsmith/env:")
    # SWE-bench writes "requirements.txt" where the packages come from a file: not a package name.
    assert images.normalize_spec({"packages": "requirements.txt"})["packages"] == []


def test_python_version_picks_the_debian_release() -> None:
    assert images.suite_for_python("3.11.4") == "bookworm"
    assert images.suite_for_python("3.9") == "bullseye"
    assert images.suite_for_python(None) == "bookworm"
    with pytest.raises(images.ImageError, match="python 2.7 is not available"):
        images.suite_for_python("2.7")


def test_debian_mirror_comes_from_apt_sources(tmp_path: Path) -> None:
    (tmp_path / "sources.list.d").mkdir()
    (tmp_path / "sources.list.d" / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian-security\nSuites: bookworm-security\n\n"
        "Types: deb\nURIs: http://mirror.example/debian/\nSuites: bookworm bookworm-updates\nComponents: main\n")
    assert images.debian_mirror(tmp_path) == "http://mirror.example/debian"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert images.debian_mirror(empty) == images.DEFAULT_MIRROR
    (empty / "sources.list").write_text("# comment\ndeb [arch=amd64] http://old.example/debian bookworm main\n")
    assert images.debian_mirror(empty) == "http://old.example/debian"


@pytest.mark.docker
def test_env_image_is_built_then_cached_and_runs(tmp_path: Path) -> None:
    require_backend("docker")
    from patchsmith.tools.sandbox import make_sandbox

    tag = images.ensure_env_image(OFFLINE_SPEC)
    start = time.monotonic()
    assert images.ensure_env_image(dict(reversed(list(OFFLINE_SPEC.items())))) == tag
    assert time.monotonic() - start < 2  # the second use is a cache hit
    assert tag in {row.tag for row in images.list_images()}
    sandbox = make_sandbox("docker", tmp_path, image=tag)
    try:
        result = sandbox.exec("cat /opt/patchsmith/prefix; which python; echo $PATCHSMITH_TEST_ENV; "
                              "python -m pip --version")
        assert result.exit_code == 0, result.output
        lines = result.output.split()
        assert lines[0] == "/opt/venv" and lines[1] == "/opt/venv/bin/python" and lines[2] == "yes"
    finally:
        sandbox.close()


@pytest.mark.docker
def test_images_command(tmp_path: Path) -> None:
    require_backend("docker")
    listing = cli("images", "list")
    assert listing.returncode == 0 and images.base_tag() in listing.stdout
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(OFFLINE_SPEC))
    built = cli("images", "build", "env", str(spec))
    assert built.returncode == 0, built.stderr
    tag = built.stdout.strip().splitlines()[-1]
    assert tag == images.env_tag(OFFLINE_SPEC)
    pruned = cli("images", "prune", tag)
    assert pruned.returncode == 0 and f"removed {tag}" in pruned.stdout
    assert tag not in {row.tag for row in images.list_images()}
    assert images.base_tag() in {row.tag for row in images.list_images()}  # a tag-filtered prune spares the base


def test_images_command_bad_input_is_one_line(tmp_path: Path) -> None:
    missing = cli("images", "build", "env", str(tmp_path / "nope.json"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr and "Traceback" not in missing.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = cli("images", "build", "env", str(bad))
    assert result.returncode == 2 and "not valid JSON" in result.stderr
