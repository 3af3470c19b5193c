"""Per-repository environment and test specs, after the official SWE-bench harness's spec table.

A spec says which Python builds the environment, what to install (requirements files, pinned test
dependencies, the install command run in a checkout of `environment_setup_commit`), how to run tests and
parse their output, and which tests to deselect because they touch the network. A config file
(`{"owner/name": {...}}`, optionally `{"owner/name": {"versions": {"1.2": {...}}}}`) and the task itself
(`spec.json` / `install` / `test_cmd` fields) override the table, in that order.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..errors import UserError
from .tasks import Task

PYTEST = "pytest -rA --tb=short -p no:cacheprovider"
DJANGO = "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1"
SYMPY = "bin/test -C --verbose"


@dataclass(frozen=True)
class Spec:
    python: str | None = "system"  # "3.9" -> ~/.pyenv/versions/3.9.*; "system": this interpreter; None: no venv
    requirements: tuple[str, ...] = ()  # requirement files in the repo (all that exist are installed)
    packages: tuple[str, ...] = ()  # pip requirement strings installed first
    pip_packages: tuple[str, ...] = ()  # pinned test dependencies, installed after (they win)
    pre_install: tuple[str, ...] = ()  # shell commands in the env's source checkout before `install`
    install: str = ""  # e.g. "python -m pip install -e ."
    test_cmd: str = "python -m pytest -rA --tb=short -p no:cacheprovider"  # a venv over this interpreter
    parser: str = "pytest"  # pytest | django | sympy | tap | exitcode
    directives: str = "paths"  # paths | django (test files -> dotted modules) | none
    test_env: tuple[tuple[str, str], ...] = ()
    deselect: tuple[str, ...] = ()  # test id prefixes never run (network); ids under them are not graded
    network_source: str = ""  # regex: test functions whose source matches are deselected too
    generated: tuple[str, ...] = ("*.so", "_version.py", "version.py")  # build outputs copied into workspaces
    language: str = "python"
    services: tuple[str, ...] = ()  # loopback stand-ins for internet services, started around the tests
    # Install the project from base_commit (its own pins) when its packaging files differ from those of
    # environment_setup_commit: one more environment per distinct set, closer to the official harness.
    install_at_base: bool = False

    def key_fields(self) -> dict[str, Any]:
        """What makes two environments the same (test-time fields excluded)."""
        return {"python": self.python, "requirements": self.requirements, "packages": self.packages,
                "pip_packages": self.pip_packages, "pre_install": self.pre_install, "install": self.install,
                **({"install_at_base": True} if self.install_at_base else {})}


def _versions(keys: list[str], **spec: Any) -> dict[str, dict[str, Any]]:
    return {k: dict(spec) for k in keys}


_PYTEST_PINS_OLD = ("atomicwrites==1.4.1", "attrs==23.1.0", "more-itertools==10.1.0", "pluggy==0.13.1",
                    "py==1.11.0", "six==1.16.0")
_PYTEST_VERSIONS: dict[str, dict[str, Any]] = {
    "4.4": {"pip_packages": (*_PYTEST_PINS_OLD, "setuptools==68.0.0")},
    "4.5": {"pip_packages": ("atomicwrites==1.4.1", "attrs==23.1.0", "more-itertools==10.1.0", "pluggy==0.11.0",
                             "py==1.11.0", "setuptools==68.0.0", "six==1.16.0", "wcwidth==0.2.6")},
    "4.6": {"pip_packages": (*_PYTEST_PINS_OLD, "packaging==23.1", "wcwidth==0.2.6")},
    **_versions(["5.0", "5.1", "5.2"], pip_packages=("atomicwrites==1.4.1", "attrs==23.1.0", "more-itertools==10.1.0",
                                                       "packaging==23.1", "pluggy==0.13.1", "py==1.11.0",
                                                       "wcwidth==0.2.6")),
    "5.3": {"pip_packages": ("attrs==23.1.0", "more-itertools==10.1.0", "packaging==23.1", "pluggy==0.13.1",
                             "py==1.11.0", "wcwidth==0.2.6")},
    "5.4": {"pip_packages": ("py==1.11.0", "packaging==23.1", "attrs==23.1.0", "more-itertools==10.1.0",
                             "pluggy==0.13.1")},
    "6.0": {"pip_packages": ("attrs==23.1.0", "iniconfig==2.0.0", "more-itertools==10.1.0", "packaging==23.1",
                             "pluggy==0.13.1", "py==1.11.0", "toml==0.10.2")},
    **_versions(["6.2", "6.3"], pip_packages=("attrs==23.1.0", "iniconfig==2.0.0", "packaging==23.1",
                                              "pluggy==0.13.1", "py==1.11.0", "toml==0.10.2")),
    "7.0": {"pip_packages": ("attrs==23.1.0", "iniconfig==2.0.0", "packaging==23.1", "pluggy==0.13.1",
                             "py==1.11.0")},
    **_versions(["7.1", "7.2"], pip_packages=("attrs==23.1.0", "iniconfig==2.0.0", "packaging==23.1",
                                              "pluggy==0.13.1", "py==1.11.0", "tomli==2.0.1")),
    **_versions(["7.4", "8.0", "8.1", "8.2"], pip_packages=("iniconfig==2.0.0", "packaging==23.1",
                                                            "pluggy==1.3.0", "exceptiongroup==1.1.3",
                                                            "tomli==2.0.1")),
}
_PYTEST_VERSIONS["6.3"] = {**_PYTEST_VERSIONS["6.3"], "pre_install": ("sed -i 's/>=>=/>=/' setup.cfg",)}

_FLASK_PINS_20 = ("setuptools==70.0.0", "Werkzeug==2.3.7", "Jinja2==3.0.1", "itsdangerous==2.1.2", "click==8.0.1",
                  "MarkupSafe==2.1.3")
_FLASK_PINS_21 = ("setuptools==70.0.0", "click==8.1.3", "itsdangerous==2.1.2", "Jinja2==3.1.2", "MarkupSafe==2.1.1",
                  "Werkzeug==2.3.7")

_SPHINX_OLD_SEDS = (
    "sed -i 's/Jinja2>=2.3/Jinja2<3.0/' setup.py",
    "sed -i 's/sphinxcontrib-applehelp/sphinxcontrib-applehelp<=1.0.7/' setup.py",
    "sed -i 's/sphinxcontrib-devhelp/sphinxcontrib-devhelp<=1.0.5/' setup.py",
    "sed -i 's/sphinxcontrib-qthelp/sphinxcontrib-qthelp<=1.0.6/' setup.py",
    "sed -i 's/alabaster>=0.7,<0.8/alabaster>=0.7,<0.7.12/' setup.py",
    "sed -i \"s/'packaging',/'packaging', 'markupsafe<=2.0.1',/\" setup.py",
    "sed -i 's/sphinxcontrib-htmlhelp>=2.0.0/sphinxcontrib-htmlhelp>=2.0.0,<=2.0.4/' setup.py",
    "sed -i 's/sphinxcontrib-serializinghtml>=1.1.5/sphinxcontrib-serializinghtml>=1.1.5,<=1.1.9/' setup.py",
)

_ASTROPY_PINS = ("attrs==23.1.0", "exceptiongroup==1.1.3", "execnet==2.0.2", "hypothesis==6.82.6", "iniconfig==2.0.0",
                 "numpy==1.25.2", "packaging==23.1", "pluggy==1.3.0", "psutil==5.9.5", "pyerfa==2.0.0.3",
                 "pytest-arraydiff==0.5.0", "pytest-astropy-header==0.2.2", "pytest-astropy==0.10.0",
                 "pytest-cov==4.1.0", "pytest-doctestplus==1.0.0", "pytest-filter-subpackage==0.1.2",
                 "pytest-mock==3.11.1", "pytest-openfiles==0.5.0", "pytest-remotedata==0.4.0",
                 "pytest-xdist==3.3.1", "pytest==7.4.0", "PyYAML==6.0.1", "setuptools==68.0.0",
                 "sortedcontainers==2.4.0", "tomli==2.0.1")

_SEABORN_PINS = ("contourpy==1.1.0", "cycler==0.11.0", "fonttools==4.42.1", "importlib-resources==6.0.1",
                 "kiwisolver==1.4.5", "matplotlib==3.7.2", "numpy==1.25.2", "packaging==23.1", "pillow==10.0.0",
                 "pyparsing==3.0.9", "pytest", "python-dateutil==2.8.2", "pytz==2023.3.post1", "scipy==1.11.2",
                 "six==1.16.0", "tzdata==2023.1", "zipp==3.16.2")

_MPL_PINS = ("contourpy==1.1.0", "cycler==0.11.0", "fonttools==4.42.1", "kiwisolver==1.4.5", "numpy==1.25.2",
             "packaging==23.1", "pillow==10.0.0", "pyparsing==3.0.9", "python-dateutil==2.8.2", "six==1.16.0",
             "setuptools==68.1.2", "setuptools-scm==7.1.0", "typing-extensions==4.7.1", "pytest")

# psf/requests tests that cannot pass offline even with a local httpbin: a private-range address that must
# time out, unresolvable hosts, proxies, https to httpbin, redirects to public hosts.
_REQUESTS_OFFLINE = tuple(
    f"{path}::{cls}::{name}"
    for path, cls in (("test_requests.py", "RequestsTestCase"), ("tests/test_requests.py", "TestRequests"))
    for name in ("test_errors", "test_proxy_error", "test_mixed_case_scheme_acceptable",
                 "test_auth_is_stripped_on_redirect_off_host", "test_pyopenssl_redirect")
) + tuple(f"{path}::TestTimeout::{name}" for path in ("test_requests.py", "tests/test_requests.py")
          for name in ("test_connect_timeout", "test_total_timeout_connect"))

# repo -> {"default": {...}, "versions": {version: {...}}}; a version entry is layered over "default".
TABLE: dict[str, dict[str, Any]] = {
    "psf/requests": {
        "default": {"python": "3.9", "packages": ("pytest",), "install": "python -m pip install .",
                    "parser": "pytest-options",
                    # Old suites call httpbin.org through HTTPBIN_URL: a local httpbin stands in for it.
                    "services": ("httpbin",),
                    "deselect": _REQUESTS_OFFLINE,
                    # Tests that send to a public URL written out in full (building a Request offline is fine).
                    "network_source": r"\.(get|head|post|put|patch|delete|options|request|urlopen)"
                                      r"\(\s*(['\"][A-Z]+['\"],\s*)?['\"]https?://(?!localhost|127\.)"},
    },
    "pallets/flask": {
        "default": {"python": "3.11", "requirements": ("requirements/tests.txt",), "install": "python -m pip install -e .",
                    "pip_packages": _FLASK_PINS_21},
        "versions": {"2.0": {"python": "3.9", "pip_packages": _FLASK_PINS_20}, "2.1": {"python": "3.10"}},
    },
    "pytest-dev/pytest": {
        "default": {"python": "3.9", "install": "python -m pip install -e ."},
        "versions": _PYTEST_VERSIONS,
    },
    "sympy/sympy": {
        "default": {"python": "3.9", "pip_packages": ("mpmath==1.3.0",), "install": "python -m pip install -e .",
                    "test_cmd": SYMPY, "parser": "sympy",
                    "test_env": (("PYTHONWARNINGS", "ignore::UserWarning,ignore::SyntaxWarning"),)},
    },
    "django/django": {
        "default": {"python": "3.9", "requirements": ("tests/requirements/py3.txt",), "install": "python -m pip install -e .",
                    "test_cmd": DJANGO, "parser": "django", "directives": "django",
                    "test_env": (("LANG", "C.UTF-8"), ("LC_ALL", "C.UTF-8"), ("PYTHONIOENCODING", "utf8"))},
        "versions": {
            **_versions(["1.9", "1.10", "1.11", "2.0", "2.1", "2.2"], python="3.6", install="python setup.py install",
                        pip_packages=("setuptools",)),
            **_versions(["3.0", "3.1", "3.2"], python="3.6"),
            "4.0": {"python": "3.8"},
            **_versions(["5.0", "5.1", "5.2"], python="3.11"),
            "1.9": {"python": "3.6", "install": "python setup.py install", "test_cmd": "./tests/runtests.py --verbosity 2"},
        },
    },
    "pylint-dev/pylint": {
        # The test requirements say `-e .`, which today's pip refuses for pylint's pinned old setuptools backend
        # (no PEP 660 hook): install it non-editable instead (the workspace comes first on PYTHONPATH anyway).
        "default": {"python": "3.9", "requirements": ("requirements_test.txt",), "install": "python -m pip install .",
                    "parser": "pytest-options", "pre_install": ("sed -i 's/^-e \\././' requirements_test*.txt",),
                    # astroid, pinned in setup.cfg, moves between base commits of one version
                    "install_at_base": True},
        "versions": {**_versions(["3.0", "3.1", "3.2", "3.3"], pip_packages=("astroid==3.0.0a6", "setuptools")),
                     # base commits of 2.13 still import toml, which the environment_setup_commit no longer needs
                     "2.13": {"pip_packages": ("toml",)}},
    },
    "sphinx-doc/sphinx": {
        "default": {"python": "3.9", "pip_packages": ("Jinja2==3.0.3",), "install": "python -m pip install -e .[test]"},
        "versions": {**_versions(["3.0", "3.1", "3.2", "3.3", "3.4", "3.5", "4.0", "4.1", "4.2", "4.3", "4.4"],
                                 pre_install=_SPHINX_OLD_SEDS),
                     **_versions(["8.0", "8.1"], python="3.10")},
    },
    "astropy/astropy": {
        "default": {"python": "3.9", "install": "python -m pip install -e .[test] --verbose", "pip_packages": _ASTROPY_PINS,
                    "test_cmd": "pytest -rA -vv -o console_output_style=classic --tb=no -p no:cacheprovider"},
        "versions": {"v5.3": {"python": "3.10"}},
    },
    "pydata/xarray": {
        "default": {"python": "3.10", "install": "python -m pip install -e .",
                    "pip_packages": ("numpy==1.23.0", "packaging==23.1", "pandas==1.5.3", "pytest==7.4.0",
                                     "python-dateutil==2.8.2", "pytz==2023.3", "six==1.16.0", "scipy==1.11.1",
                                     "setuptools==68.0.0", "dask==2022.8.1")},
    },
    "mwaskom/seaborn": {
        "default": {"python": "3.9", "install": "python -m pip install -e .[dev]",
                    "pip_packages": (*_SEABORN_PINS, "pandas==2.0.0")},
        "versions": {"0.11": {"install": "python -m pip install -e .", "pip_packages": (*_SEABORN_PINS, "pandas==1.3.5")}},
    },
    "matplotlib/matplotlib": {
        "default": {"python": "3.11", "install": "python -m pip install -e .", "pip_packages": _MPL_PINS,
                    "parser": "matplotlib"},
        "versions": {**_versions(["3.8", "3.9"], install='python -m pip install --no-build-isolation -e ".[dev]"'),
                     **_versions(["3.1", "3.2", "3.3", "3.4"], python="3.8", pip_packages=("pytest", "ipython")),
                     "3.0": {"python": "3.7", "pip_packages": ("pytest",)}},
    },
    "scikit-learn/scikit-learn": {
        "default": {"python": "3.9", "install": "python -m pip install -v --no-use-pep517 --no-build-isolation -e .",
                    "packages": ("numpy==1.19.2", "scipy==1.5.2", "cython==3.0.10", "pytest", "pandas<2.0.0",
                                 "matplotlib<3.9.0", "setuptools", "joblib", "threadpoolctl")},
        "versions": _versions(["0.20", "0.21", "0.22"], python="3.6",
                              packages=("cython", "numpy==1.19.2", "setuptools", "scipy==1.5.2", "pytest")),
    },
}


def _to_spec_fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
    names = {f.name for f in fields(Spec)}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in ("versions", "default"):
            continue
        if key not in names:
            continue  # lenient: scenario specs may carry notes or fields for other tools
        if key == "test_env" and isinstance(value, dict):
            value = tuple(sorted((str(k), str(v)) for k, v in value.items()))
        elif key in ("requirements", "packages", "pip_packages", "pre_install", "deselect", "generated", "services"):
            if isinstance(value, str):
                value = (value,) if value else ()
            if not isinstance(value, (list, tuple)):
                raise UserError(f"{where}: {key} must be a list of strings")
            value = tuple(str(v) for v in value)
        elif key in ("install", "test_cmd") and isinstance(value, list):
            value = " && ".join(value)  # the official specs sometimes give a list of commands
        out[key] = value
    return out


def _layer(raw: dict[str, Any] | None, version: str, where: str) -> dict[str, Any]:
    if not raw:
        return {}
    layered = _to_spec_fields(raw.get("default", {}), where) if "default" in raw else {}
    layered.update(_to_spec_fields(raw, where))
    versions = raw.get("versions") or {}
    if version in versions:
        layered.update(_to_spec_fields(versions[version], where))
    return layered


def load_spec_config(path: str | Path | None) -> dict[str, Any]:
    if not path:
        return {}
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such spec config file") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not valid JSON ({exc}); expected {{\"owner/name\": {{\"install\": ..., "
                        "\"test_cmd\": ...}}}}") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected an object mapping repository names to specs")
    return data


def spec_for(task: Task, config: dict[str, Any] | None = None) -> Spec:
    known = task.repo in TABLE
    # Unknown repositories (the offline scenarios) run on this interpreter; plugins installed here for other
    # purposes must not change their results, so pytest's plugin autoload is off.
    base = Spec(test_cmd=PYTEST) if known else Spec(python="system",
                                                    test_env=(("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1"),))
    merged = _layer(TABLE.get(task.repo), task.version, "spec table")
    merged.update(_layer((config or {}).get(task.repo), task.version, "spec config"))
    merged.update(_layer(task.spec, task.version, f"{task.instance_id} spec"))
    language = merged.get("language", "python")
    if language != "python" and "python" not in merged:
        merged["python"] = None  # e.g. a Node repository: no virtualenv at all
        merged.setdefault("generated", ())
    if language != "python" and "parser" not in merged:
        merged["parser"] = "tap" if "node" in merged.get("test_cmd", "") else "exitcode"
    return replace(base, **merged)


def directives_for(spec: Spec, test_files: list[str]) -> list[str]:
    """Arguments naming what to run: the test files `test_patch` touches, in the runner's terms."""
    if spec.directives == "none":
        return []
    files = [f for f in test_files if not f.endswith((".txt", ".json", ".toml", ".cfg", ".ini", ".yml", ".yaml"))
             and "/fixtures/" not in f and "/static/" not in f]
    if spec.directives == "django":
        out = []
        for f in files:
            if not f.endswith(".py"):
                continue
            mod = f[:-3]
            mod = mod[len("tests/"):] if mod.startswith("tests/") else mod
            out.append(mod.replace("/", "."))
        return out
    return files


def network_tests(source: str, pattern: str, path: str) -> list[str]:
    """Pytest ids (path::[Class::]func) of test functions whose source matches `pattern`."""
    import ast

    if not pattern:
        return []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    rx = re.compile(pattern)
    lines = source.splitlines()
    found: list[str] = []

    def body_of(node: ast.AST) -> str:
        return "\n".join(lines[node.lineno - 1: getattr(node, "end_lineno", node.lineno)])

    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            if rx.search(body_of(node)):
                found.append(f"{path}::{node.name}")
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name.startswith("test"):
                    if rx.search(body_of(item)):
                        found.append(f"{path}::{node.name}::{item.name}")
    return found
