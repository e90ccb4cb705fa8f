"""The warehouse: articles (antennas, routers, ONUs) with serial number, MAC and cost, assigned to a
client on installation or later, and brought back when the service ends.

An article is either in the warehouse or held by exactly one client. Assigning and returning are
conditional updates (``… WHERE client_id IS NULL`` / ``= the holder we saw``), so two technicians
can never hand out the same serial number at once; each move is kept in ``equipment_moves``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select, update

from antena.core import validate
from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.db.equipment_models import Equipment, EquipmentMove
from antena.core.db.models import Client, ClientStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _

_SERIAL = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,63}$", re.ASCII)
_HEX12 = re.compile(r"^[0-9A-F]{12}$", re.ASCII)
_AMOUNT = re.compile(r"^\$?\d{1,3}(,\d{3})*(\.\d{1,2})?$|^\$?\d+(\.\d{1,2})?$", re.ASCII)


@dataclass(frozen=True)
class Article:
    """An article as shown: plain values, safe to render after the unit of work closed."""

    id: int
    model: str
    serial: str
    mac: str | None
    cost: Decimal
    notes: str | None
    client_id: int | None
    client_name: str | None
    assigned_at: dt.datetime | None


def _article(row: Equipment) -> Article:
    holder = row.client
    return Article(row.id, row.model, row.serial, row.mac, row.cost, row.notes, row.client_id,
                   holder.name if holder is not None else None, row.assigned_at)  # fmt: skip


# -- what staff type --------------------------------------------------------------------------------


def parse_serial(text: str | None) -> str:
    """Letters, digits and ``. _ / -`` (ASCII), up to 64; compared without case."""
    serial = (text or "").strip().upper()
    if not serial:
        raise InvalidInput(_("Give the article's serial number."))
    if not _SERIAL.match(serial):
        raise InvalidInput(
            _("Invalid serial number {value}: use letters, digits and . _ / - (at most 64)").format(
                value=(text or "")[:40]
            )
        )
    return serial


def parse_mac(text: str | None) -> str | None:
    """``AA:BB:CC:DD:EE:FF``, ``aa-bb-…``, ``aabb.ccdd.eeff`` or ``aabbccddeeff``; empty: none."""
    raw = (text or "").strip()
    if not raw:
        return None
    compact = raw.upper().replace(".", "")
    if _HEX12.match(compact):
        raw = ":".join(compact[i : i + 2] for i in range(0, 12, 2))
    return validate.mac_address(raw[:40])


def _cost(value: object) -> Decimal:
    """Plain amounts only (``650``, ``1,250.50``): no exponents, signs or other scripts' digits."""
    text = str(value if value not in (None, "") else "0").strip()
    if not _AMOUNT.match(text):
        raise InvalidInput(_("{what} is not a valid amount: {value}").format(what=_("Cost"), value=text[:40]))
    return validate.money(text, what=_("Cost"))


# -- the services -----------------------------------------------------------------------------------


async def _by_serial(uow: UnitOfWork, serial: str) -> Equipment:
    key = parse_serial(serial)
    row = await uow.session.scalar(select(Equipment).where(Equipment.serial == key))
    if row is None:
        raise NotFound(_("No article with serial number {serial}").format(serial=key))
    return row


def _holder_text(row: Equipment) -> str:
    name = row.client.name if row.client is not None else "?"
    return f"{name} (#{row.client_id})"


async def add_article(
    uow: UnitOfWork,
    actor: Actor,
    *,
    model: str,
    serial: str,
    mac: str | None = None,
    cost: object = "0",
    notes: str | None = None,
) -> Article:
    """A new article in the warehouse; a serial number or MAC already known is refused."""
    row = Equipment(
        model=validate.required(model, _("Model"), max_len=80),
        serial=parse_serial(serial),
        mac=parse_mac(mac),
        cost=_cost(cost),
        notes=(notes or "").strip()[:255] or None,
    )
    same = await uow.session.scalar(select(Equipment).where(Equipment.serial == row.serial))
    if same is not None:
        raise AlreadyExists(
            _("An article with serial number {serial} already exists ({model}).").format(
                serial=row.serial, model=same.model
            )
        )
    if row.mac and (owner := await uow.session.scalar(select(Equipment).where(Equipment.mac == row.mac))):
        raise AlreadyExists(
            _("The MAC {mac} already belongs to article {serial}.").format(mac=row.mac, serial=owner.serial)
        )
    uow.session.add(row)
    await uow.flush()
    record(uow.session, actor, "equipment.add", target=row.serial,
           arguments={"model": row.model, "mac": row.mac, "cost": str(row.cost)})  # fmt: skip
    return Article(row.id, row.model, row.serial, row.mac, row.cost, row.notes, None, None, None)


