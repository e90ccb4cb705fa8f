"""Words in the chat, through the Bot API double against the RouterOS emulator: what a router did
is rendered from its codes in the reader's language (the reply and /tareas), counts agree with
their nouns ("1 tarea", "2 clientes"), roles are Spanish words in and out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from antena.core import links
from antena.core.audit import Actor
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.models import StaffUser
from antena.core.db.router_tasks import RouterTask
from antena.core.wifi_change import set_cpe
from antena.doubles.onu import OnuDouble
from tests.botkit import ADMIN, TECH, BotRig

CUSTOMER = 7101


async def add(rig: BotRig, name: str, ip: str) -> int:
    client, _ = await rig.app.perform(
        edits.add_client,
        Actor.cli(),
        ClientData(name=name, zone="Centro", router="RB-Centro", plan="PCQ 15M", ip=ip),
    )
    return client.id


async def test_router_outcomes_are_spanish_in_the_reply_and_in_tareas(bot: BotRig, isp: Any) -> None:
    juan = await add(bot, "Juan Pérez", "10.0.0.5")
    applied = await bot.say(TECH, "/suspender juan")
    assert "aplicado en RB-Centro (10.0.0.5 → morosos)" in applied["text"], applied["text"]
    back = await bot.say(TECH, "/activar juan")
    assert "aplicado en RB-Centro (10.0.0.5 quitada de morosos)" in back["text"], back["text"]

    isp.emulator.unreachable = True
    queued = await bot.say(TECH, "/suspender juan")
    assert "inalcanzable (el router cerró la conexión), se reintentará" in queued["text"], queued["text"]
    listing = (await bot.say(TECH, "/tareas"))["text"]
    assert f"suspender · cliente #{juan} · en espera (1) · el router cerró la conexión" in listing, listing
    assert "connection" not in listing and "suspend ·" not in listing
    english = (await bot.say(TECH, "/tasks", language_code="en"))["text"]
    assert f"suspend · client #{juan} · waiting (1) · connection closed by the router" in english, english

    # a row written before notes existed still shows its (English) words as they were
    async with bot.app.uow() as uow:
        await uow.session.execute(update(RouterTask).values(last_error="timeout after 10 s"))
        await uow.commit()
    assert "timeout after 10 s" in (await bot.say(TECH, "/tareas"))["text"]

    isp.emulator.unreachable = False
    done = await bot.say(TECH, "/reintentar all")
    assert "1 tarea de nuevo en cola; 1 aplicada ahora." in done["text"], done["text"]


async def test_counts_agree_with_their_nouns(bot: BotRig, isp: Any) -> None:
    await add(bot, "Juan Pérez", "10.0.0.5")
    one = await bot.say(TECH, "/buscar juan")
    assert one["text"] == "1 cliente encontrado:", one["text"]
    await add(bot, "Juana Pérez", "10.0.0.6")
    two = await bot.say(TECH, "/buscar perez")
    assert two["text"] == "2 clientes encontrados:", two["text"]
    english = await bot.say(TECH, "/search perez", language_code="en")
    assert english["text"] == "2 clients found:", english["text"]


async def test_roles_are_spanish_words_in_and_out(bot: BotRig, isp: Any) -> None:
    added = await bot.say(ADMIN, "/personal agregar 7777 cajera Ana Pérez")
    assert added["text"] == "Ana Pérez ahora tiene acceso como cajero.", added["text"]
    changed = await bot.say(ADMIN, "/personal rol 7777 técnico")
    assert changed["text"] == "Ana Pérez ahora es técnico.", changed["text"]
    english = await bot.say(ADMIN, "/staff role 7777 gerente", language_code="en")
    assert english["text"] == "Ana Pérez is now manager.", english["text"]
    refused = await bot.say(ADMIN, "/personal rol 7777 jefe")
    assert "Rol desconocido jefe: use admin, gerente, cajero o tecnico" in refused["text"], refused["text"]
    listing = (await bot.say(ADMIN, "/personal"))["text"]
    assert "Ana Pérez · gerente · 7777" in listing and "manager" not in listing, listing
    async with bot.app.reader() as uow:
        role = (await uow.session.execute(select(StaffUser.role).where(StaffUser.telegram_id == 7777))).scalar()
    assert role is not None and role.value == "manager"  # stored as the code, shown as a word


async def test_a_customer_gets_wifi_only_with_a_device_and_the_setting_on(bot: BotRig, isp: Any) -> None:
    juan = await add(bot, "Juan Pérez", "10.0.0.5")
    await bot.say(CUSTOMER, "/start " + links.telegram_link_token(bot.app, juan))
    refused = await bot.say(CUSTOMER, "/wifi Casa secreto123")
    assert "Cambiar el Wi-Fi desde aquí no está disponible para su servicio" in refused["text"], refused["text"]
    assert "/wifi" not in (await bot.say(CUSTOMER, "/ayuda"))["text"]
    async with OnuDouble() as onu:
        await set_cpe(bot.app, Actor.cli(), juan, kind="onu", host="127.0.0.1", port=onu.port)
        assert "/wifi" in (await bot.say(CUSTOMER, "/ayuda"))["text"]
        done = await bot.say(CUSTOMER, "/wifi Casa Juan secreto123")
        assert done["text"].startswith("Listo: su red Wi-Fi ahora es “Casa Juan”"), done["text"]
        onu.fail_with = 500
        failed = await bot.say(CUSTOMER, "/wifi Casa Juan secreto456")
        assert "Su módem no aceptó el cambio" in failed["text"] and "127.0.0.1" not in failed["text"]
        bot.app.settings = bot.app.settings.model_copy(update={"portal_wifi": False})  # ANTENA_PORTAL_WIFI=off
        assert "/wifi" not in (await bot.say(CUSTOMER, "/ayuda"))["text"]
        off = await bot.say(CUSTOMER, "/wifi Casa secreto123")
        assert "no está disponible" in off["text"] and len(onu.received) == 1
