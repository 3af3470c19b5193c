"""A real multi-language git repository, made fresh for each test that asks for it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

FILES: dict[str, str | bytes] = {
    "pkg/__init__.py": "",
    "pkg/core.py": '''"""Core parsing."""

class Parser:
    """Turns text into tokens."""

    def parse(self, text: str) -> list[str]:
        return helper(text)

    class Inner:
        def deep(self):
            pass


def helper(text):
    # helper is mentioned in this comment and in "helper" strings, which are not references
    return text.split()
''',
    "pkg/util.py": '''from pkg.core import Parser, helper


def tokenize_file(path):
    p = Parser()
    return p.parse(open(path).read()) + helper("x")
''',
    "pkg/broken.py": "def ok():\n    pass\n\ndef broken(:\n    pass\n",
    "tests/test_core.py": "from pkg.core import Parser\n\ndef test_parse():\n    assert Parser().parse('a b') == ['a', 'b']\n",
    "web/app.js": "class Widget { render(x) { return x } }\nfunction mount(el) { return new Widget() }\nconst unmount = (el) => null\n",
    "web/types.ts": "export interface Shape { area(): number }\nexport class Square implements Shape { area(): number { return 1 } }\ntype Id = string\n",
    "cmd/main.go": "package main\n\ntype Server struct{}\n\nfunc (s *Server) Serve(port int) error { return nil }\n\nfunc main() {}\n",
    "src/lib.rs": "pub struct Cache;\nimpl Cache { pub fn get(&self) -> u32 { 1 } }\npub fn build() -> Cache { Cache }\n",
    "src/Main.java": "public class Main {\n  public Main() {}\n  public static void main(String[] args) {}\n}\n",
    "native/buf.c": "struct buf { int n; };\nint buf_len(struct buf *b) { return b->n; }\n",
    "native/vec.cpp": "namespace geo { class Vec { public: double norm() const; }; }\ndouble geo::Vec::norm() const { return 0; }\n",
    "README.md": "# demo\n",
    "minified.js": "var a=1;" * 2000,
    "blob.py": b"\x00\x01\x02binary\x00data" * 10,
    "latin.py": "# caf\xe9\nx = 1\n".encode("latin-1"),
}


def git(root: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True,
                           env=env).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    for rel, content in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    (root / "huge.py").write_text("x = 1\n" * 200_000)  # 1.2 MB: over the size cap
    (root / "escape.py").symlink_to("/etc/hostname")  # a symlink out of the repository
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("PATCHSMITH_CACHE_DIR", str(path))
    return path
