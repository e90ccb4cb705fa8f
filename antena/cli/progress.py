"""Progress bars for long commands: rich (Typer's own dependency) draws them on standard error
when it is a terminal; piped or redirected, the command stays quiet. The core only calls a
``progress(done, total)`` callback (``antena.core.progress``)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from antena.core.i18n import _
from antena.core.progress import Progress, no_progress

if TYPE_CHECKING:
    from antena.core.bootstrap import App


def on_terminal() -> bool:
    return sys.stderr.isatty()


@contextlib.contextmanager
def progress_bar(label: str, **values: object) -> Iterator[Progress]:
    """A callback that moves a bar labelled ``label`` (a msgid, formatted with ``values``; total 0:
    not known yet, the bar pulses). The label is translated when the bar first shows, once the
    command has read ``ANTENA_LOCALE``."""
    if not on_terminal():
        yield no_progress
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=sys.stderr)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    bar = Progress(*columns, console=console, transient=False)
    task = bar.add_task("", total=None)
    started = False

    def update(done: int, total: int) -> None:
        nonlocal started
        if not started:  # drawn from the first report on: a preview or a question comes first
            bar.update(task, description=_(label).format(**values))
            bar.start()
            started = True
        bar.update(task, completed=done, total=total or None)

    try:
        yield update
    finally:
        if started:
            bar.stop()


def count_router_changes(app: App, progress: Progress, total: int = 0) -> None:
    """Report every router change this command tries to ``progress`` (cut-off, bulk, --push)."""
    if progress is no_progress:
        return
    from antena.core.routeros.counting import CountingGateway

    app.router_gateway = CountingGateway(app.gateway, progress, total)
