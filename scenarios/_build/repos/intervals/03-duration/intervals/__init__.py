"""intervals: half-open date intervals."""

from .duration import DurationError, parse_duration
from .interval import Interval
from .ops import merge, total_days

__all__ = ["DurationError", "Interval", "merge", "parse_duration", "total_days"]
