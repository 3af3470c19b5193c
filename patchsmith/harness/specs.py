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
import shlex
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ..errors import UserError
from .tasks import Task

PYTEST = "pytest -rA --tb=short -p no:cacheprovider"
DJANGO = "./tests/runtests.py --verbosity 2 --settings=test_sqlite --parallel 1"
# Files of test_patch that are not passed to the runner (the official list, "csv" without its dot included).
NON_TEST_EXTS = (".json", ".png", "csv", ".txt", ".md", ".jpg", ".jpeg", ".pkl", ".yml", ".yaml", ".toml")
SYMPY = "PYTHONWARNINGS='ignore::UserWarning,ignore::SyntaxWarning' bin/test -C --verbose"


@dataclass(frozen=True)
class Spec:
    python: str | None = "system"  # "3.9" -> ~/.pyenv/versions/3.9.*; "system": this interpreter; None: no venv
    # Requirement files in the repo, as the official harness reads them: the first that exists (every one
    # that exists with `requirements_all`), without `-e .`/`.[test` lines, one level of `-r` followed.
    requirements: tuple[str, ...] = ()
    requirements_all: bool = False
    # Conda environment files (the first that exists): their packages are installed by pip where PyPI has them.
    env_files: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()  # pip requirement strings installed first (the official conda packages)
    pip_packages: tuple[str, ...] = ()  # pinned test dependencies, installed after (they win)
    pre_install: tuple[str, ...] = ()  # shell commands in the env's source checkout before `install`
    install: str = ""  # e.g. "python -m pip install -e ."
    test_cmd: str = "python -m pytest -rA --tb=short -p no:cacheprovider"  # a venv over this interpreter
    parser: str = "pytest"  # pytest | pytest-options | pytest-v2 | seaborn | matplotlib | django | sympy | tap | exitcode
    directives: str = "paths"  # paths | django (test files -> dotted modules) | none
    test_env: tuple[tuple[str, str], ...] = ()
    eval_commands: tuple[str, ...] = ()  # shell commands run before the tests, in the same shell
    deselect: tuple[str, ...] = ()  # test id prefixes never run (network); ids under them are not graded
    network_source: str = ""  # regex: test functions whose source matches are deselected too
    generated: tuple[str, ...] = ("*",)  # name patterns of the build outputs copied into workspaces
    language: str = "python"
    services: tuple[str, ...] = ()  # loopback stand-ins for internet services, started around the tests
    # The official harness installs the project at base_commit (its own pins and entry points) in an
    # environment whose requirements came from environment_setup_commit. When base_commit's packaging files
    # differ from those of environment_setup_commit, one more environment is built for that set.
    install_at_base: bool = True
    # The install compiles extensions (C, C++, Cython): image builds start from the toolchain layer
    # (base + gcc and headers, harness.envimage) instead of the bare base, which has no compiler. Not a
    # key field: a host virtualenv uses the host's compiler; the image key covers it (folder_key).
    compilers: bool = False

    def key_fields(self) -> dict[str, Any]:
        """What makes two environments the same (test-time fields excluded)."""
        optional = {"requirements_all": self.requirements_all, "env_files": self.env_files}
        return {"python": self.python, "requirements": self.requirements, "packages": self.packages,
                "pip_packages": self.pip_packages, "pre_install": self.pre_install, "install": self.install,
                **({"install_at_base": True} if self.install_at_base else {}),
                **{k: v for k, v in optional.items() if v}}


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
    **_versions(["7.4", "8.0", "8.1", "8.2", "8.3", "8.4"],
                pip_packages=("iniconfig==2.0.0", "packaging==23.1", "pluggy==1.3.0", "exceptiongroup==1.1.3",
                              "tomli==2.0.1")),
}
_PYTEST_VERSIONS["6.3"] = {**_PYTEST_VERSIONS["6.3"], "pre_install": ("sed -i 's/>=>=/>=/' setup.cfg",)}

_FLASK_PINS_20 = ("setuptools==70.0.0", "Werkzeug==2.3.7", "Jinja2==3.0.1", "itsdangerous==2.1.2", "click==8.0.1",
                  "MarkupSafe==2.1.3")
_FLASK_PINS_21 = ("setuptools==70.0.0", "click==8.1.3", "itsdangerous==2.1.2", "Jinja2==3.1.2", "MarkupSafe==2.1.1",
                  "Werkzeug==2.3.7")

