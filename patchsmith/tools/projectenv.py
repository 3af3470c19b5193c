"""The user's own project environment (an ignored `.venv`, uv/poetry/conda environments, `node_modules`).

The agent's worktree is seeded without ignored files, so a repository whose tests need its own virtualenv
or `node_modules` would fail there. `detect_project_env` finds them in the user's repository (offline: only
files are read, no env manager is run) and says how commands reach them without a copy: the folders are
shown read-only at their own paths (sandboxes bind them; local sees them anyway) and the environment
variables put them first (PATH, VIRTUAL_ENV or CONDA_PREFIX, NODE_PATH). An editable install of the
project inside that environment points at the user's tree, so the worktree's copies of those folders come
first on PYTHONPATH: tests import the agent's code, never the user's.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

VENV_DIRS = (".venv", "venv", "env", ".env")  # in-repo virtualenv folders (uv and in-project poetry: .venv)
CONDA_FILES = ("environment.yml", "environment.yaml")
# Interpreters under these are the system's own: every sandbox already shows them (docker: its image's).
SYSTEM_PREFIXES = (Path("/usr"), Path("/bin"), Path("/lib"))
NAME_IN_SECTION = r"^\[{section}\][^\[]*?^name\s*=\s*[\"']([^\"']+)[\"']"


@dataclass(frozen=True)
class ProjectEnv:
    """What a repository's commands need from the user's machine. `python` is a virtualenv or conda prefix."""

    kind: str  # venv | uv | poetry | conda | active | none (only node_modules)
    repo: Path  # the user's repository it was found for
    python: Path | None = None
    node_modules: Path | None = None
    source_paths: tuple[Path, ...] = ()  # folders of the user's tree that an editable install points at
    shared: tuple[Path, ...] = field(default=())  # host folders to show read-only at the same path

    def describe(self) -> str:
        parts = [f"{self.kind} environment {self.python}"] if self.python else []
        if self.node_modules:
            parts.append(f"node_modules {self.node_modules}")
        return ", ".join(parts)

    def variables(self, path: str, workspace: Path, pythonpath: str = "") -> dict[str, str]:
        """Variables that put this environment first, given the PATH to extend. Editable-install folders of
        the repository are mapped to the same folders in `workspace`, ahead of `pythonpath`."""
        out: dict[str, str] = {}
        bins = []
        if self.python:
            bins.append(str(self.python / "bin"))
            out["CONDA_PREFIX" if self.kind == "conda" else "VIRTUAL_ENV"] = str(self.python)
        if self.node_modules:
            bins.append(str(self.node_modules / ".bin"))
            out["NODE_PATH"] = str(self.node_modules)
        out["PATH"] = ":".join([*bins, path] if path else bins)
        mapped = [str(workspace / p.relative_to(self.repo)) for p in self.source_paths]
        if mapped:
            out["PYTHONPATH"] = ":".join([*mapped, pythonpath] if pythonpath else mapped)
        return out


def detect_project_env(repo: Path, environ: Mapping[str, str] | None = None) -> ProjectEnv | None:
    """The environment `repo` declares or holds, or None. Order: an in-repo virtualenv (uv's
    UV_PROJECT_ENVIRONMENT, .venv, venv, ...), poetry's cached one, conda's named one, the active virtualenv."""
    environ = os.environ if environ is None else environ
    repo = Path(repo).resolve()
    kind, python = _python_env(repo, environ)
    node = repo / "node_modules"
    node_modules = node.resolve() if node.is_dir() else None
    if python is None and node_modules is None:
        return None
    shared = [p for p in (python, _base_prefix(python) if python else None, node_modules) if p is not None]
    return ProjectEnv(
        kind=kind if python else "none",
        repo=repo,
        python=python,
        node_modules=node_modules,
        source_paths=tuple(_editable_sources(python, repo)) if python else (),
        shared=tuple(dict.fromkeys(shared)),
    )


def _python_env(repo: Path, environ: Mapping[str, str]) -> tuple[str, Path | None]:
    pyproject = _read(repo / "pyproject.toml")
    names = [environ["UV_PROJECT_ENVIRONMENT"]] if environ.get("UV_PROJECT_ENVIRONMENT") else []
    for name in [*names, *VENV_DIRS]:
        candidate = repo / name
        if (candidate / "pyvenv.cfg").is_file():
            kind = "uv" if (repo / "uv.lock").is_file() or "[tool.uv" in pyproject else "venv"
            return ("poetry" if (repo / "poetry.lock").is_file() else kind), candidate.resolve()
    poetry = _poetry_env(repo, pyproject, environ)
    if poetry:
        return "poetry", poetry
    conda = _conda_env(repo, environ)
    if conda:
        return "conda", conda
    active = environ.get("VIRTUAL_ENV")
    if active and (Path(active) / "pyvenv.cfg").is_file():
        return "active", Path(active).resolve()
    return "none", None


def _poetry_env(repo: Path, pyproject: str, environ: Mapping[str, str]) -> Path | None:
    """Poetry keeps a project's virtualenv in its cache as <name>-<hash of the project path>-py<X.Y>."""
    found = re.search(NAME_IN_SECTION.format(section=r"tool\.poetry"), pyproject, re.M | re.S) or re.search(
        NAME_IN_SECTION.format(section="project"), pyproject, re.M | re.S
    )
    if not found or "[tool.poetry" not in pyproject:
        return None
    name = re.sub(r'[ $`!*@"\\\r\n\t]', "_", found.group(1).lower())[:42]
    digest = base64.urlsafe_b64encode(hashlib.sha256(os.path.normcase(str(repo)).encode()).digest()).decode()[
        :8
    ]
    home = Path(environ.get("HOME") or Path.home())
    cache = Path(
        environ.get("POETRY_CACHE_DIR") or Path(environ.get("XDG_CACHE_HOME") or home / ".cache") / "pypoetry"
    )
    folder = Path(environ.get("POETRY_VIRTUALENVS_PATH") or cache / "virtualenvs")
    envs = sorted(p for p in folder.glob(f"{name}-{digest}-py*") if (p / "pyvenv.cfg").is_file())
    return envs[-1].resolve() if envs else None


