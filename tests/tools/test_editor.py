from __future__ import annotations

import os
from pathlib import Path

from patchsmith.tools.editor import editor_tool as editor
from patchsmith.tools.workspace import Workspace

from .conftest import git, write


def call(ws: Workspace, **args):
    return editor(ws, args)


def test_view_file_numbers_lines_like_cat_n(ws: Workspace) -> None:
    obs = call(ws, command="view", path="src/app.py")
    assert obs.ok
    assert "     1\tdef add(a, b):\n     2\t    return a + b\n     3\t\n" in obs.text
    assert obs.data["path"] == "src/app.py" and obs.data["view_range"] == [1, 6]


def test_view_range_and_end_minus_one(ws: Workspace) -> None:
    obs = call(ws, command="view", path="src/app.py", view_range=[5, -1])
    lines = obs.text.splitlines()[1:]
    assert lines == ["     5\tdef sub(a, b):", "     6\t    return a - b"]
    assert call(ws, command="view", path="src/app.py", view_range=[2, 3]).text.splitlines()[1:] == [
        "     2\t    return a + b", "     3\t"]


def test_view_range_errors_teach(ws: Workspace) -> None:
    assert "has 6 lines" in call(ws, command="view", path="src/app.py", view_range=[0, 3]).error
    assert "has 6 lines" in call(ws, command="view", path="src/app.py", view_range=[9, 12]).error
    assert "before start" in call(ws, command="view", path="src/app.py", view_range=[4, 2]).error
    assert "two numbers" in call(ws, command="view", path="src/app.py", view_range=[4]).error
    clamped = call(ws, command="view", path="src/app.py", view_range=[5, 99])
    assert clamped.ok and "has 6 lines" in clamped.text


def test_view_directory_two_levels_without_hidden_or_ignored(ws: Workspace) -> None:
    write(ws.root, {"src/pkg/deep/x.py": "", ".hidden/a": "", "build/out.txt": "", ".gitignore": "build/\n"})
    obs = call(ws, command="view", path=".")
    listing = obs.text.splitlines()[1:]
    assert "src/" in listing and "src/app.py" in listing and "src/pkg/" in listing
    assert "README.md" in listing
    assert not any(p.startswith((".hidden", ".git", "build")) for p in listing)
    assert "src/pkg/deep/x.py" not in listing and "src/pkg/deep/" not in listing  # third level
    sub = call(ws, command="view", path="src")
    assert "src/pkg/deep/" in sub.text.splitlines()


def test_view_missing_file_suggests_find_file(ws: Workspace) -> None:
    obs = call(ws, command="view", path="src/nope.py")
    assert not obs.ok and "does not exist" in obs.error and "find_file" in obs.error


def test_create_writes_new_file_and_refuses_to_overwrite(ws: Workspace) -> None:
    obs = call(ws, command="create", path="pkg/new/mod.py", file_text="X = 1\n")
    assert obs.ok and (ws.root / "pkg/new/mod.py").read_text() == "X = 1\n"
    assert obs.data["path"] == "pkg/new/mod.py"
    assert obs.data["diff"].startswith("--- /dev/null\n+++ b/pkg/new/mod.py") and "+X = 1" in obs.data["diff"]
    again = call(ws, command="create", path="pkg/new/mod.py", file_text="X = 2\n")
    assert not again.ok and "already exists" in again.error and "str_replace" in again.error
    assert (ws.root / "pkg/new/mod.py").read_text() == "X = 1\n"
    assert "file_text" in call(ws, command="create", path="other.py").error


def test_str_replace_edits_once_and_shows_region(ws: Workspace) -> None:
    obs = call(ws, command="str_replace", path="src/app.py", old_str="    return a - b\n",
               new_str="    result = a - b\n    return result\n")
    assert obs.ok
    assert (ws.root / "src/app.py").read_text().endswith("def sub(a, b):\n    result = a - b\n    return result\n")
    assert "     6\t    result = a - b\n     7\t    return result" in obs.text
    assert "     2\t    return a + b" in obs.text  # four lines of context above line 6
    diff = obs.data["diff"]
    assert diff.startswith("--- a/src/app.py\n+++ b/src/app.py\n")
    assert "-    return a - b\n+    result = a - b\n+    return result\n" in diff


def test_str_replace_no_match_shows_closest_candidates(ws: Workspace) -> None:
    before = (ws.root / "src/app.py").read_bytes()
    obs = call(ws, command="str_replace", path="src/app.py", old_str="def sub(x, y):\n    return x - y",
               new_str="pass")
    assert not obs.ok and "did not appear verbatim" in obs.error
    assert "lines 5-6" in obs.text and "     5\tdef sub(a, b):" in obs.text
    assert (ws.root / "src/app.py").read_bytes() == before


