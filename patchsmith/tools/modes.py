"""The permission modes, listed once: what a run may do without asking (the config, the CLI choices, the
approval rules and the sandbox check all read this)."""

from __future__ import annotations

from typing import Literal, get_args

Mode = Literal["read-only", "ask", "auto-edit", "full-auto"]
MODES: tuple[Mode, ...] = get_args(Mode)
