"""The Safety requirement: a dirty working tree survives seeding, the agent's edits and cleanup byte for byte,
and apply_back yields exactly the expected content."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
from pathlib import Path

import pytest

from patchsmith.tools.bash_tool import bash_tool
from patchsmith.tools.editor import editor_tool
from patchsmith.tools.seed import apply_back, remove_worktree, seed_worktree

from .conftest import git, make_repo, write


def tree_state(root: Path, include_ignored: bool = True) -> dict[str, tuple[str, int]]:
    """Every file under root except .git (ignored and untracked included): content hash and mode."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            if name == ".git" and Path(dirpath) == root:
                continue  # a linked worktree's pointer file
            path = Path(dirpath) / name
            rel = str(path.relative_to(root))
            st = path.lstat()
            data = os.readlink(path).encode() if stat.S_ISLNK(st.st_mode) else path.read_bytes()
            out[rel] = (hashlib.sha256(data).hexdigest(), st.st_mode)
    if not include_ignored:
        ignored = set(subprocess.run(["git", "-C", str(root), "ls-files", "-o", "-i", "--exclude-standard"],
                                     capture_output=True, text=True).stdout.split())
        out = {k: v for k, v in out.items() if k not in ignored}
    return out


def repo_state(root: Path) -> dict:
    """All that the user could notice: files, status, stash, index bytes, refs, HEAD, worktree list."""
    gitdir = root / ".git"
    index = gitdir / "index"
    state = {
        "files": tree_state(root),
        "index": hashlib.sha256(index.read_bytes()).hexdigest() if index.exists() else None,
        "HEAD": (gitdir / "HEAD").read_text(),
    }
    # --no-optional-locks: `git status` must not refresh (rewrite) the index it is observing.
    quiet = ["--no-optional-locks"]
    state["status"] = subprocess.run(["git", "-C", str(root), *quiet, "status", "--porcelain", "-uall", "--ignored"],
                                     capture_output=True, text=True, check=True).stdout
    state["stash"] = git(root, *quiet, "stash", "list")
    state["refs"] = git(root, *quiet, "for-each-ref")
    return state


@pytest.fixture
def no_git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Seeding must work where git has no user.name/user.email configured."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def dirty(tmp_path: Path) -> Path:
    """A repository with every kind of uncommitted state, and a stash entry."""
    root = make_repo(tmp_path / "user", {
        "a.txt": "alpha\n", "src/m.py": "def f():\n    return 1\n", "gone.txt": "bye\n",
        "run.sh": "#!/bin/sh\necho hi\n", ".gitignore": ".env\nbuild/\n",
        "ctx.txt": "".join(f"line {i}\n" for i in range(1, 21)),
    })
    (root / "run.sh").chmod(0o755)
    os.symlink("a.txt", root / "link")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "exec bit and symlink")
    write(root, {"a.txt": "alpha stashed\n"})
    git(root, "stash", "push", "-q", "-m", "user's stash")
    write(root, {"a.txt": "alpha staged\n", "staged_new.txt": "new and staged\n"})
    git(root, "add", "a.txt", "staged_new.txt")
    write(root, {"a.txt": "alpha staged then edited\n",  # staged and unstaged changes in one file
                 "src/m.py": "def f():\n    return 2  # unstaged\n",
                 "notes/todo.txt": "untracked\n", "bin.dat": b"\x00\x01\x02\xff",
                 ".env": "API_KEY=ignored-secret\n", "build/out.o": b"\x7fELF"})
    (root / "gone.txt").unlink()
    return root


def test_seed_copies_the_whole_current_state_and_touches_nothing(dirty: Path, tmp_path: Path,
                                                                  no_git_identity: None) -> None:
    before = repo_state(dirty)
    seeded = seed_worktree(dirty, tmp_path / "agent")
    assert seeded.user_root == dirty and seeded.root == (tmp_path / "agent").resolve()
    # The worktree holds exactly the user's non-ignored files, bytes and modes, symlink and exec bit included.
    assert tree_state(seeded.root) == tree_state(dirty, include_ignored=False)
    assert not (seeded.root / ".env").exists() and not (seeded.root / "gone.txt").exists()
    assert os.readlink(seeded.root / "link") == "a.txt"
    # The seed commit sits on top of the user's HEAD, with the fixed identity, and the worktree is clean.
    assert git(seeded.root, "rev-parse", "HEAD").strip() == seeded.base
    assert git(seeded.root, "rev-parse", f"{seeded.base}^").strip() == git(dirty, "rev-parse", "HEAD").strip()
    assert git(seeded.root, "log", "-1", "--format=%an <%ae>", seeded.base).strip() == \
        "patchsmith <patchsmith@localhost>"
    # ... and lives in the workspace's own store: the user's object store gains nothing from seeding
    assert subprocess.run(["git", "-C", str(dirty), "cat-file", "-e", seeded.base]).returncode != 0
    assert git(seeded.root, "status", "--porcelain") == ""
    after = repo_state(dirty)
    assert after == before  # files (ignored too), index bytes, status, stash, refs, HEAD


