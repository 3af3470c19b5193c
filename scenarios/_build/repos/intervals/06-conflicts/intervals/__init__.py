"""intervals: half-open date intervals."""

from .duration import DurationError, parse_duration
from .interval import Interval
from .ops import conflicts, merge, total_days

__all__ = ["DurationError", "Interval", "conflicts", "merge", "parse_duration", "total_days"]
