"""TR-069 devices (ONUs, home routers) through GenieACS's northbound interface (NBI, port 7557).

The only code that speaks to GenieACS. A device is found by its serial number
(``_deviceId._SerialNumber``) or its PPPoE user (``GET /devices/?query=…``); its data model is
read from the root of its parameter tree: ``InternetGatewayDevice`` is TR-098, ``Device`` is
TR-181. Changes are tasks (``POST /devices/<id>/tasks?timeout=…&connection_request``): GenieACS
answers 200 when the device was reached and did it, 202 when it could not be reached now and the
task waits for the device's next inform. GenieACS's and the network's errors become
:class:`AcsError` with a message fit to show.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from antena.core.config import Settings
from antena.core.errors import CoreError, NotFound
from antena.core.i18n import _

TR098, TR181 = "TR-098", "TR-181"
_WLAN = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1"
SSID = {TR098: f"{_WLAN}.SSID", TR181: "Device.WiFi.SSID.1.SSID"}
PASSPHRASE = {
    TR098: (f"{_WLAN}.PreSharedKey.1.KeyPassphrase", f"{_WLAN}.KeyPassphrase"),
    TR181: ("Device.WiFi.AccessPoint.1.Security.KeyPassphrase",),
}
PPPOE_USER = (
    "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Username",
    "Device.PPP.Interface.1.Username",
    "VirtualParameters.pppoeUsername",
)
BASE_PROJECTION = ("_id", "_deviceId", "_lastInform", "InternetGatewayDevice.DeviceInfo", "Device.DeviceInfo")


class AcsError(CoreError):
    """GenieACS could not be reached or refused what we asked."""


@dataclass(frozen=True)
class Device:
    id: str
    model: str  # TR-098 | TR-181
    serial: str
    product: str
    last_inform: str | None
    doc: dict[str, Any]

    def has(self, path: str) -> bool:
        return lookup(self.doc, path) is not None

    def value(self, path: str) -> tuple[str | None, str | None]:
        """A parameter's ``_value`` and ``_timestamp`` as GenieACS stored them."""
        node = lookup(self.doc, path)
        if not isinstance(node, dict):
            return None, None
        value = node.get("_value")
        return (None if value is None else str(value)), node.get("_timestamp")


@dataclass(frozen=True)
class TaskOutcome:
    device: Device
    done: bool  # True: 200, the device did it now; False: 202, queued for its next inform
    task_id: str | None


