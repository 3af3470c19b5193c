"""Dollar cost from reported token counts, when the endpoint does not report cost itself."""

from __future__ import annotations

# $ per million tokens (prompt, completion), public list prices; unknown models cost 0 and say so.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "o3": (2.00, 8.00),
    "o4-mini": (1.10, 4.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "claude-3-5-sonnet": (3.00, 15.00),
    "claude-sonnet-4": (3.00, 15.00),
    "deepseek-chat": (0.27, 1.10),
}


def price_for(model: str, prompt: float | None = None, completion: float | None = None) -> tuple[float, float] | None:
    if prompt is not None or completion is not None:
        return (prompt or 0.0, completion or 0.0)
    name = model.split("/")[-1].lower()
    # Longest matching prefix, so "gpt-4o-mini-2024-07-18" prices as gpt-4o-mini, not gpt-4o.
    for key in sorted(PRICES, key=len, reverse=True):
        if name.startswith(key):
            return PRICES[key]
    return None


def cost_of(prompt_tokens: int, completion_tokens: int, price: tuple[float, float] | None) -> float:
    if price is None:
        return 0.0
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000
