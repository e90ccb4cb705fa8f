"""An emulator's tables saved and put back (the demo's snapshot): rows, ids and the next id of
every menu, so a restored router answers exactly as the one the snapshot was taken from."""

from __future__ import annotations

from typing import Any

from antena.core.routeros.emulator import RouterEmulator


def dump(emulator: RouterEmulator) -> dict[str, Any]:
    """Every menu's rows (copies), unique keys and next id."""
    return {
        path: {
            "rows": {k: dict(v) for k, v in t._rows.items()},
            "unique": dict(t._unique),
            "next": t._next_id,
        }
        for path, t in emulator._tables.items()
    }


def load(emulator: RouterEmulator, state: dict[str, Any]) -> None:
    """Put ``state`` (from :func:`dump`) into ``emulator``'s menus of the same paths."""
    for path, saved in state.items():
        table = emulator._tables.get(path)
        if table is None:
            continue
        table._rows = {k: dict(v) for k, v in saved["rows"].items()}
        table._unique = dict(saved["unique"])
        table._next_id = saved["next"]
