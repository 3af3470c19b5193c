"""Options and setup shared by `patchsmith run` and `patchsmith eval`: the harness's own options come from
HarnessConfig (cli/options.py); the few here are about this invocation, not configuration."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..harness.config import HarnessConfig
from ..harness.pipeline import Harness
from .options import Section, build_configs

HARNESS = Section(HarnessConfig, "harness")


def add_harness_options(parser: argparse.ArgumentParser) -> None:
    """The invocation's own options; the command adds the configuration sections with config_options."""
    parser.add_argument("--instances", nargs="+", metavar="ID", help="only these instance ids")
    parser.add_argument("--output", type=Path, help="output folder; rerun with the same one to resume")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def harness_from_args(args: argparse.Namespace) -> tuple[Harness, HarnessConfig]:
    """For commands whose only configuration is the harness's (eval)."""
    (config,) = build_configs(args, HARNESS)
    assert isinstance(config, HarnessConfig)
    return open_harness(config), config


def open_harness(config: HarnessConfig) -> Harness:
    """The harness, after saying once (stderr) what the user should know of where task tests run."""
    harness = Harness.from_config(config)
    if note := Harness.network_note(config):
        print(f"patchsmith: note: {note}", file=sys.stderr)
    return harness
