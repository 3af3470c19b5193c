"""Test environments: one virtualenv per (repository, environment_setup_commit or version, spec), built once
under the user cache dir and reused by every task that shares it.

The environment installs the repository from a checkout of `environment_setup_commit` (so dependencies,
entry points and package metadata exist); at test time the task's own workspace comes first on
`PYTHONPATH`, so the code under test is the workspace's, never the cached checkout's. Build outputs the
workspace lacks (compiled extensions, generated `_version.py`) are copied in from the cached checkout.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from ..errors import PatchsmithError
from ..tools.git import run_git
from ..tools.workstore import ignore_paths
from .locks import file_lock, write_atomic
from .repos import RepoError, RepoSource, checkout
from .services import ServiceError, service_python
from .specs import Spec
from .tasks import Task
from .wheels import seed_from_installed

BUILD_TIMEOUT = 1800.0
# The last pip each old Python runs: an index that does not say which Pythons a release needs (a local
# file index) would otherwise hand them today's pip, which refuses to run. Newer Pythons get the last pip
# before 25.3, which dropped `setup.py develop` editable installs: `pip install -e .` of a project whose
# build backend is a setuptools before 64 (astroid 2.13/2.14 pin setuptools~=62.6) needs it, as the
# official images' pip (24.x) had it.
PIP_FOR = {"3.6": "pip<22", "3.7": "pip<24.1", "3.8": "pip<25.1"}
PIP_DEFAULT = "pip<25.3"
SYSTEM_PACKAGES = re.compile(r"\s*(sudo\s+)?(apt-get|apt|yum|dnf|apk|conda|brew)\b")


class EnvError(PatchsmithError, RuntimeError):
    """The environment could not be built; `log` is the build log's path."""

    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message, hint=f"the build log {log} says why" if log else None)
        self.log = log


@dataclass
class Env:
    key: str
    root: Path | None  # the virtualenv (None: no virtualenv, e.g. a Node repository)
    src: Path | None  # the checkout the environment was installed from
    generated: list[str] = field(default_factory=list)
    test_env: dict[str, str] = field(default_factory=dict)
    build_s: float = 0.0
    reused: bool = False
    services: dict[str, Path] = field(default_factory=dict)  # service name -> its interpreter
    image: str | None = None  # the environment image (docker): `root` and services are paths inside it
    image_id: str = ""

    @property
    def sandbox_image(self) -> str | None:
        """What a sandbox starts from: the exact image this cache recorded, so a rebuild of the same tag by
        another cache on the same Docker engine never swaps the image under a running task."""
        return (self.image_id or self.image) if self.image else None

    def variables(self, workspace: Path) -> dict[str, str]:
        """Environment for commands in `workspace`: the venv first on PATH, the workspace first on PYTHONPATH."""
        env = dict(self.test_env)
        if self.root is not None:
            env["VIRTUAL_ENV"] = str(self.root)
            if self.image is None:  # an image's own PATH has its venv first already
                env["PATH"] = f"{self.root / 'bin'}:{os.environ.get('PATH', '/usr/local/bin:/usr/bin:/bin')}"
            src = Path(workspace) / "src"
            paths = [str(src)] if src.is_dir() and any(src.glob("*/__init__.py")) else [str(workspace)]
            env["PYTHONPATH"] = ":".join(paths)
        return env

    def prepare_workspace(self, workspace: Path) -> list[str]:
        """Copy build outputs (absent from git) into a fresh workspace, where git ignores them (they are
        never part of a patch, and a reset keeps them); returns what was copied."""
        copied = []
        if self.src is None:
            return copied
        top = Path(workspace).resolve()
        for rel in self.generated:
            target = Path(workspace) / rel
            # Only into folders the checkout has, and never through a symlink the repository placed.
            folder = target.parent.resolve()
            if (not target.exists() and not target.is_symlink() and target.parent.is_dir()
                    and (folder == top or top in folder.parents) and (self.src / rel).is_file()):
                shutil.copy2(self.src / rel, target)
                copied.append(rel)
        ignore_paths(workspace, copied)
        return copied


