"""Export to SWE-agent and mini-swe-agent formats, import again (lazily and whole): the same steps and patch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from patchsmith.agent.trajectory import read_trajectory
from patchsmith.tui.exporters import command_text, export_text
from patchsmith.tui.importers import detect_format, load_file
from patchsmith.tui.model import open_model

from .builders import write_run

FORMATS = [("swe-agent", "run.traj", "swe-agent"), ("mini", "run.traj.json", "mini-swe-agent")]


def _step_view(step) -> tuple:
    return (step.index, step.thought, step.action.model_dump() if step.action else None, step.observation.text,
            step.observation.ok, step.observation.error, step.observation.data, step.usage.model_dump(),
            step.diff)


@pytest.mark.parametrize(("fmt", "name", "detected"), FORMATS)
def test_round_trip_keeps_steps_and_patch(tmp_path: Path, fmt: str, name: str, detected: str) -> None:
    ours = read_trajectory(write_run(tmp_path / "trajectory.jsonl", extra=3))
    out = tmp_path / name
    out.write_text(export_text(ours, fmt, secrets=[]))
    assert detect_format(out) == detected
    back = load_file(out)
    assert [_step_view(s) for s in back.steps] == [_step_view(s) for s in ours.steps]
    assert back.result is not None and ours.result is not None
    assert back.result.patch == ours.result.patch
    assert back.result.exit_reason == ours.result.exit_reason
    assert back.result.totals == ours.result.totals
    assert back.header.task["instance_id"] == "demo__durations-1"
    assert back.header.source_format == detected
    lazy = open_model(out)  # the inspector's lazy path gives the same steps as the whole conversion
    assert len(lazy) == len(ours.steps)
    assert [_step_view(lazy.step(i)) for i in range(len(lazy))] == [_step_view(s) for s in ours.steps]
    assert lazy.patch_at(len(lazy) - 1) == ours.patch_at(len(ours.steps) - 1)


@pytest.mark.parametrize(("fmt", "name", "detected"), FORMATS)
def test_peer_fields_alone_still_read_as_a_run(tmp_path: Path, fmt: str, name: str, detected: str) -> None:
    """What the peers' own tools see, without our extension fields: the command text and the patch."""
    ours = read_trajectory(write_run(tmp_path / "trajectory.jsonl"))
    doc = json.loads(export_text(ours, fmt, secrets=[]))
    if fmt == "swe-agent":
        for step in doc["trajectory"]:
            step.pop("extra_info")
        doc["info"].pop("patchsmith")
    else:
        for message in doc["messages"]:
            message.get("extra", {}).pop("patchsmith", None)
        doc["info"].pop("patchsmith")
    out = tmp_path / name
    out.write_text(json.dumps(doc))
    back = load_file(out)
    assert len(back.steps) == len(ours.steps)
    assert back.result is not None and back.result.patch == ours.result.patch
    bash = [s for s in ours.steps if s.action and s.action.tool == "bash"]
    again = [back.steps[s.index] for s in bash]
    assert [s.action.args["command"] for s in again] == [s.action.args["command"] for s in bash]
    assert "str_replace_editor str_replace src/durations.py --old_str" in command_text(ours.steps[3])


def test_export_masks_secrets_even_json_escaped(tmp_path: Path) -> None:
    ours = read_trajectory(write_run(tmp_path / "trajectory.jsonl"))
    secret = 'sk-"quoted\\secret-123'
    ours.steps[0].observation.text += f"\nOPENAI_API_KEY={secret}"
    for fmt in ("swe-agent", "mini"):
        text = export_text(ours, fmt, secrets=[secret])
        assert "quoted" not in text
        assert "***" in text
        json.loads(text)  # still valid JSON after masking
