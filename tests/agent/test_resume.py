"""Resuming from a trajectory in process: the controller resumed after a cut is sent exactly what an
uninterrupted one is (chat turns, user messages, condensations, notes, repeat warnings), and the file stays
one readable run even when the cut left half a line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from repos import git, make_repo
from toy_tools import ECHO, SUBMIT, WRITE

from patchsmith.agent.config import RunConfig
from patchsmith.agent.events import RunControl
from patchsmith.agent.models import ContextLengthExceeded, ListModel
from patchsmith.agent.models.scripted import entry_to_reply
from patchsmith.agent.resume import ResumeError, load_resumption
from patchsmith.agent.runner import run_agent
from patchsmith.agent.trajectory import read_trajectory
from patchsmith.tools.note import note_tool
from patchsmith.tools.seed import restore_patch
from patchsmith.tools.workspace import Workspace

TOOLS = [WRITE, ECHO, SUBMIT, note_tool]

ENTRIES = [
    {"thought": "fix a", "tool": "write", "args": {"path": "a.txt", "text": "two\n" * 40}},
    {"thought": "remember", "tool": "note", "args": {"text": "the bug was in a.txt"}},
    {"text": "no action here"},
    {"thought": "add b", "tool": "write", "args": {"path": "b.txt", "text": "new file\n"}},
    {"thought": "again", "tool": "echo", "args": {"text": "same"}},
    {"thought": "again", "tool": "echo", "args": {"text": "same"}},  # the repeat warning goes into history
    {"thought": "done", "tool": "submit", "args": {}},
]


REFUSE_AT = 4


class Recording(ListModel):
    """Scripted replies; records every prompt, and refuses call REFUSE_AT (during step 3) as too long."""

    def __init__(self) -> None:
        super().__init__("rec", [entry_to_reply(e, i) for i, e in enumerate(ENTRIES)])
        self.prompts: list[list[dict]] = []
        self.calls = 0

    def complete(self, messages, tools):
        self.calls += 1
        if self.calls == REFUSE_AT:
            raise ContextLengthExceeded("maximum context length exceeded")
        self.prompts.append(json.loads(json.dumps(list(messages))))
        return super().complete(messages, tools)


def go(root: Path, out: Path, model: Recording, **kw):
    config = RunConfig(mode="full-auto", localize=False, memory=False, context_budget=kw.pop("budget", 700),
                       max_steps=kw.pop("max_steps", 50))
    control = RunControl()
    if kw.get("resume") is None:
        control.send("look at b.txt too")
    return run_agent("fix it", Workspace(root=root, base="HEAD"), config, out, model=model, tools=TOOLS,
                     control=control, **kw)


def same(prompts: list[list[dict]], root: Path) -> str:
    return json.dumps(prompts).replace(str(root), "ROOT")


@pytest.mark.parametrize("cut_after", [1, 4, 5])  # 5: between the two same echoes
def test_resumed_controller_is_sent_what_an_uninterrupted_one_is(tmp_path, cut_after):
    files = {"a.txt": "one\n"}
    ref_root = make_repo(tmp_path / "ref", files)
    reference = Recording()
    ref = go(ref_root, tmp_path / "ref-out", reference)
    assert ref.exit_reason == "submitted" and ref.totals.steps == len(ENTRIES)

    root = make_repo(tmp_path / "cut", files)
    out = tmp_path / "out"
    first = go(root, out, Recording(), max_steps=cut_after)
    assert first.exit_reason == "max_steps"
    with (out / "trajectory.jsonl").open("a") as fh:
        fh.write('{"type": "step", "index": 99, "thou')  # a kill in the middle of a write
    point = load_resumption(out)
    assert len(point.steps) == cut_after
    # A fresh checkout at the base plus the last recorded diff, as `patchsmith resume` builds it.
    git(root, "checkout", "-q", "--", ".")
    git(root, "clean", "-qfdx")
    restore_patch(root, point.last_diff)
    model = Recording()
    model.calls = cut_after + (cut_after >= REFUSE_AT)  # calls made before the cut, the refused one included
    resumed = go(root, out, model, resume=point)
    assert resumed.exit_reason == "submitted" and resumed.patch == ref.patch
    assert same(model.prompts, root) == same(reference.prompts[cut_after:], ref_root)
    traj = read_trajectory(out / "trajectory.jsonl")
    assert [s.index for s in traj.steps] == list(range(len(ENTRIES)))
    assert traj.result.exit_reason == "submitted" and traj.result.totals.steps == len(ENTRIES)
    assert [e.kind for e in traj.events].count("resumed") == 1
    assert traj.result.totals.prompt_tokens == ref.totals.prompt_tokens


def test_load_resumption_refuses_damage_and_finished_runs(tmp_path):
    root = make_repo(tmp_path / "r", {"a.txt": "one\n"})
    out = tmp_path / "out"
    assert go(root, out, Recording()).exit_reason == "submitted"
    with pytest.raises(ResumeError, match="already finished"):
        load_resumption(out)
    assert load_resumption(out, allow_finished=True).result.exit_reason == "submitted"
    lines = (out / "trajectory.jsonl").read_text().splitlines()
    lines.insert(2, '{"type": "step", "ind')
    (out / "trajectory.jsonl").write_text("\n".join(lines) + "\n")
    with pytest.raises(ResumeError, match="line 3 is not valid JSON"):
        load_resumption(out)