def find_python(version: str | None) -> Path:
    """`3.9` -> the newest ~/.pyenv/versions/3.9.* (or this interpreter when it matches, or python3.9 on PATH)."""
    if version in (None, "system"):
        return Path(sys.executable)
    current = f"{sys.version_info.major}.{sys.version_info.minor}"
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = []
    if root.is_dir():
        for d in root.iterdir():
            parts = d.name.split(".")
            if ".".join(parts[:2]) == version and parts[-1].isdigit() and (d / "bin" / "python").exists():
                found.append((int(parts[-1]) if len(parts) > 2 else 0, d / "bin" / "python"))
    if found:
        return max(found)[1]
    if version == current:
        return Path(sys.executable)
    on_path = shutil.which(f"python{version}")
    if on_path:
        return Path(on_path)
    raise EnvError(f"Python {version} is not installed; install it (e.g. `pyenv install {version}`) "
                   "or override `python` in the spec")


DEPENDENCY_FILES = ("setup.py", "setup.cfg", "pyproject.toml")
_VERSION = re.compile(r"\d+(\.\d+)*")
_GIT_VERSIONED = re.compile(rb"setuptools[_-]scm|versioneer|hatch-vcs|pbr")


def scm_fallback(src: Path, version: str) -> dict[str, str]:
    """SETUPTOOLS_SCM_PRETEND_VERSION=`version` (the task's) when no tag is reachable from the checkout (a
    bundle or a mirror without tags): setuptools-scm would call the project 0.1.devN, and version checks
    against it fail (pytest's `minversion`: 'requires pytest-2.0, actual pytest-0.1.dev...')."""
    if not _VERSION.fullmatch(version or ""):
        return {}
    if run_git(src, "describe", "--tags", "--abbrev=0", check=False).returncode == 0:
        return {}
    return {"SETUPTOOLS_SCM_PRETEND_VERSION": version}


def stale_build(folder: Path, meta: dict) -> bool:
    """A build from before checkouts carried their tags, of a project that takes its version from git: its
    version (and files made from it) say 0.1.devN, so it is built again."""
    if meta.get("tags") or not meta.get("src"):
        return False
    for name in DEPENDENCY_FILES:
        try:
            if _GIT_VERSIONED.search((folder / "src" / name).read_bytes()):
                return True
        except OSError:
            continue
    return False


def base_drift(task: Task, spec: Spec, source: RepoSource) -> str:
    """With `install_at_base`: an id of base_commit's packaging files when they differ from those of
    environment_setup_commit (the official harness installs each instance at its base commit, so its
    dependency pins apply); "" when they are the same or cannot be compared."""
    setup = task.environment_setup_commit
    if not spec.install_at_base or not setup or setup == task.base_commit or source.kind == "bundle":
        return ""
    listings = []
    for commit in (setup, task.base_commit):
        proc = run_git(source.location, "ls-tree", commit, "--", *DEPENDENCY_FILES, check=False)
        if proc.returncode != 0:
            return ""
        listings.append(proc.stdout)
    if listings[0] == listings[1]:
        return ""
    return hashlib.sha256(listings[1].encode()).hexdigest()[:8]


def env_key(task: Task, spec: Spec, drift: str = "") -> str:
    fields = {"repo": task.repo, "env": task.env_key, **spec.key_fields(), **({"drift": drift} if drift else {})}
    blob = json.dumps(fields, sort_keys=True, default=list)
    digest = hashlib.sha256(blob.encode()).hexdigest()[:12]
    return f"{task.repo.replace('/', '__')}-{(task.env_key or 'default')[:12]}-{digest}"


