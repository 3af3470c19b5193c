"""Sandbox backends. `make_sandbox` picks one by name; see base.Sandbox for the contract."""

from .base import ExecResult, Sandbox, mask_secrets, scrubbed_env, secret_values
from .local import LocalSandbox

__all__ = ["ExecResult", "LocalSandbox", "Sandbox", "mask_secrets", "scrubbed_env", "secret_values"]
