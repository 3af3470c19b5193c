"""textkit: small helpers for formatting text."""

from .wrap import wrap

__all__ = ["wrap"]
