"""Staff run the router queue and end clients' service from Telegram: /tareas, /reintentar,
/cancelar, /eliminar, and the commands whose features are not configured yet."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.models import Client, ClientStatus, Service
from antena.doubles.telegram import buttons
from tests.botkit import ADMIN, CASHIER, MANAGER, TECH, BotRig

ML = "/ip/firewall/address-list"


async def add(rig: BotRig, name: str, ip: str) -> int:
    client, _ = await rig.app.perform(edits.add_client, Actor.cli(), ClientData(name=name, zone="Centro", router="RB-Centro", plan="PCQ 15M", ip=ip)
    )
    return client.id


def rows_of(emu, client_id: int) -> list[dict]:  # type: ignore[no-untyped-def]
    return [r for r in emu.rows(ML) if r.get("comment") == f"antena:{client_id}"]


async def press(rig: BotRig, user: int, message: dict, label: str) -> dict:  # type: ignore[type-arg]
    """Tap a button and return the bot's next new message (skipping the edit that drops the buttons)."""
    rig.telegram.tap_button(user, message, label)
    return await rig.telegram.wait_for_message(user, lambda r: r["kind"] == "message", timeout=10)


async def client_of(rig: BotRig, client_id: int) -> Client | None:
    async with rig.app.uow() as uow:
        return await uow.session.get(Client, client_id)