class EnvManager:
    """Builds environments once (file lock per key, so workers and processes wait for one builder).

    `images=True` (the docker sandbox): each environment is an image built in a container over the base
    image (harness.envimage), keyed by the same `env_key` plus the base image and interpreter; otherwise a
    virtualenv on the host, whose build runs the install commands on the host (not sandboxed)."""

    def __init__(self, cache_dir: Path, rebuild_failed: bool = False, images: bool = False):
        self.images = None
        if images:
            from .envimage import ImageBackend

            self.images = ImageBackend(Path(cache_dir))
        self.cache_dir = Path(cache_dir) / ("env-images" if images else "envs")
        self.rebuild_failed = rebuild_failed  # build again the keys whose build failed in an earlier run
        self._failed: dict[str, EnvError] = {}  # a failed build is not retried within one batch

    def get(self, task: Task, spec: Spec, source: RepoSource) -> Env:
        drift = base_drift(task, spec, source)
        key = env_key(task, spec, drift)
        if self.images is not None:
            key = self._guard(key, lambda: self.images.folder_key(key, spec))
        if key in self._failed:
            raise self._failed[key]
        folder = self.cache_dir / key
        services = {} if self.images is not None else self._guard(key, lambda: self._host_services(spec))
        with file_lock(self.cache_dir / f"{key}.lock"):
            ready, failed = folder / "READY.json", folder / "FAILED.json"
            if ready.exists():
                meta = json.loads(ready.read_text())
                if not stale_build(folder, meta) and (self.images is None or self.images.present(meta)):
                    meta = self._outputs_now(folder, spec, meta)
                    return self._env_from(key, folder, spec, meta, reused=True, services=services)
            if failed.exists() and not self.rebuild_failed:
                # Remembered across runs: the same key would fail the same way, minutes later.
                record = json.loads(failed.read_text())
                error = EnvError(f"{record['reason']} (this build failed before, {record['at']}; not rebuilt: "
                                 "pass --rebuild-failed-envs to try again)", folder / "build.log")
                self._failed[key] = error
                raise error
            try:
                meta = self._build(task, spec, source, folder, key, at_base=bool(drift))
            except EnvError as exc:
                self._failed[key] = exc
                write_atomic(failed, json.dumps({"reason": str(exc), "at": time.strftime("%Y-%m-%d %H:%M:%S")}))
                raise
            write_atomic(ready, json.dumps(meta))
            return self._env_from(key, folder, spec, meta, reused=False, services=services)

    def _outputs_now(self, folder: Path, spec: Spec, meta: dict) -> dict:
        """A host build recorded before every untracked build output was carried (only some name patterns
        were): its outputs listed again from its checkout, once."""
        if self.images is not None or "outputs" in meta or not meta.get("src") or not spec.generated:
            return meta
        out = run_git(folder / "src", *UNTRACKED, check=False).stdout
        meta = {**meta, "generated": pick_generated(out, spec.generated), "outputs": "untracked"}
        write_atomic(folder / "READY.json", json.dumps(meta))
        return meta

    def _guard(self, key: str, fn: Any) -> Any:
        """fn(), its EnvError remembered for `key` (the batch does not try again)."""
        try:
            return fn()
        except EnvError as exc:
            self._failed[key] = exc
            raise

    def _host_services(self, spec: Spec) -> dict[str, Path]:
        services: dict[str, Path] = {}
        for name in spec.services:
            try:
                services[name] = service_python(name, self.cache_dir.parent)
            except (ServiceError, OSError, subprocess.SubprocessError) as exc:
                raise EnvError(f"service {name}: {exc}") from None
        return services

    def _env_from(self, key: str, folder: Path, spec: Spec, meta: dict, reused: bool,
                  services: dict[str, Path]) -> Env:
        root = meta.get("venv_path") or (folder / "venv")
        services = services or {name: Path(path) for name, path in meta.get("services", {}).items()}
        return Env(key=key, root=Path(root) if meta.get("venv") else None,
                   src=folder / "src" if meta.get("src") else None, generated=meta.get("generated", []),
                   test_env=dict(spec.test_env), build_s=meta.get("build_s", 0.0), reused=reused,
                   services=services, image=meta.get("image"), image_id=meta.get("image_id", ""))

    def _build(self, task: Task, spec: Spec, source: RepoSource, folder: Path, key: str,
               at_base: bool = False) -> dict:
        start = time.monotonic()
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        with (folder / "build.log").open("w", encoding="utf-8") as fh:
            wheelhouse = self.cache_dir.parent / "wheels"
            if self.images is None:
                meta = build_steps(_Build(folder, fh, wheelhouse), task, spec, source, at_base)
            else:
                meta = self.images.build(folder, fh, wheelhouse, key, task, spec, source, at_base)
        meta["build_s"] = time.monotonic() - start
        return meta


