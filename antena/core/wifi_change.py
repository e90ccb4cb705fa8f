"""Changing a customer's Wi-Fi name and password on the device at their home (the CPE).

Where the device is and what it is lives on the client's service (``cpe_kind`` ``mikrotik`` or
``onu``, host, port, credentials). A MikroTik is reached through its API
(:mod:`antena.core.routeros.wifi`); an ONU gateway through the HTTP container of the manual
("Wisphub Wifi", port 7000): a JSON POST built from ``ANTENA_ONU_WIFI_URL`` and
``ANTENA_ONU_WIFI_BODY``. The password is sent to the device and never stored or audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import select

from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.config import Settings
from antena.core.db.models import Client, Service
from antena.core.errors import CoreError, InvalidInput, NotAllowed, NotFound, RouterError, RouterUnreachable
from antena.core.i18n import _
from antena.core.notify import events
from antena.core.routeros import wifi as mikrotik_wifi
from antena.core.routeros.client import API_PORT
from antena.core.routeros.ops import RouterAccess

CPE_KINDS = ("mikrotik", "onu", "genieacs")
ONU_PORT = 7000
MAX_SSID = 32
MIN_PASSWORD, MAX_PASSWORD = 8, 63


class DeviceError(CoreError):
    """The customer's Wi-Fi device refused the change or could not be reached."""


# -- validation -----------------------------------------------------------------------------------


def check_ssid(ssid: str) -> str:
    if not ssid:
        raise InvalidInput(_("The Wi-Fi name cannot be empty."))
    if len(ssid) > MAX_SSID or len(ssid.encode()) > MAX_SSID:
        raise InvalidInput(_("The Wi-Fi name must be at most {n} characters.").format(n=MAX_SSID))
    if ssid != ssid.strip():
        raise InvalidInput(_("The Wi-Fi name cannot start or end with a space."))
    if not ssid.isprintable():
        raise InvalidInput(_("The Wi-Fi name can only have printable characters."))
    return ssid


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            _("The Wi-Fi password must have between {low} and {high} characters.").format(
                low=MIN_PASSWORD, high=MAX_PASSWORD
            )
        )
    if any(not 32 <= ord(ch) <= 126 for ch in password):
        raise InvalidInput(
            _("The Wi-Fi password can only have letters, digits, spaces and symbols without accents (ASCII).")
        )
    return password


# -- the ONU gateway over HTTP --------------------------------------------------------------------


def _fill(value: Any, values: dict[str, str]) -> Any:
    """Put ``{ssid}``/``{password}`` into every string of the body template (JSON-safe)."""
    if isinstance(value, str):
        for key, text in values.items():
            value = value.replace("{" + key + "}", text)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def onu_request(settings: Settings, host: str, port: int | None, ssid: str, password: str) -> tuple[str, Any]:
    """The URL and JSON body for one ONU change."""
    url = settings.onu_wifi_url.replace("{host}", host).replace("{port}", str(port or ONU_PORT))
    try:
        template = json.loads(settings.onu_wifi_body)
    except ValueError as exc:
        raise InvalidInput(_("ANTENA_ONU_WIFI_BODY is not valid JSON: {error}").format(error=exc)) from exc
    return url, _fill(template, {"ssid": ssid, "password": password})


async def set_onu_wifi(
    settings: Settings, host: str, port: int | None, ssid: str, password: str, *, timeout: float | None = None
) -> str:
    url, body = onu_request(settings, host, port, ssid, password)
    try:
        async with httpx.AsyncClient(timeout=timeout or settings.router_timeout) as http:
            response = await http.post(url, json=body)
    except httpx.TimeoutException as exc:
        raise DeviceError(_("ONU unreachable at {host}: timeout").format(host=host)) from exc
    except httpx.HTTPError as exc:
        raise DeviceError(
            _("ONU unreachable at {host}: {reason}").format(host=host, reason=exc or "?")
        ) from exc
    if not response.is_success:
        detail = response.text.strip()[:120]
        raise DeviceError(
            _("The ONU answered {status} {detail}").format(status=response.status_code, detail=detail).strip()
        )
    return f"ONU {host}"


