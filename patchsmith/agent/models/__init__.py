"""`make_model(spec)`: NAME (OpenAI-compatible endpoint), scripted:FILE, replay:TRAJECTORY."""

from __future__ import annotations

import os
from pathlib import Path

from ...errors import UserError
from ..config import RunConfig
from .base import ContextLengthExceeded, Model, ModelError, OutOfTime, Reply, ScriptExhausted
from .pricing import price_for
from .scripted import ListModel, replay_model, scripted_model

__all__ = ["ContextLengthExceeded", "ListModel", "Model", "ModelError", "OutOfTime", "Reply", "ScriptExhausted",
           "make_model"]

KNOWN_PREFIXES = ("scripted", "replay", "openai")


def make_model(config: RunConfig) -> Model:
    spec = config.model.strip()
    if not spec:
        raise UserError("--model is empty; give a model name, scripted:FILE or replay:TRAJECTORY")
    prefix, sep, rest = spec.partition(":")
    if sep and prefix in ("scripted", "replay"):
        path = Path(rest).expanduser()
        if not path.is_file():
            raise UserError(f"{prefix} model file not found: {path}; give an existing file after '{prefix}:'")
        try:
            model = scripted_model(path) if prefix == "scripted" else replay_model(path)
        except (ValueError, KeyError) as exc:
            raise UserError(f"cannot read {path}: {exc}") from None
        # A nominal price (--price-prompt/--price-completion) makes offline runs show cost as well as tokens.
        model.price = price_for("", config.price_prompt, config.price_completion)
        return model
    if spec in ("scripted", "replay"):
        raise UserError(f"--model {spec} needs a file: --model {spec}:PATH")
    if sep and prefix not in KNOWN_PREFIXES and _names_a_file(rest):
        raise UserError(f"unknown model prefix {prefix!r}; use NAME, openai:NAME, scripted:FILE or replay:TRAJECTORY")
    name = rest if prefix == "openai" else spec
    base_url = config.base_url or os.environ.get("OPENAI_BASE_URL")
    api_key = config.api_key or os.environ.get("OPENAI_API_KEY")
    if not api_key and not base_url:
        raise UserError("no endpoint configured: set OPENAI_API_KEY (for OpenAI) or pass --base-url for a local "
                        "server, or use --model scripted:FILE to run offline")
    price = price_for(name, config.price_prompt, config.price_completion)
    # The SDK takes a second to import: only pay for it when a real endpoint is used.
    from .openai_model import OpenAIModel

    return OpenAIModel(name, base_url=base_url, api_key=api_key, text_mode=config.text_mode,
                       temperature=config.temperature, price=price,
                       max_retries=config.max_retries, seed=config.seed, request_timeout=config.request_timeout,
                       stream=config.stream, reply_tokens=config.reply_tokens)


def _names_a_file(rest: str) -> bool:
    # Ollama names carry a tag after a colon ("qwen2.5-coder:7b"): a model name. A path after the colon
    # means the user meant a prefix we do not know (a typo of scripted:/replay:).
    return "/" in rest or Path(rest).suffix.lower() in {".json", ".jsonl", ".traj", ".txt", ".yaml", ".yml"} \
        or Path(rest).expanduser().exists()
