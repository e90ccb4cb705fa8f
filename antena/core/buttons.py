"""Signed inline-button payloads, in the exact format of aiogram's ``CallbackData``.

Telegram hands ``callback_data`` back verbatim, so anyone with a modified client could send any
string: each payload carries a short HMAC of its fields made with the instance's secret key. The
bot (``antena.bot.callbacks``) and core's staff messages (which the worker sends without the bot,
e.g. a payment report's Confirm / Reject) sign through these same functions.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from enum import Enum
from typing import Any

SIG_LEN = 10
MAX_PAYLOAD = 64  # bytes: Telegram's limit for callback_data


def digest(secret: str, prefix: str, fields: Mapping[str, Any]) -> str:
    """The HMAC over the prefix and the fields (sorted by name, Python ``str`` of each value)."""
    text = prefix + ":" + ":".join(f"{k}={fields[k]}" for k in sorted(fields))
    return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()[:SIG_LEN]


def _encode(value: Any) -> str:
    """As aiogram packs a field: bools as 1/0, enums by value, None as empty."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def signed_payload(secret: str, prefix: str, fields: Mapping[str, Any]) -> str:
    """``prefix:value:…:sig`` with the fields in declaration order, as ``CallbackData.pack``."""
    parts = [prefix, *(_encode(v) for v in fields.values()), digest(secret, prefix, fields)]
    packed = ":".join(parts)
    if len(packed.encode()) > MAX_PAYLOAD:
        raise ValueError("callback payload too long")
    return packed
