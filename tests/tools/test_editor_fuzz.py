"""The editor against arbitrary bytes, names and sizes: it always answers with an observation, never writes
outside the workspace, and an edit changes exactly the replaced text, byte for byte; undo restores the bytes."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from patchsmith.agent.trajectory import dump_record
from patchsmith.tools.editor import editor_tool as editor
from patchsmith.tools.observation import Observation
from patchsmith.tools.workspace import Workspace

from .conftest import git, make_repo

MARK = b"MARKER_7f3a"
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=30)
NAMES = st.one_of(ANY_TEXT, st.sampled_from(["../x", "/etc/passwd", ".git/config", "a/../../b", "", " ", "\x00",
                                             "a" * 300, "dir/", ".", "src/../src/new.py"]),
                  st.lists(st.text("ab.\\/_- \x00\udc80é", min_size=1, max_size=5), min_size=1, max_size=4)
                  .map("/".join))
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def snapshot(folder: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, _, files in os.walk(folder):
        for name in files:
            p = Path(dirpath) / name
            out[str(p.relative_to(folder))] = p.read_bytes()
    return out


_REPOS: dict[str, Path] = {}


def workspace(factory) -> tuple[Workspace, Path]:
    """One repository per test, put back to its commit before each example (git init per example is slow)."""
    tmp = _REPOS.get(str(factory.getbasetemp()))
    if tmp is None:
        tmp = factory.mktemp("ed")
        make_repo(tmp / "repo", {"src/app.py": "x = 1\n"})
        _REPOS[str(factory.getbasetemp())] = tmp
    root = tmp / "repo"
    for entry in list(tmp.iterdir()):
        if entry.name != "repo":
            entry.unlink() if entry.is_file() or entry.is_symlink() else __import__("shutil").rmtree(entry)
    git(root, "clean", "-fdxq")
    git(root, "checkout", "-q", "--", ".")
    return Workspace(root=root, base=git(root, "rev-parse", "HEAD").strip()), tmp


@SETTINGS
@given(command=st.sampled_from(["view", "create", "str_replace", "insert", "undo_edit"]), path=NAMES,
       text=st.one_of(ANY_TEXT, st.binary(max_size=200).map(lambda b: b.decode("utf-8", "surrogateescape"))),
       size=st.sampled_from([0, 1, 5_000, 300_000]), line=st.integers(-3, 5))
def test_any_call_answers_and_stays_inside(tmp_path_factory, command, path, text, size, line) -> None:
    ws, tmp = workspace(tmp_path_factory)
    outside = tmp / "outside.txt"
    outside.write_text("keep\n")
    before_outside = snapshot(tmp / "repo" / ".git") | {"outside": outside.read_bytes()}
    big = text + "y" * size
    obs = editor(ws, {"command": command, "path": path, "file_text": big, "old_str": text or "x = 1",
                      "new_str": big, "insert_line": line})
    assert isinstance(obs, Observation) and isinstance(obs.text, str)
    dump_record(obs)  # whatever it says can be recorded
    assert snapshot(tmp / "repo" / ".git") | {"outside": outside.read_bytes()} == before_outside
    assert sorted(p.name for p in tmp.iterdir()) == ["outside.txt", "repo"]


@SETTINGS
@given(prefix=st.binary(max_size=300), suffix=st.binary(max_size=300), new=ANY_TEXT,
       encoding=st.sampled_from(["utf-8", "latin-1", "raw"]))
def test_an_edit_changes_exactly_the_replaced_bytes(tmp_path_factory, prefix, suffix, new, encoding) -> None:
    assume(MARK not in prefix + suffix and MARK[:1] not in suffix[:1])
    if encoding != "raw":  # text in a real encoding, as a repository would hold it
        prefix = prefix.decode("latin-1").encode(encoding, "replace")
        suffix = suffix.decode("latin-1").encode(encoding, "replace")
    ws, _ = workspace(tmp_path_factory)
    target = ws.root / "data.txt"
    original = prefix + MARK + suffix
    target.write_bytes(original)
    view = editor(ws, {"command": "view", "path": "data.txt"})
    assert isinstance(view, Observation)
    obs = editor(ws, {"command": "str_replace", "path": "data.txt", "old_str": MARK.decode(), "new_str": new})
    after = target.read_bytes()
    if not obs.ok:
        assert after == original  # refused: the file is untouched
        return
    head, tail = after[: len(prefix)], after[len(after) - len(suffix):] if suffix else b""
    assert head == prefix and tail == suffix  # everything around the edit is byte for byte the same
    undo = editor(ws, {"command": "undo_edit", "path": "data.txt"})
    assert undo.ok and target.read_bytes() == original


def test_text_with_a_nul_is_refused_and_the_file_is_untouched(tmp_path) -> None:
    """Found by the fuzz test above: a NUL made the file binary, and undo_edit then refused it."""
    import subprocess

    from patchsmith.tools.editor import editor_tool
    from patchsmith.tools.workspace import Workspace

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.txt").write_text("hello\n")
    ws = Workspace(root=tmp_path, base="HEAD")
    obs = editor_tool(ws, {"command": "str_replace", "path": "a.txt", "old_str": "hello", "new_str": "he\x00llo"})
    assert not obs.ok and "NUL" in obs.text and (tmp_path / "a.txt").read_text() == "hello\n"
    obs = editor_tool(ws, {"command": "create", "path": "b.txt", "file_text": "\x00"})
    assert not obs.ok and not (tmp_path / "b.txt").exists()
