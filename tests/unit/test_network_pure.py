"""Pure pieces of the network tools: counter deltas, what staff type for equipment, TR-069 paths,
RouterOS durations and the retention window."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antena.core.db.models import Role
from antena.core.equipment import parse_mac, parse_serial
from antena.core.errors import InvalidInput
from antena.core.genieacs import TR098, TR181, Device, data_model, wifi_task
from antena.core.routeros.monitor import duration_ms, pair
from antena.core.staff import may
from antena.core.usage.counters import NOTHING, Delta, Reading, delta
from antena.core.usage.history import oldest_kept, parse_month


def test_first_sight_only_sets_the_base() -> None:
    assert delta(None, Reading("*1", 10**12, 10**11), seconds=900) == NOTHING


def test_growth_reset_and_new_queue() -> None:
    before = Reading("*1", 1_000, 100)
    assert delta(before, Reading("*1", 3_000, 150), seconds=900) == Delta(2_000, 50)
    assert delta(before, Reading("*1", 400, 20), seconds=900) == Delta(400, 20, restarted=True)
    assert delta(before, Reading("*9", 5_000, 500), seconds=900) == Delta(5_000, 500, restarted=True)
    assert delta(before, Reading("*1", 9_000, 900), rebooted=True, seconds=900) == Delta(
        9_000, 900, restarted=True
    )


def test_an_impossible_jump_is_a_new_base_not_traffic() -> None:
    assert delta(Reading("*1", 0, 0), Reading("*2", 10**15, 0), seconds=60) == NOTHING


@given(
    st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**12), st.integers(0, 10**12),
    st.booleans(), st.booleans(),
)  # fmt: skip
def test_a_delta_is_never_negative_nor_more_than_the_counter_holds(
    down0: int, up0: int, down1: int, up1: int, same_queue: bool, rebooted: bool
) -> None:
    moved = delta(Reading("*1", down0, up0), Reading("*1" if same_queue else "*2", down1, up1),
                  rebooted=rebooted, seconds=900)  # fmt: skip
    assert 0 <= moved.down <= down1 and 0 <= moved.up <= up1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("aa:bb:cc:00:00:01", "AA:BB:CC:00:00:01"), ("AA-BB-CC-00-00-01", "AA:BB:CC:00:00:01"),
     ("aabb.cc00.0001", "AA:BB:CC:00:00:01"), ("aabbcc000001", "AA:BB:CC:00:00:01"), ("", None)],
)  # fmt: skip
def test_macs_in_every_usual_form(typed: str, stored: str | None) -> None:
    assert parse_mac(typed) == stored


@pytest.mark.parametrize(
    "bad", ["zz:11", "AA:BB:CC:00:00", "aabbcc00000１", "AA:BB:CC:00:00:01:02", "x" * 500]
)
def test_bad_macs_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_mac(bad)


def test_serials_are_trimmed_upper_case_and_plain() -> None:
    assert parse_serial("  hwtc-1234/a ") == "HWTC-1234/A"
    for bad in ("", "con espacio", "=cmd()", "٣٤٥", "A" * 65, "tab\there"):
        with pytest.raises(InvalidInput):
            parse_serial(bad)


def _device(doc: dict) -> Device:  # type: ignore[type-arg]
    return Device("id", data_model(doc), "SN", "HG8245H", None, doc)


def test_the_data_model_and_passphrase_path_come_from_the_device() -> None:
    wlan = {"SSID": {"_value": "x"}, "KeyPassphrase": {"_value": "y"}}
    direct = _device({"InternetGatewayDevice": {"LANDevice": {"1": {"WLANConfiguration": {"1": wlan}}}}})
    assert direct.model == TR098
    assert [p for p, *_ in wifi_task(direct, "Casa", "clave-123")["parameterValues"]] == [
        "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.SSID",
        "InternetGatewayDevice.LANDevice.1.WLANConfiguration.1.KeyPassphrase",
    ]
    unknown = _device({"InternetGatewayDevice": {}})
    assert wifi_task(unknown, "a", "b")["parameterValues"][1][0].endswith("PreSharedKey.1.KeyPassphrase")
    tr181 = _device({"Device": {}})
    assert tr181.model == TR181
    assert (
        wifi_task(tr181, "a", "b")["parameterValues"][1][0]
        == "Device.WiFi.AccessPoint.1.Security.KeyPassphrase"
    )


def test_routeros_durations_and_pairs() -> None:
    assert duration_ms("2ms673us") == pytest.approx(2.673)
    assert duration_ms("1h2m3s") == 3_723_000
    assert duration_ms("1w2d") == 9 * 86_400_000
    assert duration_ms("00:01:02") == 62_000
    assert duration_ms("") is None and duration_ms("soon") is None
    assert pair("123/456") == (123, 456) and pair(None) == (0, 0)


def test_thirteen_months_kept_and_months_typed_plainly() -> None:
    assert oldest_kept(dt.date(2026, 5, 20)) == dt.date(2025, 5, 1)  # May 2025 … May 2026: 13 months
    assert oldest_kept(dt.date(2026, 1, 1)) == dt.date(2025, 1, 1)
    assert parse_month("2026-05") == dt.date(2026, 5, 1)
    for bad in ("2026-13", "2026-00", "26-05", "2026/05", "1999-01", ""):
        with pytest.raises(InvalidInput):
            parse_month(bad)


def test_who_may_use_the_network_tools_and_the_warehouse() -> None:
    for role, allowed in [
        (Role.ADMIN, True),
        (Role.MANAGER, True),
        (Role.TECHNICIAN, True),
        (Role.CASHIER, False),
    ]:
        assert may(role, "network") is allowed and may(role, "equipment") is allowed