def lookup(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def data_model(doc: dict[str, Any]) -> str:
    if "InternetGatewayDevice" in doc:
        return TR098
    if "Device" in doc:
        return TR181
    raise AcsError(_("GenieACS does not know the data model of device {id} yet (no parameters).").format(
        id=doc.get("_id", "?")))  # fmt: skip


class GenieAcs:
    """A small client of the NBI; ``transport`` lets tests put it in front of anything."""

    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.base = settings.genieacs_url.rstrip("/")
        password = settings.genieacs_password.get_secret_value() if settings.genieacs_password else ""
        auth = (settings.genieacs_username, password) if settings.genieacs_username else None
        timeout = settings.genieacs_timeout + 5  # the NBI itself waits up to genieacs_timeout for the device
        self._http = httpx.AsyncClient(base_url=self.base, auth=auth, timeout=timeout, transport=transport)

    async def __aenter__(self) -> GenieAcs:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._http.aclose()

    async def _send(self, method: str, url: str, **kw: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, url, **kw)
        except httpx.TimeoutException as exc:
            raise AcsError(_("GenieACS did not answer at {url}: timeout").format(url=self.base)) from exc
        except httpx.HTTPError as exc:
            raise AcsError(
                _("GenieACS unreachable at {url}: {reason}").format(url=self.base, reason=exc)
            ) from exc
        if response.status_code >= 400:
            detail = response.text.strip()[:120]
            raise AcsError(_("GenieACS answered {status}: {detail}").format(status=response.status_code,
                                                                             detail=detail))  # fmt: skip
        return response

    async def devices(self, query: dict[str, Any], projection: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        params = {"query": json.dumps(query, separators=(",", ":"))}
        if projection:
            params["projection"] = ",".join(projection)
        response = await self._send("GET", "/devices/", params=params)
        try:
            found = response.json()
        except ValueError as exc:
            raise AcsError(_("GenieACS answered something that is not JSON.")) from exc
        return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []

    async def find(
        self, *, serials: tuple[str, ...] = (), pppoe_user: str | None = None, extra: tuple[str, ...] = ()
    ) -> Device:
        """The device with one of ``serials``, else the one whose PPPoE user is ``pppoe_user`` (the
        one that informed last when several match)."""
        projection = (*BASE_PROJECTION, *extra)
        queries = [{"_deviceId._SerialNumber": serial} for serial in serials if serial]
        queries += [{path: pppoe_user} for path in PPPOE_USER] if pppoe_user else []
        for query in queries:
            docs = await self.devices(query, projection)
            if docs:
                doc = max(docs, key=lambda d: str(d.get("_lastInform") or ""))
                ident = doc.get("_deviceId") or {}
                return Device(str(doc.get("_id")), data_model(doc), str(ident.get("_SerialNumber", "")),
                              str(ident.get("_ProductClass", "")), doc.get("_lastInform"), doc)  # fmt: skip
        wanted = ", ".join([*(s for s in serials if s), *([pppoe_user] if pppoe_user else [])])
        raise NotFound(_("GenieACS has no device with serial number or PPPoE user {wanted}.").format(
            wanted=wanted or "-"))  # fmt: skip

    async def task(self, device: Device, task: dict[str, Any]) -> TaskOutcome:
        """Queue ``task`` and ask the device to connect now (``connection_request``)."""
        timeout_ms = int(self.settings.genieacs_timeout * 1000)
        url = f"/devices/{quote(device.id, safe='')}/tasks?timeout={timeout_ms}&connection_request"
        response = await self._send("POST", url, json=task)
        try:
            body = response.json()
        except ValueError:
            body = {}
        task_id = body.get("_id") if isinstance(body, dict) else None
        return TaskOutcome(device, response.status_code == 200, task_id)

    async def reread(self, device: Device, paths: tuple[str, ...]) -> Device:
        """The device again, with ``paths`` as GenieACS has them now."""
        docs = await self.devices({"_id": device.id}, (*BASE_PROJECTION, *paths))
        if not docs:
            raise NotFound(_("GenieACS no longer has device {id}.").format(id=device.id))
        return Device(
            device.id, device.model, device.serial, device.product, docs[0].get("_lastInform"), docs[0]
        )


# -- what Antena asks of a device ------------------------------------------------------------------


def wifi_task(device: Device, ssid: str, password: str) -> dict[str, Any]:
    """``setParameterValues`` with the data model's SSID and passphrase paths (TR-098: the
    ``PreSharedKey.1.KeyPassphrase`` the device has, else ``KeyPassphrase``)."""
    candidates = PASSPHRASE[device.model]
    passphrase = next((path for path in candidates if device.has(path)), candidates[0])
    return {
        "name": "setParameterValues",
        "parameterValues": [[SSID[device.model], ssid, "xsd:string"], [passphrase, password, "xsd:string"]],
    }


def rx_paths(settings: Settings) -> tuple[str, ...]:
    return tuple(p.strip() for p in settings.genieacs_rx_power_param.split(",") if p.strip())


@dataclass(frozen=True)
class Optical:
    device: Device
    path: str
    value: str | None
    read_at: dt.datetime | None
    fresh: bool  # read from the device now (else: GenieACS's last known value)

    @property
    def dbm(self) -> float | None:
        """The value when it reads as dBm (−60…+10); otherwise the device's own unit is shown raw."""
        try:
            number = float(self.value or "")
        except ValueError:
            return None
        return number if -60.0 <= number <= 10.0 else None


def parse_timestamp(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


async def read_rx_power(acs: GenieAcs, device: Device, paths: tuple[str, ...]) -> Optical:
    """Refresh the first configured path the device has (``getParameterValues``), then read it."""
    path = next((p for p in paths if device.has(p)), paths[0] if paths else "")
    if not path:
        raise AcsError(_("Set ANTENA_GENIEACS_RX_POWER_PARAM to the parameter with the optical RX power."))
    outcome = await acs.task(device, {"name": "getParameterValues", "parameterNames": [path]})
    fresh = await acs.reread(device, (path,))
    value, stamp = fresh.value(path)
    return Optical(fresh, path, value, parse_timestamp(stamp), outcome.done)
