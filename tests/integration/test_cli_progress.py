"""Long commands draw a progress bar on a terminal (a pseudo-terminal here, through pexpect) and
print no bar when their output is piped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from antena.core.config import Settings
from tests.helpers import cli

ANTENA = str(Path(sys.executable).with_name("antena"))
BAR = "━"  # rich's bar


def _env(settings: Settings, locale: str = "en") -> dict[str, str]:
    return {
        **os.environ,
        "ANTENA_DATABASE_URL": settings.database_url,
        "ANTENA_DATA_DIR": str(settings.data_dir),
        "ANTENA_SECRET_KEY": "test-secret-key-not-for-production",
        "ANTENA_LOCALE": locale,
        "COLUMNS": "100",
        "TERM": "xterm",
    }


@pytest.fixture
def csv_file(cli_env: Settings, tmp_path: Path) -> Path:
    for args in (
        ["zone", "add", "--name", "Centro", "--issue-day", "28", "--notice-day", "30", "--pay-day", "1",
         "--cutoff-day", "5"],
        ["router", "add", "--name", "RB", "--host", "127.0.0.1", "--username", "api", "--zone", "Centro",
         "--no-api"],
        ["plan", "add", "--name", "Cola 10M", "--type", "simple-queue", "--price", "350", "--download", "10M",
         "--upload", "5M"],
    ):  # fmt: skip
        assert cli(*args).exit_code == 0
    path = tmp_path / "clientes.csv"
    rows = ["name,zone,router,plan,ip"] + [
        f"Cliente {n},Centro,RB,Cola 10M,10.9.{n // 250}.{n % 250 + 1}" for n in range(600)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _on_terminal(settings: Settings, *args: str, locale: str = "en") -> tuple[int, str]:
    child = pexpect.spawn(
        ANTENA, list(args), env=_env(settings, locale), encoding="utf-8", timeout=120, dimensions=(40, 100)
    )
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus or 0), str(child.before)


def _piped(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ANTENA, *args], env=_env(settings), capture_output=True, text=True, timeout=120)


def test_import_export_and_billing_show_a_bar_on_a_terminal(
    cli_env: Settings, csv_file: Path, tmp_path: Path
) -> None:
    code, screen = _on_terminal(cli_env, "clients", "import", str(csv_file))
    assert code == 0, screen
    assert "Importing clients" in screen and BAR in screen and "1200/1200" in screen
    assert "600 created" in screen or "600" in screen

    code, screen = _on_terminal(cli_env, "clients", "export", str(tmp_path / "out.csv"))
    assert code == 0 and "Exporting clients" in screen and "600/600" in screen, screen

    code, screen = _on_terminal(cli_env, "clients", "export", str(tmp_path / "out.csv"), locale="es")
    assert code == 0 and "Exportando clientes" in screen, screen

    code, screen = _on_terminal(cli_env, "billing", "run", "--date", "2026-05-28")
    assert code == 0 and "Issuing invoices" in screen and "601/601" in screen, screen


def test_piped_output_has_no_bar(cli_env: Settings, csv_file: Path, tmp_path: Path) -> None:
    done = _piped(cli_env, "clients", "import", str(csv_file))
    assert done.returncode == 0, done.stderr
    assert BAR not in done.stdout + done.stderr and "Importing clients" not in done.stdout + done.stderr
    done = _piped(cli_env, "clients", "export", "-")
    assert done.returncode == 0 and done.stdout.count("\n") == 601
    assert BAR not in done.stdout + done.stderr
    done = _piped(cli_env, "billing", "run", "--date", "2026-05-28")
    assert done.returncode == 0 and BAR not in done.stdout + done.stderr


def test_drift_repair_and_bulk_suspend_show_a_bar(cli_env: Settings, threaded_emulator) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import cli_centro

    emu = threaded_emulator
    cli_centro(emu.port, ["clients", "add", "--name", "Ana Peña", "--zone", "Centro", "--router", "RB-Centro",
                          "--plan", "PCQ 15M", "--ip", "10.0.0.6"])  # fmt: skip
    emu.clear("/ip/firewall/address-list")
    code, screen = _on_terminal(cli_env, "router", "drift", "RB-Centro", "--repair")
    assert code == 0 and "Repairing RB-Centro" in screen and BAR in screen and "2/2" in screen, screen

    code, screen = _on_terminal(cli_env, "clients", "suspend", "juan", "ana", "--yes")
    assert code == 0 and "Router changes" in screen and BAR in screen and "2/2" in screen, screen
    done = _piped(cli_env, "clients", "activate", "juan", "ana", "--yes")
    assert done.returncode == 0 and BAR not in done.stdout + done.stderr
