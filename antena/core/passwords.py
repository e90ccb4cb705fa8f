"""Service passwords Antena makes up when staff leave one empty: long enough, and read aloud or
copied from a screen without mistaking 0 for O or 1 for l."""

from __future__ import annotations

import secrets

#: Letters and digits without look-alikes (0 O o, 1 l I).
ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 12


def service_password(length: int = LENGTH) -> str:
    """A random password of ``length`` (at least 10) characters from :data:`ALPHABET`."""
    return "".join(secrets.choice(ALPHABET) for _ in range(max(10, length)))
