"""How long work tells its caller how far it got, without knowing who listens (a terminal bar in
the CLI, nothing elsewhere): a plain callback ``progress(done, total)``."""

from __future__ import annotations

from collections.abc import Callable

#: ``progress(done, total)``: ``done`` of ``total`` steps are finished (called with 0 first).
Progress = Callable[[int, int], None]


def no_progress(done: int, total: int) -> None:
    """The default listener: nobody is watching."""


class Steps:
    """Counts steps for a listener, telling it at most every ``every`` steps (and at the end)."""

    def __init__(self, progress: Progress, total: int, *, every: int = 1) -> None:
        self.progress, self.total, self.every = progress, total, max(1, every)
        self.done = 0
        progress(0, total)

    def advance(self, n: int = 1) -> None:
        before = self.done
        self.done = min(self.total, self.done + n)
        if self.done // self.every != before // self.every or self.done == self.total:
            self.progress(self.done, self.total)
