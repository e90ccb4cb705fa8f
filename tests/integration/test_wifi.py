"""Customer Wi-Fi: the MikroTik CPE through the RouterOS emulator (v6 and v7), the ONU gateway
against its HTTP double, validation, audit without the password, the customer's message."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.message_models import Message
from antena.core.db.models import AuditLog
from antena.core.errors import InvalidInput, NotAllowed
from antena.core.routeros.emulator import RouterEmulator
from antena.core.wifi_change import DeviceError, change_wifi, set_cpe
from antena.doubles.onu import OnuDouble
from tests.integration.payment_helpers import client

ACTOR = Actor.cli()
WLAN = "/interface/wireless"
PROFILES = "/interface/wireless/security-profiles"


@pytest.fixture
async def cpe() -> Any:
    emu = RouterEmulator(username="admin", password="cpe-pass")
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def onu() -> Any:
    async with OnuDouble() as double:
        yield double


async def mikrotik_client(app: App, isp: Any, cpe: RouterEmulator) -> int:
    ana = await client(app, isp, "Ana López", "10.0.0.7")
    await set_cpe(app, ACTOR, ana.id, kind="mikrotik", host="127.0.0.1", port=cpe.port,
                  username="admin", password="cpe-pass")  # fmt: skip
    return ana.id


async def onu_client(app: App, isp: Any, onu: OnuDouble) -> int:
    ana = await client(app, isp, "Ana López", "10.0.0.7")
    await set_cpe(app, ACTOR, ana.id, kind="onu", host="127.0.0.1", port=onu.port)
    return ana.id


async def messages(app: App) -> list[Message]:
    async with app.uow() as uow:
        return list(await uow.session.scalars(select(Message).order_by(Message.id)))


async def audits(app: App) -> list[AuditLog]:
    async with app.uow() as uow:
        rows = await uow.session.scalars(select(AuditLog).where(AuditLog.action == "wifi.change"))
        return list(rows)


async def test_routeros_6_sets_ssid_on_both_bands_and_the_wpa2_key(
    app: App, isp: Any, cpe: RouterEmulator
) -> None:
    cpe.version = "6.49.10"
    profile = cpe.add_row(PROFILES, name="casa")
    cpe.add_row(WLAN, name="wlan1", band="2ghz-b/g/n", security_profile="casa")
    cpe.add_row(WLAN, name="wlan2", band="5ghz-a/n/ac", security_profile="casa")
    client_id = await mikrotik_client(app, isp, cpe)
    done = await change_wifi(app, ACTOR, client_id, "Casa Ana", "secreto123")
    assert "Casa Ana" in done and "wlan1" in done and "wlan2" in done
    assert [row["ssid"] for row in cpe.rows(WLAN)] == ["Casa Ana", "Casa Ana"]
    row = cpe.row(PROFILES, profile)
    assert row is not None
    assert row["wpa2-pre-shared-key"] == "secreto123"
    assert row["authentication-types"] == "wpa2-psk" and row["mode"] == "dynamic-keys"
    default = cpe.find(PROFILES, name="default")[0]
    assert default["wpa2-pre-shared-key"] == ""  # a profile no interface uses is left alone
    sent = await messages(app)
    assert [m.event for m in sent] == ["wifi_changed"] and sent[0].context["ssid"] == "Casa Ana"
    [entry] = await audits(app)
    assert entry.outcome == "ok" and "secreto123" not in str(entry.arguments)


async def test_routeros_7_sets_configuration_ssid_and_security_passphrase(
    app: App, isp: Any, cpe: RouterEmulator
) -> None:
    cpe.version = "7.16"
    cpe.add_row("/interface/wifi", name="wifi1")
    cpe.add_row("/interface/wifi", name="wifi2")
    client_id = await mikrotik_client(app, isp, cpe)
    await change_wifi(app, ACTOR, client_id, "Casa Ana", "secreto123")
    rows = cpe.rows("/interface/wifi")
    assert [r["configuration.ssid"] for r in rows] == ["Casa Ana", "Casa Ana"]
    assert [r["security.passphrase"] for r in rows] == ["secreto123", "secreto123"]


async def test_unreachable_mikrotik_is_a_clear_error_and_audited(
    app: App, isp: Any, cpe: RouterEmulator
) -> None:
    client_id = await mikrotik_client(app, isp, cpe)
    cpe.add_row("/interface/wifi", name="wifi1")
    cpe.unreachable = True
    with pytest.raises(DeviceError, match="unreachable"):
        await change_wifi(app, ACTOR, client_id, "Casa Ana", "secreto123")
    [entry] = await audits(app)
    assert entry.outcome.startswith("failed") and "secreto123" not in str(entry.arguments)
    assert await messages(app) == []


async def test_onu_gets_the_json_body(app: App, isp: Any, onu: OnuDouble) -> None:
    client_id = await onu_client(app, isp, onu)
    done = await change_wifi(app, ACTOR, client_id, 'Casa "Ana"', "secreto 123!")
    assert onu.received == [{"ssid": 'Casa "Ana"', "password": "secreto 123!"}]
    assert "ONU 127.0.0.1" in done


async def test_onu_body_and_url_are_configurable(app: App, isp: Any, onu: OnuDouble) -> None:
    app.settings = app.settings.model_copy(update={
        "onu_wifi_url": "http://{host}:" + str(onu.port) + "/wifi",
        "onu_wifi_body": '{"wifi": {"ssid_24": "{ssid}", "ssid_5": "{ssid}-5G", "key": "{password}"}}',
    })  # fmt: skip
    ana = await client(app, isp, "Ana López", "10.0.0.7")
    await set_cpe(app, ACTOR, ana.id, kind="onu", host="127.0.0.1")
    await change_wifi(app, ACTOR, ana.id, "Casa", "secreto123")
    assert onu.received == [{"wifi": {"ssid_24": "Casa", "ssid_5": "Casa-5G", "key": "secreto123"}}]


async def test_onu_failure_is_a_clear_error(app: App, isp: Any, onu: OnuDouble) -> None:
    client_id = await onu_client(app, isp, onu)
    onu.fail_with = 500
    with pytest.raises(DeviceError, match="The ONU answered 500"):
        await change_wifi(app, ACTOR, client_id, "Casa", "secreto123")
    assert await messages(app) == []


async def test_onu_unreachable(app: App, isp: Any, onu: OnuDouble) -> None:
    client_id = await onu_client(app, isp, onu)
    await onu.stop()
    with pytest.raises(DeviceError, match="ONU unreachable"):
        await change_wifi(app, ACTOR, client_id, "Casa", "secreto123")


@pytest.mark.parametrize(
    ("ssid", "password", "reason"),
    [
        ("", "secreto123", "cannot be empty"),
        ("x" * 33, "secreto123", "at most 32"),
        (" Casa", "secreto123", "start or end with a space"),
        ("Casa\tAna", "secreto123", "printable"),
        ("Casa", "corta", "between 8 and 63"),
        ("Casa", "x" * 64, "between 8 and 63"),
        ("Casa", "contraseña1", "ASCII"),
    ],
)
async def test_bad_ssid_or_password_is_refused_and_nothing_sent(
    app: App, isp: Any, onu: OnuDouble, ssid: str, password: str, reason: str
) -> None:
    client_id = await onu_client(app, isp, onu)
    with pytest.raises(InvalidInput, match=reason):
        await change_wifi(app, ACTOR, client_id, ssid, password)
    assert onu.received == [] and await messages(app) == []


async def test_no_device_configured(app: App, isp: Any) -> None:
    ana = await client(app, isp, "Ana López", "10.0.0.7")
    with pytest.raises(NotAllowed, match="No Wi-Fi device is configured"):
        await change_wifi(app, ACTOR, ana.id, "Casa", "secreto123")
    with pytest.raises(InvalidInput, match="mikrotik, onu"):
        await set_cpe(app, ACTOR, ana.id, kind="tplink", host="10.1.1.1")
