"""Records the real output of jest, vitest and mocha on one tiny project each (what test_runners_more.py parses).

    python tests/tools/runner_output/record.py   # needs node and npm (installs each runner into a temp dir)

The outputs are committed beside this script, so the tests need no npm install; rerun it to refresh them
when a runner's format changes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BODY = """\
test('adds', () => { expect(1 + 1).toBe(2); });
test('fails', () => { expect(1 + 1).toBe(3); });
test.skip('skipped one', () => {});
describe('suite', () => {
  test('inner ok', () => { console.log('chatter from a test'); });
  test('inner bad', () => { throw new Error('boom'); });
});
"""
PROJECTS = {
    "jest": ("jest@29", "jest", {"test/math.test.js": BODY}, "--json"),
    "vitest": ("vitest@1", "vitest run", {"test/math.test.js": "import { test, expect, describe } from 'vitest';\n" + BODY},
               "--reporter=json"),
    "mocha": ("mocha@10", "mocha", {"test/math.spec.js": (
        "const assert = require('node:assert');\n" + BODY.replace("test(", "it(").replace("test.skip(", "it.skip(")
        .replace("expect(1 + 1).toBe(2)", "assert.strictEqual(1 + 1, 2)").replace("expect(1 + 1).toBe(3)",
                                                                                  "assert.strictEqual(1 + 1, 3)"))},
              "--reporter json"),
}


def record(name: str, package: str, script: str, files: dict[str, str], flag: str, tmp: Path) -> None:
    root = tmp / name
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "package.json").write_text(json.dumps({"name": name, "private": True, "scripts": {"test": script}}))
    subprocess.run(["npm", "install", "-s", "--no-audit", "--no-fund", package], cwd=root, check=True)
    # The command patchsmith's detection plans for such a project (tools/testing/detect.py).
    proc = subprocess.run(f"npm test --silent -- {flag} 2>&1", shell=True, cwd=root, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "CI": "1", "NO_COLOR": "1", "HOME": str(tmp)})
    out = proc.stdout.replace(str(root), "/project")  # no temp path in the committed output
    (HERE / f"{name}.out").write_text(out)
    print(f"{name}: exit {proc.returncode}, {len(out)} characters")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for name in sys.argv[1:] or PROJECTS:
            record(name, *PROJECTS[name], Path(tmp))
