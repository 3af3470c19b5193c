"""The offline comparison as the README runs it: `patchsmith compare scenarios/ --model scripted --strategies ...`
on a scenario with wrong first attempts (scripted: the machinery, not the merit)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_compare_scenarios_offline(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "COLUMNS": "160"}
    out = tmp_path / "cmp"
    proc = subprocess.run([sys.executable, "-m", "patchsmith", "compare", str(ROOT / "scenarios"), "--model", "scripted",
                           "--strategies", "direct,self-refine,best-of-3", "--instances", "patchsmith__textkit-1",
                           "--output", str(out), "--no-progress", "--sandbox", "local", "--price-prompt", "3",
                           "--price-completion", "15", "--cache-dir", str(tmp_path / "cache")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = json.loads((out / "compare.json").read_text())
    figures = data["groups"]["all"]["strategies"]
    # direct's scripted fix is wrong; self-refine's critique catches it; best-of-3 drops the regression.
    assert figures["direct"]["resolved"] == 0 and figures["self-refine"]["resolved"] == 1
    assert figures["best-of-3"]["resolved"] == 1 and figures["best-of-3"]["oracle_at_n"] == 100.0
    assert figures["best-of-3"]["pass_at_k"]["1"] < 1.0  # one of three attempts breaks a test
    assert figures["self-refine"]["cost_mean"] > figures["direct"]["cost_mean"] > 0
    assert "direct" in data["groups"]["all"]["frontier"]["cost"]
    record = json.loads((out / "best-of-3" / "tasks" / "patchsmith__textkit-1" / "agent" / "strategy.json").read_text())
    verdicts = {a["number"]: a["verdict"] for a in record["attempts"]}
    assert verdicts[1] == "dropped" and "chosen" in verdicts.values()
    assert (out / "pareto.png").stat().st_size > 5000
    assert "Pareto frontier" in proc.stdout and "★" in proc.stdout
