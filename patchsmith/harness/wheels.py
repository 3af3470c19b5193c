"""A local wheelhouse (`CACHE/wheels`) so environments on this interpreter install their packages offline.

An environment holds exactly what its spec names; nothing comes from the base interpreter's
site-packages. The packages themselves come, in order, from the wheelhouse, from wheels rebuilt out of
the copies already installed in the interpreter running patchsmith (pure-Python wheels only: their
installed files are the wheel's files), and from the package index (downloaded into the wheelhouse, so
the next build needs no network).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

_SKIP_META = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return _normal(match.group(1)) if match else ""


def _pure_tag(dist: metadata.Distribution) -> str | None:
    """The wheel tag of a pure-Python distribution installed from a wheel (not editable); else None."""
    wheel = dist.read_text("WHEEL") or ""
    direct = dist.read_text("direct_url.json") or ""
    if "Root-Is-Purelib: true" not in wheel or '"editable": true' in direct:
        return None
    tags = re.findall(r"^Tag:\s*(\S+)", wheel, re.M)
    if not tags or not all(t.endswith("-none-any") for t in tags):
        return None
    return ".".join(sorted({t.split("-")[0] for t in tags})) + "-none-any"


def _record_line(name: str, data: bytes) -> list[str]:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return [name, f"sha256={digest}", str(len(data))]


def rebuild_wheel(dist: metadata.Distribution, wheelhouse: Path) -> Path | None:
    """Write `dist` (installed here) back as the wheel it was installed from; None if it is not pure."""
    tag = _pure_tag(dist)
    if tag is None or not dist.files:
        return None
    escaped = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    target = wheelhouse / f"{escaped}-{dist.version}-{tag}.whl"
    if target.exists():
        return target
    records, buffer = [], io.BytesIO()
    record_name = ""
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in dist.files:
            rel = str(file)
            if rel.startswith("..") or "__pycache__" in rel:
                continue  # scripts outside site-packages are regenerated from entry_points.txt
            if ".dist-info/" in rel and rel.rsplit("/", 1)[-1] in _SKIP_META:
                record_name = record_name or rel.rsplit("/", 1)[0] + "/RECORD"
                continue
            path = Path(str(dist.locate_file(file)))
            if not path.is_file():
                return None  # a file went missing: do not pretend to have the distribution
            data = path.read_bytes()
            zf.writestr(rel, data)
            records.append(_record_line(rel, data))
        if not record_name:
            return None
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([*records, [record_name, "", ""]])
        zf.writestr(record_name, out.getvalue())
    wheelhouse.mkdir(parents=True, exist_ok=True)
    # Workers may rebuild the same wheel at once: each writes its own temporary file, the rename is atomic.
    fd, tmp = tempfile.mkstemp(dir=wheelhouse, suffix=".partial")
    with os.fdopen(fd, "wb") as fh:
        fh.write(buffer.getvalue())
    os.replace(tmp, target)
    return target


def seed_from_installed(requirements: list[str], wheelhouse: Path, search_path: list[str]) -> list[str]:
    """Rebuild the distributions `requirements` name that are installed on `search_path` (an interpreter's
    sys.path), with their dependencies, unless the wheelhouse has them already; returns their names. Versions are not checked here: pip picks from
    the wheelhouse what satisfies the requirement, or nothing."""
    installed: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions(path=search_path):
        name = dist.metadata["Name"]
        if name:
            installed.setdefault(_normal(name), dist)  # the first on the path wins, as at import time
    todo = [_requirement_name(r) for r in requirements]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if not name or name in seen or name not in installed:
            continue
        seen.add(name)
        dist = installed[name]
        if rebuild_wheel(dist, wheelhouse) is None:
            continue
        # Markers other than extras are not evaluated: a wheel too many in the wheelhouse costs nothing.
        todo += [_requirement_name(r) for r in dist.requires or [] if "extra ==" not in r]
    return sorted(seen)
