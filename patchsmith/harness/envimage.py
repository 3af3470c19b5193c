"""Environment images for the docker sandbox: one image per (repository, environment key), built in a
container over the base image (`patchsmith images build base`) and reused by every later task of that key.

The build runs the same steps as a host virtualenv build (envs.build_steps) but every one of them inside a
build container: the repository's files go in as a tar (no host path is mounted), its install commands
run there, and the container is committed as `patchsmith/env:<key>-<digest>`, the digest covering the
base image's id and the interpreter. A spec with `compilers` starts from the toolchain layer (the base plus
gcc and headers, `patchsmith/toolchain:<suite>-<digest>`) instead of the bare base. An interpreter other than the base's own Python (a pyenv build of
the host) is copied into an image of its own first (`patchsmith/python:<name>`, shared by every
environment on it), so the image carries it and nothing of the host is needed when tasks run. The host
keeps per key only the build log, the record (READY.json) and the build outputs a fresh workspace lacks.
"""

from __future__ import annotations

import hashlib
import shlex
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import IO, Any

from ..tools.git import run_git
from ..tools.sandbox.base import SandboxUnavailable
from ..tools.sandbox.buildbox import BuildBox, tar_of
from ..tools.sandbox.engine import (
    IMAGE_PATH,
    LABEL_ENV_KEY,
    LABEL_IMAGE,
    LABEL_PYTHON,
    LABEL_REPO,
    docker_client,
)
from ..tools.sandbox.images import DEFAULT_SUITE, ENV_REPO, ImageError, ensure_base_image
from ..tools.sandbox.toolchain import ensure_toolchain_image, toolchain_tag
from .envs import (
    BUILD_TIMEOUT,
    PIP_DEFAULT,
    PIP_FOR,
    UNTRACKED,
    EnvError,
    _Build,
    build_steps,
    find_python,
    pick_generated,
)
from .locks import file_lock
from .repos import RepoSource
from .services import SERVICES
from .specs import Spec
from .tasks import Task
from .wheels import seed_from_installed

PYTHON_REPO = "patchsmith/python"
WORK = "/opt/patchsmith"
SRC = f"{WORK}/src"
VENV = "/opt/venv"
BASE_PYTHON = "3.11"  # Debian bookworm's python3, what the base image has
# Left out of a copied interpreter: its own tests and whatever the host installed into it.
SKIP_IN_PYTHON = ("test", "site-packages", "__pycache__", "idlelib", "tkinter", "turtledemo")


