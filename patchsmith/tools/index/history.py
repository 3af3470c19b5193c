"""What the repository's recent commits say about each file: the messages of the commits that touched it.

IR-based bug localization has long used version history this way: a file whose past commit messages read like
the issue is a likely place for the fix, even when its code shares few words with the issue (hub files such as
a core arithmetic module are edited under many names, rarely mentioned by path).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from ..git import run_git

MAX_COMMITS = 3000  # recent enough to describe today's code; ~0.2 s of `git log` on sympy
_RECORD, _FILES = "\x1e", "\x1f"
_SEED_SUBJECT = "patchsmith seed:"  # our own worktree-seeding commit says nothing about the code


def commit_messages_by_file(root: Path, max_commits: int = MAX_COMMITS) -> dict[str, list[str]]:
    """path -> messages (subject and body) of the last `max_commits` non-merge commits before HEAD that touched
    it, newest first. Empty for a repository without commits or when git fails (a hint, never fatal)."""
    proc = run_git(root, "-c", "core.quotePath=false", "log", "HEAD", "-n", str(max_commits), "--no-merges",
                   "--no-renames", "--name-only", f"--format={_RECORD}%s%n%b{_FILES}", check=False, text=False)
    if proc.returncode != 0:
        return {}
    out: dict[str, list[str]] = defaultdict(list)
    for record in proc.stdout.decode("utf-8", errors="replace").split(_RECORD)[1:]:
        message, _, files = record.partition(_FILES)
        message = message.strip()
        if message.startswith(_SEED_SUBJECT):
            continue
        for path in files.splitlines():
            path = path.strip()
            if path:
                out[path].append(message)
    return out
