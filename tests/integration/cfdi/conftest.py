"""Fixtures of the CFDI tests: a SAT-format test CSD (made once per session), the local PAC double,
and an ``App`` whose ``ANTENA_CFDI_*`` settings point at both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from antena.core.bootstrap import App, bootstrap
from antena.core.config import Settings
from antena.doubles.csd import CsdFiles, make_test_csd
from antena.doubles.pac import PacDouble
from tests.integration.cfdi_helpers import with_cfdi


@pytest.fixture(scope="session")
def csd(tmp_path_factory: pytest.TempPathFactory) -> CsdFiles:
    return make_test_csd(tmp_path_factory.mktemp("csd"))


@pytest.fixture
async def pac() -> AsyncIterator[PacDouble]:
    async with PacDouble() as double:
        yield double


@pytest.fixture
async def cfdi_app(settings: Settings, csd: CsdFiles, pac: PacDouble) -> AsyncIterator[App]:
    application = bootstrap(with_cfdi(settings, csd, pac))
    try:
        yield application
    finally:
        await application.aclose()


@pytest.fixture
def threaded_pac() -> Iterator[PacDouble]:
    """The PAC double on its own event loop thread, for sync tests that run the CLI (asyncio.run)."""
    import asyncio
    import threading

    loop = asyncio.new_event_loop()
    double = PacDouble()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    asyncio.run_coroutine_threadsafe(double.start(), loop).result(timeout=30)
    try:
        yield double
    finally:
        asyncio.run_coroutine_threadsafe(double.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
