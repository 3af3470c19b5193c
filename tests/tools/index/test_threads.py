"""Parsing from several threads at once (best-of-N attempts localize and index in parallel; `run --workers`
runs tasks on threads): a tree-sitter Parser shared between threads crashed the process (SIGSEGV)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_parsing_in_parallel_threads_does_not_crash() -> None:
    script = textwrap.dedent("""
        import sys, threading
        sys.path.insert(0, sys.argv[1])
        from patchsmith.tools.index.extract import extract
        data = "".join(f"def f{i}(a):\\n    return a * {i}\\n\\n\\nclass C{i}:\\n    def m(self):\\n        return {i}\\n\\n"
                       for i in range(300)).encode()
        def work():
            for _ in range(40):
                assert len(extract(data, "python").definitions) >= 900
        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads: t.start()
        for t in threads: t.join()
        print("ok")
    """)
    proc = subprocess.run([sys.executable, "-c", script, str(ROOT)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", (proc.returncode, proc.stderr[-500:])
