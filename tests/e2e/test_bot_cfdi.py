"""``/cfdi <invoice>`` in chat: a paid invoice of a client with fiscal data is stamped through the PAC
double and its XML and PDF come back as documents; refusals are answered, never an incident."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from antena.core.cfdi import fiscal
from antena.core.config import Settings
from antena.doubles.csd import make_test_csd
from antena.doubles.pac import PacDouble
from tests.botkit import ADMIN, CASHIER, BotRig
from tests.integration.cfdi_helpers import ACTOR, invoice, pay, with_cfdi
from tests.integration.payment_helpers import client

EN = {"language_code": "en"}


@pytest.fixture
async def pac() -> AsyncIterator[PacDouble]:
    async with PacDouble() as double:
        yield double


@pytest.fixture
def settings(settings: Settings, tmp_path: Path, pac: PacDouble) -> Settings:
    return with_cfdi(settings, make_test_csd(tmp_path / "csd"), pac)


async def test_cfdi_stamps_and_sends_xml_and_pdf(bot: BotRig, isp, pac: PacDouble) -> None:  # type: ignore[no-untyped-def]
    c = await client(bot.app, isp, "Ana Fiscal", "10.0.0.5")
    await bot.app.perform(
        fiscal.set_fiscal,
        ACTOR,
        c.id,
        rfc="XIQB891116QE4",
        name="Ana Fiscal",
        regime="612",
        postal_code="01000",
    )
    unpaid = await invoice(bot.app, c.id)
    reply = await bot.say(CASHIER, f"/cfdi {unpaid}", **EN)
    assert "not paid" in reply["text"]
    number = await invoice(bot.app, c.id)
    await pay(bot.app, number)

    reply = await bot.say(CASHIER, f"/cfdi {number}", timeout=60, **EN)

    assert pac.stamped, reply["text"]
    assert pac.stamped[0]["uuid"] in reply["text"] and "stamped" in reply["text"]
    xml = await bot.telegram.wait_for_message(CASHIER, lambda r: r["kind"] == "document", timeout=30)
    pdf = await bot.telegram.wait_for_message(CASHIER, lambda r: r["kind"] == "document", timeout=60)
    assert xml["filename"].endswith(".xml") and b"TimbreFiscalDigital" in xml["data"]
    assert pdf["filename"].endswith(".pdf") and pdf["data"].startswith(b"%PDF")
    assert len(pac.stamped) == 1
    assert (await bot.say(ADMIN, "/cfdi"))["text"].startswith("Uso: /cfdi")
