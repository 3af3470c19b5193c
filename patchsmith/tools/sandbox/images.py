"""Task images built locally (no registry needed): a Debian base from debootstrap, then per-environment layers.

- base: `patchsmith/base:<suite>`, a minimal Debian root filesystem made by `debootstrap` and `docker import`ed,
  with python3, python3-venv, pip and git. Cached by name; built once per machine.
- env:  `patchsmith/env:<key>`, the base plus a venv at /opt/venv holding one environment's Python dependencies.
  `key` is a hash of the spec, so a second task with the same environment reuses the image.

The network is used only while building (Debian mirror, PyPI); containers made from the images run with none.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ...errors import PatchsmithError
from .base import SandboxUnavailable
from .engine import (
    IMAGE_PATH,
    LABEL_ENV_KEY,
    LABEL_IMAGE,
    LABEL_PYTHON,
    LABEL_REPO,
    LABEL_SPEC,
    LABEL_SUITE,
    docker_client,
)

BASE_REPO = "patchsmith/base"
ENV_REPO = "patchsmith/env"
DEFAULT_SUITE = "bookworm"
BASE_PACKAGES = ["python3", "python3-venv", "python3-pip", "git", "ca-certificates", "procps"]
# The Debian release whose python3 is the requested version: images use the distribution's own Python.
PYTHON_SUITES = {"3.9": "bullseye", "3.11": "bookworm", "3.13": "trixie"}
DEFAULT_MIRROR = "http://deb.debian.org/debian"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
SPEC_KEYS = {"python", "packages", "pip_packages", "requirements", "pre_install", "install", "env"}

Report = Callable[[str], None]
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # docker build colours the build's stderr


class ImageError(PatchsmithError, RuntimeError):
    """An image could not be built; the message says which step failed and how to see why."""


@dataclass
class ImageInfo:
    tag: str
    kind: str  # base | toolchain | python | env
    size_mb: float
    created: str
    key: str
    repo: str = ""  # an environment image's repository
    age_s: float = 0.0
    own_mb: float = 0.0  # beyond the image it was made from (the base, the interpreter layer): what it adds
    image_id: str = ""


def _quiet(_: str) -> None:
    pass


def base_tag(suite: str = DEFAULT_SUITE) -> str:
    return f"{BASE_REPO}:{suite}"


def suite_for_python(version: str | None) -> str:
    if not version:
        return DEFAULT_SUITE
    short = ".".join(str(version).split(".")[:2])
    if short not in PYTHON_SUITES:
        raise ImageError(f"python {version} is not available: task images use Debian's python3, "
                         f"one of {', '.join(sorted(PYTHON_SUITES))}")
    return PYTHON_SUITES[short]


def debian_mirror(apt_dir: Path = Path("/etc/apt")) -> str:
    """The Debian mirror this machine's apt uses (so debootstrap goes where apt already can), else the CDN."""
    candidates: list[str] = []
    for path in sorted(apt_dir.glob("sources.list.d/*.sources")):
        text = path.read_text(errors="replace")
        for stanza in re.split(r"\n\s*\n", text):
            uris = re.search(r"^URIs:\s*(\S+)", stanza, re.M)
            suites = re.search(r"^Suites:\s*(.+)$", stanza, re.M)
            if uris and suites and "security" not in suites.group(1) and "/debian" in uris.group(1):
                candidates.append(uris.group(1))
    lists = [apt_dir / "sources.list", *sorted(apt_dir.glob("sources.list.d/*.list"))]
    for path in lists:
        if path.is_file():
            for line in path.read_text(errors="replace").splitlines():
                m = re.match(r"^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", line)
                if m and "security" not in m.group(2) and "/debian" in m.group(1):
                    candidates.append(m.group(1))
    for uri in candidates:
        if "debian-security" not in uri:
            return uri.rstrip("/")
    return DEFAULT_MIRROR


def _image_exists(client: Any, tag: str) -> bool:
    import docker.errors

    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def ensure_base_image(suite: str = DEFAULT_SUITE, *, client: Any = None, rebuild: bool = False,
                      report: Report = _quiet) -> str:
    """The base image's tag, building it first when it is missing (minutes, once per machine)."""
    client = client or docker_client()
    tag = base_tag(suite)
    if not rebuild and _image_exists(client, tag):
        return tag
    return build_base_image(suite, client=client, report=report)


def _run_streaming(argv: list[str], report: Report, log: list[str]) -> int:
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        log.append(line)
        report(line)
    return proc.wait()


