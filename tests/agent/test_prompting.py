"""Prompt templates: a folder given in the configuration replaces the built-in templates it holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from repos import make_repo

from patchsmith.agent.config import RunConfig
from patchsmith.agent.models import ListModel
from patchsmith.agent.models.scripted import entry_to_reply
from patchsmith.agent.prompting import TEMPLATES
from patchsmith.agent.runner import run_agent
from patchsmith.tools.workspace import Workspace

PROMPTS = Path(__file__).resolve().parents[2] / "patchsmith" / "prompts"


class Recording(ListModel):
    """Replies from a list; keeps every prompt it was sent."""

    def __init__(self, replies):
        super().__init__("rec", replies)
        self.prompts: list[list[dict]] = []

    def complete(self, messages, tools):
        self.prompts.append([dict(m) for m in messages])
        return super().complete(messages, tools)


def test_a_prompts_folder_overrides_only_the_templates_it_holds(tmp_path: Path) -> None:
    folder = tmp_path / "prompts"
    folder.mkdir()
    (folder / "system.j2").write_text("CUSTOM SYSTEM: commands stop after {{ command_timeout }}s; "
                                      "find with {{ finders | join('/') }}")
    root = make_repo(tmp_path / "repo", {"a.txt": "one\n"})
    model = Recording([entry_to_reply({"tool": "submit", "args": {}}, 0)])
    run_agent("fix it", Workspace(root=root, base="HEAD"),
              RunConfig(mode="full-auto", localize=False, prompts_dir=folder, command_timeout=7), tmp_path / "out",
              model=model)
    system, task = model.prompts[0][0]["content"], model.prompts[0][1]["content"]
    assert system.startswith("CUSTOM SYSTEM: commands stop after 7s; find with search/find_file/find_symbol")
    assert "<issue>\nfix it\n</issue>" in task  # task.j2 is still the built-in one
    assert "<working_state" in model.prompts[0][-1]["content"]


def test_a_prompts_folder_is_checked_when_configured(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not a folder"):
        RunConfig(prompts_dir=tmp_path / "missing")
    (tmp_path / "sytem.j2").write_text("typo")
    with pytest.raises(ValidationError, match="sytem"):
        RunConfig(prompts_dir=tmp_path)


def test_every_template_is_listed_and_documented() -> None:
    assert sorted(p.stem for p in PROMPTS.glob("*.j2")) == sorted(TEMPLATES)
    readme = (PROMPTS / "README.md").read_text()
    assert all(f"`{name}.j2`" in readme for name in TEMPLATES)
