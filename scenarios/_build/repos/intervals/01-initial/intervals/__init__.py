"""intervals: half-open date intervals."""

from .interval import Interval

__all__ = ["Interval"]
