"""A few settings read as ``Settings`` would read them, without loading pydantic (a fifth of a
second): for the read-only commands that must answer at once (``antena tasks list``).

Same sources and order as ``antena.core.config.Settings``: the environment (``ANTENA_`` prefix, any
case, empty means unset), then ``.env`` in the working directory, then the default. Whoever reads
them here validates what it uses and falls back to the full settings when in doubt, so a bad
value is still reported by the same message."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PREFIX = "antena_"
DEFAULTS = {  # the same defaults as antena.core.config.Settings
    "database_url": "sqlite+aiosqlite:///antena.db",
    "timezone": "America/Mexico_City",
    "locale": "es",
}


def _lowered(values: Mapping[str, str | None]) -> dict[str, str]:
    """``ANTENA_*`` names in lower case without the prefix; blank values dropped."""
    found: dict[str, str] = {}
    for key, value in values.items():
        name = key.lower()
        if name.startswith(PREFIX) and value is not None and value.strip():
            found[name.removeprefix(PREFIX)] = value
    return found


def quick_settings(names: tuple[str, ...], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The raw values of ``names`` (keys of ``DEFAULTS``), unvalidated."""
    from_env = _lowered(os.environ if environ is None else environ)
    missing = [n for n in names if n not in from_env]
    from_file: dict[str, str] = {}
    if missing and Path(".env").is_file():
        from dotenv import dotenv_values

        from_file = _lowered(dotenv_values(".env", encoding="utf-8"))
    return {n: from_env.get(n) or from_file.get(n) or DEFAULTS[n] for n in names}
