"""The RouterOS API query language, for the emulator: ``?name=value``, ``?-name``, ``?<name=``,
``?>name=`` and the ``?#`` operation stack (``|&!.`` and indexes), compiled into a row predicate.

Why apart: it is the one part of a menu's behaviour that is a small language of its own; the
tables (:mod:`antena.core.routeros.emulator_tables`) only call :func:`compile_query`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

from antena.core.routeros.emulator_traps import RouterOSTrap

Row = dict[str, str]
Predicate = Callable[[Row], bool]


class _Stack:
    """RouterOS query stack: starts as an infinite pile of ``true`` values."""

    __slots__ = ("base", "items")

    def __init__(self) -> None:
        self.items: list[bool] = []
        self.base = True  # the value of every slot below ``items``

    def pop(self) -> bool:
        return self.items.pop() if self.items else self.base

    def at(self, index: int) -> bool:
        return self.items[-1 - index] if index < len(self.items) else self.base

    def result(self) -> bool:
        return self.base and all(self.items)


def _apply_operations(ops: str, stack: _Stack) -> None:
    """Evaluate the ``?#`` operation string exactly as the RouterOS API manual describes."""
    i, n = 0, len(ops)
    after_index = False
    while i < n:
        ch = ops[i]
        if ch.isdigit():
            j = i
            while j < n and ops[j].isdigit():
                j += 1
            value = stack.at(int(ops[i:j]))
            if j == n:  # an index at the end of the word replaces the whole stack
                stack.items.clear()
                stack.base = value
                return
            stack.items.append(value)
            i, after_index = j, True
            continue
        if ch == ".":
            if not after_index:
                stack.items.append(stack.at(0))
        elif ch == "!":
            stack.items.append(not stack.pop())
        elif ch in "&|":
            right, left = stack.pop(), stack.pop()
            stack.items.append((left and right) if ch == "&" else (left or right))
        else:
            raise RouterOSTrap(f"unknown query operation {ch}")
        i, after_index = i + 1, False


def _ordered(value: str) -> tuple[int, object]:
    """Sort key for ``?<``/``?>``: numbers numerically, addresses by value, else text."""
    try:
        return (0, int(value))
    except ValueError:
        pass
    try:
        address = ipaddress.ip_address(value.split("/")[0])
        return (address.version, int(address))
    except ValueError:
        return (9, value)


def _compile_word(word: str, normalize: Callable[[str, str], str]) -> Predicate | str:
    """One query word → a row predicate, or the operation string of a ``?#`` word."""
    body = word[1:]
    if body.startswith("#"):
        return body[1:]
    if body.startswith("-"):
        name = body[1:]
        return lambda row: name not in row
    if body[:1] in ("<", ">"):
        name, _, raw = body[1:].partition("=")
        bound = _ordered(normalize(name, raw))
        if body[0] == "<":
            return lambda row: name in row and _ordered(row[name]) < bound
        return lambda row: name in row and _ordered(row[name]) > bound
    if body.startswith("="):
        body = body[1:]
    name, has_value, raw = body.partition("=")
    if not has_value:
        return lambda row: name in row
    expected = normalize(name, raw)
    return lambda row: row.get(name, "") == expected


def compile_query(words: Sequence[str], normalize: Callable[[str, str], str]) -> Predicate:
    """Compile ``?…`` words into a predicate telling whether a row matches."""
    steps = [_compile_word(word, normalize) for word in words]
    if all(callable(step) for step in steps):  # plain conjunction: the common, fast case
        predicates = [step for step in steps if callable(step)]
        return lambda row: all(p(row) for p in predicates)

    def matches(row: Row) -> bool:
        stack = _Stack()
        for step in steps:
            if isinstance(step, str):
                _apply_operations(step, stack)
            else:
                stack.items.append(step(row))
        return stack.result()

    return matches
