"""Live tokens stay out of logs: an auto-login link (``…/a/<token>``, six months of access to a
customer's portal) and a Telegram link (``t.me/<bot>?start=<token>``) are logged as ``…/a/***``
and ``…?start=***``, so a log line still shows which link a message carried, not the key."""

from __future__ import annotations

import re

_AUTOLOGIN = re.compile(r"(/a/)[^\s/?#\"'<>]*[^\s/?#\"'<>.,;:!)]")  # a sentence's full stop stays
_START = re.compile(r"([?&]start=)[^\s&#\"'<>]+")
MASK = "***"


def mask_tokens(text: str) -> str:
    """``text`` with every auto-login and Telegram-link token replaced by ``***``."""
    return _START.sub(rf"\g<1>{MASK}", _AUTOLOGIN.sub(rf"\g<1>{MASK}", text))