_SPHINX_3X_SEDS = (
    "sed -i 's/Jinja2>=2.3/Jinja2<3.0/' setup.py",
    "sed -i 's/sphinxcontrib-applehelp/sphinxcontrib-applehelp<=1.0.7/' setup.py",
    "sed -i 's/sphinxcontrib-devhelp/sphinxcontrib-devhelp<=1.0.5/' setup.py",
    "sed -i 's/sphinxcontrib-qthelp/sphinxcontrib-qthelp<=1.0.6/' setup.py",
    "sed -i 's/alabaster>=0.7,<0.8/alabaster>=0.7,<0.7.12/' setup.py",
    "sed -i \"s/'packaging',/'packaging', 'markupsafe<=2.0.1',/\" setup.py",
)
# Sphinx 3.0-4.0 name htmlhelp/serializinghtml without a lower bound; 4.2-4.4 with `>=`; 4.1 either way.
_SPHINX_HELP_PLAIN = ("sed -i 's/sphinxcontrib-htmlhelp/sphinxcontrib-htmlhelp<=2.0.4/' setup.py",
                      "sed -i 's/sphinxcontrib-serializinghtml/sphinxcontrib-serializinghtml<=1.1.9/' setup.py")
_SPHINX_HELP_BOUND = (
    "sed -i 's/sphinxcontrib-htmlhelp>=2.0.0/sphinxcontrib-htmlhelp>=2.0.0,<=2.0.4/' setup.py",
    "sed -i 's/sphinxcontrib-serializinghtml>=1.1.5/sphinxcontrib-serializinghtml>=1.1.5,<=1.1.9/' setup.py")
_SPHINX_HELP_41 = (
    "grep -q 'sphinxcontrib-htmlhelp>=2.0.0' setup.py && "
    "sed -i 's/sphinxcontrib-htmlhelp>=2.0.0/sphinxcontrib-htmlhelp>=2.0.0,<=2.0.4/' setup.py || "
    "sed -i 's/sphinxcontrib-htmlhelp/sphinxcontrib-htmlhelp<=2.0.4/' setup.py",
    "grep -q 'sphinxcontrib-serializinghtml>=1.1.5' setup.py && "
    "sed -i 's/sphinxcontrib-serializinghtml>=1.1.5/sphinxcontrib-serializinghtml>=1.1.5,<=1.1.9/' setup.py || "
    "sed -i 's/sphinxcontrib-serializinghtml/sphinxcontrib-serializinghtml<=1.1.9/' setup.py")
_SPHINX_VERSIONS: dict[str, dict[str, Any]] = {
    # 3.x asks for docutils>=0.12 unbounded: today that is 0.22, which dropped docutils.utils.roman; the
    # official images (built in 2024) got 0.21.
    **_versions(["3.0", "3.1", "3.2", "3.3", "3.4", "3.5"], pre_install=_SPHINX_3X_SEDS + _SPHINX_HELP_PLAIN,
                pip_packages=("Jinja2==3.0.3", "docutils<0.22")),
    "4.0": {"pre_install": _SPHINX_3X_SEDS + _SPHINX_HELP_PLAIN},
    "4.1": {"pre_install": _SPHINX_3X_SEDS + _SPHINX_HELP_41},
    **_versions(["4.2", "4.3", "4.4"], pre_install=_SPHINX_3X_SEDS + _SPHINX_HELP_BOUND),
    **_versions(["8.0", "8.1"], python="3.10"),
}

_ASTROPY_PINS = ("attrs==23.1.0", "exceptiongroup==1.1.3", "execnet==2.0.2", "hypothesis==6.82.6", "iniconfig==2.0.0",
                 "numpy==1.25.2", "packaging==23.1", "pluggy==1.3.0", "psutil==5.9.5", "pyerfa==2.0.0.3",
                 "pytest-arraydiff==0.5.0", "pytest-astropy-header==0.2.2", "pytest-astropy==0.10.0",
                 "pytest-cov==4.1.0", "pytest-doctestplus==1.0.0", "pytest-filter-subpackage==0.1.2",
                 "pytest-mock==3.11.1", "pytest-openfiles==0.5.0", "pytest-remotedata==0.4.0",
                 "pytest-xdist==3.3.1", "pytest==7.4.0", "PyYAML==6.0.1", "setuptools==68.0.0",
                 "sortedcontainers==2.4.0", "tomli==2.0.1")
