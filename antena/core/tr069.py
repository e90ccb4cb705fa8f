"""A client's TR-069 device through GenieACS: its Wi-Fi (the third driver of ``wifi_change``),
a reboot (``/reboot``) and the ONU's optical RX power (``/onu``).

The device is found by the serial number recorded with ``clients cpe --kind genieacs --serial``,
else by the serials of the equipment the client holds, else by the service's PPPoE user.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.db.equipment_models import Equipment
from antena.core.db.models import Client, Service
from antena.core.errors import NotAllowed, NotFound
from antena.core.genieacs import Device, GenieAcs, Optical, read_rx_power, rx_paths, wifi_task
from antena.core.i18n import _


@dataclass(frozen=True)
class Lookup:
    client_id: int
    client_name: str
    serials: tuple[str, ...]
    pppoe_user: str | None


async def lookup_for(app: App, client_id: int) -> Lookup:
    """How to find the client's device; a Wi-Fi device of another kind is said plainly."""
    async with app.reader() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("No client with id {id}").format(id=client_id))
        service = await uow.session.scalar(
            select(Service).where(Service.client_id == client_id, Service.cancelled.is_(False))
            .order_by(Service.id).limit(1)
        )  # fmt: skip
        if service is not None and service.cpe_kind not in (None, "genieacs"):
            raise NotAllowed(
                _("The Wi-Fi device of {name} is a {kind}: this works with TR-069 devices through GenieACS "
                  "(antena clients cpe --kind genieacs).").format(name=client.name, kind=service.cpe_kind)
            )  # fmt: skip
        held = await uow.session.scalars(select(Equipment.serial).where(Equipment.client_id == client_id))
        serials = tuple(
            dict.fromkeys([*([service.cpe_serial] if service and service.cpe_serial else []), *held])
        )
        user = service.service_user if service is not None else None
        if not serials and not user:
            raise NotAllowed(
                _("Nothing to find the device of {name} by: record its serial number "
                  "(antena clients cpe --kind genieacs --serial …) or give it a PPPoE user.")
                .format(name=client.name)
            )  # fmt: skip
        return Lookup(client.id, client.name, serials, user)


async def _find(acs: GenieAcs, found: Lookup, extra: tuple[str, ...] = ()) -> Device:
    return await acs.find(serials=found.serials, pppoe_user=found.pppoe_user, extra=extra)


async def set_wifi(app: App, client_id: int, ssid: str, password: str) -> tuple[str, bool]:
    """The Wi-Fi driver for ``cpe_kind = genieacs``: what happened, for staff, and whether it waits
    for the device's next connection (GenieACS's 202)."""
    found = await lookup_for(app, client_id)
    async with GenieAcs(app.settings) as acs:
        device = await _find(acs, found, ("InternetGatewayDevice.LANDevice.1.WLANConfiguration.1",))
        outcome = await acs.task(device, wifi_task(device, ssid, password))
    if outcome.done:
        text = _("GenieACS {model} device {serial}: applied")
    else:
        text = _("GenieACS {model} device {serial}: queued until the device next connects")
    return text.format(model=device.model, serial=device.serial), not outcome.done


@dataclass(frozen=True)
class Rebooted:
    client: str
    device: Device
    done: bool  # False: queued for the device's next inform
    at: dt.datetime


async def reboot(app: App, actor: Actor, client_id: int) -> Rebooted:
    """The ``reboot`` task with a connection request; audited either way."""
    found = await lookup_for(app, client_id)
    async with GenieAcs(app.settings) as acs:
        device = await _find(acs, found)
        outcome = await acs.task(device, {"name": "reboot"})
    async with app.uow() as uow:
        record(uow.session, actor, "cpe.reboot", target=f"{found.client_id} {found.client_name}",
               arguments={"device": device.id, "done": outcome.done})  # fmt: skip
        await uow.commit()
    return Rebooted(found.client_name, device, outcome.done, app.clock.now())


@dataclass(frozen=True)
class OnuPower:
    client: str
    reading: Optical
    at: dt.datetime


async def onu_power(app: App, client_id: int) -> OnuPower:
    """Ask the ONU for its optical RX power now (or say when GenieACS last heard it)."""
    found = await lookup_for(app, client_id)
    paths = rx_paths(app.settings)
    async with GenieAcs(app.settings) as acs:
        device = await _find(acs, found, paths)
        reading = await read_rx_power(acs, device, paths)
    return OnuPower(found.client_name, reading, app.clock.now())
