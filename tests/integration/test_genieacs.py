"""TR-069 devices through the GenieACS NBI double over HTTP: Wi-Fi on TR-098 and TR-181, a device
that is not reachable now (202, queued), reboot, the ONU's RX power, and GenieACS itself failing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from antena.core import equipment, tr069, wifi_change
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients.edits import add_client
from antena.core.clients.records import ClientData
from antena.core.db.models import AuditLog
from antena.core.errors import CoreError, NotAllowed, NotFound
from antena.core.genieacs import AcsError
from antena.doubles.genieacs import GenieAcsDouble
from tests.helpers import free_port

WLAN = "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1"
RX_098 = "InternetGatewayDevice.WANDevice.1.X_GponInterafceConfig.RXPower"


@pytest.fixture
async def acs(app: App) -> AsyncIterator[GenieAcsDouble]:
    async with GenieAcsDouble() as double:
        app.settings = app.settings.model_copy(update={"genieacs_url": double.url, "genieacs_timeout": 2.0})
        yield double


async def _client(app: App, name: str, user: str, ip: str) -> int:
    client, _ = await app.perform(add_client, Actor.cli(),
        ClientData(name=name, zone="Centro", router="RB-Centro", plan="PPPoE 10M", ip=ip, service_user=user),
    )
    return client.id


async def test_wifi_on_a_tr098_device_found_by_its_serial(app: App, isp: Any, acs: GenieAcsDouble) -> None:
    juan = await _client(app, "Juan Pérez", "juan", "10.0.0.5")
    device = acs.add_device("HWTC1234", model="TR-098")
    said = await wifi_change.set_cpe(app, Actor.cli(), juan, kind="genieacs", host="", serial="hwtc1234")
    assert "HWTC1234" in said
    done = await wifi_change.change_wifi(app, Actor.cli(), juan, "MiCasa", "clave-secreta")
    assert "applied" in done and "TR-098" in done
    assert acs.value(device, f"{WLAN}.SSID") == "MiCasa"
    assert acs.value(device, f"{WLAN}.PreSharedKey.1.KeyPassphrase") == "clave-secreta"
    (task,) = acs.tasks
    assert task["name"] == "setParameterValues" and task["status"] == 200


async def test_wifi_on_a_tr181_device_found_by_pppoe_user(app: App, isp: Any, acs: GenieAcsDouble) -> None:
    ana = await _client(app, "Ana López", "ana", "10.0.0.9")
    acs.add_device("OTHER1", model="TR-181", pppoe_user="someone-else")
    device = acs.add_device("ZTEG5678", model="TR-181", pppoe_user="ana", product="F670L")
    await wifi_change.set_cpe(app, Actor.cli(), ana, kind="genieacs", host="")
    done = await wifi_change.change_wifi(app, Actor.cli(), ana, "Red Ana", "otra-clave-123")
    assert "TR-181" in done and "ZTEG5678" in done
    assert acs.value(device, "Device.WiFi.SSID.1.SSID") == "Red Ana"
    assert acs.value(device, "Device.WiFi.AccessPoint.1.Security.KeyPassphrase") == "otra-clave-123"


async def test_a_tr098_device_with_keypassphrase_and_one_that_is_offline(
    app: App, isp: Any, acs: GenieAcsDouble
) -> None:
    juan = await _client(app, "Juan Pérez", "juan", "10.0.0.5")
    device = acs.add_device("TPLK0001", direct_passphrase=True, pppoe_user="juan", online=False)
    await wifi_change.set_cpe(app, Actor.cli(), juan, kind="genieacs", host="")
    done = await wifi_change.change_wifi(app, Actor.cli(), juan, "Juan 5G", "clave-secreta")
    assert "queued" in done
    assert acs.value(device, f"{WLAN}.SSID") == "Casa"  # not yet: it waits for the device
    assert acs.inform(device) == 1
    assert acs.value(device, f"{WLAN}.SSID") == "Juan 5G"
    assert acs.value(device, f"{WLAN}.KeyPassphrase") == "clave-secreta"


async def test_reboot_and_rx_power(app: App, isp: Any, acs: GenieAcsDouble) -> None:
    juan = await _client(app, "Juan Pérez", "juan", "10.0.0.5")
    device = acs.add_device("HWTC1234", pppoe_user="juan")
    done = await tr069.reboot(app, Actor.cli(), juan)
    assert done.done and acs.reboots[device] == 1
    async with app.reader() as uow:
        audit = (await uow.session.scalars(select(AuditLog).where(AuditLog.action == "cpe.reboot"))).one()
    assert device in str(audit.arguments)

    acs.set_value(device, RX_098, "-21.30")
    power = await tr069.onu_power(app, juan)
    assert power.reading.fresh and power.reading.path == RX_098
    assert power.reading.value == "-21.30" and power.reading.dbm == pytest.approx(-21.3)

    acs.online[device] = False
    acs.set_value(device, RX_098, "-25.00")
    stale = await tr069.onu_power(app, juan)
    assert not stale.reading.fresh and stale.reading.value == "-21.30"  # the last value GenieACS has
    assert stale.reading.read_at is not None
    queued = await tr069.reboot(app, Actor.cli(), juan)
    assert not queued.done and acs.reboots[device] == 1


async def test_a_tr181_onu_and_a_device_found_through_the_equipment_it_is(
    app: App, isp: Any, acs: GenieAcsDouble
) -> None:
    ana = await _client(app, "Ana López", "ana", "10.0.0.9")
    device = acs.add_device("ZTEG5678", model="TR-181", rx_power="-18.2")
    await app.perform(equipment.add_article, Actor.cli(), model="ZTE F670L", serial="zteg5678")
    await app.perform(equipment.assign, Actor.cli(), "ZTEG5678", ana)
    power = await tr069.onu_power(app, ana)
    assert power.reading.device.id == device
    assert power.reading.path == "Device.Optical.Interface.1.OpticalSignalLevel"


async def test_refusals_and_genieacs_down(app: App, isp: Any, acs: GenieAcsDouble) -> None:
    juan = await _client(app, "Juan Pérez", "juan", "10.0.0.5")
    with pytest.raises(NotFound, match="juan"):
        await tr069.reboot(app, Actor.cli(), juan)
    acs.add_device("HWTC1234", pppoe_user="juan")
    acs.fail_with = 500
    with pytest.raises(AcsError, match="500"):
        await tr069.reboot(app, Actor.cli(), juan)
    app.settings = app.settings.model_copy(update={"genieacs_url": f"http://127.0.0.1:{free_port()}"})
    with pytest.raises(AcsError, match="unreachable"):
        await tr069.onu_power(app, juan)
    await wifi_change.set_cpe(app, Actor.cli(), juan, kind="mikrotik", host="10.0.0.5")
    with pytest.raises(NotAllowed, match="mikrotik"):
        await tr069.reboot(app, Actor.cli(), juan)
    with pytest.raises(CoreError):
        await wifi_change.set_cpe(app, Actor.cli(), juan, kind="genieacs", host="", serial="bad serial!")
