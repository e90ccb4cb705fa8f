"""``antena billing run``, ``invoices list``, ``invoice pdf`` (filled in by the billing work)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``antena`` app."""
