"""The RouterOS API wire format: length-prefixed words grouped in sentences.

The codec half of :mod:`antena.core.routeros.emulator`, kept apart from the server so the
format can be read (and tested) on its own.
"""

from __future__ import annotations

from collections.abc import Sequence


class ProtocolError(Exception):
    """The peer sent bytes that are not a valid RouterOS API word."""


def encode_length(length: int) -> bytes:
    """RouterOS word-length prefix: 1 to 5 bytes, big endian, high bits mark the size."""
    if length < 0x80:
        return bytes((length,))
    if length < 0x4000:
        return (length | 0x8000).to_bytes(2, "big")
    if length < 0x200000:
        return (length | 0xC00000).to_bytes(3, "big")
    if length < 0x10000000:
        return (length | 0xE0000000).to_bytes(4, "big")
    if length < 0x100000000:
        return b"\xf0" + length.to_bytes(4, "big")
    raise ProtocolError(f"word too long: {length} bytes")


def decode_length(data: bytes | bytearray, pos: int) -> tuple[int, int] | None:
    """Decode the length prefix at ``pos``: ``(length, position after prefix)``, or ``None``
    when ``data`` does not hold the whole prefix yet."""
    if pos >= len(data):
        return None
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    if first < 0xC0:
        size, value = 2, first & 0x3F
    elif first < 0xE0:
        size, value = 3, first & 0x1F
    elif first < 0xF0:
        size, value = 4, first & 0x0F
    elif first == 0xF0:
        size, value = 5, 0
    else:
        raise ProtocolError(f"reserved control byte 0x{first:02X}")
    if pos + size > len(data):
        return None
    for byte in data[pos + 1 : pos + size]:
        value = (value << 8) | byte
    return value, pos + size


def encode_word(word: str) -> bytes:
    # surrogateescape gives back exactly the bytes a client sent, whatever its encoding
    raw = word.encode("utf-8", "surrogateescape")
    return encode_length(len(raw)) + raw


def encode_sentence(words: Sequence[str]) -> bytes:
    return b"".join(encode_word(word) for word in words) + b"\x00"


class SentenceDecoder:
    """Incremental decoder: feed it received bytes, get back every complete sentence."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._words: list[str] = []

    def feed(self, data: bytes) -> list[list[str]]:
        buffer = self._buffer
        buffer += data
        sentences: list[list[str]] = []
        pos, end = 0, len(buffer)
        while pos < end:
            decoded = decode_length(buffer, pos)
            if decoded is None:
                break
            length, start = decoded
            if start + length > end:
                break
            if length == 0:
                sentences.append(self._words)
                self._words = []
            else:
                raw = bytes(buffer[start : start + length])
                self._words.append(raw.decode("utf-8", "surrogateescape"))
            pos = start + length
        del buffer[:pos]
        return sentences


# -- the emulator ----------------------------------------------------------------------------
