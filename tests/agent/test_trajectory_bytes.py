"""Trajectories carry arbitrary bytes and text losslessly, and every line stays readable by any JSON reader."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from repos import git, make_repo

from patchsmith.agent.config import RunConfig
from patchsmith.agent.models import ListModel
from patchsmith.agent.models.scripted import entry_to_reply
from patchsmith.agent.runner import run_agent
from patchsmith.agent.trajectory import (
    Action,
    Event,
    ObservationRecord,
    ReplyRecord,
    Result,
    Step,
    ToolCall,
    TrajectoryWriter,
    read_trajectory,
)
from patchsmith.tools.registry import default_tools
from patchsmith.tools.sandbox import make_sandbox
from patchsmith.tools.workspace import Workspace
from patchsmith.tui.model import RunModel

LATIN1 = "# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n".encode("latin-1")


def test_a_latin1_repository_run_records_its_bytes_and_offers_the_patch(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {"names.py": "placeholder\n"})
    (root / "names.py").write_bytes(LATIN1)
    git(root, "commit", "-qam", "latin-1")
    ws = Workspace(root=root, base="HEAD", sandbox=make_sandbox("local", root))
    model = ListModel("t", [entry_to_reply(e, i) for i, e in enumerate([
        {"thought": "append", "tool": "bash", "args": {"command": "printf 'OTHER = \"na\\357ve\"\\n' >> names.py"}},
        {"thought": "show it", "tool": "bash", "args": {"command": "cat names.py"}},
        {"thought": "done", "tool": "submit", "args": {}}])])
    out = run_agent("fix", ws, RunConfig(mode="full-auto", localize=False), tmp_path / "out", model=model,
                    tools=default_tools())
    assert out.exit_reason == "submitted", out.error
    raw = (tmp_path / "out" / "patch.diff").read_bytes()
    assert b'+OTHER = "na\xefve"' in raw  # the exact byte, not a replacement character
    traj = read_trajectory(out.trajectory_path)
    assert [s.action.tool for s in traj.steps] == ["bash", "bash", "submit"]
    assert traj.patch_at(0).encode("utf-8", "surrogateescape") == raw
    assert traj.result.patch.encode("utf-8", "surrogateescape") == raw
    for line in out.trajectory_path.read_bytes().splitlines():  # any strict JSON reader can read every line
        json.loads(line.decode("utf-8", "strict"))
        if b'"type":"step"' in line:
            Step.model_validate_json(line)
    shown = RunModel.open_jsonl(out.trajectory_path).step(0).diff  # the inspector shows the bytes
    assert "+OTHER = \"na<0xEF>ve\"" in shown and " NAME = 'caf<0xE9>'" in shown


# Any code point, surrogates (undecodable bytes, stray halves from JSON) and controls included.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
BYTES_AS_TEXT = st.binary(max_size=60).map(lambda b: b.decode("utf-8", "surrogateescape"))
TEXT = st.one_of(ANY_TEXT, BYTES_AS_TEXT)
JSONISH = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | TEXT,
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                       max_leaves=12)


@st.composite
def steps(draw: st.DrawFn) -> Step:
    return Step(index=draw(st.integers(0, 10_000)), thought=draw(TEXT),
                action=Action(tool=draw(TEXT), args=draw(st.dictionaries(TEXT, JSONISH, max_size=4)),
                              call_id=draw(st.none() | TEXT)),
                observation=ObservationRecord(text=draw(TEXT), ok=draw(st.booleans()), error=draw(st.none() | TEXT),
                                              data=draw(st.dictionaries(TEXT, JSONISH, max_size=4))),
                reply=ReplyRecord(text=draw(TEXT), tool_calls=[ToolCall(name=draw(TEXT), arguments=draw(TEXT))]),
                state=draw(st.dictionaries(TEXT, JSONISH, max_size=3)), diff=draw(st.none() | TEXT))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records=st.lists(steps(), min_size=1, max_size=4), big=st.integers(0, 60_000), error=TEXT)
def test_writer_and_reader_round_trip_anything(tmp_path_factory, records, big, error) -> None:
    path = tmp_path_factory.mktemp("traj") / "t.jsonl"
    records[0].observation.text += "\udcff" * (big // 1000) + "x" * big  # sizes from empty to large
    writer = TrajectoryWriter(path)
    for step in records:
        writer.write(step)
    writer.write(Event(kind="note", text=error, data={error: [error]}))
    writer.write(Result(exit_reason="submitted", patch=error, error=error))
    writer.close()
    back = read_trajectory(path)
    assert [s.model_dump() for s in back.steps] == [s.model_dump() for s in records]
    assert back.events[0].text == error and back.events[0].data == {error: [error]}
    assert back.result.patch == error and not back.incomplete
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == len(records) + 3
    for line in lines[:-1]:
        json.loads(line.decode("utf-8", "strict"))  # valid UTF-8 JSON for every reader
    model = RunModel.open_jsonl(path)
    for i, step in enumerate(records):
        assert model.step(i).index == step.index  # the inspector opens every step, none "unreadable"
        assert not model.step(i).observation.text.startswith("unreadable step line")


def test_every_part_of_a_recorded_observation_is_capped(tmp_path: Path) -> None:
    from pydantic import BaseModel

    from patchsmith.tools.base import Tool
    from patchsmith.tools.observation import Observation

    class NoArgs(BaseModel):
        pass

    huge = "x" * 5_000_000
    flood = Tool("flood", "Floods.", NoArgs, lambda ws, a: Observation(
        text=huge, ok=False, error=huge, data={"output": huge, "rows": list(range(200_000)),
                                                 "deep": {"deeper": [{"text": huge}] * 50}}))
    submit = Tool("submit", "Submit.", NoArgs, lambda ws, a: Observation(text="ok", data={"submitted": True}),
                  ends_run=True)
    root = make_repo(tmp_path / "repo", {"a.txt": "one\n"})
    ws = Workspace(root=root, base="HEAD")
    model = ListModel("t", [entry_to_reply(e, i) for i, e in enumerate([
        {"thought": "go", "tool": "flood", "args": {}}, {"thought": "done", "tool": "submit", "args": {}}])])
    out = run_agent("fix", ws, RunConfig(mode="full-auto", localize=False), tmp_path / "out", model=model,
                    tools=[flood, submit])
    assert out.exit_reason == "submitted"
    lines = out.trajectory_path.read_bytes().splitlines()
    assert max(len(line) for line in lines) < 400_000, [len(line) for line in lines]
    step = read_trajectory(out.trajectory_path).steps[0]
    assert step.observation.truncated and not step.observation.ok
    assert "truncated" in step.observation.data["output"] and len(step.observation.error) < 2_000