def build_base_image(suite: str = DEFAULT_SUITE, *, client: Any = None, mirror: str | None = None,
                     report: Report = _quiet) -> str:
    """debootstrap a minimal Debian `suite` and import it as `patchsmith/base:<suite>`."""
    client = client or docker_client()
    if os.geteuid() != 0:
        raise ImageError("building the base image runs debootstrap, which needs root: run "
                         "`sudo patchsmith images build base` once")
    if not shutil.which("debootstrap"):
        raise ImageError("debootstrap is missing: apt-get install debootstrap (needed once, to build the base image)")
    mirror = mirror or debian_mirror()
    tag = base_tag(suite)
    work = Path(tempfile.mkdtemp(prefix="patchsmith-rootfs-", dir="/var/tmp"))
    try:
        rootfs = work / "rootfs"
        log: list[str] = []
        report(f"debootstrap {suite} from {mirror}")
        argv = ["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", suite, str(rootfs),
                mirror]
        if _run_streaming(argv, report, log) != 0:
            tail = "\n".join(log[-15:])
            raise ImageError(f"debootstrap {suite} failed (mirror {mirror}); last lines:\n{tail}")
        # Package caches only make the image bigger; containers never run apt with network anyway.
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
            for item in (rootfs / junk).glob("*"):
                if item.is_file():
                    item.unlink()
        report("packing the root filesystem")
        tar_path = work / "rootfs.tar"
        subprocess.run(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", str(tar_path), "."], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        report(f"docker import as {tag}")
        repo, _, name = tag.partition(":")
        changes = [f"LABEL {LABEL_IMAGE}=base {LABEL_SUITE}={suite}",
                   f"ENV PATH={IMAGE_PATH}",
                   "ENV LANG=C.UTF-8",
                   'CMD ["/bin/bash"]']
        client.api.import_image_from_file(str(tar_path), repository=repo, tag=name, changes=changes)
        if not _image_exists(client, tag):
            raise ImageError(f"docker import did not produce {tag}")
        return tag
    finally:
        shutil.rmtree(work, ignore_errors=True)


def normalize_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec's meaningful content, in a canonical form, so equal environments hash equally.

    Accepted keys (SWE-bench's spec table uses the same names): python ("3.11"), packages (a list, or a
    space-separated string of pip requirements; "requirements.txt"/"environment.yml" are not packages and are
    ignored), pip_packages (list), requirements (text or list of lines of a requirements file),
    pre_install (shell commands run as root first, e.g. apt-get), install (shell commands run last; the
    repository itself is not in the image: install it at run time), env (variables baked into the image).
    """
    unknown = set(spec) - SPEC_KEYS
    out: dict[str, Any] = {"python": str(spec["python"]) if spec.get("python") else None}
    packages = spec.get("packages") or []
    if isinstance(packages, str):
        packages = packages.split()
    out["packages"] = [p for p in packages if p not in ("requirements.txt", "environment.yml")]
    out["pip_packages"] = list(spec.get("pip_packages") or [])
    req = spec.get("requirements") or []
    out["requirements"] = [line.rstrip() for line in (req.splitlines() if isinstance(req, str) else req)
                           if line.strip() and not line.lstrip().startswith("#")]

    def commands(value: Any) -> list[str]:
        return [value] if isinstance(value, str) else list(value or [])

    out["pre_install"] = commands(spec.get("pre_install"))
    out["install"] = commands(spec.get("install"))
    out["env"] = {str(k): str(v) for k, v in sorted((spec.get("env") or {}).items())}
    if unknown:
        out["ignored_keys"] = sorted(unknown)  # recorded, not hashed: see env_key
    return out


def env_key(spec: dict[str, Any]) -> str:
    norm = normalize_spec(spec)
    norm.pop("ignored_keys", None)
    norm["suite"] = suite_for_python(norm["python"])
    blob = json.dumps(norm, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def env_tag(spec: dict[str, Any]) -> str:
    return f"{ENV_REPO}:{env_key(spec)}"


def _build_script(norm: dict[str, Any], has_ca: bool) -> str:
    """One shell script for the whole layer: one RUN step is much faster to commit than one per command."""
    lines = ["set -euxo pipefail"]
    if has_ca:
        # Build-time only: the host's CA bundle, so pip works behind a TLS-inspecting proxy.
        lines += ["export PIP_CERT=/opt/patchsmith/host-ca.crt REQUESTS_CA_BUNDLE=/opt/patchsmith/host-ca.crt"]
    lines += norm["pre_install"]
    lines.append("python3 -m venv /opt/venv")
    if norm["requirements"]:
        lines.append("pip install --no-cache-dir -r /opt/patchsmith/requirements.txt")
    pkgs = norm["packages"] + norm["pip_packages"]
    if pkgs:
        lines.append("pip install --no-cache-dir " + " ".join(shlex.quote(p) for p in pkgs))
    lines += norm["install"]
    # Commands run as the workspace owner (maybe not root): let them install into the venv at run time.
    lines += ["chmod -R a+rwX /opt/venv", "rm -f /opt/patchsmith/host-ca.crt /opt/patchsmith/build.sh"]
    return "\n".join(lines) + "\n"


def _dockerfile(norm: dict[str, Any], base: str) -> str:
    env = {"DEBIAN_FRONTEND": "noninteractive", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
           "VIRTUAL_ENV": "/opt/venv", "PATH": f"/opt/venv/bin:{IMAGE_PATH}",
           **norm["env"]}
    return "\n".join([f"FROM {base}",
                      "COPY . /opt/patchsmith/",
                      "ENV " + " ".join(f"{k}={json.dumps(v)}" for k, v in env.items()),
                      "RUN [\"/bin/bash\", \"/opt/patchsmith/build.sh\"]"]) + "\n"


def _context_tar(files: dict[str, bytes]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def ensure_env_image(key_spec: dict[str, Any], *, client: Any = None, rebuild: bool = False,
                     report: Report = _quiet) -> str:
    """The tag of the image for this environment spec, building it (and the base) when missing."""
    import docker.errors

    client = client or docker_client()
    norm = normalize_spec(key_spec)
    suite = suite_for_python(norm["python"])
    tag = env_tag(key_spec)
    if not rebuild and _image_exists(client, tag):
        return tag
    old_id = client.images.get(tag).id if _image_exists(client, tag) else None
    base = ensure_base_image(suite, client=client, report=report)
    files: dict[str, bytes] = {}
    has_ca = HOST_CA_BUNDLE.is_file()
    if has_ca:
        files["host-ca.crt"] = HOST_CA_BUNDLE.read_bytes()
    if norm["requirements"]:
        files["requirements.txt"] = ("\n".join(norm["requirements"]) + "\n").encode()
    files["build.sh"] = _build_script(norm, has_ca).encode()
    files["Dockerfile"] = _dockerfile(norm, base).encode()
    labels = {LABEL_IMAGE: "env", LABEL_ENV_KEY: tag.split(":")[1], LABEL_SUITE: suite,
              LABEL_SPEC: json.dumps(norm, sort_keys=True)[:4000]}
    log: list[str] = []
    error = None
    # The build needs the network (PyPI); containers made from the image still run with network none.
    # rebuild means from scratch: docker's layer cache would otherwise replay the old result.
    for chunk in client.api.build(fileobj=_context_tar(files), custom_context=True, tag=tag, rm=True,
                                  forcerm=True, decode=True, labels=labels, network_mode="bridge", nocache=rebuild):
        if "stream" in chunk:
            for line in ANSI.sub("", chunk["stream"]).splitlines():
                if line.strip():
                    log.append(line)
                    report(line)
        if "error" in chunk:
            error = chunk["error"].strip()
    if error or not _image_exists(client, tag):
        tail = "\n".join(log[-12:])
        raise ImageError(f"building {tag} failed: {error or 'no image produced'}\n{tail}")
    if old_id and old_id != client.images.get(tag).id:
        try:  # the rebuilt tag moved on; the old image would only linger untagged
            client.images.remove(old_id)
        except docker.errors.APIError:
            pass
    return tag


def list_images(client: Any = None) -> list[ImageInfo]:
    client = client or docker_client()
    out = []
    found = client.images.list(filters={"label": LABEL_IMAGE})
    sizes = {image.id: image.attrs.get("Size") or 0 for image in found}
    for image in found:
        labels = image.labels or {}
        size = image.attrs.get("Size") or 0
        created = str(image.attrs.get("Created", ""))[:19]
        try:
            age = time.time() - datetime.fromisoformat(created).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            age = 0.0
        key = labels.get(LABEL_ENV_KEY) or labels.get(LABEL_PYTHON) or labels.get(LABEL_SUITE, "")
        for tag in image.tags or [image.short_id]:
            out.append(ImageInfo(tag=tag, kind=labels.get(LABEL_IMAGE, "?"), size_mb=size / 1e6, created=created,
                                 key=key, repo=labels.get(LABEL_REPO, ""), age_s=age, image_id=image.id,
                                 own_mb=(size - sizes.get(image.attrs.get("Parent", ""), 0)) / 1e6))
    order = {"base": 0, "toolchain": 1, "python": 2, "env": 3}
    return sorted(out, key=lambda i: (order.get(i.kind, 4), i.tag))


def prune_images(client: Any = None, *, include_base: bool = False, tags: list[str] | None = None) -> list[str]:
    """Remove our env images (the bases too when asked; only `tags` when given) and stale sandbox containers."""
    import docker.errors

    from .docker import cleanup_stale

    client = client or docker_client()
    cleanup_stale(client=client)
    removed = []
    # env first: they are children of the python, toolchain and base images
    kinds = ("env", "python", "toolchain", "base") if include_base or tags else ("env",)
    for kind in kinds:
        for image in client.images.list(filters={"label": f"{LABEL_IMAGE}={kind}"}):
            if tags is not None and not set(tags) & set(image.tags):
                continue
            try:
                client.images.remove(image.id, force=True)
                removed.extend(image.tags or [image.short_id])
            except docker.errors.APIError as exc:
                raise SandboxUnavailable(f"cannot remove {image.tags or image.short_id}: {exc.explanation}") from exc
    return removed
