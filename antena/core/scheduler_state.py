"""Whether this process's calendar is at work: what the reconciler waits for (``worker``).

A module of its own so that the worker asks without importing the scheduler and the billing
behind it.
"""

from __future__ import annotations

from antena.core.bootstrap import App

#: ``app.extras`` key: True from the moment the calendar starts in this process until its pass
#: (at start: the day it missed, with its cut-off) is over, and again during each later pass.
CALENDAR_BUSY = "calendar_busy"


def calendar_busy(app: App) -> bool:
    """This process's calendar is running (or about to run) a pass."""
    return bool(app.extras.get(CALENDAR_BUSY))
