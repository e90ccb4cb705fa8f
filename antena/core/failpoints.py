"""Crash-test failpoints (``ANTENA_FAILPOINT``): the process dies at a named point, as ``kill -9`` would.

Only the points of the contract exist: ``payment.committed`` (a payment's transaction committed,
no router or message I/O yet), ``router.applied`` (a router answered a batch; nothing recorded),
``message.sent`` (a provider accepted one message; not recorded). Tests start a real process with
one of them set and check that ``antena run`` converges afterwards.
"""

from __future__ import annotations

import logging
import os
import sys

POINTS = frozenset({"payment.committed", "router.applied", "message.sent"})
EXIT_STATUS = 137  # what a shell reports for a process killed by SIGKILL


def reach(name: str) -> None:
    """Exit at once (no cleanup, no flush of anything pending) when ``name`` is the armed point.

    Read from the environment on every call: it costs a dict lookup, and a test may arm it for
    one process without rebuilding settings.
    """
    if os.environ.get("ANTENA_FAILPOINT", "").strip() != name:
        return
    logging.getLogger(__name__).critical("failpoint %s reached: exiting with %s", name, EXIT_STATUS)
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stderr.write(f"antena: failpoint {name} reached\n")
    sys.stderr.flush()
    os._exit(EXIT_STATUS)