async def assign(
    uow: UnitOfWork, actor: Actor, serial: str, client_id: int, *, note: str | None = None
) -> Article:
    """Give an article in the warehouse to a client (on installation or later)."""
    row = await _by_serial(uow, serial)
    client = await uow.session.get(Client, client_id)
    if client is None:
        raise NotFound(_("No client with id {id}").format(id=client_id))
    if row.client_id is not None:
        raise NotAllowed(
            _("{serial} is already assigned to {holder}; return it first.").format(
                serial=row.serial, holder=_holder_text(row)
            )
        )
    if client.status is ClientStatus.CANCELLED:
        raise NotAllowed(_("{name} is cancelled: equipment is not assigned to cancelled clients.").format(
            name=client.name))  # fmt: skip
    now = uow.app.clock.now()
    taken = await uow.session.execute(
        update(Equipment)
        .where(Equipment.id == row.id, Equipment.client_id.is_(None))
        .values(client_id=client.id, assigned_at=now)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]  # someone else assigned it meanwhile
        raise NotAllowed(_("{serial} was just assigned to another client.").format(serial=row.serial))
    uow.session.add(EquipmentMove(equipment_id=row.id, client_id=client.id, action="assign", at=now,
                                  actor=actor.name, note=(note or "").strip()[:255] or None))  # fmt: skip
    record(uow.session, actor, "equipment.assign", target=row.serial,
           arguments={"client_id": client.id, "client": client.name})  # fmt: skip
    return Article(row.id, row.model, row.serial, row.mac, row.cost, row.notes, client.id, client.name, now)


async def return_article(uow: UnitOfWork, actor: Actor, serial: str, *, note: str | None = None) -> Article:
    """The client gave the article back: it is in the warehouse again."""
    row = await _by_serial(uow, serial)
    if row.client_id is None:
        raise NotAllowed(
            _("{serial} is in the warehouse: it is not assigned to anyone.").format(serial=row.serial)
        )
    holder_id, holder = row.client_id, _holder_text(row)
    back = await uow.session.execute(
        update(Equipment)
        .where(Equipment.id == row.id, Equipment.client_id == holder_id)
        .values(client_id=None, assigned_at=None)
    )
    if back.rowcount != 1:  # type: ignore[attr-defined]
        raise NotAllowed(_("{serial} was just returned or reassigned.").format(serial=row.serial))
    now = uow.app.clock.now()
    uow.session.add(EquipmentMove(equipment_id=row.id, client_id=holder_id, action="return", at=now,
                                  actor=actor.name, note=(note or "").strip()[:255] or None))  # fmt: skip
    record(uow.session, actor, "equipment.return", target=row.serial, arguments={"client": holder})
    return Article(row.id, row.model, row.serial, row.mac, row.cost, row.notes, None, None, None)


async def list_articles(
    uow: UnitOfWork, *, client_id: int | None = None, state: str = "all"
) -> list[Article]:
    """Every article (``state``: ``all``, ``available``, ``assigned``), or those a client holds."""
    query = select(Equipment).order_by(Equipment.model, Equipment.serial)
    if client_id is not None:
        query = query.where(Equipment.client_id == client_id)
    if state == "available":
        query = query.where(Equipment.client_id.is_(None))
    elif state == "assigned":
        query = query.where(Equipment.client_id.is_not(None))
    elif state != "all":
        raise InvalidInput(
            _("Unknown state {value}: use all, available or assigned").format(value=state[:20])
        )
    return [_article(row) for row in (await uow.session.scalars(query)).unique()]


async def held_by(uow: UnitOfWork, client_id: int) -> list[Article]:
    """What a client has at home: the reminder when they cancel, and the client card."""
    return await list_articles(uow, client_id=client_id)


# -- how articles read in chat and on the command line ----------------------------------------------


def line(article: Article, money: str | None = None) -> str:
    """``TP-Link CPE510 · SN ABC123 · MAC AA:… · $650.00``."""
    parts = [article.model, _("SN {serial}").format(serial=article.serial)]
    if article.mac:
        parts.append(f"MAC {article.mac}")
    if money:
        parts.append(money)
    return " · ".join(parts)


def return_reminder(articles: list[Article]) -> str | None:
    """What the cancellation answer adds: the equipment to collect, or nothing."""
    if not articles:
        return None
    return _("Equipment to collect: {list}.").format(list="; ".join(line(a) for a in articles))


async def reminder_for(app: App, client_id: int) -> str | None:
    """The reminder for one client, read after the cancellation committed."""
    async with app.reader() as uow:
        return return_reminder(await held_by(uow, client_id))
