"""CSV cells a spreadsheet will not run: a cell that would start a formula is written with a
leading ``'`` (the contract's "CSV export" rule), and reading our own files takes that one ``'``
off again, so export → import gives back exactly what was stored.

Formula starts: ``=``, ``@``, a tab, a carriage return, and ``+``/``-`` unless the whole cell is a
number or a phone number (digits, spaces, ``-``, ``.``, ``(``, ``)``: ``+52 55 1234 5678``, ``-5``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

_ALWAYS = frozenset("=@\t\r")
_SIGNED_SAFE = re.compile(r"[+-][0-9 \-.()]*[0-9][0-9 \-.()]*")
QUOTE = "'"


def starts_formula(cell: str) -> bool:
    """Whether a spreadsheet would read ``cell`` as a formula."""
    if not cell:
        return False
    if cell[0] in _ALWAYS:
        return True
    return cell[0] in "+-" and _SIGNED_SAFE.fullmatch(cell) is None


def _escaped(cell: str) -> bool:
    """``'`` + something that starts a formula, after any number of ``'``: what :func:`neutralise`
    writes. A cell that merely begins with ``'`` (an O'Brien written 'Brien) is left alone."""
    rest = cell.lstrip(QUOTE)
    return len(rest) < len(cell) and starts_formula(rest)


def neutralise(cell: str) -> str:
    """The cell as written to a CSV file (one ``'`` more when it would start a formula)."""
    return QUOTE + cell if starts_formula(cell) or _escaped(cell) else cell


def restore(cell: str) -> str:
    """The cell as it was before :func:`neutralise` (one ``'`` less when it added one)."""
    return cell[1:] if _escaped(cell) else cell


def _safe(value: Any) -> Any:
    return neutralise(value) if isinstance(value, str) else value


class SafeWriter:
    """``csv.writer`` whose text cells are neutralised (numbers and dates pass as they are)."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, lineterminator="\n", **options)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([_safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """``csv.DictWriter`` whose text cells are neutralised."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({k: _safe(v) for k, v in rowdict.items()})


def writer(out: TextIO) -> SafeWriter:
    """Where every CSV the product writes goes through."""
    return SafeWriter(out)