_ASTROPY_PINS_OLD = ("attrs==17.3.0", "exceptiongroup==0.0.0a0", "execnet==1.5.0", "hypothesis==3.44.2",
                     "cython==0.27.3", "jinja2==2.10", "MarkupSafe==1.0", "numpy==1.16.0", "packaging==16.8",
                     "pluggy==0.6.0", "psutil==5.4.2", "pyerfa==1.7.0", "pytest-arraydiff==0.1",
                     "pytest-astropy-header==0.1", "pytest-astropy==0.2.1", "pytest-cov==2.5.1",
                     "pytest-doctestplus==0.1.2", "pytest-filter-subpackage==0.1", "pytest-forked==0.2",
                     "pytest-mock==1.6.3", "pytest-openfiles==0.2.0", "pytest-remotedata==0.2.0",
                     "pytest-xdist==1.20.1", "pytest==3.3.1", "PyYAML==3.12", "sortedcontainers==1.5.9",
                     "tomli==0.2.0")
# The build backend's setuptools is pinned too: newer ones dropped setuptools.dep_util, which these import.
_ASTROPY_BUILD_PIN = ('sed -i \'s/requires = \\["setuptools",/requires = \\["setuptools==68.0.0",/\' pyproject.toml',)
_ASTROPY_VERSIONS: dict[str, dict[str, Any]] = {
    **_versions(["0.1", "0.2", "0.3", "0.4", "1.1", "1.2", "1.3"], python="3.6", packages=("setuptools==38.2.4",),
                pip_packages=_ASTROPY_PINS_OLD,
                test_cmd="pytest -rA -vv -o console_output_style=classic --tb=no"),
    **_versions(["4.1", "4.2", "4.3", "5.0", "5.1", "5.2"], pre_install=_ASTROPY_BUILD_PIN),
    "v5.3": {"python": "3.10", "pre_install": _ASTROPY_BUILD_PIN},
}

_SEABORN_PINS = ("contourpy==1.1.0", "cycler==0.11.0", "fonttools==4.42.1", "importlib-resources==6.0.1",
                 "kiwisolver==1.4.5", "matplotlib==3.7.2", "numpy==1.25.2", "packaging==23.1", "pillow==10.0.0",
                 "pyparsing==3.0.9", "pytest", "python-dateutil==2.8.2", "pytz==2023.3.post1", "scipy==1.11.2",
                 "six==1.16.0", "tzdata==2023.1", "zipp==3.16.2")

_MPL_PINS = ("contourpy==1.1.0", "cycler==0.11.0", "fonttools==4.42.1", "ghostscript", "kiwisolver==1.4.5",
             "numpy==1.25.2", "packaging==23.1", "pillow==10.0.0", "pikepdf", "pyparsing==3.0.9",
             "python-dateutil==2.8.2", "six==1.16.0", "setuptools==68.1.2", "setuptools-scm==7.1.0",
             "typing-extensions==4.7.1")

# psf/requests tests that cannot pass offline even with a local httpbin: a private-range address that must
# time out, unresolvable hosts, proxies, https to httpbin, redirects to public hosts. The ids follow each
# release's own layout (checked against every release's test file: test_requests.py with RequestsTestCase
# up to 2.8, TestRequests from 2.9, tests/test_requests.py from 2.10), so every entry names a real test.
def _requests_offline(version: str) -> tuple[str, ...]:
    v = tuple(int(x) for x in version.split("."))
    if v < (2, 0):
        return ()
    path = "tests/test_requests.py" if v >= (2, 10) else "test_requests.py"
    cls = "TestRequests" if v >= (2, 9) else "RequestsTestCase"
    names = ["test_mixed_case_scheme_acceptable"]
    if v >= (2, 3):
        names += ["test_pyopenssl_redirect"] + (["test_auth_is_stripped_on_redirect_off_host"] if v < (2, 22) else [])
    if v >= (2, 10):
        names += ["test_errors", "test_proxy_error"]
    ids = [f"{path}::{cls}::{name}" for name in names]
    if v >= (2, 4):
        ids += [f"{path}::TestTimeout::{name}" for name in ("test_connect_timeout", "test_total_timeout_connect")]
    return tuple(ids)