class ImageBackend:
    """Builds and finds environment images; the EnvManager does the locking and the records."""

    def __init__(self, cache_dir: Path, client: Any = None):
        self.cache_root = Path(cache_dir)
        self._client = client
        self._base_id = ""

    @property
    def client(self) -> Any:
        if self._client is None:
            try:
                self._client = docker_client()
            except SandboxUnavailable as exc:
                raise EnvError(f"environment images need Docker: {exc}") from None
        return self._client

    def base(self) -> tuple[str, str]:
        try:
            tag = ensure_base_image(DEFAULT_SUITE, client=self.client)
        except Exception as exc:  # no base and cannot build it here (not root, no debootstrap): one line
            raise EnvError(f"no base image: {exc}") from None
        self._base_id = self._base_id or self.client.images.get(tag).id
        return tag, self._base_id

    def folder_key(self, key: str, spec: Spec) -> str:
        """`key` (the same as a host virtualenv's) plus what only an image depends on: base and interpreter."""
        _, base_id = self.base()
        blob = f"{base_id}\n{interpreter_id(spec.python)}\n{node_id(spec)}"
        if spec.compilers:  # only then: every other key stays what it was before the toolchain layer
            blob += f"\n{toolchain_tag(base_id)}"
        return f"{key}-{hashlib.sha256(blob.encode()).hexdigest()[:8]}"

    def present(self, meta: dict) -> bool:
        """The recorded image is still there (`images prune` may have removed it). By id, not by tag: another
        cache on this Docker engine may have rebuilt the tag since, and this cache's image is still good."""
        try:
            return bool(meta.get("image_id")) and self.client.images.get(meta["image_id"]).id == meta["image_id"]
        except Exception:
            return False

    def build(
        self,
        folder: Path,
        log: IO[str],
        wheelhouse: Path,
        key: str,
        task: Task,
        spec: Spec,
        source: RepoSource,
        at_base: bool,
    ) -> dict:
        start = self.python_image(spec.python, log, spec.compilers)
        box = BuildBox(start, client=self.client)
        try:
            build = _ImageBuild(folder, log, wheelhouse, box)
            if spec.python is None and spec.language != "python":
                build.add_node()
            meta = build_steps(build, task, spec, source, at_base)
            meta["services"] = build.add_services(spec.services)
            tag = f"{ENV_REPO}:{key[:128]}"
            env = [
                f"PATH={VENV}/bin:/opt/node/bin:{IMAGE_PATH}"
                if meta["venv"]
                else f"PATH=/opt/node/bin:{IMAGE_PATH}",
                "LANG=C.UTF-8",
                *([f"VIRTUAL_ENV={VENV}"] if meta["venv"] else []),
            ]
            labels = {
                LABEL_IMAGE: "env",
                LABEL_ENV_KEY: key,
                LABEL_REPO: task.repo,
                LABEL_PYTHON: str(spec.python),
            }
            meta.update(
                image=tag,
                image_id=box.commit(ENV_REPO, tag.split(":", 1)[1], labels, env),
                venv_path=VENV,
                src=bool(meta["generated"]),
            )
            # An image this tag named before is left alone: another cache may still record and use it
            # (`images prune` removes env images, tagged or not).
            return meta
        finally:
            box.remove()

    def python_image(self, version: str | None, log: IO[str], compilers: bool = False) -> str:
        """The image environments on `version` start from: the base (or the toolchain layer over it, for
        `compilers`), or that plus a copied interpreter."""
        base, start_id = self.base()
        if compilers:
            base = self.toolchain_image(log)
            start_id = self.client.images.get(base).id
        if version in (None, "system", BASE_PYTHON):
            return base
        prefix = _host_prefix(version)
        tag = f"{PYTHON_REPO}:{prefix.name}-{hashlib.sha256(f'{start_id}{prefix}'.encode()).hexdigest()[:8]}"
        with file_lock(self.cache_root / "env-images" / f"python-{prefix.name}.lock"):
            if self._image_id(tag):
                return tag
            log.write(f"# copying the interpreter {prefix} into {tag}\n")
            box = BuildBox(base, client=self.client, network=False)
            try:
                with tempfile.TemporaryFile() as fh:
                    _tar_tree(prefix, f"python/{prefix.name}", fh, SKIP_IN_PYTHON)
                    fh.seek(0)
                    box.put("/opt", fh)
                # The copy's libpython is found through the loader's cache, not the host path in its rpath.
                box.put(
                    "/etc/ld.so.conf.d",
                    tar_of({"patchsmith-python.conf": f"/opt/python/{prefix.name}/lib\n".encode()}),
                )
                python = f"/opt/python/{prefix.name}/bin/python{version}"
                if (
                    box.run(f"ldconfig && {python} -c 'import ssl, sqlite3, zlib, ctypes'", "/", log, 300)
                    != 0
                ):
                    raise EnvError(
                        f"the interpreter {prefix} does not run in the base image (a library it "
                        "links is missing there); give the spec another python",
                        None,
                    )
                box.commit(
                    PYTHON_REPO,
                    tag.split(":", 1)[1],
                    {LABEL_IMAGE: "python", LABEL_PYTHON: prefix.name},
                    [f"PATH={IMAGE_PATH}", "LANG=C.UTF-8"],
                )
            finally:
                box.remove()
        return tag

    def toolchain_image(self, log: IO[str]) -> str:
        """The base plus compilers (tools.sandbox.toolchain), built once per base and cached by name."""
        base, _ = self.base()
        with file_lock(self.cache_root / "env-images" / "toolchain.lock"):
            try:
                return ensure_toolchain_image(base, client=self.client, log=log)
            except ImageError as exc:
                raise EnvError(str(exc).split("\n", 1)[0], None) from None

    def _image_id(self, tag: str) -> str:
        try:
            return self.client.images.get(tag).id
        except Exception:
            return ""


