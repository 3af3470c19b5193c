"""Mask secrets before anything is remembered: the values patchsmith knows, and token-shaped strings."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ...tools.sandbox.base import mask_secrets, secret_values

# Shapes of common credentials: OpenAI/Anthropic keys, GitHub/GitLab/Slack tokens, AWS key ids, bearer
# headers, and `password=...`-style assignments. A masked fact is still useful; a leaked key is not.
TOKEN_SHAPES = re.compile(
    r"\b(?:sk-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{16,}"
    r"|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b"
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/-]{16,}=*"
    r"|(?i:(?:api[_-]?key|token|secret|password|passwd)\s*[=:]\s*)['\"]?[^\s'\"]{6,}")


def scrub(text: str, known: Iterable[str] = ()) -> str:
    text = mask_secrets(text, sorted({*known, *secret_values()}, key=len, reverse=True))

    def hide(m: re.Match[str]) -> str:
        s = m.group(0)
        key = re.match(r"(?i)((?:api[_-]?key|token|secret|password|passwd)\s*[=:]\s*)", s)
        return (key.group(1) + "***") if key else "***"

    return TOKEN_SHAPES.sub(hide, text)
