from __future__ import annotations

import subprocess

import pytest

from patchsmith.tools.bash_tool import bash_tool, interactive_problem
from patchsmith.tools.registry import default_tools, tools_by_name
from patchsmith.tools.sandbox.local import LocalSandbox
from patchsmith.tools.submit import submit_tool
from patchsmith.tools.workspace import Workspace

from .conftest import git


def test_bash_runs_in_root_and_shows_exit_code(ws: Workspace) -> None:
    obs = bash_tool(ws, {"command": "pwd; ls src; exit 3"})
    assert obs.ok and obs.data["exit_code"] == 3
    assert obs.text.splitlines()[0] == str(ws.root)
    assert "app.py" in obs.text and "[exit code: 3," in obs.text.splitlines()[-1]
    assert "(no output)" in bash_tool(ws, {"command": "true"}).text


def test_bash_masks_secrets_and_does_not_pass_them(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-1234567890-secret")
    obs = bash_tool(ws, {"command": "echo ${MY_SERVICE_TOKEN:-unset}; echo tok-1234567890-secret"})
    assert obs.text.splitlines()[:2] == ["unset", "***"]
    assert "tok-1234567890" not in obs.text


def test_bash_output_is_truncated_to_the_budget_saying_so(ws: Workspace) -> None:
    obs = bash_tool(ws, {"command": "seq 1 20000; echo done-marker"})
    assert obs.truncated and len(obs.text) < 12_200
    assert "output truncated" in obs.text and "done-marker" in obs.text and "[exit code: 0" in obs.text


def test_bash_time_limit_comes_from_the_workspace(ws: Workspace) -> None:
    ws.command_timeout = 1  # type: ignore[attr-defined]  # what a runner attaches from RunConfig
    obs = bash_tool(ws, {"command": "sleep 5; echo never"})
    assert obs.data["timed_out"] and "timed out" in obs.text and "never" not in obs.text


def test_bash_output_cap_comes_from_the_sandbox(ws: Workspace) -> None:
    ws.sandbox = LocalSandbox(ws.root, output_cap=1000)
    obs = bash_tool(ws, {"command": "head -c 50000 /dev/zero | tr '\\0' x"})
    assert obs.data["output_capped"] and "capped at 1000 bytes" in obs.text


@pytest.mark.parametrize("command", ["vim src/app.py", "nano x", "git log | less", "python", "python3 -i",
                                     "node", "git commit", "git commit -a", "git add -p", "git rebase -i HEAD~1",
                                     "top", "FOO=1 emacs x"])
def test_interactive_commands_are_refused_with_a_hint(ws: Workspace, command: str) -> None:
    obs = bash_tool(ws, {"command": command})
    assert not obs.ok and ("interactive" in obs.error or "editor" in obs.error)


@pytest.mark.parametrize("command", ["python -c 'print(1)'", "python x.py", "echo 1 | python",
                                     "python <<'EOF'\nprint(1)\nEOF", "git commit -m 'msg'", "git commit -am msg",
                                     "git commit --amend --no-edit", "echo vim", "cat <<EOF > f\nless is more\nEOF",
                                     "git log --oneline | head"])
def test_ordinary_commands_are_not_flagged(command: str) -> None:
    assert interactive_problem(command) is None


def test_bash_bad_arguments(ws: Workspace) -> None:
    assert "empty" in bash_tool(ws, {"command": "  "}).error
    assert "bad arguments" in bash_tool(ws, {"cmd": "ls"}).error


def test_submit_returns_the_patch(ws: Workspace) -> None:
    (ws.root / "src/util.py").write_text("VALUE = 2\n")
    (ws.root / "new.txt").write_text("hello\n")
    obs = submit_tool(ws, {})
    assert obs.ok and obs.data["submitted"] is True
    patch = obs.data["patch"]
    assert "-VALUE = 1\n+VALUE = 2" in patch and "+++ b/new.txt" in patch
    assert obs.data["files"] == ["new.txt", "src/util.py"]
    applied = subprocess.run(["git", "-C", str(ws.root), "apply", "--check", "-R", "-"], input=patch, text=True)
    assert applied.returncode == 0  # the patch is exactly the working tree's change
    assert git(ws.root, "status", "--porcelain").count("\n") == 2  # nothing committed or staged by submit


def test_submit_with_a_non_utf8_file(ws: Workspace) -> None:
    (ws.root / "latin.txt").write_bytes(b"caf\xe9\n")
    obs = submit_tool(ws, {})
    assert obs.ok and obs.data["files"] == ["latin.txt"]
    data = obs.data["patch"].encode("utf-8", errors="surrogateescape")
    assert b"+caf\xe9" in data


def test_submit_with_no_changes(ws: Workspace) -> None:
    obs = submit_tool(ws, None)
    assert obs.data == {"submitted": True, "patch": "", "files": []} and "empty patch" in obs.text


def test_registry_names_flags_and_schemas() -> None:
    tools = default_tools()
    assert [t.name for t in tools] == ["str_replace_editor", "search", "find_file", "run_tests", "bash", "submit"]
    by = tools_by_name()
    assert [n for n, t in by.items() if t.mutates] == ["str_replace_editor"]
    assert sorted(n for n, t in by.items() if t.runs_commands) == ["bash", "run_tests"]
    params = {t.name: t.openai_schema()["function"]["parameters"] for t in tools}
    assert set(params["str_replace_editor"]["properties"]) == {"command", "path", "file_text", "old_str", "new_str",
                                                              "insert_line", "view_range"}
    assert set(params["search"]["properties"]) == {"pattern", "path", "regex"}
    assert params["find_file"]["required"] == ["pattern"]
    assert set(params["run_tests"]["properties"]) == {"tests"} and set(params["submit"]["properties"]) == {"confidence", "unsure"}
    assert "required" not in params["submit"]  # both optional (issue 19): a plain submit still works
    for t in tools:
        assert t.description and t.usage_doc().startswith(f"### {t.name}")