# One environment build's steps in the official harness's order (venv, checkout, packages, requirements,
# environment-file packages, pins, base-commit reinstall, pre-install, install), each logged by the build
# (_Build on the host, envimage._ImageBuild in a build container).
def build_steps(build: _Build, task: Task, spec: Spec, source: RepoSource, at_base: bool = False) -> dict:
    folder, fh = build.folder, build.fh
    needs_src = bool(spec.install or spec.requirements or spec.pre_install or spec.env_files)
    meta: dict = {"venv": spec.python is not None, "src": needs_src, "generated": []}
    if spec.python is not None:
        # The environment's own pip only when its commands need pip (ensurepip costs seconds).
        commands = " ".join([spec.install, *spec.pre_install])
        build.make_venv(spec.python, with_pip=bool(spec.requirements or spec.env_files) or "pip" in commands)
    src = folder / "src"
    if needs_src:
        build.checkout(source, task.environment_setup_commit or task.base_commit, src)
    # As the official environment image: conda packages (here by pip), the requirements or
    # environment file of environment_setup_commit, then the pinned packages, which win.
    if spec.packages and build.venv_env:
        build.install(list(spec.packages))
    reqs = official_requirements(src, spec.requirements, spec.requirements_all) if needs_src else ""
    if reqs.strip():
        build.step(["python", "-m", "pip", "install", "-r", build.put_file("requirements.txt", reqs + "\n")], src)
    conda = env_file_packages(src, spec.env_files) if needs_src else []
    if conda:
        _install_best_effort(build, conda)
    if spec.pip_packages and build.venv_env:
        build.install(list(spec.pip_packages))
    if at_base and needs_src:
        # As the official instance image: the project itself (its own pins, entry points) from
        # base_commit, whose packaging files differ from those of environment_setup_commit.
        build.checkout(source, task.base_commit, src)
    for cmd in spec.pre_install:
        if SYSTEM_PACKAGES.match(cmd):
            # System packages need root (and change the host): left out, and said so in the log.
            fh.write(f"(skipped, installs system packages: {cmd})\n")
            continue
        build.step(cmd, src)
    if spec.install:
        pretend = scm_fallback(src, task.version) if needs_src else {}
        if pretend:
            fh.write(f"# no tag is reachable from the checkout: {pretend}\n")
            build.venv_env = {**build.venv_env, **pretend}
        build.step(spec.install, src)
    meta["tags"] = True  # built with the tags its commit contains (reuse() rebuilds older git-versioned builds)
    if needs_src and spec.generated:
        meta["generated"] = build.generated(src, spec.generated)
    meta["outputs"] = "untracked"
    return meta