_REQUESTS_VERSIONS = ("0.13", "0.14", "1.1", "1.2", "2.0", "2.2", "2.3", "2.4", "2.5", "2.7", "2.8", "2.9", "2.10",
                      "2.12", "2.17", "2.18", "2.19", "2.22", "2.26", "2.27", "3.0")

_PYDICOM_PYTHON = {"1.4": "3.8", "2.0": "3.8", "2.1": "3.9", "2.2": "3.9", "2.3": "3.10", "2.4": "3.11", "3.0": "3.11"}

# repo -> {"default": {...}, "versions": {version: {...}}}; a version entry is layered over "default".
TABLE: dict[str, dict[str, Any]] = {
    "psf/requests": {
        "default": {"python": "3.9", "packages": ("pytest",), "install": "python -m pip install .",
                    "parser": "pytest-options",
                    # Old suites call httpbin.org through HTTPBIN_URL: a local httpbin stands in for it.
                    "services": ("httpbin",),
                    # Tests that send to a public URL written out in full (building a Request offline is fine).
                    "network_source": r"\.(get|head|post|put|patch|delete|options|request|urlopen)"
                                      r"\(\s*(['\"][A-Z]+['\"],\s*)?['\"]https?://(?!localhost|127\.)"},
        "versions": {v: {"deselect": _requests_offline(v)} for v in _REQUESTS_VERSIONS},
    },
    "pallets/flask": {
        "default": {"python": "3.11", "requirements": ("requirements/dev.txt",), "install": "python -m pip install -e .",
                    "pip_packages": _FLASK_PINS_21},
        "versions": {"2.0": {"python": "3.9", "pip_packages": _FLASK_PINS_20}, "2.1": {"python": "3.10"}},
    },
    "pytest-dev/pytest": {
        "default": {"python": "3.9", "install": "python -m pip install -e ."},
        "versions": _PYTEST_VERSIONS,
    },
    "sympy/sympy": {
        "default": {"python": "3.9", "packages": ("mpmath", "flake8"),
                    "pip_packages": ("mpmath==1.3.0", "flake8-comprehensions"), "install": "python -m pip install -e .",
                    "test_cmd": SYMPY, "parser": "sympy"},
        "versions": _versions(["1.13", "1.14"], packages=(), pip_packages=("mpmath==1.3.0",),
                              requirements=("requirements-dev.txt", "requirements-test.txt")),
    },
    "django/django": {
        "default": {"python": "3.9", "requirements": ("tests/requirements/py3.txt",), "install": "python -m pip install -e .",
                    "test_cmd": DJANGO, "parser": "django", "directives": "django"},
        "versions": {
            **_versions(["1.7", "1.8", "1.9", "1.10", "1.11", "2.0", "2.1", "2.2"], python="3.6",
                        install="python setup.py install", pip_packages=("setuptools",),
                        test_env=(("LANG", "C.UTF-8"), ("LC_ALL", "C.UTF-8"), ("PYTHONIOENCODING", "utf8"))),
            **_versions(["3.0", "3.1", "3.2"], python="3.6", test_env=(("LANG", "C.UTF-8"), ("LC_ALL", "C.UTF-8"))),
            "4.0": {"python": "3.8"},
            **_versions(["5.0", "5.1", "5.2"], python="3.11"),
        },
    },
    "pylint-dev/pylint": {
        # Today's pip refuses `-e .` for the old setuptools backend these pin (no PEP 660 hook): install it
        # non-editable instead (the workspace comes first on PYTHONPATH anyway).
        "default": {"python": "3.9", "requirements": ("requirements_test.txt",), "install": "python -m pip install .",
                    "parser": "pytest-options"},
        "versions": {**_versions(["3.0", "3.1", "3.2", "3.3", "4.0"], pip_packages=("astroid==3.0.0a6", "setuptools")),
                     # base commits of 2.13 still import toml, which the environment_setup_commit no longer needs
                     "2.13": {"pip_packages": ("toml",)}},
    },
    "sphinx-doc/sphinx": {
        "default": {"python": "3.9", "pip_packages": ("Jinja2==3.0.3",), "install": "python -m pip install -e .[test]",
                    "test_cmd": "pytest -rA", "parser": "pytest-v2"},
        "versions": _SPHINX_VERSIONS,
    },
    "astropy/astropy": {
        "default": {"python": "3.9", "install": "python -m pip install -e .[test] --verbose", "pip_packages": _ASTROPY_PINS,
                    "test_cmd": "pytest -rA", "parser": "pytest-v2", "compilers": True},
        "versions": _ASTROPY_VERSIONS,
    },
    "pydata/xarray": {
        "default": {"python": "3.10", "install": "python -m pip install -e .",
                    "env_files": ("ci/requirements/environment.yml", "environment.yml"),
                    "pip_packages": ("numpy==1.23.0", "packaging==23.1", "pandas==1.5.3", "pytest==7.4.0",
                                     "python-dateutil==2.8.2", "pytz==2023.3", "six==1.16.0", "scipy==1.11.1",
                                     "setuptools==68.0.0", "dask==2022.8.1")},
    },
    "mwaskom/seaborn": {
        "default": {"python": "3.9", "install": "python -m pip install -e .[dev]",
                    "pip_packages": (*_SEABORN_PINS[:8], "pandas==2.0.0", *_SEABORN_PINS[8:]),
                    "test_cmd": "pytest --no-header -rA", "parser": "seaborn"},
        "versions": {"0.11": {"install": "python -m pip install -e .",
                              "pip_packages": (*_SEABORN_PINS[:8], "pandas==1.3.5", *_SEABORN_PINS[8:])}},
    },
    "matplotlib/matplotlib": {
        "default": {"python": "3.11", "install": "python -m pip install -e .", "pip_packages": _MPL_PINS,
                    "env_files": ("environment.yml",), "parser": "matplotlib", "test_cmd": "pytest -rA",
                    "compilers": True},
        "versions": {**_versions(["3.8", "3.9"], install='python -m pip install --no-build-isolation -e ".[dev]"'),
                     **_versions(["3.1", "3.2", "3.3", "3.4"], python="3.8", env_files=(), pip_packages=("pytest", "ipython"),
                                 requirements=("requirements/dev/dev-requirements.txt",
                                               "requirements/testing/travis_all.txt")),
                     "3.0": {"python": "3.7", "env_files": (), "pip_packages": ("pytest",),
                             "requirements": ("requirements/dev/dev-requirements.txt",
                                              "requirements/testing/travis_all.txt")}},
    },
    "scikit-learn/scikit-learn": {
        "default": {"python": "3.9", "install": "python -m pip install -v --no-use-pep517 --no-build-isolation -e .",
                    "packages": ("numpy==1.19.2", "scipy==1.5.2", "cython==3.0.10", "pytest", "pandas<2.0.0",
                                 "matplotlib<3.9.0", "setuptools", "pytest", "joblib", "threadpoolctl"),
                    "pip_packages": ("cython", "setuptools", "numpy", "scipy"), "test_cmd": "pytest -rA",
                    "parser": "pytest-v2", "compilers": True},
        "versions": _versions(["0.20", "0.21", "0.22"], python="3.6",
                              packages=("numpy", "scipy", "cython", "pytest", "pandas", "matplotlib"),
                              pip_packages=("cython", "numpy==1.19.2", "setuptools", "scipy==1.5.2")),
    },
    "sqlfluff/sqlfluff": {
        "default": {"python": "3.9", "requirements": ("requirements_dev.txt",), "install": "python -m pip install -e ."},
    },
    "marshmallow-code/marshmallow": {
        "default": {"python": "3.9", "install": "python -m pip install -e '.[dev]'"},
    },
    "pvlib/pvlib-python": {
        # numpy<2: the official images' conda numpy was 1.x; these releases use np.Inf, gone in 2.0.
        "default": {"python": "3.9", "install": "python -m pip install -e .[all]",
                    "packages": ("pandas", "scipy", "numpy<2"),
                    "pip_packages": ("jupyter", "ipython", "matplotlib", "pytest", "flake8")},
    },
    "pylint-dev/astroid": {
        "default": {"python": "3.9", "install": "python -m pip install -e .", "pip_packages": ("pytest",)},
    },
    "pydicom/pydicom": {
        # pytest<8: these test classes use nose-style `setup`/`teardown`, which pytest 8 no longer calls.
        "default": {"python": "3.6", "install": "python -m pip install -e .", "packages": ("numpy",),
                    "pip_packages": ("pytest<8",), "parser": "pytest-options"},
        "versions": {v: {"python": p} for v, p in _PYDICOM_PYTHON.items()},
    },
    "pyvista/pyvista": {
        "default": {"python": "3.9", "install": "python -m pip install -e .", "pip_packages": ("pytest",),
                    "requirements": ("requirements_test.txt", "requirements.txt")},
        "versions": _versions(["0.20", "0.21", "0.22", "0.23"], requirements=()),
    },
}
for _repo in ("pytest-dev/pytest", "pallets/flask", "sqlfluff/sqlfluff", "marshmallow-code/marshmallow",
              "pvlib/pvlib-python", "pylint-dev/astroid", "pydicom/pydicom", "pyvista/pyvista", "pydata/xarray",
              "psf/requests", "pylint-dev/pylint"):
    TABLE[_repo]["default"].setdefault("test_cmd", "pytest -rA")

