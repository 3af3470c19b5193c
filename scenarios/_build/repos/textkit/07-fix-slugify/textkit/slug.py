"""URL-safe identifiers from titles."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(text: str, sep: str = "-", max_length: int | None = None) -> str:
    """Lower-case ASCII slug of ``text``: accents dropped, other characters replaced by ``sep``.

    Runs of separators collapse into one and none is left at either end. With
    ``max_length`` the slug is cut to at most that many characters.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub(sep, ascii_text.lower())
    slug = re.sub(f"(?:{re.escape(sep)})+", sep, slug)
    if slug.startswith(sep):
        slug = slug[len(sep):]
    if slug.endswith(sep):
        slug = slug[: -len(sep)]
    if max_length is not None:
        slug = slug[:max_length].rstrip(sep)
    return slug
