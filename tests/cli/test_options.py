"""Options become typed configuration once, in the CLI, and a bad value stops the command before any work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def patchsmith(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATCHSMITH_DATA_DIR": str(cwd / "data")}
    return subprocess.run([sys.executable, "-m", "patchsmith", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=timeout)


def test_run_with_a_bogus_sandbox_stops_before_any_task(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = patchsmith("run", str(SCENARIOS), "--sandbox", "bogus", "--output", str(out), "--no-progress",
                      cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "sandbox" in lines[0] and "bogus" in lines[0], proc.stderr
    assert all(kind in lines[0] for kind in ("auto", "local", "bwrap", "docker")), lines[0]
    assert "Traceback" not in proc.stderr and not out.exists()


def parse(*argv: str):
    """The real parser of one command, and its typed configuration (as the command itself builds it)."""
    from patchsmith.cli.main import build_parser

    args = build_parser(argv[0]).parse_args(list(argv))
    return args


def test_a_config_file_overrides_and_flags_layer_in_order(tmp_path: Path) -> None:
    from patchsmith.cli.fix import FIX
    from patchsmith.cli.options import build_configs

    file = tmp_path / "ps.toml"
    file.write_text('max_steps = 9\nmax_cost = 1.5\nsandbox = "local"\nmode = "auto-edit"\ntext_mode = true\n')
    args = parse("fix", "issue", "--config", str(file), "-c", "max_steps=12", "-c", "max-tokens=none",
                 "--mode", "full-auto", "--no-localize")
    (config,) = build_configs(args, FIX)
    assert (config.max_steps, config.max_cost, config.sandbox, config.mode) == (12, 1.5, "local", "full-auto")
    assert config.text_mode is True and config.localize is False and config.max_tokens is None
    (plain,) = build_configs(parse("fix", "issue"), FIX)
    assert plain == type(plain)()  # nothing given: the model's own defaults, not argparse's


def test_run_has_the_same_model_options_as_fix_and_one_sandbox() -> None:
    from patchsmith.cli.options import build_configs
    from patchsmith.cli.run import AGENT, HARNESS

    args = parse("run", "tasks.jsonl", "--text-mode", "--api-key", "k", "--agent-timeout", "30",
                 "--sandbox", "local", "--workers", "3", "-c", "mode=ask")
    agent, harness = build_configs(args, AGENT, HARNESS)
    assert agent.text_mode and agent.api_key == "k" and agent.max_wall_s == 30.0
    assert agent.mode == "full-auto"  # run is unattended whatever a file or -c says
    assert (agent.sandbox, harness.sandbox, harness.workers) == ("local", "local", 3)


def test_bad_values_name_the_key_and_what_is_allowed(tmp_path: Path) -> None:
    import pytest

    from patchsmith.cli.fix import FIX
    from patchsmith.cli.options import build_configs
    from patchsmith.errors import ConfigError

    cases = [(["-c", "max_stepz=3"], ["max_stepz", "max_steps"]),
             (["-c", "max_steps=0"], ["-c max_steps", "'0'", "greater than or equal to 1"]),
             (["--sandbox", "bogus"], ["--sandbox", "bogus", "auto", "docker"]),
             (["--mode", "yolo"], ["--mode", "read-only", "full-auto"]),
             (["-c", "temperature"], ["KEY=VALUE"])]
    for argv, words in cases:
        with pytest.raises(ConfigError) as caught:
            build_configs(parse("fix", "issue", *argv), FIX)
        line = caught.value.one_line()
        assert "\n" not in line and all(w in line for w in words), (argv, line)
    bad = tmp_path / "bad.toml"
    bad.write_text("max_steps = [1\n")
    with pytest.raises(ConfigError, match="bad.toml"):
        build_configs(parse("fix", "issue", "--config", str(bad)), FIX)


def test_cli_errors_are_one_line_with_exit_2(tmp_path: Path) -> None:
    for argv in (["fix", "x", "-c", "nope=1"], ["run", str(SCENARIOS), "-c", "timeout=-1"],
                 ["fix", "x", "--config", str(tmp_path / "missing.toml")], ["eval", "--gold", "--tasks", "t.jsonl",
                                                                              "--workers", "0"]):
        proc = patchsmith(*argv, cwd=tmp_path)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2 and len(lines) == 1 and lines[0].startswith("patchsmith: error:"), (argv,
                                                                                                    proc.stderr)