def test_str_replace_whitespace_only_difference_is_named(ws: Workspace) -> None:
    obs = call(ws, command="str_replace", path="src/app.py", old_str="def add(a, b):\n  return a + b",
               new_str="x")
    assert not obs.ok and "only if whitespace is ignored" in obs.error
    assert "lines 1-2" in obs.error and "     2\t    return a + b" in obs.error


def test_str_replace_several_matches_lists_line_numbers(ws: Workspace) -> None:
    obs = call(ws, command="str_replace", path="src/app.py", old_str="(a, b):", new_str="(a, b, c):")
    assert not obs.ok and "occurs 2 times" in obs.error and "at lines 1, 5" in obs.error


def test_str_replace_argument_errors(ws: Workspace) -> None:
    assert "non-empty `old_str`" in call(ws, command="str_replace", path="src/app.py", new_str="x").error
    same = call(ws, command="str_replace", path="src/app.py", old_str="VALUE", new_str="VALUE")
    assert not same.ok  # not found in app.py: still a clean error
    ident = call(ws, command="str_replace", path="src/util.py", old_str="VALUE = 1", new_str="VALUE = 1")
    assert "identical" in ident.error


def test_insert_top_middle_end_and_bounds(ws: Workspace) -> None:
    assert call(ws, command="insert", path="src/util.py", insert_line=0, new_str="import os").ok
    assert call(ws, command="insert", path="src/util.py", insert_line=2, new_str="B = 2\n").ok
    assert call(ws, command="insert", path="src/util.py", insert_line=1, new_str="A = 0").ok
    assert (ws.root / "src/util.py").read_text() == "import os\nA = 0\nVALUE = 1\nB = 2\n"
    out = call(ws, command="insert", path="src/util.py", insert_line=9, new_str="x")
    assert not out.ok and "from 0" in out.error and "to 4" in out.error
    assert "insert_line" in call(ws, command="insert", path="src/util.py", new_str="x").error


def test_insert_after_last_line_without_newline(ws: Workspace) -> None:
    (ws.root / "notes.txt").write_text("a\nb")
    assert call(ws, command="insert", path="notes.txt", insert_line=2, new_str="c").ok
    assert (ws.root / "notes.txt").read_text() == "a\nb\nc\n"


def test_undo_restores_bytes_step_by_step_and_removes_created_files(ws: Workspace) -> None:
    path = ws.root / "src/app.py"
    original = path.read_bytes()
    call(ws, command="str_replace", path="src/app.py", old_str="a + b", new_str="a + b + 0")
    middle = path.read_bytes()
    call(ws, command="insert", path="src/app.py", insert_line=0, new_str="# header")
    first = call(ws, command="undo_edit", path="src/app.py")
    assert first.ok and path.read_bytes() == middle and "1 earlier edit" in first.text
    assert call(ws, command="undo_edit", path="src/app.py").ok and path.read_bytes() == original
    assert "no edit to undo" in call(ws, command="undo_edit", path="src/app.py").error
    call(ws, command="create", path="fresh.txt", file_text="hi\n")
    assert call(ws, command="undo_edit", path="fresh.txt").ok and not (ws.root / "fresh.txt").exists()
    assert ws.edit_history["src/app.py"] == []


def test_lint_guard_refuses_syntax_error_and_keeps_file(ws: Workspace) -> None:
    path = ws.root / "src/app.py"
    before = path.read_bytes()
    obs = call(ws, command="str_replace", path="src/app.py", old_str="    return a + b",
               new_str="    return (a + b")
    assert not obs.ok and "SyntaxError" in obs.error and "line 2" in obs.error and "column" in obs.error
    assert ">    2\t    return (a + b" in obs.error
    assert path.read_bytes() == before and "src/app.py" not in ws.edit_history
    indent = call(ws, command="insert", path="src/app.py", insert_line=1, new_str="  x = 1")
    assert not indent.ok and "IndentationError" in indent.error
    created = call(ws, command="create", path="broken.py", file_text="def f(:\n")
    assert not created.ok and not (ws.root / "broken.py").exists()
    # Non-Python files are not linted.
    assert call(ws, command="create", path="notes.txt", file_text="def f(:\n").ok


def test_lint_guard_allows_edits_to_already_broken_file(ws: Workspace) -> None:
    (ws.root / "bad.py").write_text("def f(:\n    pass\n")
    obs = call(ws, command="str_replace", path="bad.py", old_str="    pass", new_str="    return 1")
    assert obs.ok
    fixed = call(ws, command="str_replace", path="bad.py", old_str="def f(:", new_str="def f():")
    assert fixed.ok and (ws.root / "bad.py").read_text() == "def f():\n    return 1\n"


