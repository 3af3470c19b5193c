"""SWE-bench predictions: read `preds.jsonl` / `preds.json` in every common shape, write `preds.jsonl`."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UserError


@dataclass
class Prediction:
    instance_id: str
    model_patch: str = ""  # empty or null in the file both mean "no patch"
    model_name_or_path: str = ""

    def row(self) -> dict[str, str]:
        return {"instance_id": self.instance_id, "model_name_or_path": self.model_name_or_path,
                "model_patch": self.model_patch}


def _from_obj(obj: Any, where: str, key: str | None = None) -> Prediction:
    if isinstance(obj, str) and key:  # {"id": "diff ..."}: a bare patch keyed by instance id
        return Prediction(instance_id=key, model_patch=obj)
    if not isinstance(obj, dict):
        raise UserError(f"{where}: each prediction must be an object with instance_id and model_patch")
    instance_id = obj.get("instance_id") or key
    if not instance_id:
        raise UserError(f"{where}: a prediction has no instance_id")
    patch = obj.get("model_patch")
    if patch is None:
        patch = obj.get("patch") or ""
    return Prediction(instance_id=str(instance_id), model_patch=str(patch or ""),
                      model_name_or_path=str(obj.get("model_name_or_path") or obj.get("model") or ""))


def read_preds(path: str | Path) -> list[Prediction]:
    return read_preds_counted(path)[0]


def read_preds_counted(path: str | Path) -> tuple[list[Prediction], dict[str, int]]:
    """The predictions (the last one for an id that appears more than once, as when a run is resumed and
    appended to) and how many times each repeated id appears, so the caller can say so."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such predictions file; give a SWE-bench preds.jsonl or preds.json")
    text = path.read_text(encoding="utf-8-sig")
    stripped = text.strip()
    preds: list[Prediction] = []
    parsed: Any = None
    if stripped.startswith("[") or stripped.startswith("{"):
        try:
            parsed = json.loads(stripped)
        except json.JSONDecodeError:
            parsed = None  # JSON Lines
    if isinstance(parsed, list):
        preds = [_from_obj(o, f"{path}[{i}]") for i, o in enumerate(parsed)]
    elif isinstance(parsed, dict) and "instance_id" in parsed:
        preds = [_from_obj(parsed, str(path))]
    elif isinstance(parsed, dict):
        preds = [_from_obj(v, f"{path}[{k}]", key=k) for k, v in parsed.items()]
    else:
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"{path}: line {number} is not valid JSON ({exc.msg})") from None
            preds.append(_from_obj(obj, f"{path}:{number}"))
    counts: dict[str, int] = {}
    for pred in preds:
        counts[pred.instance_id] = counts.get(pred.instance_id, 0) + 1
    # A later line for the same instance wins, as when a run is resumed and appended to.
    return list({p.instance_id: p for p in preds}.values()), {k: n for k, n in counts.items() if n > 1}


def write_preds(path: str | Path, preds: list[Prediction]) -> Path:
    """Atomically (tmp + rename): a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for pred in preds:
            fh.write(json.dumps(pred.row()) + "\n")
    os.replace(tmp, path)
    return path
