"""Shorten text to a display width."""


def truncate(text: str, width: int, ellipsis: str = "...", break_words: bool = True) -> str:
    """Return ``text`` shortened to at most ``width`` characters, ending in ``ellipsis`` if cut.

    With ``break_words=False`` the cut moves back to the last space, so no word is split,
    unless the first word alone is too long.
    """
    if width < len(ellipsis):
        raise ValueError(f"width must be at least {len(ellipsis)} to fit the ellipsis")
    if len(text) <= width:
        return text
    room = width - len(ellipsis)
    kept = text[:room]
    if not break_words and " " in kept:
        kept = kept[: kept.rindex(" ")]
    return kept.rstrip() + ellipsis
