"""Every staff command typed bare, with nonsense and with a huge text: a clear answer (never an
incident apology) and nothing changed."""

from __future__ import annotations

from sqlalchemy import func, select

from antena.bot.commands import STAFF
from antena.core.audit import Actor
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.billing_models import Invoice, Payment, PaymentPromise
from antena.core.db.models import Client, ClientStatus
from antena.core.db.router_tasks import RouterTask
from tests.botkit import ADMIN, BotRig

INCIDENT = "incidente"


async def _counts(rig: BotRig) -> tuple[int, ...]:
    async with rig.app.uow() as uow:
        out = []
        for model in (RouterTask, Payment, Invoice, PaymentPromise, Client):
            out.append(int((await uow.session.execute(select(func.count()).select_from(model))).scalar_one()))
        statuses = (await uow.session.execute(select(Client.status))).scalars().all()
        return (*out, sum(1 for s in statuses if s is ClientStatus.ACTIVE))


async def test_every_command_bare_nonsense_and_huge(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await bot.app.perform(edits.add_client, Actor.cli(),
        ClientData(name="Juan Pérez", zone="Centro", router="RB-Centro", plan="PCQ 15M", ip="10.0.0.5"),
    )
    before = await _counts(bot)
    for command in STAFF:
        name = command.names[0]
        bare = await bot.say(ADMIN, f"/{name}")
        assert INCIDENT not in bare["text"], (name, bare["text"])
        if name not in (
            "ayuda", "tareas", "reporte", "recordatorio", "reintentar", "instalaciones", "tickets", "online",
            "routers", "personal", "lista",
        ):  # fmt: skip
            assert "Uso:" in bare["text"] or "configurad" in bare["text"], (name, bare["text"])
        for args in ("%%% ¿¿ 0 -5 9999999999 2020-02-30", "x" * 5000):
            reply = await bot.say(ADMIN, f"/{name} {args}")
            assert INCIDENT not in reply["text"], (name, args[:20], reply["text"])
            assert reply["text"].strip()
    assert await _counts(bot) == before


async def test_unknown_invoice_negative_amount_and_past_promise(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    from antena.core.billing.invoices import issue_now

    client, _ = await bot.app.perform(edits.add_client, Actor.cli(),
        ClientData(name="Juan Pérez", zone="Centro", router="RB-Centro", plan="PCQ 15M", ip="10.0.0.5"),
    )
    invoice = await bot.app.perform(issue_now, Actor.cli(), client.id)
    before = await _counts(bot)
    assert "999" in (await bot.say(ADMIN, "/factura 999"))["text"]
    assert "999" in (await bot.say(ADMIN, "/pago 999"))["text"]
    assert "mayor que cero" in (await bot.say(ADMIN, f"/pago {invoice.number} -50"))["text"]
    assert "pasada" in (await bot.say(ADMIN, "/promesa juan 2020-01-01"))["text"]
    assert await _counts(bot) == before