def _host_prefix(version: str) -> Path:
    """The installation folder of the host's Python `version` (e.g. ~/.pyenv/versions/3.9.18)."""
    prefix = find_python(version).resolve().parent.parent
    # Only a self-contained installation is copied (pyenv's, /opt/python/X): never a system prefix like /usr.
    if (
        str(prefix) in ("/", "/usr", "/usr/local")
        or not (prefix / "lib" / f"python{version}" / "os.py").is_file()
    ):
        raise EnvError(
            f"Python {version} here ({prefix}) is not a self-contained installation that can be copied "
            f"into an image; install it with pyenv (`pyenv install {version}`) or use the base's {BASE_PYTHON}"
        )
    return prefix


def interpreter_id(version: str | None) -> str:
    if version in (None, "system", BASE_PYTHON):
        return f"base:{version}"
    try:
        return str(_host_prefix(version))
    except EnvError:
        return f"missing:{version}"  # the build says so, once


def node_id(spec: Spec) -> str:
    node = _host_node() if spec.python is None and spec.language != "python" else None
    return f"{node}:{node.stat().st_size}" if node else ""


def _host_node() -> Path | None:
    import shutil

    found = shutil.which("node")
    return Path(found).resolve() if found else None


def _tar_tree(root: Path, arcname: str, fh: IO[bytes], skip: tuple[str, ...] = ()) -> None:
    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        name = Path(info.name).name
        return None if name in skip or name.endswith(".pyc") else info

    with tarfile.open(fileobj=fh, mode="w") as tar:
        tar.add(str(root), arcname=arcname, filter=keep)


