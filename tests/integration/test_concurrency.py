"""Several real ``antena`` processes at once against one database (SQLite or PostgreSQL): money and
access change exactly once.

Each process imports the CLI, says it is ready, and waits at a gate; the test opens the gate when
all are ready, so the commands really start at the same moment (no fixed sleeps).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from antena.core.config import Settings
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment, PaymentAllocation
from antena.core.db.models import Client, ClientStatus, ClientStatusChange
from antena.core.db.router_tasks import RouterTask
from tests.helpers import cli, cli_centro, fetch
from tests.integration.test_cli_payments import CUTOFF, add_invoice, listed

GATED = """
import os, pathlib, sys, time
from antena.cli.main import main
pathlib.Path(os.environ["ANTENA_TEST_READY"]).joinpath(str(os.getpid())).touch()
gate, deadline = pathlib.Path(os.environ["ANTENA_TEST_GATE"]), time.monotonic() + 120
while not gate.exists() and time.monotonic() < deadline:
    time.sleep(0.002)
sys.argv = ["antena", *sys.argv[1:]]
main()
"""


def together(tmp_path: Path, *commands: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Start every command as its own process and release them at the same moment."""
    ready, gate = tmp_path / "ready", tmp_path / "gate"
    ready.mkdir(exist_ok=True)
    gate.unlink(missing_ok=True)
    for old in ready.iterdir():
        old.unlink()
    env = {**os.environ, "ANTENA_TEST_READY": str(ready), "ANTENA_TEST_GATE": str(gate)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", GATED, *cmd],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for cmd in commands
    ]
    deadline = time.monotonic() + 120  # a loaded 2-core machine imports slowly
    while len(list(ready.iterdir())) < len(procs):
        assert time.monotonic() < deadline, "the processes never became ready"
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs if p.poll() is not None]
        time.sleep(0.02)
    gate.touch()
    out = []
    for cmd, p in zip(commands, procs, strict=True):
        stdout, stderr = p.communicate(timeout=180)
        out.append(subprocess.CompletedProcess(cmd, p.returncode, stdout, stderr))
    return out


@pytest.fixture
def setup(cli_env: Settings, threaded_emulator):  # type: ignore[no-untyped-def]
    cli_centro(threaded_emulator.port)
    return threaded_emulator


def _juan(url: str) -> int:
    return int(fetch(url, select(Client.id).where(Client.name == "Juan Pérez"))[0][0])


def test_five_processes_paying_one_invoice_make_one_payment(setup, cli_env: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    number = add_invoice(url, _juan(url))
    results = together(tmp_path, *[["payment", "add", str(number)] for _ in range(5)])
    ok = [r for r in results if r.returncode == 0]
    refused = [r for r in results if r.returncode != 0]
    assert len(ok) == 1, [(r.returncode, r.stdout, r.stderr) for r in results]
    for r in refused:
        assert r.returncode == 1 and f"Invoice {number} is already paid" in r.stderr, (r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
    assert fetch(url, select(func.count(Payment.id)))[0][0] == 1
    assert fetch(url, select(func.sum(PaymentAllocation.amount)))[0][0] == Decimal("400.00")
    ((status, paid),) = fetch(url, select(Invoice.status, Invoice.paid_amount))
    assert (status, paid) == (InvoiceStatus.PAID, Decimal("400.00"))
    assert fetch(url, select(Client.balance))[0][0] == Decimal("0.00"), "no credit from a double payment"


def test_two_cutoff_runs_at_once_suspend_each_client_once(setup, cli_env: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    for name, ip in (("Ana Díaz", "10.0.0.6"), ("Beto Ruiz", "10.0.0.7")):
        assert cli("clients", "add", "--name", name, "--zone", "Centro", "--router", "RB-Centro",
                   "--plan", "PCQ 15M", "--ip", ip).exit_code == 0  # fmt: skip
    for cid in fetch(url, select(Client.id)):
        add_invoice(url, cid[0])
    results = together(tmp_path, *[["cutoff", "run", "--date", CUTOFF.isoformat()] for _ in range(2)])
    assert all(r.returncode == 0 for r in results), [(r.stdout, r.stderr) for r in results]
    suspensions = fetch(
        url,
        select(ClientStatusChange.client_id, func.count())
        .where(ClientStatusChange.status == ClientStatus.SUSPENDED)
        .group_by(ClientStatusChange.client_id),
    )
    assert sorted(n for _cid, n in suspensions) == [1, 1, 1], "one suspension per client, not two"
    assert fetch(url, select(func.count(RouterTask.id)).where(RouterTask.kind == "suspend"))[0][0] == 3
    assert listed(setup) == ["10.0.0.5", "10.0.0.6", "10.0.0.7"]
    said = " ".join(r.stdout for r in results)
    assert "3 clients suspended" in said and "0 clients suspended" in said


def test_a_payment_during_the_cutoff_leaves_the_client_connected(setup, cli_env: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    number = add_invoice(url, _juan(url))
    results = together(
        tmp_path, ["cutoff", "run", "--date", CUTOFF.isoformat()], ["payment", "add", str(number)]
    )
    # 75: the reconnection is queued because the other process held the router's queue just then
    assert all(r.returncode in (0, 75) for r in results), [(r.stdout, r.stderr) for r in results]
    assert fetch(url, select(func.count(Payment.id)))[0][0] == 1
    assert fetch(url, select(Client.status))[0][0] is ClientStatus.ACTIVE
    assert cli("tasks", "retry", "all").exit_code == 0  # what `antena run`'s worker does
    assert listed(setup) == [], "whichever went first, the router ends with the client connected"


def test_a_payment_during_the_invoice_run(setup, cli_env: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    number = add_invoice(url, _juan(url))
    issue = CUTOFF.replace(day=28) if CUTOFF.day < 28 else CUTOFF
    results = together(
        tmp_path, ["billing", "run", "--date", issue.isoformat()], ["payment", "add", str(number)]
    )
    assert all(r.returncode == 0 for r in results), [(r.stdout, r.stderr) for r in results]
    assert "locked" not in " ".join(r.stderr for r in results)
    invoices = fetch(url, select(Invoice.number, Invoice.status).order_by(Invoice.number))
    assert len(invoices) == 2 and invoices[0] == (number, InvoiceStatus.PAID)
    assert fetch(url, select(func.count(Payment.id)))[0][0] == 1


def test_the_same_reference_twice_is_one_payment(setup, cli_env: Settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = cli_env.database_url
    juan = _juan(url)
    first = add_invoice(url, juan, total="100.00")
    earlier = (CUTOFF.replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the month before
    second = add_invoice(url, juan, due=earlier, total="100.00")
    results = together(
        tmp_path,
        ["payment", "add", str(first), "--method", "transferencia", "--reference", "SPEI 777"],
        ["payment", "add", str(second), "--method", "transferencia", "--reference", "SPEI 777"],
    )
    assert sorted(r.returncode for r in results) == [0, 1], [(r.stdout, r.stderr) for r in results]
    refused = next(r for r in results if r.returncode == 1)
    assert "Reference SPEI 777 was already used" in refused.stderr
    assert fetch(url, select(func.count(Payment.id)))[0][0] == 1

