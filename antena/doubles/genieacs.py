"""GenieACS's northbound interface (NBI) for tests and the demo: an aiohttp server holding TR-098
and TR-181 devices the way GenieACS stores them (nested parameters with ``_value``,
``_timestamp``, ``_writable``; ``_deviceId``; ``_lastInform``).

``GET /devices/?query=<JSON>&projection=a,b`` finds devices by ``_id``, ``_deviceId.*`` or a
parameter path (equality on its ``_value``). ``POST /devices/<id>/tasks?connection_request``
runs ``setParameterValues``, ``getParameterValues``, ``refreshObject`` and ``reboot``: 200 when the
device is online (the connection request succeeds and the task is done), 202 when it is not (the
task waits, and runs on :meth:`GenieAcsDouble.inform`). ``fail_with = 500`` makes every request fail.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from aiohttp import web

_WLAN = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1"
PPP_098 = "InternetGatewayDevice.WANDevice.1.WANConnectionDevice.1.WANPPPConnection.1.Username"
TASKS = frozenset({"setParameterValues", "getParameterValues", "refreshObject", "reboot"})


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _leaf(value: Any, writable: bool = True, kind: str = "xsd:string") -> dict[str, Any]:
    return {"_value": value, "_type": kind, "_timestamp": _now(), "_writable": writable}


def _put(doc: dict[str, Any], path: str, leaf: dict[str, Any]) -> None:
    node = doc
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {"_object": True, "_writable": False, "_timestamp": _now()})
    node[last] = leaf


def _get(doc: dict[str, Any], path: str) -> Any:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _project(doc: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"_id": doc["_id"]}
    for path in paths:
        node = _get(doc, path)
        if node is None:
            continue
        target = out
        *parents, last = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = json.loads(json.dumps(node))
    return out


class GenieAcsDouble:
    """``async with GenieAcsDouble() as acs: acs.add_device(...)``; ``acs.url`` is the NBI base."""

    def __init__(self) -> None:
        self.devices: dict[str, dict[str, Any]] = {}
        self.online: dict[str, bool] = {}
        self.tasks: list[dict[str, Any]] = []  # every task received, with its device and outcome
        self.pending: list[dict[str, Any]] = []
        self.reboots: dict[str, int] = {}
        self.fail_with: int | None = None
        self.auth: str | None = None  # "Basic …" required when set
        self.host, self.port = "127.0.0.1", 0
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def add_device(
        self,
        serial: str,
        *,
        model: str = "TR-098",
        pppoe_user: str | None = None,
        ssid: str = "Casa",
        passphrase: str = "clave-inicial",
        direct_passphrase: bool = False,
        rx_power: str | None = "-19.52",
        online: bool = True,
        product: str = "HG8245H",
    ) -> str:
        """A device as GenieACS would hold it after its first inform; returns its ``_id``."""
        device_id = f"00E0FC-{product}-{serial}"
        doc: dict[str, Any] = {
            "_id": device_id,
            "_deviceId": {"_Manufacturer": "Huawei", "_OUI": "00E0FC", "_ProductClass": product,
                          "_SerialNumber": serial},
            "_lastInform": _now(),
            "_registered": _now(),
        }  # fmt: skip
        if model == "TR-098":
            _put(doc, "InternetGatewayDevice.DeviceInfo.ModelName", _leaf(product, False))
            _put(doc, f"{_WLAN}.SSID", _leaf(ssid))
            key = f"{_WLAN}.KeyPassphrase" if direct_passphrase else f"{_WLAN}.PreSharedKey.1.KeyPassphrase"
            _put(doc, key, _leaf(passphrase))
            if pppoe_user:
                _put(doc, PPP_098, _leaf(pppoe_user))
            if rx_power is not None:
                _put(
                    doc,
                    "InternetGatewayDevice.WANDevice.1.X_GponInterafceConfig.RXPower",
                    _leaf(rx_power, False),
                )
        else:
            _put(doc, "Device.DeviceInfo.ModelName", _leaf(product, False))
            _put(doc, "Device.WiFi.SSID.1.SSID", _leaf(ssid))
            _put(doc, "Device.WiFi.AccessPoint.1.Security.KeyPassphrase", _leaf(passphrase))
            if pppoe_user:
                _put(doc, "Device.PPP.Interface.1.Username", _leaf(pppoe_user))
            if rx_power is not None:
                _put(doc, "Device.Optical.Interface.1.OpticalSignalLevel", _leaf(rx_power, False, "xsd:int"))
        self.devices[device_id] = doc
        self.online[device_id] = online
        return device_id

    def value(self, device_id: str, path: str) -> Any:
        node = _get(self.devices[device_id], path)
        return node.get("_value") if isinstance(node, dict) else None

    def set_value(self, device_id: str, path: str, value: Any) -> None:
        """What the device would report next (e.g. a new RX power)."""
        node = _get(self.devices[device_id], path)
        assert isinstance(node, dict), path
        node["_device_value"] = value

    # -- the NBI ------------------------------------------------------------------------------

    def _matches(self, doc: dict[str, Any], query: dict[str, Any]) -> bool:
        for key, wanted in query.items():
            if key.startswith("_"):
                node = _get(doc, key)
            else:
                leaf = _get(doc, key)
                node = leaf.get("_value") if isinstance(leaf, dict) else None
            if node != wanted:
                return False
        return True

    def _refused(self, request: web.Request) -> web.Response | None:
        if self.fail_with is not None:
            return web.Response(status=self.fail_with, text="Internal Server Error")
        if self.auth is not None and request.headers.get("Authorization") != self.auth:
            return web.Response(status=401, text="Unauthorized")
        return None

    async def _devices(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        try:
            query = json.loads(request.query.get("query", "{}"))
        except ValueError:
            return web.Response(status=400, text="Invalid query")
        found = [doc for doc in self.devices.values() if self._matches(doc, query)]
        projection = [p for p in request.query.get("projection", "").split(",") if p]
        if projection:
            found = [_project(doc, projection) for doc in found]
        return web.json_response(found)

    def _run(self, device_id: str, task: dict[str, Any]) -> None:
        doc = self.devices[device_id]
        name = task["name"]
        if name == "setParameterValues":
            for path, value, *_type in task["parameterValues"]:
                _put(doc, path, _leaf(value))
        elif name in ("getParameterValues", "refreshObject"):
            paths = task.get("parameterNames") or [task.get("objectName", "")]
            for path in paths:
                node = _get(doc, path)
                if isinstance(node, dict) and "_value" in node:
                    node["_value"] = node.pop("_device_value", node["_value"])
                    node["_timestamp"] = _now()
        elif name == "reboot":
            self.reboots[device_id] = self.reboots.get(device_id, 0) + 1
        doc["_lastInform"] = _now()

    async def _task(self, request: web.Request) -> web.Response:
        if (refused := self._refused(request)) is not None:
            return refused
        device_id = request.match_info["device_id"]  # aiohttp has percent-decoded it
        if device_id not in self.devices:
            return web.Response(status=404, text="No such device")
        try:
            task = await request.json()
        except ValueError:
            return web.Response(status=400, text="Invalid JSON")
        if not isinstance(task, dict) or task.get("name") not in TASKS:
            return web.Response(status=400, text="Invalid task")
        stored = {**task, "_id": f"{next(self._ids):024x}", "device": device_id, "timestamp": _now()}
        immediate = "connection_request" in request.query and self.online.get(device_id, False)
        self.tasks.append({**stored, "status": 200 if immediate else 202})
        if immediate:
            self._run(device_id, task)
            return web.json_response(stored, status=200)
        self.pending.append(stored)
        return web.json_response(stored, status=202)

    def inform(self, device_id: str) -> int:
        """The device contacts GenieACS (periodic inform): its queued tasks run; returns how many."""
        mine = [t for t in self.pending if t["device"] == device_id]
        self.pending = [t for t in self.pending if t["device"] != device_id]
        for task in mine:
            self._run(device_id, task)
        return len(mine)

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> int:
        application = web.Application()
        application.router.add_get("/devices", self._devices)
        application.router.add_get("/devices/", self._devices)
        application.router.add_post("/devices/{device_id}/tasks", self._task)
        self._runner = web.AppRunner(application, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> GenieAcsDouble:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
