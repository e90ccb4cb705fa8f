"""The words of the RouterOS API as :class:`~antena.core.routeros.client.RouterConnection` writes and
reads them: query words (``?=``, ``?#|``), attribute words (``=key=value``) and reply rows.

Why apart: they are pure text rules with no connection behind them, used by the connection and by
the callers that build queries (``eq``, ``ne``, ``or_``); the connection module keeps the I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

Row = dict[str, str]
Value = str | int | bool


def eq(key: str, value: Value) -> tuple[str, ...]:
    """Query word: ``key`` equals ``value``."""
    return (f"?={key}={text_of(value)}",)


def ne(key: str, value: Value) -> tuple[str, ...]:
    """Query words: ``key`` differs from ``value``."""
    return (*eq(key, value), "?#!")


def or_(*conditions: tuple[str, ...]) -> tuple[str, ...]:
    """Query words: any of ``conditions`` holds (RouterOS' postfix ``?#|``)."""
    words = [word for condition in conditions for word in condition]
    return (*words, *("?#|",) * (len(conditions) - 1))


def text_of(value: Value) -> str:
    """A value as the router writes it."""
    if isinstance(value, bool):  # RouterOS 6 only knows yes/no; RouterOS 7 accepts both
        return "yes" if value else "no"
    return str(value)


def prop(key: str) -> str:
    """Python keyword → RouterOS property: RouterOS names never contain ``_``."""
    return key if key.startswith(".") else key.replace("_", "-")


def attribute_words(props: Mapping[str, Value | None]) -> list[str]:
    """``key=value`` keyword properties as API attribute words; ``None`` values are left out."""
    return [f"={prop(key)}={text_of(value)}" for key, value in props.items() if value is not None]


def parse_row(words: Iterable[str]) -> Row:
    """The attribute words of one reply sentence as a row, values exactly as the router sent them."""
    row: Row = {}
    for word in words:  # "=key=value" (attribute words) or ".tag=value"
        key, _, value = (word[1:] if word.startswith("=") else word).partition("=")
        row[key] = value
    return row
