from __future__ import annotations

from pathlib import Path

import pytest

from patchsmith.tools.index.extract import extract
from patchsmith.tools.index.repo import RepoIndex
from patchsmith.tools.index.tools import index_tools
from patchsmith.tools.workspace import Workspace


@pytest.fixture
def tools(cache: Path):
    return {t.name: t for t in index_tools()}


@pytest.fixture
def ws(repo: Path) -> Workspace:
    return Workspace(root=repo, base="HEAD")


def test_index_tools_are_declared(tools) -> None:
    assert set(tools) == {"find_symbol", "find_references", "outline", "repo_map"}
    for tool in tools.values():
        schema = tool.openai_schema()
        assert schema["function"]["name"] == tool.name and tool.description
        assert not tool.mutates and not tool.runs_commands


def test_find_symbol_exact_qualified_and_fuzzy(tools, ws: Workspace) -> None:
    obs = tools["find_symbol"](ws, {"name": "parse"})
    assert obs.ok and obs.data["exact"]
    assert "pkg/core.py:6-7" in obs.text and "method Parser.parse: def parse(self, text: str) -> list[str]" in obs.text
    obs = tools["find_symbol"](ws, {"name": "Parser.Inner.deep"})
    assert obs.ok and obs.data["results"][0]["line"] == 10
    obs = tools["find_symbol"](ws, {"name": "Widget.render"})
    assert obs.data["results"][0]["path"] == "web/app.js"
    obs = tools["find_symbol"](ws, {"name": "Parsr"})  # misspelt
    assert obs.ok and not obs.data["exact"]
    assert "closest matches" in obs.text and obs.data["results"][0]["name"] == "Parser"
    obs = tools["find_symbol"](ws, {"name": "parser"})  # wrong case
    assert not obs.data["exact"] and obs.data["results"][0]["name"] == "Parser"
    obs = tools["find_symbol"](ws, {"name": "zzzqqq"})
    assert not obs.ok and "no definition" in obs.text


def test_find_symbol_bad_arguments_teach(tools, ws: Workspace) -> None:
    obs = tools["find_symbol"](ws, {"symbol": "x"})
    assert not obs.ok and "name" in obs.text


def test_find_references_skip_comments_and_strings(tools, ws: Workspace) -> None:
    obs = tools["find_references"](ws, {"name": "helper"})
    assert obs.ok
    hits = {(r["path"], r["line"]) for r in obs.data["results"]}
    assert ("pkg/core.py", 7) in hits  # the call in Parser.parse
    assert ("pkg/core.py", 14) in hits  # the definition, marked
    assert ("pkg/util.py", 6) in hits and ("pkg/util.py", 1) in hits
    assert ("pkg/core.py", 15) not in hits  # the comment that says "helper"
    assert "(in Parser.parse)" in obs.text and "[definition]" in obs.text
    assert not tools["find_references"](ws, {"name": "not an identifier"}).ok


def test_outline_lists_structure_without_bodies(tools, ws: Workspace) -> None:
    obs = tools["outline"](ws, {"path": "pkg/core.py"})
    assert obs.ok
    lines = obs.text.splitlines()
    assert lines[0] == "pkg/core.py:"
    assert "3-11 class class Parser" in lines[1]
    assert lines[2].startswith("  6-7 method def parse")
    assert lines[4].startswith("    10-11 method def deep")
    assert "return" not in obs.text
    assert "missing" in tools["outline"](ws, {"path": "missing.py"}).text or \
        not tools["outline"](ws, {"path": "missing.py"}).ok
    assert "not parsed (binary)" in tools["outline"](ws, {"path": "blob.py"}).text
    assert "not in the code index" in tools["outline"](ws, {"path": "README.md"}).text
    assert not tools["outline"](ws, {"path": "../../etc/passwd"}).ok


def test_tools_see_edits_without_an_explicit_reindex(tools, ws: Workspace, repo: Path) -> None:
    assert tools["outline"](ws, {"path": "pkg/util.py"}).ok
    (repo / "pkg" / "util.py").write_text("def rewritten():\n    return 2\n")
    obs = tools["outline"](ws, {"path": "pkg/util.py"})
    assert "rewritten" in obs.text and "tokenize_file" not in obs.text
    (repo / "pkg" / "util.py").unlink()
    assert "does not exist" in tools["outline"](ws, {"path": "pkg/util.py"}).text
    assert not tools["find_symbol"](ws, {"name": "rewritten"}).data.get("exact")


def test_lookups_survive_files_deleted_after_indexing(repo: Path, cache: Path) -> None:
    index = RepoIndex.open(repo)
    (repo / "pkg" / "util.py").unlink()  # no refresh: the index still lists it
    found, missing, _ = index.find_references("helper")
    assert "pkg/util.py" in missing
    assert any(o.path == "pkg/core.py" for o in found)
    assert index.find_symbol("tokenize_file")[0][0].path == "pkg/util.py"


def test_repo_map_ranks_within_budget(tools, ws: Workspace) -> None:
    obs = tools["repo_map"](ws, {"max_tokens": 256})
    assert obs.ok and len(obs.text) <= 256 * 4 + 200
    assert "pkg/core.py:" in obs.text  # the most referenced definitions (Parser, helper) live here
    focused = tools["repo_map"](ws, {"focus_files": ["cmd/main.go"], "max_tokens": 256})
    assert focused.text.splitlines()[0] == "cmd/main.go:"
    assert "Serve" in focused.text


def test_extract_handles_syntax_errors() -> None:
    facts = extract(b"def ok():\n    pass\n\ndef broken(:\n    pass\n", "python")
    assert facts.status == "ok" and facts.parse_errors
    assert [d.name for d in facts.definitions][:1] == ["ok"]
