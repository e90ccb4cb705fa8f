"""A gateway that tells a progress listener how many router changes have been tried, so long
runs (a cut-off day, a bulk suspension, an import with --push) show how far they got."""

from __future__ import annotations

from antena.core.progress import Progress
from antena.core.routeros.ops import OpResult, RouterAccess, RouterGateway, RouterOp


class CountingGateway:
    """Wraps another :class:`RouterGateway`; ``total`` 0 means "not known in advance"."""

    def __init__(self, inner: RouterGateway, progress: Progress, total: int = 0) -> None:
        self.inner, self.progress, self.total = inner, progress, total
        self.done = 0

    async def apply(self, router: RouterAccess, ops: list[RouterOp]) -> list[OpResult]:
        try:
            return await self.inner.apply(router, ops)
        finally:
            self.done += len(ops)
            self.progress(self.done, max(self.total, self.done) if self.total else 0)