# -- the service ----------------------------------------------------------------------------------


async def _device(app: App, client_id: int) -> tuple[Client, Service]:
    async with app.reader() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("No client with id {id}").format(id=client_id))
        service = await uow.session.scalar(
            select(Service)
            .where(
                Service.client_id == client_id, Service.cancelled.is_(False), Service.cpe_kind.is_not(None)
            )
            .order_by(Service.id)
            .limit(1)
        )
    if service is None or not (service.cpe_host or service.cpe_kind == "genieacs"):
        raise NotAllowed(
            _("No Wi-Fi device is configured for this client ({name}).").format(name=client.name)
        )
    return client, service


async def _apply(app: App, service: Service, ssid: str, password: str) -> tuple[str, bool]:
    """What the device said (for staff) and whether the change waits for the device (GenieACS)."""
    host = service.cpe_host or ""
    if service.cpe_kind == "genieacs":  # TR-069 through GenieACS (antena.core.tr069)
        from antena.core import tr069

        return await tr069.set_wifi(app, service.client_id, ssid, password)
    if service.cpe_kind == "onu":
        return await set_onu_wifi(app.settings, host, service.cpe_port, ssid, password), False
    access = RouterAccess(
        router_id=0,
        name=f"CPE {host}",
        host=host,
        port=service.cpe_port or API_PORT,
        username=service.cpe_username or "admin",
        password=service.cpe_password or "",
        timeout=app.settings.router_timeout,
    )
    try:
        return await mikrotik_wifi.set_wifi(access, ssid, password), False
    except RouterUnreachable as exc:
        raise DeviceError(_("The Wi-Fi device at {host} is unreachable: {reason}").format(
            host=host, reason=exc)) from exc  # fmt: skip
    except RouterError as exc:
        raise DeviceError(_("The Wi-Fi device at {host} refused the change: {reason}").format(
            host=host, reason=exc)) from exc  # fmt: skip


async def change_wifi(app: App, actor: Actor, client_id: int, ssid: str, password: str) -> str:
    """Validate, change the device, audit (without the password) and tell the customer; the answer
    is for staff (which device, what it said)."""
    changed = await _change(app, actor, client_id, ssid, password)
    return _("Wi-Fi of {name} changed: network “{ssid}” ({detail}).").format(
        name=changed.name, ssid=ssid, detail=changed.detail
    )


@dataclass(frozen=True)
class _Changed:
    name: str
    detail: str
    queued: bool  # waits for the device's next connection


async def _change(app: App, actor: Actor, client_id: int, ssid: str, password: str) -> _Changed:
    check_ssid(ssid)
    check_password(password)
    client, service = await _device(app, client_id)
    target = f"{client.id} {client.name}"
    arguments = {"ssid": ssid, "device": service.cpe_kind, "host": service.cpe_host}
    try:
        detail, queued = await _apply(app, service, ssid, password)
    except CoreError as exc:
        async with app.uow() as uow:
            record(
                uow.session,
                actor,
                "wifi.change",
                target=target,
                arguments=arguments,
                outcome=f"failed: {exc}",
            )
            await uow.commit()
        raise
    async with app.uow() as uow:
        fresh = await uow.session.get(Client, client_id)
        record(uow.session, actor, "wifi.change", target=target, arguments={**arguments, "detail": detail})
        if fresh is not None:
            await events.wifi_changed(uow.session, app, fresh, ssid)
        await uow.commit()
    return _Changed(client.name, detail, queued)


# -- the customer's own change (portal, linked chat) ----------------------------------------------


class WifiUnavailable(NotAllowed):
    """The customer cannot change their Wi-Fi themselves: no device on record, or the ISP turned
    it off (``ANTENA_PORTAL_WIFI=off``)."""

    status_code = 404


