"""textkit: small helpers for formatting text."""

from .slug import slugify
from .truncate import truncate
from .wrap import wrap

__all__ = ["slugify", "truncate", "wrap"]