class _Build:
    """The steps of one environment build, each logged to `build.log`; the first failing one raises EnvError."""

    def __init__(self, folder: Path, log: IO[str], wheelhouse: Path):
        self.folder, self.fh, self.wheelhouse = folder, log, wheelhouse
        self.log = folder / "build.log"
        self.venv_env: dict[str, str] = {}
        self.pip: list[str] = []  # the command that installs into the environment
        self.base: Path | None = None  # the interpreter the environment is built on
        self.offline = False  # packages through the wheelhouse (this interpreter's environments)

    def run(self, argv: list[str] | str, cwd: Path) -> int:
        shell = isinstance(argv, str)
        self.fh.write(f"$ {argv if shell else ' '.join(argv)}\n")
        self.fh.flush()
        try:
            proc = subprocess.run(argv, cwd=cwd, shell=shell, stdout=self.fh, stderr=subprocess.STDOUT,
                                  env={**os.environ, **self.venv_env, "PIP_NO_INPUT": "1",
                                       "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
                                  timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL,
                                  executable="/bin/bash" if shell else None)
        except subprocess.TimeoutExpired:
            raise EnvError(f"environment build step timed out: {argv}", self.log) from None
        self.fh.flush()
        return proc.returncode

    def step(self, argv: list[str] | str, cwd: Path) -> None:
        if self.run(argv, cwd) != 0:
            tail = self.log.read_text(errors="replace").strip().splitlines()[-3:]
            shown = argv if isinstance(argv, str) else " ".join(argv)
            raise EnvError(f"environment build failed at `{shown}`: " + " | ".join(tail)[-400:], self.log)

    def put_file(self, name: str, text: str) -> str:
        """Write a file the steps read; returns its path as the steps see it."""
        (self.folder / name).write_text(text, encoding="utf-8")
        return str(self.folder / name)

    def generated(self, src: Path, patterns: tuple[str, ...]) -> list[str]:
        return pick_generated(run_git(src, *UNTRACKED, check=False).stdout, patterns)

    def checkout(self, source: RepoSource, commit: str, dest: Path) -> None:
        try:
            checkout(source, commit, dest)
        except RepoError as exc:
            raise EnvError(str(exc), self.log) from None

    def make_venv(self, version: str, with_pip: bool) -> None:
        """A virtualenv that sees none of its base interpreter's packages (no --system-site-packages)."""
        self.base = find_python(version)
        venv = self.folder / "venv"
        python = str(venv / "bin" / "python")
        self.venv_env = {"VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}"}
        if version != "system":
            self.step([str(self.base), "-m", "venv", str(venv)], self.folder)
            self.step([python, "-m", "pip", "install", "-q", "-U", PIP_FOR.get(version, PIP_DEFAULT)], self.folder)
            self.pip = [python, "-m", "pip"]
            return
        self.offline = True
        # This interpreter: offline. pip comes from the base interpreter (`pip --python`) when it can
        # install into another one, else from the venv's own bundled copy (ensurepip, no download).
        self.step([str(self.base), "-m", "venv", "--without-pip", str(venv)], self.folder)
        if with_pip or not _pip_targets_others(self.base):
            self.step([python, "-m", "ensurepip", "--default-pip"], self.folder)
            self.pip = [python, "-m", "pip"]
        else:
            self.pip = [str(self.base), "-m", "pip", "--python", python]

    def install(self, requirements: list[str]) -> None:
        if not self.offline:  # a pyenv interpreter's environment: it reached the index for pip already
            self.step([*self.pip, "install", *requirements], self.folder)
            return
        self.wheelhouse.mkdir(parents=True, exist_ok=True)
        offline = [*self.pip, "install", "-q", "--no-index", "--find-links", str(self.wheelhouse), *requirements]
        seeded = seed_from_installed(requirements, self.wheelhouse, _search_path(self.base or Path(sys.executable)))
        self.fh.write(f"# wheelhouse {self.wheelhouse}: wheels of {', '.join(seeded) or 'nothing'} "
                      f"installed in {self.base}\n")
        if self.run(offline, self.folder) == 0:
            return
        # Not here yet: from the index, into the wheelhouse (the next build of it needs no network).
        download = [*self.pip, "download", "-q", "--dest", str(self.wheelhouse), *requirements]
        if self.run(download, self.folder) != 0:
            raise EnvError(f"cannot install {' '.join(requirements)}: not in the wheelhouse {self.wheelhouse}, not "
                           f"installed in {self.base}, and the package index is unreachable; build once with "
                           "network, or put the wheels in that folder", self.log)
        self.step(offline, self.folder)


def _pip_targets_others(python: Path) -> bool:
    """pip >= 22.3 installs into another interpreter with `--python`."""
    proc = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, text=True)
    match = re.match(r"pip (\d+)\.(\d+)", proc.stdout)
    return proc.returncode == 0 and bool(match) and (int(match[1]), int(match[2])) >= (22, 3)


def _search_path(python: Path) -> list[str]:
    proc = subprocess.run([str(python), "-c", "import json, sys; print(json.dumps(sys.path))"],
                          capture_output=True, text=True)
    return [p for p in json.loads(proc.stdout or "[]") if p] if proc.returncode == 0 else []


# Every file of the checkout that git does not track, ignored or not: the checkout was clean, so the
# build made each one (a generated module such as astropy._erfa.core, a compiled extension, _version.py).
UNTRACKED = ("ls-files", "-z", "--others")
_NOT_OUTPUTS = ("build/", ".eggs/", ".tox/", ".git/", ".pytest_cache/", ".hypothesis/", ".mypy_cache/", "node_modules/")


def pick_generated(out: str, patterns: tuple[str, ...]) -> list[str]:
    """Of `git ls-files -z --others` output: the files the build produced in the checkout that a fresh
    workspace will lack (not its scratch folders, caches and packaging metadata)."""
    names = []
    for rel in out.split("\0"):
        if not rel or rel.startswith(_NOT_OUTPUTS) or ".egg-info" in rel or "__pycache__" in rel:
            continue
        if any(fnmatch.fnmatch(Path(rel).name, p) for p in patterns):
            names.append(rel)
    return sorted(names)


