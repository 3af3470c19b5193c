"""Real Git repositories made by tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

ENV_IDENTITY = ["-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false"]


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *ENV_IDENTITY, "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


def make_repo(root: Path, files: dict[str, str], message: str = "initial") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return root


BUGGY_CALC = {
    "calc/__init__.py": "",
    "calc/stats.py": (
        "def mean(values):\n"
        "    \"\"\"Arithmetic mean of a non-empty list.\"\"\"\n"
        "    return sum(values) / (len(values) - 1)\n"
        "\n"
        "\n"
        "def total(values):\n"
        "    return sum(values)\n"
    ),
    "tests/test_stats.py": (
        "from calc.stats import mean, total\n"
        "\n"
        "\n"
        "def test_mean():\n"
        "    assert mean([1, 2, 3]) == 2\n"
        "\n"
        "\n"
        "def test_total():\n"
        "    assert total([1, 2]) == 3\n"
    ),
    "pytest.ini": "[pytest]\ntestpaths = tests\n",
}
