"""/lista in chat: a page of a selection with next/previous, bulk suspend/activate behind a signed
confirmation that repeats the count per router and expires; the whole name wins in chat too.
Through the Bot API double, with the RouterOS emulator behind the ISP."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.clients import lifecycle
from antena.core.db.models import Client, ClientStatus
from antena.doubles.telegram import buttons
from tests.botkit import CASHIER, MANAGER, TECH, BotRig
from tests.e2e.test_bot_billing import answered, data_of, labels
from tests.integration.payment_helpers import client, invoice, pin, suspended_ips

EN = {"language_code": "en"}


async def statuses(rig: BotRig) -> dict[str, ClientStatus]:
    async with rig.app.reader() as uow:
        return {name: status for name, status in (await uow.session.execute(select(Client.name, Client.status)))}


async def reply_to_tap(rig: BotRig, user: int, message: dict[str, Any], label: str) -> dict[str, Any]:
    """Tap the button labelled ``label`` and wait for the next new message (not the edit that
    takes the buttons away)."""
    rig.telegram.tap(user, message, data_of(message, label))
    return await rig.telegram.wait_for_message(user, lambda r: r["kind"] == "message", timeout=10)


async def twelve_clients(rig: BotRig, isp: Any) -> None:
    """12 clients on RB-Centro; the first five owe an invoice overdue since 1 June (today is 10 June)."""
    pin(rig.app, dt.date(2026, 6, 10))
    for i in range(12):
        c = await client(rig.app, isp, f"Cliente {i:02d}", f"10.0.1.{i + 10}")
        if i < 5:
            await invoice(rig.app, c.id, dt.date(2026, 6, 1))


async def test_list_pages_through_a_selection(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await twelve_clients(bot, isp)
    first = await bot.say(CASHIER, "/list Centro", **EN)
    assert first["text"].startswith("12 clients (zone Centro), page 1 of 2:")
    assert "Cliente 00" in first["text"] and "Cliente 10" not in first["text"]
    assert labels(first) == ["Next ▶"], "a cashier pages but gets no bulk buttons"
    second = await bot.tap(CASHIER, first, data_of(first, "Next"))
    assert second["text"].startswith("12 clients (zone Centro), page 2 of 2:") and "Cliente 11" in second["text"]
    assert labels(second) == ["◀ Previous"]

    owing = await bot.say(CASHIER, "/lista debe")
    assert owing["text"].startswith("5 clientes (con factura vencida), página 1 de 1:")
    assert "debe $350.00" in owing["text"]
    nobody = await bot.say(CASHIER, "/lista Centro suspendido debe")
    assert nobody["text"] == "Ningún cliente coincide con esta selección (zona Centro, suspendido, con factura vencida)."
    unknown = await bot.say(CASHIER, "/lista Sur")
    assert unknown["text"] == "Zona desconocida: Sur"


async def test_bulk_suspend_confirms_counts_per_router_then_acts_once(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await twelve_clients(bot, isp)
    page = await bot.say(TECH, "/lista Centro debe")
    assert labels(page) == ["Suspender a estos", "Activar a estos"]
    ask = await reply_to_tap(bot, TECH, page, "Suspender a estos")
    assert ask["text"].splitlines()[0] == "Esto suspende 5 clientes: RB-Centro 5"
    assert "Confirme dentro de 10 minutos." in ask["text"]
    assert suspended_ips(isp.emulator) == [], "nothing changes before the confirmation"

    done = await reply_to_tap(bot, TECH, ask, "Sí, suspenderlos")
    assert done["text"].splitlines()[0] == "Esto suspende 5 clientes: RB-Centro 5"
    assert done["text"].splitlines()[1] == "Aplicado en los routers: 5 clientes."
    assert suspended_ips(isp.emulator) == [f"10.0.1.{i + 10}" for i in range(5)]
    now = await statuses(bot)
    assert sorted(n for n, s in now.items() if s is ClientStatus.SUSPENDED) == [f"Cliente {i:02d}" for i in range(5)]

    # a copy of the confirmation with another fingerprint is refused (the signature no longer fits)
    parts = data_of(ask, "Sí, suspenderlos").split(":")
    parts[-3] = "0" * 8
    bot.telegram.forge_tap(TECH, ask["message_id"], ":".join(parts))
    assert "no es válido" in (await answered(bot, "válido"))["text"]


async def test_the_confirmation_expires_and_a_changed_selection_is_shown_again(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await twelve_clients(bot, isp)
    page = await bot.say(MANAGER, "/list debe", **EN)
    ask = await reply_to_tap(bot, MANAGER, page, "Suspend these")
    assert ask["text"].startswith("This suspends 5 clients: RB-Centro 5")

    # someone suspends one of them meanwhile: the old confirmation does not act, it shows the new counts
    async with bot.app.reader() as uow:
        first = (await uow.session.execute(select(Client.id).where(Client.name == "Cliente 00"))).scalar_one()
    await bot.app.perform(lifecycle.suspend, Actor.cli(), [first])
    changed = await reply_to_tap(bot, MANAGER, ask, "Yes, suspend them")
    assert changed["text"].startswith("The selection changed since the preview; nothing was changed. Now:")
    assert "This suspends 4 clients: RB-Centro 4" in changed["text"]
    assert "1 client left as it is (already suspended: 1)" in changed["text"]
    assert len(suspended_ips(isp.emulator)) == 1

    # eleven minutes later the new confirmation has expired: nothing happens
    pin(bot.app, dt.date(2026, 6, 10), hour=13)
    bot.telegram.tap(MANAGER, changed, data_of(changed, "Yes, suspend them"))
    assert "expired" in (await answered(bot, "expired"))["text"]
    assert len(suspended_ips(isp.emulator)) == 1


async def test_bulk_activate_and_no_changes_nothing(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await twelve_clients(bot, isp)
    async with bot.app.reader() as uow:
        ids = list((await uow.session.execute(select(Client.id).order_by(Client.id).limit(3))).scalars())
    await bot.app.perform(lifecycle.suspend, Actor.cli(), ids)
    page = await bot.say(TECH, "/list suspended", **EN)
    assert page["text"].startswith("3 clients (suspended), page 1 of 1:")
    assert labels(page) == ["Activate these"]
    ask = await reply_to_tap(bot, TECH, page, "Activate these")
    no = await reply_to_tap(bot, TECH, ask, "No")
    assert no["text"] == "Nothing was changed." and len(suspended_ips(isp.emulator)) == 3
    ask = await reply_to_tap(bot, TECH, page, "Activate these")
    assert ask["text"].startswith("This activates 3 clients: RB-Centro 3")
    await reply_to_tap(bot, TECH, ask, "Yes, activate them")
    assert suspended_ips(isp.emulator) == []


async def test_a_cashier_cannot_use_a_forged_bulk_button(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await twelve_clients(bot, isp)
    tech_page = await bot.say(TECH, "/lista debe")
    cashier_page = await bot.say(CASHIER, "/lista debe")
    assert not any("Suspender" in label for label in labels(cashier_page))
    bot.telegram.forge_tap(CASHIER, cashier_page["message_id"], data_of(tech_page, "Suspender a estos"))
    assert "Su rol no permite" in (await answered(bot, "rol"))["text"]
    assert suspended_ips(isp.emulator) == []


async def test_whole_name_wins_over_prefixes_in_chat(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await client(bot.app, isp, "Juan Pérez", "10.0.0.5")
    await client(bot.app, isp, "Juana Pérez", "10.0.0.6")
    reply = await bot.say(TECH, "/suspender juan perez")
    assert reply["text"].startswith("Juan Pérez:") and not buttons(reply)[0][0][0].startswith("Juana")
    assert suspended_ips(isp.emulator) == ["10.0.0.5"]
    reply = await bot.say(TECH, "/suspender JUANA PEREZ")
    assert reply["text"].startswith("Juana Pérez:")
    assert suspended_ips(isp.emulator) == ["10.0.0.5", "10.0.0.6"]


async def test_list_refuses_what_it_cannot_read(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    reply = await bot.say(CASHIER, "/lista " + "x" * 300)
    assert "demasiado largo" in reply["text"]
    reply = await bot.say(CASHIER, "/lista")
    assert reply["text"] == "Ningún cliente coincide con esta selección (todos los clientes)."