def _read_requirements(path: Path) -> list[str] | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None


def official_requirements(src: Path, paths: tuple[str, ...], every: bool = False) -> str:
    """The requirements the official harness installs: the first of `paths` that exists (each that exists
    with `every`), without `-e .`, comments and `.[test` lines, and each `-r FILE` replaced by that file's
    lines (one level, relative to the first file's folder)."""
    found: list[tuple[str, list[str]]] = []
    for rel in paths:
        lines = _read_requirements(src / rel)
        if lines is not None:
            found.append((rel, lines))
            if not every:
                break
    if not found:
        return ""

    def excluded(line: str) -> bool:
        return line.strip().startswith(("-e .", "#", ".[test")) or line.strip() in ("", ".")

    folder = Path(found[0][0]).parent
    included: list[str] = []
    own: list[str] = []
    for _, lines in found:
        for line in lines:
            if line.strip().startswith("-r"):
                nested = _read_requirements(src / folder / line.strip()[2:].strip()) or []
                included += [x for x in nested if not excluded(x)]
            elif not excluded(line):
                own.append(line)
    return replace_yanked("\n".join(included + own))


# Requirements yanked from PyPI since the official images were built, replaced as the official harness
# does (swebench's REPLACE_REQ_PACKAGES; the version specifier goes with the old name).
YANKED_REPLACEMENTS = (("types-pkg_resources", "types-setuptools"),)


def replace_yanked(text: str) -> str:
    for old, new in YANKED_REPLACEMENTS:
        text = re.sub(rf"^{re.escape(old)}([<>=!~]=?.*|$)", new, text, flags=re.MULTILINE)
    return text


# Conda names that PyPI spells differently, and conda packages that are no Python distribution at all.
_CONDA_TO_PIP = {"matplotlib-base": "matplotlib", "pytables": "tables", "python-graphviz": "graphviz",
                 "iris": "scitools-iris", "pytorch": "torch"}
_CONDA_ONLY = {"python", "pip", "hdf5", "libnetcdf", "cdms2", "nodefaults", "compilers", "cxx-compiler",
               "c-compiler", "make", "cmake", "pkg-config", "ffmpeg", "imagemagick", "graphviz", "gdal", "geos",
               "proj"}


def env_file_packages(src: Path, paths: tuple[str, ...]) -> list[str]:
    """pip requirement strings for the packages of the first conda environment file of `paths` that exists:
    its conda dependencies (renamed where PyPI spells them differently, `=` pins as `==`) and its pip list."""
    for rel in paths:
        lines = _read_requirements(src / rel)
        if lines is not None:
            break
    else:
        return []
    out: list[str] = []
    in_deps = False
    for raw in lines:
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line.startswith((" ", "-", "\t")):
            in_deps = line.strip() == "dependencies:"
            continue
        item = line.strip()
        if not in_deps or not item.startswith("-") or item.rstrip().endswith(":"):
            continue
        item = item[1:].strip().split("::")[-1]
        match = re.match(r"([A-Za-z0-9_.\-]+)\s*(.*)", item)
        if not match:
            continue
        name, pin = match.group(1), match.group(2).replace(" ", "")
        if name.lower() in _CONDA_ONLY:
            continue
        if pin and pin[0].isdigit():
            pin = "==" + pin
        elif pin.startswith("=") and not pin.startswith("=="):
            pin = "=" + pin
        out.append(replace_yanked(_CONDA_TO_PIP.get(name.lower(), name) + pin.rstrip("*").rstrip(".")))
    return list(dict.fromkeys(out))


def _install_best_effort(build: _Build, packages: list[str]) -> None:
    """All at once; when that fails, one by one, leaving out what PyPI lacks or cannot build here (the
    official harness gets these from conda-forge)."""
    base = ["python", "-m", "pip", "install", "--prefer-binary"]  # the environment's python (on its PATH)

    def tried(argv: list[str]) -> bool:
        try:
            return build.run(argv, build.folder) == 0
        except EnvError:  # a step that timed out: left out like one that failed
            return False

    if tried([*base, *packages]):
        return
    build.fh.write("(installing them all at once failed; one by one, going on without those that fail)\n")
    for package in packages:
        if not tried([*base, package]):
            build.fh.write(f"(left out: {package})\n")