async def test_tasks_lists_a_queued_change_and_retry_all_applies_it(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await add(bot, "Juan Pérez", "10.0.0.5")
    isp.emulator.unreachable = True
    queued = await bot.say(TECH, "/suspender juan")
    assert "/tareas" in queued["text"]
    listing = await bot.say(TECH, "/tasks", language_code="en")
    assert "RB-Centro:" in listing["text"] and "waiting" in listing["text"] and "suspend" in listing["text"]
    isp.emulator.unreachable = False
    done = await bot.say(TECH, "/reintentar all", language_code="en")
    assert "1 applied now" in done["text"], done["text"]
    assert [r["address"] for r in isp.emulator.rows(ML) if r["list"] == "morosos"] == ["10.0.0.5"]
    empty = await bot.say(TECH, "/tareas", language_code="en")
    assert "No router tasks" in empty["text"]


async def test_retry_needs_an_argument_and_a_number(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    reply = await bot.say(TECH, "/reintentar")
    assert reply["text"].startswith("Uso: /reintentar")
    reply = await bot.say(TECH, "/retry " + "x" * 5000, language_code="en")
    assert "Invalid task number" in reply["text"]
    reply = await bot.say(CASHIER, "/tareas")
    assert "Su rol no permite" in reply["text"]


async def test_cancel_release_removes_the_service_and_maps_the_ip(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    assert rows_of(isp.emulator, client_id)
    ask = await bot.say(MANAGER, "/cancel juan", language_code="en")
    labels = [b[0] for row in buttons(ask) for b in row]
    assert "Cancel only (status)" in labels and "Release the IP and remove it from the router" in labels
    toggled = await bot.tap_text(MANAGER, ask, "☐ Also cancel pending invoices")
    assert "☑ Also cancel pending invoices" in [b[0] for row in buttons(toggled) for b in row]
    done = await press(bot, MANAGER, ask, "Release the IP and remove it from the router")
    assert "Juan Pérez" in done["text"] and "applied on RB-Centro" in done["text"], done["text"]
    assert "invoices were cancelled" in done["text"]
    assert rows_of(isp.emulator, client_id) == []
    async with bot.app.uow() as uow:
        client = await uow.session.get(Client, client_id)
        service = (
            await uow.session.execute(select(Service).where(Service.client_id == client_id))
        ).scalar_one()
    assert client is not None and client.status is ClientStatus.CANCELLED
    assert service.ip == "127.0.0.5"


async def test_cancel_no_changes_nothing_and_a_forged_button_is_refused(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    ask = await bot.say(MANAGER, "/cancelar juan")
    bot.telegram.forge_tap(MANAGER, ask, f"cx:{client_id}:release:0:0000000000")
    for _ in range(50):
        if bot.telegram.answered_callbacks:
            break
        await asyncio.sleep(0.1)
    assert "no es válido" in str(bot.telegram.answered_callbacks[0])
    nothing = await press(bot, MANAGER, ask, "No")
    assert "No se cambió nada" in nothing["text"] or "Nothing" in nothing["text"]
    assert (await client_of(bot, client_id)).status is ClientStatus.ACTIVE  # type: ignore[union-attr]
    assert rows_of(isp.emulator, client_id)


async def test_delete_needs_the_typed_word(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    ask = await bot.say(ADMIN, "/delete juan", language_code="en")
    assert [b[0] for row in buttons(ask) for b in row] == ["Database only", "Database + router", "No"]
    prompt = await press(bot, ADMIN, ask, "Database + router")
    assert "eliminar_clientes" in prompt["text"]
    refused = await bot.say(ADMIN, "eliminar", language_code="en")
    assert refused["text"] == "Nothing was deleted."
    assert await client_of(bot, client_id) is not None and rows_of(isp.emulator, client_id)

    ask = await bot.say(ADMIN, "/eliminar juan", language_code="en")
    await press(bot, ADMIN, ask, "Database + router")
    done = await bot.say(ADMIN, "eliminar_clientes", language_code="en")
    assert "Deleted." in done["text"] and "Juan Pérez" in done["text"], done["text"]
    assert await client_of(bot, client_id) is None
    assert rows_of(isp.emulator, client_id) == []


async def test_delete_database_only_leaves_the_router(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    ask = await bot.say(MANAGER, "/eliminar juan", language_code="en")
    await press(bot, MANAGER, ask, "Database only")
    done = await bot.say(MANAGER, "eliminar_clientes", language_code="en")
    assert "router was not touched" in done["text"]
    assert await client_of(bot, client_id) is None and rows_of(isp.emulator, client_id)


async def test_cashier_may_not_delete_or_cancel(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    for command in ("/eliminar juan", "/cancelar juan"):
        reply = await bot.say(CASHIER, command)
        assert "Su rol no permite" in reply["text"] and not buttons(reply)
    assert await client_of(bot, client_id) is not None


async def test_missing_arguments_and_huge_text(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    for command in ("cancelar", "eliminar"):
        reply = await bot.say(ADMIN, f"/{command}")
        assert reply["text"].startswith(f"Uso: /{command}")
    reply = await bot.say(ADMIN, "/cancel " + "x" * 5000, language_code="en")
    assert "too long" in reply["text"]


async def test_features_not_configured_yet_are_still_role_checked(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    reply = await bot.say(MANAGER, "/report", language_code="en")
    assert "not configured yet" not in reply["text"]  # the daily report is real now (test_bot_report.py)
    reply = await bot.say(CASHIER, "/recordatorio all", language_code="en")
    assert "No pending invoices in all zones" in reply["text"]  # /recordatorio is real now
    reply = await bot.say(CASHIER, "/link", language_code="en")
    assert reply["text"].startswith("Usage: /link")
    reply = await bot.say(CASHIER, "/link juan", language_code="en")
    assert "not configured yet" not in reply["text"]  # /link is real now (tests/e2e/test_portal_browser.py)
    reply = await bot.say(TECH, "/wifi", language_code="en")
    assert reply["text"].startswith("Usage: /wifi")
    reply = await bot.say(CASHIER, "/reporte")
    assert "Su rol no permite" in reply["text"]
    reply = await bot.say(CASHIER, "/wifi juan casa secreto123")
    assert "Su rol no permite" in reply["text"]
    reply = await bot.say(TECH, "/recordatorio")
    assert "Su rol no permite" in reply["text"]


async def test_delete_confirmation_runs_out(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    ask = await bot.say(ADMIN, "/eliminar juan", language_code="en")
    await press(bot, ADMIN, ask, "Database + router")
    bot.app.clock.fixed = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)
    late = await bot.say(ADMIN, "eliminar_clientes", language_code="en")
    bot.app.clock.fixed = None
    assert "expired" in late["text"] and await client_of(bot, client_id) is not None


async def test_ambiguous_cancel_gives_a_pick_list(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    await add(bot, "Juan Pérez", "10.0.0.5")
    lopez = await add(bot, "Juan López", "10.0.0.7")
    reply = await bot.say(MANAGER, "/cancelar juan", language_code="en")
    choice = next(text for row in buttons(reply) for text, _ in row if "Juan López" in text)
    ask = await press(bot, MANAGER, reply, choice)
    assert ask["text"].startswith(f"Cancel Juan López (#{lopez})?")
    done = await press(bot, MANAGER, ask, "Cancel only (status)")
    assert "Juan López" in done["text"]
    assert (await client_of(bot, lopez)).status is ClientStatus.CANCELLED  # type: ignore[union-attr]


async def test_staff_wifi_changes_the_clients_onu(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    from antena.core.wifi_change import set_cpe
    from antena.doubles.onu import OnuDouble

    client_id = await add(bot, "Juan Pérez", "10.0.0.5")
    reply = await bot.say(TECH, "/wifi juan casa secreto123", language_code="en")
    assert "No Wi-Fi device is configured" in reply["text"], reply["text"]
    async with OnuDouble() as onu:
        await set_cpe(bot.app, Actor.cli(), client_id, kind="onu", host="127.0.0.1", port=onu.port)
        reply = await bot.say(TECH, "/wifi juan pérez casa corta", language_code="en")
        assert "between 8 and 63" in reply["text"] and onu.received == []
        reply = await bot.say(TECH, "/wifi juan pérez casa secreto123", language_code="en")
        assert "Wi-Fi of Juan Pérez changed" in reply["text"], reply["text"]
        assert onu.received == [{"ssid": "casa", "password": "secreto123"}]