async def wifi_available(app: App, client_id: int) -> bool:
    """Whether the portal's Wi-Fi form and the customer's ``/wifi`` are offered to this client."""
    if not app.settings.portal_wifi:
        return False
    async with app.reader() as uow:
        service = await uow.session.scalar(
            select(Service)
            .where(
                Service.client_id == client_id, Service.cancelled.is_(False), Service.cpe_kind.is_not(None)
            )
            .order_by(Service.id)
            .limit(1)
        )
    return service is not None and bool(service.cpe_host or service.cpe_kind == "genieacs")


def unavailable_text(company: str) -> str:
    """What a customer reads where the Wi-Fi change is not offered to them."""
    return _("Changing the Wi-Fi is not available for your service here. Ask {company} to change it.").format(
        company=company
    )


async def change_my_wifi(app: App, actor: Actor, client_id: int, ssid: str, password: str) -> str:
    """The customer changes their own Wi-Fi: refused in their words when it is not offered to them,
    and a device that fails is told as "your modem", never as an address or a staff hint."""
    company = app.settings.company_name
    if not await wifi_available(app, client_id):
        raise WifiUnavailable(unavailable_text(company))
    check_ssid(ssid)
    check_password(password)
    try:
        changed = await _change(app, actor, client_id, ssid, password)
    except InvalidInput:
        raise
    except CoreError as exc:
        raise DeviceError(
            _(
                "Your modem did not take the change, so nothing changed. Try again in a few minutes; "
                "if it keeps failing, contact {company}."
            ).format(company=company)
        ) from exc
    if changed.queued:
        return _(
            "Your Wi-Fi becomes “{ssid}” as soon as your modem next connects (usually within minutes). "
            "Then connect your devices with the new password."
        ).format(ssid=ssid)
    text = _("Done: your Wi-Fi network is now “{ssid}”. Connect your devices again with the new password.")
    return text.format(ssid=ssid)


async def set_cpe(
    app: App,
    actor: Actor,
    client_id: int,
    *,
    kind: str,
    host: str,
    port: int | None = None,
    username: str | None = None,
    password: str | None = None,
    serial: str | None = None,
) -> str:
    """Record where the client's Wi-Fi device is (on their first live service); a GenieACS device
    needs no address (GenieACS reaches it), only its serial number or the service's PPPoE user."""
    if kind not in CPE_KINDS:
        raise InvalidInput(_("The device kind must be one of: {kinds}").format(kinds=", ".join(CPE_KINDS)))
    host = (host or "").strip()
    if (not host and kind != "genieacs") or len(host) > 255:
        raise InvalidInput(_("Give the device's address (IP or host name)."))
    if serial:
        from antena.core.equipment import parse_serial

        serial = parse_serial(serial)
    if port is not None and not 1 <= port <= 65535:
        raise InvalidInput(_("The port must be between 1 and 65535."))
    async with app.uow() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("No client with id {id}").format(id=client_id))
        service = await uow.session.scalar(
            select(Service).where(Service.client_id == client_id, Service.cancelled.is_(False))
            .order_by(Service.id).limit(1)
        )  # fmt: skip
        if service is None:
            raise NotAllowed(_("{name} has no active service.").format(name=client.name))
        service.cpe_kind, service.cpe_host, service.cpe_port = kind, host or None, port
        service.cpe_username, service.cpe_password = username, password
        service.cpe_serial = serial or None
        record(uow.session, actor, "wifi.device", target=f"{client.id} {client.name}",
               arguments={"kind": kind, "host": host, "port": port, "username": username,
                          "serial": serial})  # fmt: skip
        await uow.commit()
        if kind == "genieacs":
            if serial:
                return _("Wi-Fi device of {name}: GenieACS, serial number {serial}.").format(
                    name=client.name, serial=serial
                )
            return _("Wi-Fi device of {name}: GenieACS, found by its PPPoE user.").format(name=client.name)
        where = f"{host}:{port}" if port else host
        return _("Wi-Fi device of {name}: {kind} at {where}.").format(
            name=client.name, kind=kind, where=where
        )
