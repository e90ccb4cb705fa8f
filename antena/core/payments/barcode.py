"""Code 128 as SVG, for the OXXO reference on the portal and the invoice PDF (the cashier scans it).

A few dozen lines instead of a dependency: digits in pairs (code set C, what OXXO's 14-digit
references use), anything else printable in code set B; the check symbol is the start value plus
each symbol's value times its position, modulo 103. The widths table is ISO/IEC 15417's.
"""

from __future__ import annotations

from html import escape

from antena.core.errors import InvalidInput
from antena.core.i18n import _

# Bar/space widths (in modules) of symbol values 0..105, then the stop symbol.
_TABLE = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 "
    "122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 "
    "321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 112313 132113 132311 "
    "211313 231113 231311 112133 112331 132131 113123 113321 133121 313121 211331 231131 213113 "
    "213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 111422 "
    "121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111 "
    "241112 134111 111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121 "
    "412121 111143 111341 131141 114113 114311 411113 411311 113141 114131 311141 411131 211412 "
    "211214 211232 2331112"
)
_WIDTHS = tuple(_TABLE.split())
START_B, START_C, STOP = 104, 105, 106
QUIET = 10  # modules of white on each side
MAX_TEXT = 48


def symbols(text: str) -> list[int]:
    """The symbol values for ``text``: start, data, check, stop."""
    if not text or len(text) > MAX_TEXT:
        raise InvalidInput(_("A barcode holds 1 to {n} characters.").format(n=MAX_TEXT))
    if text.isascii() and text.isdigit() and len(text) % 2 == 0:
        values = [START_C] + [int(text[i : i + 2]) for i in range(0, len(text), 2)]
    elif all(32 <= ord(ch) <= 127 for ch in text):
        values = [START_B] + [ord(ch) - 32 for ch in text]
    else:
        raise InvalidInput(_("A barcode holds only plain letters, digits and signs."))
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    return [*values, check, STOP]


def modules(text: str) -> list[int]:
    """The run widths, bar first, alternating bar and space (quiet zones not included)."""
    return [int(w) for value in symbols(text) for w in _WIDTHS[value]]


def svg(text: str, *, module: float = 2.0, height: float = 60.0, caption: str | None = None) -> str:
    """An inline ``<svg>`` of ``text`` (black bars on white), with ``caption`` under it if given."""
    runs = modules(text)
    width = (sum(runs) + 2 * QUIET) * module
    text_height = 16.0 if caption else 0.0
    bars = []
    x = QUIET * module
    for i, run in enumerate(runs):
        if i % 2 == 0:
            bars.append(f'<rect x="{x:g}" y="0" width="{run * module:g}" height="{height:g}"/>')
        x += run * module
    label = (
        f'<text x="{width / 2:g}" y="{height + 13:g}" text-anchor="middle" font-family="monospace" '
        f'font-size="13">{escape(caption)}</text>'
        if caption
        else ""
    )
    total = height + text_height
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="barcode" viewBox="0 0 {width:g} {total:g}" '
        f'width="{width:g}" height="{total:g}" role="img" aria-label="{escape(text)}">'
        f'<rect width="100%" height="100%" fill="#fff"/><g fill="#000">{"".join(bars)}</g>{label}</svg>'
    )


def grouped(reference: str, size: int = 4) -> str:
    """``93000262276908`` → ``9300 0262 2769 08``: easier to read out at the counter."""
    return " ".join(reference[i : i + size] for i in range(0, len(reference), size))