class _ImageBuild(_Build):
    """_Build's steps, run in a build container; paths under the host folder map to /opt/patchsmith."""

    def __init__(self, folder: Path, log: IO[str], wheelhouse: Path, box: BuildBox):
        super().__init__(folder, log, wheelhouse)
        self.box = box

    def where(self, path: Path | str) -> str:
        path = Path(path)
        if path == self.folder or self.folder in path.parents:
            return str(Path(WORK) / path.relative_to(self.folder))
        return str(path)

    def run(self, argv: list[str] | str, cwd: Path) -> int:
        command = argv if isinstance(argv, str) else shlex.join(argv)
        self.fh.write(f"$ {command}\n")
        self.fh.flush()
        code = self.box.run(command, self.where(cwd), self.fh, BUILD_TIMEOUT, env=self.venv_env)
        if code == 137:
            raise EnvError(
                f"environment build step was killed (time limit {BUILD_TIMEOUT:g}s or memory): {command}",
                self.log,
            )
        return code

    def put_file(self, name: str, text: str) -> str:
        super().put_file(name, text)  # the host copy: what the build log refers to
        self.box.put(WORK, tar_of({name: text.encode()}))
        return f"{WORK}/{name}"

    def checkout(self, source: RepoSource, commit: str, dest: Path) -> None:
        """The checkout is made on the host (git only, no repository code runs), its files sent in, and a
        one-commit repository made of them there (setuptools-scm and the like read git)."""
        super().checkout(source, commit, dest)
        self.run(f"rm -rf {SRC}", self.folder)
        with tempfile.TemporaryFile() as fh:
            with tarfile.open(fileobj=fh, mode="w") as tar:
                for entry in sorted(dest.iterdir()):
                    if entry.name != ".git":
                        tar.add(str(entry), arcname=f"src/{entry.name}")
            fh.seek(0)
            self.box.put(WORK, fh)
        # The nearest tag of the source too: versions computed from git (setuptools-scm) stay the project's
        # own (pytest's `minversion` checks compare against it), not 0.1.dev1.
        tag = _nearest_tag(source, commit)
        self.step(
            "git init -q && git add -A -f . && git -c user.name=patchsmith -c user.email=env@patchsmith.invalid "
            f"commit -q --no-verify -m {commit}" + (f" && git tag -f {shlex.quote(tag)}" if tag else ""),
            dest,
        )

    def make_venv(self, version: str, with_pip: bool) -> None:
        python = (
            "python3"
            if version in ("system", BASE_PYTHON)
            else f"/opt/python/{_host_prefix(version).name}/bin/python{version}"
        )
        self.venv_env = {"VIRTUAL_ENV": VENV, "PATH": f"{VENV}/bin:{IMAGE_PATH}"}
        self.step([python, "-m", "venv", VENV], self.folder)
        self.pip = [f"{VENV}/bin/python", "-m", "pip"]
        self.offline = version in ("system", BASE_PYTHON)
        if not self.offline:
            self.step([*self.pip, "install", "-q", "-U", PIP_FOR.get(version, PIP_DEFAULT)], self.folder)

    def install(self, requirements: list[str]) -> None:
        if not self.offline:
            self.step([*self.pip, "install", *requirements], self.folder)
            return
        # The base's Python: pure-Python wheels of what the host has installed first (no network needed).
        self.wheelhouse.mkdir(parents=True, exist_ok=True)
        seeded = seed_from_installed(requirements, self.wheelhouse, [p for p in sys.path if p])
        self.fh.write(f"# wheelhouse {self.wheelhouse}: wheels of {', '.join(seeded) or 'nothing'}\n")
        wheels = {p.name: p.read_bytes() for p in sorted(self.wheelhouse.glob("*.whl"))}
        self.box.put(f"{WORK}/wheels", tar_of(wheels))
        local = [*self.pip, "install", "-q", "--find-links", f"{WORK}/wheels"]
        if self.run([*local[:4], "--no-index", *local[4:], *requirements], self.folder) != 0:
            self.step([*local, *requirements], self.folder)  # not all there: the index for the rest

    def generated(self, src: Path, patterns: tuple[str, ...]) -> list[str]:
        """Build outputs listed in the container, copied out into the host folder's checkout."""
        code, out = self.box.output(shlex.join(["git", *UNTRACKED]), self.where(src))
        names = pick_generated(out, patterns) if code == 0 else []
        kept = []
        for rel in names:
            data = self.box.read(f"{SRC}/{rel}")
            target = src / rel
            # Repository content chose these names: write only regular files, never through a symlink.
            if data is None or not _inside(target, src):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            kept.append(rel)
        return kept

    def add_services(self, names: tuple[str, ...]) -> dict[str, str]:
        """Each loopback service in a virtualenv of its own in the image (services.SERVICES)."""
        out = {}
        for name in names:
            if name not in SERVICES:
                raise EnvError(f"unknown service {name!r}; known: {', '.join(SERVICES)}", self.log)
            where = f"/opt/services/{name}"
            self.step(
                f"python3 -m venv {where} && {where}/bin/python -m pip install -q "
                + " ".join(shlex.quote(p) for p in SERVICES[name].packages),
                self.folder,
            )
            out[name] = f"{where}/bin/python"
        return out

    def add_node(self) -> None:
        """The host's node, copied in (a JavaScript repository's runtime; npm beside it when there is one)."""
        node = _host_node()
        if node is None:
            self.fh.write("(no node on this host: the image has none)\n")
            return
        files = {"bin/node": node.read_bytes()}
        self.box.put("/opt/node", tar_of(files, mode=0o755))
        npm = node.parent.parent / "lib" / "node_modules" / "npm"
        if npm.is_dir():
            with tempfile.TemporaryFile() as fh:
                _tar_tree(npm, "lib/node_modules/npm", fh)
                fh.seek(0)
                self.box.put("/opt/node", fh)
            self.step(
                "ln -sf ../lib/node_modules/npm/bin/npm-cli.js /opt/node/bin/npm && "
                "ln -sf ../lib/node_modules/npm/bin/npx-cli.js /opt/node/bin/npx",
                self.folder,
            )


def _nearest_tag(source: RepoSource, commit: str) -> str:
    if source.kind == "bundle":
        return ""
    proc = run_git(source.location, "describe", "--tags", "--abbrev=0", commit, check=False, use_store=False)
    tag = proc.stdout.strip()
    return tag if proc.returncode == 0 and tag and not tag.startswith("-") else ""


def _inside(target: Path, root: Path) -> bool:
    """`target` is under `root` once every symlink on the way is followed, and is no symlink itself."""
    return not target.is_symlink() and root.resolve() in target.resolve().parents
