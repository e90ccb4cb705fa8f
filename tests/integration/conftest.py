"""Fixtures of the RouterOS tests: an emulator over TCP (admin / s3cret), the access to reach it and
an open connection. A test module may still define its own fixture of the same name."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from antena.core.routeros.client import RouterConnection
from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.ops import RouterAccess


@pytest.fixture
async def emu() -> AsyncIterator[RouterEmulator]:
    async with RouterEmulator(password="s3cret") as router:
        yield router


@pytest.fixture
def access(emu: RouterEmulator) -> RouterAccess:
    assert emu.port is not None
    return RouterAccess(1, "core", "127.0.0.1", emu.port, "admin", "s3cret", timeout=5)


@pytest.fixture
async def conn(access: RouterAccess) -> AsyncIterator[RouterConnection]:
    async with await RouterConnection.open(access) as connection:
        yield connection
