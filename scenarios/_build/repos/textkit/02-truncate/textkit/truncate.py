"""Shorten text to a display width."""


def truncate(text: str, width: int, ellipsis: str = "...") -> str:
    """Return ``text`` shortened to at most ``width`` characters, ending in ``ellipsis`` if cut."""
    if width < len(ellipsis):
        raise ValueError(f"width must be at least {len(ellipsis)} to fit the ellipsis")
    if len(text) <= width:
        return text
    return text[: width - len(ellipsis)] + ellipsis
