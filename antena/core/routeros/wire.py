"""RouterOS API sentences on our side of the connection: encode them, and read them from the socket.

librouteros logs in for us; after that :class:`RouterConnection` reads replies here. librouteros
reads a reply a word at a time (three awaits and a timeout task per word); a cut-off day reads
30,000 replies, so :class:`SentenceReader` decodes whole buffers instead. Same rules as
librouteros: UTF-8 out (strict), UTF-8 in (undecodable bytes dropped), lengths of 1 to 4 bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from librouteros.exceptions import ConnectionClosed, FatalError, ProtocolError

__all__ = ["SentenceReader", "encode_sentence"]


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    if n < 0x4000:
        return (n | 0x8000).to_bytes(2, "big")
    if n < 0x200000:
        return (n | 0xC00000).to_bytes(3, "big")
    if n < 0x10000000:
        return (n | 0xE0000000).to_bytes(4, "big")
    raise ProtocolError(f"Unable to encode length {n!r}")


def encode_sentence(words: Sequence[str]) -> bytes:
    """The words of one sentence, each length-prefixed, and the empty word that ends it."""
    out = bytearray()
    for word in words:
        raw = word.encode("utf-8", "strict")
        out += _length(len(raw))
        out += raw
    out += b"\x00"
    return bytes(out)


class SentenceReader:
    """Complete sentences from a stream: ``(reply word, other words)``; ``!fatal`` raises."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader
        self._buffer = bytearray()

    def _take(self) -> tuple[str, list[str]] | None:
        """The first complete sentence in the buffer (removed from it), else ``None``."""
        buf = self._buffer
        end = len(buf)
        pos = 0
        words: list[str] = []
        while pos < end:
            first = buf[pos]
            if first < 0x80:
                n, pos = first, pos + 1
            else:
                if first < 0xC0:
                    size, n = 2, first & 0x3F
                elif first < 0xE0:
                    size, n = 3, first & 0x1F
                elif first < 0xF0:
                    size, n = 4, first & 0x0F
                else:
                    raise ProtocolError(f"Unknown controll byte {bytes((first,))!r}")
                if pos + size > end:
                    return None
                for byte in buf[pos + 1 : pos + size]:
                    n = (n << 8) | byte
                pos += size
            if n == 0:
                del buf[:pos]
                if not words:  # an empty sentence: nothing to report, keep reading
                    return self._take()
                return words[0], words[1:]
            if pos + n > end:
                return None
            words.append(buf[pos : pos + n].decode("utf-8", "ignore"))
            pos += n
        return None

    async def read(self, timeout: float | None) -> tuple[str, list[str]]:
        """The next sentence, waiting at most ``timeout`` seconds for it."""
        sentence = self._take()
        if sentence is None:
            async with asyncio.timeout(timeout):
                while sentence is None:
                    data = await self._reader.read(65536)
                    if not data:
                        raise ConnectionClosed("Connection unexpectedly closed.")
                    self._buffer += data
                    sentence = self._take()
        if sentence[0] == "!fatal":
            raise FatalError(sentence[1][0] if sentence[1] else "")
        return sentence
