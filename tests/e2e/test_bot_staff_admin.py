"""Admins manage staff from the chat (/personal) through the Bot API double; a removed member is
refused on their very next message; a router that refuses our password stands out in /tareas."""

from __future__ import annotations

from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.db.models import AuditLog, Role, StaffUser
from tests.botkit import ADMIN, CASHIER, MANAGER, TECH, BotRig


async def member(rig: BotRig, telegram_id: int) -> StaffUser | None:
    async with rig.app.reader() as uow:
        return (
            await uow.session.execute(
                select(StaffUser).where(StaffUser.telegram_id == telegram_id, StaffUser.active.is_(True))
            )
        ).scalar_one_or_none()


async def actions(rig: BotRig) -> list[str]:
    async with rig.app.reader() as uow:
        return list((await uow.session.execute(select(AuditLog.action).order_by(AuditLog.id))).scalars())


async def test_admin_lists_changes_a_role_with_buttons_and_removes(bot: BotRig) -> None:
    listing = await bot.say(ADMIN, "/personal")
    assert "Cajera · cajero · 1003" in listing["text"]
    card = await bot.tap_text(ADMIN, listing, "Cajera · cajero · 1003")
    roles = await bot.tap_text(ADMIN, card, "Cambiar rol")
    changed = await bot.tap_text(ADMIN, roles, "gerente")
    assert changed["text"] == "Cajera ahora es gerente."
    assert (await member(bot, CASHIER)).role is Role.MANAGER  # type: ignore[union-attr]

    card = await bot.tap_text(ADMIN, await bot.say(ADMIN, "/personal"), "Técnico · técnico · 1004")
    ask = await bot.tap_text(ADMIN, card, "Quitar")
    assert "¿Quitar el acceso de Técnico?" in ask["text"]
    done = await bot.tap_text(ADMIN, ask, "Sí, quitar")
    assert done["text"] == "Técnico ya no tiene acceso."
    refused = await bot.say(TECH, "/buscar juan")
    assert "solo atiende" in refused["text"]
    assert {"staff.edit", "staff.remove"} <= set(await actions(bot))


async def test_typed_forms_and_bad_input(bot: BotRig) -> None:
    added = await bot.say(ADMIN, "/personal agregar 2002 cajero Luisa Fernández")
    assert added["text"] == "Luisa Fernández ahora tiene acceso como cajero."
    hello = await bot.say(2002, "/ayuda")
    assert "/pago" in hello["text"]
    assert (await bot.say(ADMIN, "/personal rol 2002 tecnico"))["text"] == "Luisa Fernández ahora es técnico."
    assert (
        "No hay nadie del personal con el id de Telegram 999"
        in (await bot.say(ADMIN, "/personal quitar 999"))["text"]
    )
    assert "Rol desconocido jefe" in (await bot.say(ADMIN, "/personal rol 2002 jefe"))["text"]
    assert "/personal agregar" in (await bot.say(ADMIN, "/personal bailar"))["text"]
    assert "No puedes quitarte" in (await bot.say(ADMIN, f"/personal quitar {ADMIN}"))["text"]
    assert "único admin" in (await bot.say(ADMIN, f"/personal rol {ADMIN} cajero"))["text"]
    assert (await bot.say(ADMIN, "/personal quitar 2002"))["text"] == "Luisa Fernández ya no tiene acceso."
    assert "solo atiende" in (await bot.say(2002, "/buscar juan"))["text"]


async def test_only_admins_manage_staff(bot: BotRig) -> None:
    for user in (MANAGER, CASHIER, TECH):
        reply = await bot.say(user, "/personal quitar 1001")
        assert "Su rol no permite hacer esto." in reply["text"]
    assert await member(bot, ADMIN) is not None


async def test_a_refused_login_stands_out_in_tasks(bot: BotRig, isp) -> None:  # type: ignore[no-untyped-def]
    isp.emulator.password = "changed-on-the-router"
    _client, report = await bot.app.perform(edits.add_client, Actor.cli(),
        ClientData(name="Juan Pérez", zone="Centro", router="RB-Centro", plan="PCQ 15M", ip="10.0.0.5"),
    )
    assert report.queued
    listing = await bot.say(TECH, "/tareas")
    assert "⚠ RB-Centro rechazó el usuario o la contraseña" in listing["text"], listing["text"]