def test_agent_edits_and_cleanup_leave_the_dirty_tree_byte_for_byte(dirty: Path, tmp_path: Path) -> None:
    before = repo_state(dirty)
    seeded = seed_worktree(dirty, tmp_path / "agent")
    ws = seeded.workspace()
    assert editor_tool(ws, {"command": "str_replace", "path": "src/m.py", "old_str": "return 2  # unstaged",
                            "new_str": "return 3  # agent"}).ok
    assert editor_tool(ws, {"command": "create", "path": "notes/agent.txt", "file_text": "from the agent\n"}).ok
    assert bash_tool(ws, {"command": "rm a.txt && git add -A && git commit -qm 'agent commit' && echo x > .env"}).ok
    patch = ws.diff()
    assert "+    return 3  # agent" in patch and "-    return 2  # unstaged" in patch
    assert "deleted file mode" in patch and "+from the agent" in patch
    assert "staged_new" not in patch and "todo" not in patch  # the user's own changes are the base, not the patch
    assert repo_state(dirty)["files"] == before["files"]
    remove_worktree(dirty, seeded.root)
    assert not seeded.root.exists()
    assert git(dirty, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert repo_state(dirty) == before


def test_apply_back_yields_exactly_the_agents_result(dirty: Path, tmp_path: Path) -> None:
    before = repo_state(dirty)
    seeded = seed_worktree(dirty, tmp_path / "agent")
    ws = seeded.workspace()
    editor_tool(ws, {"command": "str_replace", "path": "a.txt", "old_str": "then edited", "new_str": "by agent"})
    editor_tool(ws, {"command": "create", "path": "pkg/new.py", "file_text": "X = 1\n"})
    (seeded.root / "staged_new.txt").unlink()
    (seeded.root / "bin.dat").write_bytes(b"\x00binary\xfe")
    (seeded.root / "run.sh").chmod(0o644)
    expected = tree_state(seeded.root, include_ignored=False)
    patch = ws.diff()
    remove_worktree(dirty, seeded.root)
    result = apply_back(dirty, patch)
    assert result.applied and result.method == "clean" and result.patch_file is None
    assert set(result.files) == {"a.txt", "bin.dat", "pkg/new.py", "run.sh", "staged_new.txt"}
    assert tree_state(dirty, include_ignored=False) == expected
    after = repo_state(dirty)
    assert after["files"][".env"] == before["files"][".env"]  # ignored files untouched
    assert after["files"]["build/out.o"] == before["files"]["build/out.o"]
    assert after["index"] == before["index"] and after["stash"] == before["stash"]
    assert after["refs"] == before["refs"] and after["HEAD"] == before["HEAD"]


def test_apply_back_merges_three_way_when_the_user_edited_nearby(dirty: Path, tmp_path: Path) -> None:
    seeded = seed_worktree(dirty, tmp_path / "agent")
    ws = seeded.workspace()
    editor_tool(ws, {"command": "str_replace", "path": "ctx.txt", "old_str": "line 10\n", "new_str": "line TEN\n"})
    patch = ws.diff()
    # Meanwhile the user changes line 12: inside the patch's context, so it no longer applies as is.
    text = (dirty / "ctx.txt").read_text().replace("line 12\n", "line twelve\n")
    (dirty / "ctx.txt").write_text(text)
    assert subprocess.run(["git", "-C", str(dirty), "apply", "--check", "-"], input=patch, text=True,
                          capture_output=True).returncode != 0
    index_before = (dirty / ".git/index").read_bytes()
    result = apply_back(dirty, patch)
    assert result.applied and result.method == "3way"
    assert (dirty / "ctx.txt").read_text() == text.replace("line 10\n", "line TEN\n")
    assert (dirty / ".git/index").read_bytes() == index_before


def test_apply_back_conflict_leaves_the_tree_untouched_and_saves_the_patch(dirty: Path, tmp_path: Path) -> None:
    seeded = seed_worktree(dirty, tmp_path / "agent")
    ws = seeded.workspace()
    editor_tool(ws, {"command": "str_replace", "path": "ctx.txt", "old_str": "line 10\n", "new_str": "agent 10\n"})
    patch = ws.diff()
    (dirty / "ctx.txt").write_text((dirty / "ctx.txt").read_text().replace("line 10\n", "user 10\n"))
    before = repo_state(dirty)
    result = apply_back(dirty, patch, save_dir=tmp_path / "saved")
    assert not result.applied and result.method == "conflict"
    assert result.patch_file is not None and result.patch_file.read_text() == patch
    assert result.patch_file.parent == tmp_path / "saved" and str(result.patch_file) in result.message
    assert repo_state(dirty) == before
    default = apply_back(dirty, patch)  # without save_dir: inside .git, out of the working tree
    assert default.patch_file is not None and default.patch_file.parent == dirty / ".git" / "patchsmith"
    assert repo_state(dirty) == before


def test_non_utf8_content_round_trips_through_the_patch(dirty: Path, tmp_path: Path) -> None:
    (dirty / "latin.txt").write_bytes("caf\xe9\n".encode("latin-1"))
    seeded = seed_worktree(dirty, tmp_path / "agent")
    (seeded.root / "latin.txt").write_bytes("caf\xe9 cr\xe8me\n".encode("latin-1"))
    patch = seeded.workspace().diff()
    assert apply_back(dirty, patch).applied
    assert (dirty / "latin.txt").read_bytes() == "caf\xe9 cr\xe8me\n".encode("latin-1")


def test_empty_patch_applies_as_a_no_op(dirty: Path) -> None:
    before = repo_state(dirty)
    result = apply_back(dirty, "")
    assert result.applied and result.method == "empty" and repo_state(dirty) == before


def test_repository_without_commits(tmp_path: Path, no_git_identity: None) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q")
    write(root, {"main.py": "print('hi')\n", "sub/x.txt": "x\n"})
    git(root, "add", "main.py")  # staged, no commit yet
    before = repo_state(root)
    seeded = seed_worktree(root, tmp_path / "agent")
    assert git(seeded.root, "rev-list", "--parents", "-n", "1", seeded.base).split() == [seeded.base]  # no parent
    assert tree_state(seeded.root) == tree_state(root)
    editor_tool(seeded.workspace(), {"command": "insert", "path": "main.py", "insert_line": 1, "new_str": "x = 1"})
    patch = seeded.workspace().diff()
    remove_worktree(root, seeded.root)
    assert repo_state(root) == before
    assert apply_back(root, patch).applied
    assert (root / "main.py").read_text() == "print('hi')\nx = 1\n"


def test_completely_empty_repository(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q")
    seeded = seed_worktree(root, tmp_path / "agent")
    assert [p.name for p in seeded.root.iterdir()] == [".git"]
    remove_worktree(root, seeded.root)


def test_same_state_gives_the_same_seed_commit(dirty: Path, tmp_path: Path) -> None:
    one = seed_worktree(dirty, tmp_path / "one")
    two = seed_worktree(dirty, tmp_path / "two")
    assert one.base == two.base and one.root != two.root
    remove_worktree(dirty, one.root)
    remove_worktree(dirty, two.root)


def test_user_hooks_do_not_run_on_the_agents_checkout(dirty: Path, tmp_path: Path) -> None:
    hook = dirty / ".git/hooks/post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {tmp_path}/hook-ran\n")
    hook.chmod(0o755)
    seeded = seed_worktree(dirty, tmp_path / "agent")
    assert not (tmp_path / "hook-ran").exists()
    remove_worktree(dirty, seeded.root)


def test_bad_inputs_raise_value_errors_that_say_what_to_do(dirty: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(ValueError, match="not inside a Git repository"):
        seed_worktree(plain, tmp_path / "agent")
    with pytest.raises(ValueError, match="must be outside the repository"):
        seed_worktree(dirty, dirty / "sub")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy/file").write_text("x")
    with pytest.raises(ValueError, match="not an empty directory"):
        seed_worktree(dirty, tmp_path / "busy")
    with pytest.raises(ValueError, match="user's repository"):
        remove_worktree(dirty, dirty)
    with pytest.raises(ValueError, match="not a worktree"):
        remove_worktree(dirty, tmp_path / "busy")
    assert (tmp_path / "busy/file").exists() and (dirty / "a.txt").exists()
    empty_dest = tmp_path / "empty-dest"
    empty_dest.mkdir()
    seeded = seed_worktree(dirty, empty_dest)  # an existing empty directory is fine
    remove_worktree(dirty, seeded.root)
    remove_worktree(dirty, seeded.root)  # already gone: only prunes


def test_the_users_tags_up_to_head_reach_the_agents_git(tmp_path: Path) -> None:
    """setuptools-scm and versioneer compute a project's version from `git describe`; in the agent's worktree
    it must give the user's version, not 0.1.dev (and no tag the user's HEAD does not contain appears)."""
    repo = make_repo(tmp_path / "user", {"a.txt": "one\n"})
    git(repo, "tag", "-a", "v1.2.0", "-m", "release")
    write(repo, {"a.txt": "two\n"})
    git(repo, "commit", "-qam", "after the release")
    git(repo, "tag", "v1.2.1-lightweight")
    git(repo, "checkout", "-q", "-b", "future")  # a tag on another branch, after HEAD: never shown
    write(repo, {"a.txt": "three\n"})
    git(repo, "commit", "-qam", "future work")
    git(repo, "tag", "v9.9.9")
    git(repo, "checkout", "-q", "main")
    write(repo, {"a.txt": "dirty\n"})  # uncommitted: the seed sits one commit above HEAD
    seeded = seed_worktree(repo, tmp_path / "agent")
    described = git(seeded.root, "describe", "--tags").strip()
    assert described.startswith("v1.2.1-lightweight-1-g"), described
    assert set(git(seeded.root, "tag").split()) == {"v1.2.0", "v1.2.1-lightweight"}
