"""textkit: small helpers for formatting text."""

from .truncate import truncate
from .wrap import wrap

__all__ = ["truncate", "wrap"]