def _conda_env(repo: Path, environ: Mapping[str, str]) -> Path | None:
    """environment.yml's `prefix:`, or its `name:` under the usual conda env folders (conda-meta marks one)."""
    text = next((t for t in (_read(repo / f) for f in CONDA_FILES) if t), "")
    prefix = re.search(r"^prefix:\s*['\"]?([^'\"\n]+)", text, re.M)
    name = re.search(r"^name:\s*['\"]?([^'\"\s]+)", text, re.M)
    home = Path(environ.get("HOME") or Path.home())
    roots = [Path(p) for p in environ.get("CONDA_ENVS_PATH", "").split(os.pathsep) if p]
    if environ.get("CONDA_PREFIX"):
        conda = Path(environ["CONDA_PREFIX"])
        roots += [conda / "envs", conda.parent]  # the base env holds envs/; an active env sits inside one
    roots += [home / d / "envs" for d in (".conda", "miniconda3", "miniforge3", "mambaforge", "anaconda3")]
    roots.append(Path("/opt/conda/envs"))
    candidates = ([Path(prefix.group(1).strip())] if prefix else []) + (
        [r / name.group(1) for r in roots] if name else []
    )
    return next((c.resolve() for c in candidates if (c / "conda-meta").is_dir()), None)


def _base_prefix(env: Path) -> Path | None:
    """The installation a virtualenv's interpreter links into (pyvenv.cfg's `home`), unless it is the system's."""
    home = re.search(r"^home\s*=\s*(.+)$", _read(env / "pyvenv.cfg"), re.M)
    if not home:
        return None
    prefix = Path(home.group(1).strip()).resolve().parent
    if prefix == Path("/") or any(prefix == s or s in prefix.parents for s in SYSTEM_PREFIXES):
        return None
    return prefix if prefix.is_dir() else None


def _editable_sources(env: Path, repo: Path) -> list[Path]:
    """Folders of `repo` that an editable install in `env` puts on sys.path (.pth lines, setuptools finders)."""
    found: list[Path] = []
    pattern = re.compile(re.escape(str(repo)) + r"(?=[/\s'\"\\,}]|$)(/[^\s'\"\\,}]*)?", re.M)
    for site in env.glob("lib/python*/site-packages"):
        for f in [*site.glob("*.pth"), *site.glob("__editable__*finder.py")]:
            for m in pattern.finditer(_read(f)):
                path = Path(m.group(0).rstrip("/"))
                if f.suffix == ".py" and path != repo:
                    path = (
                        path.parent
                    )  # a finder maps a package name to its folder: its parent goes on the path
                if path.is_dir() and path not in found:
                    found.append(path)
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
