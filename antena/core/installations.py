"""Installations: a technician's visit to a client's home, from the schedule to the working service.

A client sold but not yet installed has a *first-service* installation scheduled: the invoice run
leaves them alone (nothing to bill yet). Marking the visit done is one business event, one
transaction: the contract is activated, the service is queued for its router, the client's
installation date is set and the first prorated invoice issued, and the customer is told. After
the commit the router change is tried at once (``deliveries`` on the result say what happened).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core import staff, validate
from antena.core.audit import Actor, record
from antena.core.billing.first_invoice import issue_first_in
from antena.core.billing.store import with_internet_invoices
from antena.core.clients.outcome import ClientAction
from antena.core.clients.specs import op
from antena.core.contracts.documents import Upload, store_uploads
from antena.core.contracts.service import activate_signed, latest_signed
from antena.core.db.fieldwork_models import Contract, ContractStatus, Installation, InstallationStatus
from antena.core.db.models import Client, ClientStatus, Role, StaffUser
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.fieldwork import FIELD_ROLES, check_day, clean_text, field_staff, load_client, staff_member
from antena.core.i18n import N_, _
from antena.core.notify import fieldwork as notices
from antena.core.routeros.ops import OpKind
from antena.core.routeros.outbox import deliver_now, enqueue, hand_off

STATUS_LABELS = {
    InstallationStatus.SCHEDULED: N_("scheduled"),
    InstallationStatus.DONE: N_("done"),
    InstallationStatus.CANCELLED: N_("cancelled"),
}


def status_label(status: InstallationStatus) -> str:
    return _(STATUS_LABELS[status])


@dataclass(frozen=True)
class InstallationView:
    """A visit as a technician reads it on the phone: where, whom to call, what to sign."""

    id: int
    client_id: int
    client_name: str
    phone: str | None
    address: str | None
    day: dt.date
    status: InstallationStatus
    first_service: bool
    technician: str | None
    technician_telegram_id: int | None
    done_at: dt.datetime | None = None
    mac: str | None = None
    serial: str | None = None
    unsigned_contract: int | None = None  # a contract still waiting for the customer's signature


@dataclass
class InstallationDone:
    installation: InstallationView
    action: ClientAction  # what reached the router (deliveries filled in after the commit)
    invoice_number: int | None
    invoice_total: object | None
    contract_id: int | None  # the contract activated, if the client had a signed one
    unsigned_contract: int | None = None  # a contract that could not be activated: not signed yet
    notes: list[str] = field(default_factory=list)


def installation_view(
    inst: Installation, client: Client, tech: StaffUser | None, unsigned: int | None = None
) -> InstallationView:
    return InstallationView(
        inst.id,
        client.id,
        client.name,
        client.phone,
        inst.address,
        inst.scheduled_for,
        inst.status,
        inst.first_service,
        tech.name if tech else None,
        tech.telegram_id if tech else None,
        inst.done_at,
        inst.mac,
        inst.serial,
        unsigned,
    )


async def awaiting_installation(session: AsyncSession) -> set[int]:
    """Clients whose service starts with a visit still to be done: the invoice run skips them."""
    rows = await session.scalars(
        select(Installation.client_id).where(
            Installation.status == InstallationStatus.SCHEDULED, Installation.first_service.is_(True)
        )
    )
    return set(rows)


async def schedule(
    uow: UnitOfWork,
    actor: Actor,
    client_id: int,
    *,
    day: dt.date,
    technician: object | None = None,
    address: str | None = None,
) -> InstallationView:
    """Book a visit; a client never installed and never invoiced waits for it to start service."""
    staff.require(actor, "installations")
    if field_staff(actor):
        raise NotAllowed(_("Your role may not do this."))
    check_day(day, uow.app.clock.today(), _("Installation date"))
    client = await load_client(uow, client_id)
    if client.status is ClientStatus.CANCELLED:
        raise NotAllowed(_("{name} is cancelled").format(name=client.name))
    tech = await staff_member(uow, technician, roles=FIELD_ROLES) if technician not in (None, "") else None
    where = clean_text(address, _("address"), max_len=255) if address else client.address
    open_one = (
        await uow.session.scalars(
            select(Installation).where(
                Installation.client_id == client.id, Installation.status == InstallationStatus.SCHEDULED
            )
        )
    ).first()
    if open_one is not None:
        raise NotAllowed(
            _("{name} already has installation {id} on {date}").format(
                name=client.name, id=open_one.id, date=open_one.scheduled_for.isoformat()
            )
        )
    earlier = await with_internet_invoices(uow.session, {client.id: dt.date.min})  # any invoice at all
    first = client.installed_on is None and not earlier
    inst = Installation(
        client_id=client.id,
        scheduled_for=day,
        address=where,
        technician_id=tech.id if tech else None,
        status=InstallationStatus.SCHEDULED,
        first_service=first,
        created_at=uow.app.clock.now(),
        created_by=actor.name,
    )
    uow.session.add(inst)
    await uow.flush()
    record(
        uow.session,
        actor,
        "installation.add",
        target=f"{inst.id} {client.name}",
        arguments={"date": day, "technician": tech.telegram_id if tech else None, "first_service": first},
    )
    return installation_view(inst, client, tech)


async def list_installations(
    uow: UnitOfWork, actor: Actor, *, day: dt.date | None = None, open_only: bool = True
) -> list[InstallationView]:
    """Visits of ``day`` (or every open one); a technician sees only their own and unassigned ones."""
    staff.require(actor, "installations")
    query = (
        select(Installation, Client, StaffUser)
        .join(Client, Client.id == Installation.client_id)
        .outerjoin(StaffUser, StaffUser.id == Installation.technician_id)
    )
    if day is not None:
        query = query.where(Installation.scheduled_for == day)
    if open_only:
        query = query.where(Installation.status == InstallationStatus.SCHEDULED)
    if field_staff(actor):
        query = query.where(
            (Installation.technician_id == actor.staff_id) | Installation.technician_id.is_(None)
        )
    rows = (await uow.session.execute(query.order_by(Installation.scheduled_for, Installation.id))).all()
    unsigned = await _unsigned_contracts(uow, [c.id for _i, c, _t in rows])
    return [installation_view(inst, client, tech, unsigned.get(client.id)) for inst, client, tech in rows]


async def _unsigned_contracts(uow: UnitOfWork, client_ids: list[int]) -> dict[int, int]:
    if not client_ids:
        return {}
    rows = await uow.session.execute(
        select(Contract.client_id, Contract.id)
        .where(
            and_(
                Contract.client_id.in_(client_ids),
                Contract.status.in_([ContractStatus.DRAFT, ContractStatus.PENDING]),
            )
        )
        .order_by(Contract.id)
    )
    return {client_id: contract_id for client_id, contract_id in rows}


async def _own(uow: UnitOfWork, actor: Actor, installation_id: int) -> tuple[Installation, Client]:
    staff.require(actor, "installations")
    inst = await uow.session.get(Installation, installation_id, with_for_update=True)
    if inst is None:
        raise NotFound(_("No installation {id}").format(id=installation_id))
    if field_staff(actor) and inst.technician_id not in (None, actor.staff_id):
        owner = await uow.session.get(StaffUser, inst.technician_id)
        raise NotAllowed(
            _("Installation {id} is assigned to {name}").format(id=inst.id, name=owner.name if owner else "?")
        )
    if inst.status is not InstallationStatus.SCHEDULED:
        raise NotAllowed(
            _("Installation {id} is already {status}").format(id=inst.id, status=status_label(inst.status))
        )
    return inst, await load_client(uow, inst.client_id)


async def mark_done(
    uow: UnitOfWork,
    actor: Actor,
    installation_id: int,
    *,
    mac: str | None = None,
    serial: str | None = None,
    photo: Upload | None = None,
) -> InstallationDone:
    """The visit is done: contract active, service on the router, first invoice, customer told."""
    app = uow.app
    inst, client = await _own(uow, actor, installation_id)
    mac_value = validate.mac_address(mac) if mac and mac.strip() else None
    serial_value = clean_text(serial, _("Serial number"), max_len=80) if (serial or "").strip() else None
    if client.status is ClientStatus.CANCELLED:
        raise NotAllowed(_("{name} is cancelled").format(name=client.name))
    live = [s for s in client.services if not s.cancelled]
    if not live:
        raise NotAllowed(
            _("{name} has no Internet service to install: add it first").format(name=client.name)
        )
    today, now = app.clock.today(), app.clock.now()
    if inst.technician_id is None and actor.staff_id is not None and actor.role is Role.TECHNICIAN:
        inst.technician_id = actor.staff_id  # an unassigned visit belongs to whoever did it
    inst.status, inst.done_at, inst.done_by = InstallationStatus.DONE, now, actor.name
    inst.mac, inst.serial = mac_value, serial_value
    if photo is not None:
        (doc,) = await store_uploads(uow, client.id, None, [photo], actor.name)
        inst.photo_id = doc.id
    if mac_value and live[0].mac is None:
        live[0].mac = mac_value  # the customer's equipment, as the CSV's mac column
    contract = await latest_signed(uow, client.id)
    unsigned = (await _unsigned_contracts(uow, [client.id])).get(client.id)
    if contract is not None:
        await activate_signed(uow, actor, contract)
        inst.contract_id = contract.id
    first = inst.first_service or client.installed_on is None
    if client.installed_on is None or inst.first_service:
        client.installed_on = today
    await uow.flush()
    invoice = await issue_first_in(uow, actor, client.id, today) if first else None
    inst.invoice_id = invoice.id if invoice else None
    action = ClientAction(client.id, client.name, live[0].ip, live[0].router.name, client.status)
    owner = hand_off(uow)
    tasks = []
    for service in live:
        task = enqueue(
            uow.session,
            service.router,
            op(OpKind.UPSERT_SERVICE, client, service, app.settings.suspend_list),
            actor,
        )
        if task is None:
            action.api_disabled = True
        else:
            tasks.append(task)
    await notices.installation_done(uow.session, app, client, inst.id, invoice)
    record(
        uow.session,
        actor,
        "installation.done",
        target=f"{inst.id} {client.name}",
        arguments={
            "mac": mac_value,
            "serial": serial_value,
            "photo": inst.photo_id,
            "contract": inst.contract_id,
            "invoice": invoice.number if invoice else None,
        },
    )
    await uow.flush()
    task_ids = [t.id for t in tasks]

    async def deliver() -> None:
        action.deliveries.extend(await deliver_now(app, task_ids, owner=owner))

    if task_ids:
        uow.after_commit(deliver)
    tech = await uow.session.get(StaffUser, inst.technician_id) if inst.technician_id else None
    return InstallationDone(
        installation_view(inst, client, tech),
        action,
        invoice.number if invoice else None,
        invoice.total if invoice else None,
        contract.id if contract else None,
        unsigned,
    )


async def cancel(uow: UnitOfWork, actor: Actor, installation_id: int) -> InstallationView:
    """Call a visit off (the client may get a new one); technicians cannot."""
    if field_staff(actor):
        raise NotAllowed(_("Your role may not do this."))
    inst, client = await _own(uow, actor, installation_id)
    inst.status = InstallationStatus.CANCELLED
    record(uow.session, actor, "installation.cancel", target=f"{inst.id} {client.name}")
    tech = await uow.session.get(StaffUser, inst.technician_id) if inst.technician_id else None
    return installation_view(inst, client, tech)


def parse_mac_serial(text: str) -> tuple[str | None, str | None]:
    """What a technician types after a visit: ``AA:BB:CC:DD:EE:FF SN123`` in any order, or "no"."""
    words = (text or "").split()
    if not words or words[0].lower() in {"no", "-", "nada", "none", "skip", "omitir"}:
        return None, None
    mac = serial = None
    for word in words:
        if mac is None and (":" in word or ("-" in word and len(word) == 17)):
            mac = validate.mac_address(word)
        elif serial is None:
            serial = word
        else:
            raise InvalidInput(_("Send the MAC and the serial number only, like AA:BB:CC:DD:EE:FF SN123"))
    return mac, serial
