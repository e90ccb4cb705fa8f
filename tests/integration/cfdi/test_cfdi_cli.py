"""``antena clients fiscal`` and ``antena cfdi …`` through the real CLI, against the PAC double:
one line and an exit code for each outcome (0 done, 1 refused, 75 queued)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from antena.core.config import Settings
from antena.doubles.csd import make_test_csd
from antena.doubles.pac import PacDouble
from tests.helpers import cli, cli_centro

UUID = re.compile(r"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}")


@pytest.fixture
def cfdi_env(
    cli_env: Settings, threaded_pac: PacDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> PacDouble:
    csd = make_test_csd(tmp_path / "csd")
    for name, value in {
        "RFC": csd.rfc, "NAME": csd.name, "POSTAL_CODE": "42501", "CER_PATH": str(csd.cer),
        "KEY_PATH": str(csd.key), "KEY_PASSWORD": csd.password, "PAC_URL": threaded_pac.base_url,
        "PAC_TOKEN": threaded_pac.token,
    }.items():  # fmt: skip
        monkeypatch.setenv(f"ANTENA_CFDI_{name}", value)
    cli_centro(8728, router_options=("--no-api",))
    return threaded_pac


def paid_invoice(amount: str = "650") -> str:
    made = cli("invoice", "other", "juan", "--line", f"Router WiFi={amount}")
    assert made.exit_code == 0, made.stderr
    number = re.search(r"\d+", made.stdout)
    assert number is not None
    paid = cli("payment", "add", number.group(0))
    assert paid.exit_code == 0, paid.stderr
    return number.group(0)


def test_fiscal_data_stamp_xml_and_cancel_from_the_command_line(cfdi_env: PacDouble, tmp_path: Path) -> None:
    bad = cli(
        "clients",
        "fiscal",
        "juan",
        "--rfc",
        "XIQB891116QE5",
        "--name",
        "Juan",
        "--regime",
        "612",
        "--cp",
        "01000",
    )
    assert bad.exit_code == 1 and "check digit" in bad.stderr and bad.stderr.count("\n") == 1
    ok = cli(
        "clients",
        "fiscal",
        "juan",
        "--rfc",
        "xiqb891116qe4",
        "--name",
        "Juan Pérez",
        "--regime",
        "612",
        "--cp",
        "01000",
    )
    assert ok.exit_code == 0 and "RFC XIQB891116QE4" in ok.stdout and "JUAN PÉREZ" in ok.stdout
    assert "RFC XIQB891116QE4" in cli("clients", "fiscal", "juan").stdout

    number = paid_invoice()  # the payment queued it; `cfdi stamp` tries it now
    stamped = cli("cfdi", "stamp", number)
    assert stamped.exit_code == 0, stamped.stderr
    uuid = UUID.search(stamped.stdout)
    assert uuid is not None and cfdi_env.stamped[0]["uuid"] == uuid.group(0)
    again = cli("cfdi", "stamp", number)
    assert again.exit_code == 1 and "already stamped" in again.stderr

    written = cli("cfdi", "xml", number, "--out", str(tmp_path))
    assert written.exit_code == 0 and b"TimbreFiscalDigital" in Path(written.stdout.strip()).read_bytes()
    assert uuid.group(0) in cli("cfdi", "list").stdout

    needs = cli("cfdi", "cancel", number, "--reason", "01")
    assert needs.exit_code == 1 and "--replacement" in needs.stderr
    cancelled = cli("cfdi", "cancel", number, "--reason", "02")
    assert cancelled.exit_code == 0 and "cancelled (reason 02)" in cancelled.stdout
    assert cfdi_env.cancelled[0]["uuid"] == uuid.group(0)


def test_a_pac_that_does_not_answer_exits_75_and_bad_input_exits_1(cfdi_env: PacDouble) -> None:
    assert cli("clients", "fiscal", "juan", "--rfc", "XIQB891116QE4", "--name", "Juan", "--regime", "612",
               "--cp", "01000").exit_code == 0  # fmt: skip
    number = paid_invoice("400")
    cfdi_env.fail_next(503)
    queued = cli("cfdi", "stamp", number)
    assert queued.exit_code == 75 and "queued" in queued.stdout and "503" in queued.stdout
    for args, message in [
        (("cfdi", "stamp", "99999"), "No invoice"),
        (("cfdi", "stamp", "abc"), "invoice number"),
        (("cfdi", "global", "--month", "2026-13"), "Not a month"),
        (("cfdi", "cancel", number, "--reason", "09"), "Unknown cancellation reason"),
        (("clients", "fiscal", "juan", "--rfc", "XIQB891116QE4"), "missing"),
    ]:
        result = cli(*args)
        assert result.exit_code == 1 and message in result.stderr, (args, result.stderr)
