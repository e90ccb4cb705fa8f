"""/reporte in chat and ``antena report daily``: the day's summary as text plus its PDF."""

from __future__ import annotations

from antena.core.audit import Actor
from antena.core.clients import edits, lifecycle
from antena.core.clients.records import ClientData
from tests.botkit import CASHIER, MANAGER, BotRig


async def test_manager_gets_the_report_and_its_pdf(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client, _ = await bot.app.perform(edits.add_client, Actor.cli(),
        ClientData(name="Juan Pérez", zone="Centro", router="RB-Centro", plan="PCQ 15M", ip="10.0.0.5"),
    )
    await bot.app.perform(lifecycle.suspend, Actor.cli(), [client.id])
    today = bot.app.clock.today().isoformat()
    reply = await bot.say(MANAGER, f"/reporte {today}")
    assert "RB-Centro" in reply["text"] and "1" in reply["text"]
    pdf = await bot.telegram.wait_for_message(MANAGER, lambda r: r["kind"] == "document", timeout=20)
    assert pdf["data"].startswith(b"%PDF")


async def test_cashier_may_not_and_a_bad_date_gets_the_usage(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    assert "Su rol no permite" in (await bot.say(CASHIER, "/reporte"))["text"]
    assert "/reporte" in (await bot.say(MANAGER, "/reporte ayer-no"))["text"]
