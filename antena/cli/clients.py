"""``antena clients …``: import, export and (with the RouterOS issue) suspend/activate."""

from __future__ import annotations

import typer

app = typer.Typer(help="Clients: CSV import/export, suspend and activate.", no_args_is_help=True)
