from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from patchsmith.tools.index.localize import FileHit, localize, render_hits
from patchsmith.tools.index.mentions import parse_mentions, split_identifier

TRACEBACK = '''Tokenizing a file crashes:

Traceback (most recent call last):
  File "/home/me/src/proj/pkg/util.py", line 6, in tokenize_file
    return p.parse(open(path).read()) + helper("x")
  File "/home/me/src/proj/pkg/core.py", line 7, in parse
    return helper(text)
AttributeError: 'NoneType' object has no attribute 'split'
'''


def run_cli(*args: str, cwd: Path | None = None, cache: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    if cache:
        env["PATCHSMITH_CACHE_DIR"] = str(cache)
    return subprocess.run([sys.executable, "-m", "patchsmith", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120)


def test_mentions_parse_traceback_paths_and_names() -> None:
    m = parse_mentions(TRACEBACK + "\nSee `Widget.render` in web/app.js and pkg.core.Parser")
    assert [f.path for f in m.frames] == ["/home/me/src/proj/pkg/util.py", "/home/me/src/proj/pkg/core.py"]
    assert m.frames[-1].depth == 0 and m.frames[-1].function == "parse"
    assert "web/app.js" in m.paths
    assert "pkg.core.Parser" in m.dotted
    assert m.names["render"] == 1.0 and m.names["Widget"] == 1.0
    assert split_identifier("parseHTTPResponse_v2") == ["parse", "http", "response", "v", "2"]


def test_localize_follows_the_stack_trace(repo: Path, cache: Path) -> None:
    hits = localize(repo, TRACEBACK, top_k=5)
    assert all(isinstance(h, FileHit) for h in hits)
    assert {h.path for h in hits[:2]} == {"pkg/core.py", "pkg/util.py"}
    by_path = {h.path: h for h in hits}
    assert by_path["pkg/core.py"].functions[0].name in ("Parser.parse", "helper")
    assert by_path["pkg/util.py"].functions[0].name == "tokenize_file"
    assert any("stack frame" in r for r in hits[0].reasons)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    text = render_hits(hits)
    assert text.splitlines()[0].startswith(f"1. {hits[0].path}: ") and "(line " in text


def test_localize_by_symbol_names_prefers_code_over_tests(repo: Path, cache: Path) -> None:
    hits = localize(repo, "`Server.Serve` ignores the port argument", top_k=3)
    assert hits[0].path == "cmd/main.go"
    assert hits[0].functions[0].name == "Server.Serve"
    hits = localize(repo, "Parser.parse returns wrong tokens for empty text", top_k=5)
    paths = [h.path for h in hits]
    assert paths[0] == "pkg/core.py"
    assert "tests/test_core.py" not in paths[:1]


def test_cli_localize_json(repo: Path, cache: Path, tmp_path: Path) -> None:
    proc = run_cli("localize", "--repo", str(repo), "--json", "--top", "3", TRACEBACK, cache=cache)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert len(data) == 3 and data[0]["path"] in ("pkg/core.py", "pkg/util.py")
    assert {"path", "score", "functions"} <= set(data[0])
    assert data[0]["functions"] and {"name", "line", "score"} <= set(data[0]["functions"][0])
    issue = tmp_path / "issue.md"
    issue.write_text(TRACEBACK)
    proc = run_cli("localize", "--repo", str(repo), "--issue-file", str(issue), cache=cache)
    assert proc.returncode == 0 and "pkg/core.py" in proc.stdout


def test_cli_index_reports_work_then_reuse(repo: Path, cache: Path) -> None:
    first = run_cli("index", "--repo", str(repo), cache=cache)
    assert first.returncode == 0, first.stderr
    assert "16 files (16 parsed, 0 reused)" in first.stdout
    assert "1 symlink" in first.stdout and "1 too-large" in first.stdout and "symbols" in first.stdout
    second = run_cli("index", "--repo", str(repo), "--cache-dir", str(cache / "x"))
    assert "(16 parsed" in second.stdout and str(cache / "x") in second.stdout
    third = run_cli("index", "--repo", str(repo), cache=cache)
    assert "(0 parsed, 16 reused)" in third.stdout


def test_cli_errors_are_one_line_exit_2(tmp_path: Path, repo: Path, cache: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    for args in (["index", "--repo", str(plain)], ["localize", "--repo", str(plain), "some issue"],
                 ["localize", "--repo", str(repo)], ["index", "--repo", str(tmp_path / "nope")],
                 ["localize", "--repo", str(repo), "--issue-file", str(tmp_path / "missing.md")]):
        proc = run_cli(*args, cwd=plain, cache=cache)
        assert proc.returncode == 2, (args, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
        assert proc.stderr.startswith("patchsmith: error:")
