"""SMS length: GSM-7 or UCS-2, how many segments, and folding accents to stay in GSM-7.

GSM 03.38's basic set holds é, ñ, ¿, ¡, à, ü (and É, Ñ) but not á, í, ó, ú: one of those turns
the whole message into UCS-2, 70 characters a segment instead of 160. The extension table (``€``,
``[``, ``{``…) costs two septets each. A multi-part message loses room to its header: 153 GSM-7
septets or 67 UCS-2 characters per segment.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from antena.core.i18n import _

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
_GSM7 = GSM7_BASIC | GSM7_EXTENSION

SINGLE = {"GSM-7": 160, "UCS-2": 70}
MULTI = {"GSM-7": 153, "UCS-2": 67}
MANUAL_LIMIT = 164  # the manual's "no te pases más de 164 caracteres"

# Characters outside GSM-7 that have a plain look-alike inside it.
_PUNCTUATION = {
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u2022": "-",
    "\t": " ",
}


def is_gsm7(text: str) -> bool:
    return _GSM7.issuperset(text)


@dataclass(frozen=True)
class SmsInfo:
    encoding: str  # "GSM-7" | "UCS-2"
    characters: int  # what a person counts
    units: int  # septets (GSM-7, extension chars count 2) or UTF-16 code units (UCS-2)
    segments: int

    @property
    def per_segment(self) -> int:
        return SINGLE[self.encoding] if self.segments <= 1 else MULTI[self.encoding]


def analyze(text: str) -> SmsInfo:
    """Encoding and segment count of ``text`` as a phone network sends it."""
    if is_gsm7(text):
        encoding = "GSM-7"
        units = len(text)
        if not GSM7_EXTENSION.isdisjoint(text):  # those cost two septets
            units += sum(text.count(ch) for ch in GSM7_EXTENSION)
    else:
        encoding = "UCS-2"
        units = len(text.encode("utf-16-le")) // 2
    segments = (1 if units else 0) if units <= SINGLE[encoding] else -(-units // MULTI[encoding])
    return SmsInfo(encoding, len(text), units, segments)


def fold(text: str) -> str:
    """Replace only characters outside GSM-7 by their closest GSM-7 form (á→a, ó→o, “→")."""
    out: list[str] = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
            continue
        if ch in _PUNCTUATION:
            out.append(_PUNCTUATION[ch])
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if base and is_gsm7(base):
            out.append(base)
        else:
            out.append(ch)  # no GSM-7 form (emoji, CJK): the message stays UCS-2
    return "".join(out)


def warnings(text: str, info: SmsInfo | None = None) -> list[str]:
    """What staff should hear about a rendered message: more than one segment, over 164 characters
    (``info``: ``analyze(text)`` when the caller already has it)."""
    info = info or analyze(text)
    found: list[str] = []
    if info.segments > 1:
        found.append(
            _("{n} SMS segments ({encoding}, {units} of {limit} per single message)").format(
                n=info.segments, encoding=info.encoding, units=info.units, limit=SINGLE[info.encoding]
            )
        )
    if info.characters > MANUAL_LIMIT:
        found.append(_("{n} characters, more than {limit}").format(n=info.characters, limit=MANUAL_LIMIT))
    return found
