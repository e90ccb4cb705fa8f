"""How every CLI command runs: one event loop, one ``App``, user errors as one line on stderr.

Cheap to import (``antena --help`` loads it): settings, the database layer and the adapters are
imported when a command runs, not when the command tree is built."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

from antena.core.errors import CoreError
from antena.core.i18n import _, set_language

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.config import Settings

T = TypeVar("T")


# twilio.http_client logs every request (URL with the account SID, headers) at INFO.
NOISY_LOGGERS = ("alembic", "aiogram.event", "httpx", "weasyprint", "fontTools", "twilio.http_client")


def setup_logging(filename: Path | None = None) -> None:
    """INFO logs for the long-running commands, without the libraries' chatter (WeasyPrint alone
    writes a line per unknown SVG property of every chart it renders)."""
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        filename=filename,
        force=filename is not None,
    )
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"antena: {message}", err=True)
    raise typer.Exit(code)


def load_settings() -> Settings:
    from pydantic import ValidationError

    from antena.core.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        locale = os.environ.get("ANTENA_LOCALE", "").strip().lower()
        if locale in ("es", "en"):  # the settings failed, but the language may still be readable
            set_language(locale)
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        fail(
            _("invalid setting ANTENA_{name}: {msg}").format(
                name=where.upper(), msg=str(first.get("msg", "")).removeprefix("Value error, ")
            )
        )
    set_language(settings.locale)
    return settings


def run(work: Callable[[App], Awaitable[T]], *, needs_schema: bool = True) -> T:
    """Run ``work`` with a fresh ``App``; translate user errors into exit codes."""
    settings = load_settings()
    import asyncio

    from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

    from antena.core.bootstrap import bootstrap

    async def _main() -> T:
        app = bootstrap(settings)
        try:
            if needs_schema:
                await _check_schema(app)
            return await work(app)
        finally:
            await app.aclose()

    try:
        return asyncio.run(_main())
    except CoreError as exc:
        fail(str(exc), exc.exit_code)
    except (OperationalError, ProgrammingError) as exc:
        fail(_("database error: {msg}").format(msg=_first_line(exc)))
    except DBAPIError as exc:
        fail(_("database error: {msg}").format(msg=_first_line(exc)))
    except OSError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        typer.echo("", err=True)
        sys.exit(130)


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


async def _check_schema(app: App) -> None:
    from sqlalchemy.exc import DBAPIError, OperationalError

    from antena.core.db.migrate import current_revision

    try:
        revision = await current_revision(app.db)
    except (OperationalError, DBAPIError, OSError) as exc:
        raise CoreError(_("cannot open the database: {msg}").format(msg=_first_line(exc))) from exc
    if revision is None:
        raise CoreError(_("the database has no schema yet: run `antena db upgrade`"))