def test_read_only_workspace_refuses_edits_but_views(ws: Workspace) -> None:
    ws.read_only = True
    for args in ({"command": "create", "path": "x.txt", "file_text": "x"},
                 {"command": "str_replace", "path": "src/util.py", "old_str": "1", "new_str": "2"},
                 {"command": "insert", "path": "src/util.py", "insert_line": 0, "new_str": "x"},
                 {"command": "undo_edit", "path": "src/util.py"}):
        obs = call(ws, **args)
        assert not obs.ok and "read-only" in obs.error
    assert not (ws.root / "x.txt").exists() and (ws.root / "src/util.py").read_text() == "VALUE = 1\n"
    assert call(ws, command="view", path="src/util.py").ok


def test_binary_and_non_utf8_files_get_clear_errors(ws: Workspace) -> None:
    write(ws.root, {"img.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00", "latin.txt": "caf\xe9\n".encode("latin-1")})
    assert "binary file" in call(ws, command="view", path="img.png").error
    assert "not UTF-8" in call(ws, command="view", path="latin.txt").error
    assert "not UTF-8" in call(ws, command="str_replace", path="latin.txt", old_str="caf", new_str="x").error


def test_paths_cannot_escape_the_repository(ws: Workspace, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret\n")
    os.symlink(outside, ws.root / "link.txt")
    for path in ("../secret.txt", str(outside), "link.txt", "/etc/passwd", ".git/config"):
        obs = call(ws, command="view", path=path)
        assert not obs.ok and ("outside the repository" in obs.error or "inside .git" in obs.error), path
    obs = call(ws, command="create", path="../evil.txt", file_text="x")
    assert not obs.ok and not (tmp_path / "evil.txt").exists()
    assert call(ws, command="view", path=str(ws.root / "src/util.py")).ok  # absolute inside is fine
    listing = call(ws, command="view", path=".")
    assert listing.ok and "link.txt" in listing.text.splitlines()  # listed, but not followed


def test_crlf_file_is_edited_with_lf_old_str_and_keeps_crlf(ws: Workspace) -> None:
    (ws.root / "win.txt").write_bytes(b"one\r\ntwo\r\nthree\r\n")
    obs = call(ws, command="str_replace", path="win.txt", old_str="one\ntwo", new_str="uno\ndos")
    assert obs.ok
    assert (ws.root / "win.txt").read_bytes() == b"uno\r\ndos\r\nthree\r\n"
    assert call(ws, command="undo_edit", path="win.txt").ok
    assert (ws.root / "win.txt").read_bytes() == b"one\r\ntwo\r\nthree\r\n"


def test_bad_arguments_never_raise(ws: Workspace) -> None:
    assert "bad arguments" in editor(ws, {"command": "view"}).error  # no path
    assert "bad arguments" in editor(ws, {"command": "explode", "path": "x"}).error
    assert "old_string" in editor(ws, {"command": "str_replace", "path": "src/util.py", "old_string": "a"}).error
    assert "not valid JSON" in editor(ws, "{command: view").error
    assert "must be a JSON object" in editor(ws, ["view"]).error


def test_large_file_view_is_cut_at_whole_lines_with_a_hint(ws: Workspace) -> None:
    (ws.root / "big.txt").write_text("".join(f"line number {i}\n" for i in range(1, 5001)))
    obs = call(ws, command="view", path="big.txt")
    assert obs.ok and len(obs.text) <= 12_000
    assert "use view_range [" in obs.text and "of 5000" in obs.text
    last_shown = obs.data["view_range"][1]
    assert f"{last_shown:6}\tline number {last_shown}" in obs.text


def test_no_match_search_on_a_large_file_still_answers(ws: Workspace) -> None:
    lines = [f"    value_{i} = compute({i}, scale=2)" for i in range(20_000)]
    lines[12_345] = "    special = compute_special(12345, scale=3)"
    (ws.root / "big.py").write_text("def f():\n" + "\n".join(lines) + "\n")
    obs = call(ws, command="str_replace", path="big.py", old_str="special = compute_special(12345, scale=4)",
               new_str="x")
    assert not obs.ok and "12347" in obs.error  # line 1 is `def f():`, so index 12345 is line 12347


def test_edit_on_tracked_file_shows_in_workspace_diff(ws: Workspace) -> None:
    call(ws, command="str_replace", path="src/util.py", old_str="VALUE = 1", new_str="VALUE = 2")
    assert "-VALUE = 1\n+VALUE = 2" in ws.diff()
    assert git(ws.root, "status", "--porcelain").strip() == "M src/util.py"