@dataclass(frozen=True)
class Deviation:
    """Where the table knowingly differs from the official spec (tests/harness/test_official.py fails on any
    difference not listed here, and on an entry that no longer differs)."""

    repo: str  # "*": every repository
    field: str  # python | packages | requirements | env_files | pip_packages | pre_install | install | test_cmd
    #             | eval_commands | parser | directives | eval_install
    reason: str
    versions: tuple[str, ...] = ()  # () : every version


_NO_ROOT = "needs root and the network (apt-get, downloads into the image); not done here"
DEVIATIONS: tuple[Deviation, ...] = (
    Deviation("*", "eval_install", "the official eval script reruns `install` after applying the patch; here the "
              "workspace comes first on PYTHONPATH and build outputs are copied in, so pure-Python patches "
              "need no reinstall (a patch to compiled code would)"),
    Deviation("django/django", "pre_install", "locale generation " + _NO_ROOT,
              ("1.7", "1.8", "1.9", "1.10", "1.11", "2.0", "2.1", "2.2")),
    Deviation("django/django", "eval_commands", "C.UTF-8 instead of en_US.UTF-8: generating that locale "
              + _NO_ROOT),
    Deviation("django/django", "python", "Python 3.5 is not installable here (pyenv lacks it); 3.6 runs these "
              "versions' test suites", ("1.7", "1.8", "1.9", "1.10", "1.11", "2.0", "2.1", "2.2")),
    Deviation("pylint-dev/pylint", "install", "today's pip refuses `-e .` with the old setuptools backend these "
              "versions pin (no PEP 660 hook); a plain install, the workspace first on PYTHONPATH"),
    Deviation("pylint-dev/pylint", "pip_packages", "base commits of 2.13 import toml, which the "
              "environment_setup_commit's requirements no longer name", ("2.13",)),
    Deviation("pylint-dev/pylint", "pre_install", "pyenchant's system library " + _NO_ROOT, ("2.8",)),
    Deviation("sphinx-doc/sphinx", "pip_packages", "tox and tox-current-env are not installed: pytest runs "
              "directly in the environment (what `tox --current-env` does); 3.x also pins docutils<0.22, the "
              "release the official images got when built (0.22 dropped docutils.utils.roman)"),
    Deviation("sphinx-doc/sphinx", "test_cmd", "`pytest -rA` directly instead of `tox --current-env -epy39 -v "
              "--` (tox would only call that pytest in the same environment)"),
    Deviation("sphinx-doc/sphinx", "pre_install", "the tox.ini sed is for tox, not used here; graphviz "
              + _NO_ROOT),
    Deviation("matplotlib/matplotlib", "pre_install", "TeX, ffmpeg, imagemagick and the qhull download "
              + _NO_ROOT),
    Deviation("pyvista/pyvista", "pre_install", "ffmpeg and X libraries " + _NO_ROOT),
    Deviation("pydicom/pydicom", "pip_packages", "pytest<8: the test classes use nose-style `def setup(self)` "
              "(TestBadValueRead, TestDebug), which pytest 8 dropped (self.tag: AttributeError), as the dataset's "
              "PASS_TO_PASS were recorded on pytest 7"),
    Deviation("pvlib/pvlib-python", "packages", "numpy<2 with conda's pandas and scipy: the official images got "
              "numpy 1.x (built before conda had 2.0); today's pip picks 2.0.2, and these releases' "
              "`np.Inf` (pvlib/singlediode.py) stops every test run at import"),
)


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
        elif key in ("requirements", "packages", "pip_packages", "pre_install", "deselect", "generated", "services",
                     "env_files", "eval_commands"):
            if isinstance(value, str):
                value = (value,) if value else ()
            if not isinstance(value, (list, tuple)):
                raise UserError(f"{where}: {key} must be a list of strings")
            value = tuple(str(v) for v in value)
        elif key == "compilers" and not isinstance(value, bool):
            raise UserError(f"{where}: compilers must be true or false (the install compiles extensions)")
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


