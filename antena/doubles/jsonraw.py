"""JSON with values written as they are, so a double can send what a provider might: ``3.5e4``."""

from __future__ import annotations

import json
from typing import Any


class Literal(str):
    """A value that goes into the JSON text unquoted, exactly as written (``Literal("3.5e4")``)."""


def dumps(value: Any) -> str:
    """``json.dumps`` that writes every :class:`Literal` raw."""
    literals: list[str] = []

    def swap(item: Any) -> Any:
        if isinstance(item, Literal):
            literals.append(str(item))
            return f"\x00literal{len(literals) - 1}\x00"
        if isinstance(item, dict):
            return {key: swap(val) for key, val in item.items()}
        if isinstance(item, list | tuple):
            return [swap(val) for val in item]
        return item

    text = json.dumps(swap(value))
    for index, raw in enumerate(literals):
        text = text.replace(json.dumps(f"\x00literal{index}\x00"), raw)
    return text
