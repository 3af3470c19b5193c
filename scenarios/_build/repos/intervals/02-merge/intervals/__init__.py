"""intervals: half-open date intervals."""

from .interval import Interval
from .ops import merge, total_days

__all__ = ["Interval", "merge", "total_days"]