# The official log parsers by name, as datasets that carry their own spec name them (`log_parser`).
OFFICIAL_PARSERS = {"parse_log_pytest": "pytest", "parse_log_pytest_options": "pytest-options",
                    "parse_log_pytest_v2": "pytest-v2", "parse_log_seaborn": "seaborn", "parse_log_sympy": "sympy",
                    "parse_log_django": "django", "parse_log_matplotlib": "matplotlib"}


def _strings(value: Any) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    return (str(value),) if isinstance(value, str) else tuple(str(v) for v in value)


def install_config_spec(config: Any, where: str) -> dict[str, Any]:
    """Spec fields from a task's own `install_config` (SWE-rebench's per-instance copy of the official
    spec: python, packages, reqs_path, env_yml_path, pip_packages, pre_install, install, test_cmd,
    eval_commands, env_vars, log_parser); parquet exports keep it as a JSON string."""
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except json.JSONDecodeError:
            raise UserError(f"{where}: install_config is a string but not JSON") from None
    if not isinstance(config, dict):
        raise UserError(f"{where}: install_config must be an object (python, install, test_cmd, ...)")
    out: dict[str, Any] = {}
    if config.get("python"):
        out["python"] = str(config["python"])
    packages = config.get("packages") or ""
    if packages == "requirements.txt":
        out.update(requirements=_strings(config.get("reqs_path")) or ("requirements.txt",), requirements_all=True)
    elif packages == "environment.yml":
        out["env_files"] = _strings(config.get("env_yml_path")) or ("environment.yml",)
    elif packages:
        out["packages"] = tuple(shlex.split(str(packages)))
    for key in ("pip_packages", "pre_install", "eval_commands"):
        if config.get(key):
            out[key] = _strings(config[key])
    for key, joiner in (("install", " && "), ("test_cmd", "; ")):
        if config.get(key):
            out[key] = joiner.join(_strings(config[key]))
    env_vars = {**(config.get("env_vars") or {}), **(config.get("env_vars_test") or {})}
    if env_vars:
        out["test_env"] = tuple(sorted((str(k), str(v)) for k, v in env_vars.items()))
    parser = config.get("log_parser")
    if parser:
        name = OFFICIAL_PARSERS.get(str(parser), str(parser))
        if name not in OFFICIAL_PARSERS.values():
            raise UserError(f"{where}: log_parser {parser!r} is not supported here; supported: "
                            f"{', '.join(OFFICIAL_PARSERS)}")
        out["parser"] = name
    return out


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
    own = task.extra.get("install_config")
    known = task.repo in TABLE or bool(own)
    # Unknown repositories (the offline scenarios) run on this interpreter, in an environment holding pytest
    # and nothing else of it (from a local wheelhouse: offline); plugin autoload stays off all the same.
    base = Spec(test_cmd=PYTEST) if known else Spec(python="system", packages=("pytest",),
                                                    test_env=(("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1"),))
    merged = _layer(TABLE.get(task.repo), task.version, "spec table")
    if own:  # the task's own description of its environment (SWE-rebench and the like)
        merged.update(install_config_spec(own, task.instance_id))
    merged.update(_layer((config or {}).get(task.repo), task.version, "spec config"))
    merged.update(_layer(task.spec, task.version, f"{task.instance_id} spec"))
    language = merged.get("language", "python")
    if language != "python" and "python" not in merged:
        merged["python"] = None  # e.g. a Node repository: no virtualenv at all
        merged.setdefault("packages", ())
        merged.setdefault("generated", ())
    if language != "python" and "parser" not in merged:
        merged["parser"] = "tap" if "node" in merged.get("test_cmd", "") else "exitcode"
    return replace(base, **merged)


def directives_for(spec: Spec, test_files: list[str]) -> list[str]:
    """Arguments naming what to run: the test files `test_patch` touches, in the runner's terms."""
    if spec.directives == "none":
        return []
    files = [f for f in test_files if not f.endswith(NON_TEST_EXTS)]
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
