"""The HTML export, checked in a real headless Chromium with no network: it loads, shows the first and the
last step, search filters the steps, a screenshot is not blank; batch and comparison pages too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from patchsmith.agent.trajectory import read_trajectory
from patchsmith.tui.exporters import export_text

from . import chromium
from .builders import write_run

pytestmark = pytest.mark.skipif(not chromium.available(), reason="chromium is not installed (apt-get install chromium)")
ROOT = Path(__file__).resolve().parents[2]
SECRET = "sk-test-SECRET-value-0123456789"


def export(*args: str | Path, env_secret: bool = False) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if env_secret:
        env["OPENAI_API_KEY"] = SECRET
    return subprocess.run([sys.executable, "-m", "patchsmith", "export", *map(str, args)], capture_output=True,
                          text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def browser():
    b = chromium.Chromium(offline=True)
    b.open_page()
    yield b
    b.close()


def test_run_page_offline_first_last_search_screenshot(tmp_path: Path, browser) -> None:
    src = write_run(tmp_path / "trajectory.jsonl", extra=20)
    traj = read_trajectory(src)
    traj.steps[4].observation.text += f"\nleaked {SECRET} <script>alert(1)</script>"
    patched = tmp_path / "run2" / "trajectory.jsonl"
    patched.parent.mkdir()
    patched.write_text("\n".join([traj.header.model_dump_json(), *(s.model_dump_json() for s in traj.steps),
                                  traj.result.model_dump_json()]) + "\n")
    out = tmp_path / "run.html"
    done = export(patched, "--html", out, env_secret=True)
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert SECRET not in page and "<script>alert" not in page
    assert "http://" not in page.split("<script id=\"data\"")[0] and "src=" not in page  # no external assets
    browser.events.clear()
    seconds = browser.navigate(out.as_uri())
    assert seconds < 60
    n = len(traj.steps)
    assert browser.evaluate("document.querySelectorAll('#steps .row').length") == n
    assert f"Step 1 of {n}" in browser.evaluate("document.getElementById('detail').textContent")
    assert "Find where durations are parsed." in browser.evaluate("document.getElementById('detail').textContent")
    browser.evaluate("document.getElementById('steps').focus()")
    browser.press("G", 71)
    detail = browser.evaluate("document.getElementById('detail').textContent")
    assert f"Step {n} of {n}" in detail and "Submit the fix." in detail
    browser.evaluate("document.getElementById('search').focus()")
    browser.type_text("needle_7")
    visible = browser.evaluate("[...document.querySelectorAll('#steps .row:not(.hide)')].map(r => r.dataset.i)")
    assert visible == ["13"]  # the one step whose observation holds needle_7 (extra step 7 is step 14)
    assert "1 matching step" in browser.evaluate("document.getElementById('status').textContent")
    assert browser.evaluate("document.body.textContent.includes('***')") is True  # the masked secret, shown masked
    assert browser.evaluate("document.querySelectorAll('script').length") == 2  # the observation's tag stayed text
    png = browser.screenshot(tmp_path / "run.png")  # in tmp: never in git
    assert len(png) > 2000 and chromium.png_colours(png) > 8
    urls = browser.requested_urls()
    assert urls and all(u.startswith(("file:", "data:", "about:")) for u in urls), urls


def test_batch_and_compare_pages_load_offline(tmp_path: Path, browser) -> None:
    batch = tmp_path / "batch"
    for name, extra in (("demo__a-1", 2), ("demo__b-2", 5)):
        write_run(batch / "tasks" / name / "agent" / "trajectory.jsonl", extra=extra, instance_id=name)
    (batch / "report.json").write_text(json.dumps({"resolved_ids": ["demo__a-1"], "unresolved_ids": ["demo__b-2"]}))
    out = tmp_path / "batch.html"
    done = export(batch, "--html", out)
    assert done.returncode == 0, done.stderr
    browser.navigate(out.as_uri())
    summary = browser.evaluate("document.getElementById('summary').textContent")
    assert "2 tasks" in summary and "Exit reasons" in summary and "Tool usage" in summary
    assert browser.evaluate("document.querySelectorAll('#tasks tr').length") == 3
    browser.evaluate("document.querySelectorAll('#tasks tr')[2].click()")
    assert "demo__b-2" in browser.evaluate("document.getElementById('title').textContent")

    a = write_run(tmp_path / "a" / "trajectory.jsonl", extra=2)
    traj = read_trajectory(a)
    traj.steps[3].action.args["path"] = "src/other.py"  # B edits another file at step 4
    b = tmp_path / "b.traj"
    b.write_text(export_text(traj, "swe-agent", secrets=[]))
    out = tmp_path / "compare.html"
    done = export(a, b, "--html", out)
    assert done.returncode == 0, done.stderr
    browser.navigate(out.as_uri())
    assert "diverge at aligned pair 4" in browser.evaluate("document.getElementById('totals').textContent")
    detail = browser.evaluate("document.getElementById('detail').textContent")
    assert "runs diverge here" in detail and "Workspace at this pair" in detail
    urls = browser.requested_urls()
    assert all(u.startswith(("file:", "data:", "about:")) for u in urls), urls


def test_export_errors_are_one_line(tmp_path: Path) -> None:
    done = export(tmp_path / "missing.jsonl", "--html", tmp_path / "x.html")
    assert done.returncode == 2 and "no such file" in done.stderr and "Traceback" not in done.stderr
    src = write_run(tmp_path / "trajectory.jsonl")
    done = export(src)
    assert done.returncode == 2 and "--html" in done.stderr
