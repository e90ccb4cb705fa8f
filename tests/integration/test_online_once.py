"""An online payment is applied exactly once, whatever happens while its webhook is processed.

Processing an event is one unit of work (the claim of the provider payment, the payment with its
reconnection and messages, the event's outcome, the cashiers' notice): a process that dies before
the commit leaves the event as it was received and the provider's next delivery applies it; a real
``antena run`` that dies at the contract's failpoint ``payment.committed`` (right after that commit,
before any router or message I/O) has paid once, and once it runs again the worker reconnects the
client on the emulator and tells the cashiers, while the provider's retry changes nothing. Deliveries
of the same payment at the same moment (the event twice, its twin) make one payment."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from antena.core import staff
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients import lifecycle
from antena.core.db.billing_models import Invoice, InvoiceStatus, Payment, PaymentMethod
from antena.core.db.message_models import Message, MessageStatus
from antena.core.db.models import Client, ClientStatus
from antena.core.db.pay_models import ProviderPayment
from antena.core.db.router_tasks import RouterTask
from antena.core.failpoints import EXIT_STATUS
from antena.core.payments import references
from antena.core.payments.apply import process
from antena.core.payments.port import WebhookRequest
from antena.core.payments.providers import provider
from antena.core.payments.webhooks import receive, store_notice
from antena.doubles.conekta import ConektaDouble
from antena.doubles.telegram import TelegramDouble
from tests.helpers import free_port
from tests.integration.online_helpers import conekta, counts, events, payments, wait_until
from tests.integration.payment_helpers import client, invoice, suspended_ips
from tests.integration.test_failpoints import ANTENA, STARTUP, _env

__all__ = ["conekta"]
CASHIER = 3003


@pytest.fixture
def settings(settings: Any, conekta: ConektaDouble) -> Any:
    from pydantic import SecretStr

    return settings.model_copy(
        update={
            "conekta_api_key": SecretStr(conekta.api_key),
            "conekta_webhook_key": SecretStr(conekta.public_key),
            "conekta_api_url": conekta.base_url,
        }
    )


async def debtor(app: App, isp: Any) -> tuple[Client, int, str]:
    """Ana, suspended on the emulator for a 350.00 invoice ten days overdue; her OXXO reference."""
    async with app.uow() as uow:
        await staff.add_staff(uow, Actor.cli(), telegram_id=CASHIER, name="Cajera", role="cashier")
    ana = await client(app, isp, "Ana López", "10.0.0.9", phone="+525512345678")
    number = await invoice(app, ana.id, app.clock.today() - dt.timedelta(days=10), "350.00")
    await app.perform(lifecycle.suspend, Actor.cli(), [ana.id])
    assert suspended_ips(isp.emulator) == ["10.0.0.9"]
    refs = await references.create_references(app, Actor.cli(), ana.id)
    return ana, number, refs.oxxo


def signed(conekta: ConektaDouble, event: dict[str, Any]) -> WebhookRequest:
    body = conekta.encode(event)
    return WebhookRequest(body, {"digest": conekta.sign(body)}, {})


async def scalar(app: App, query: Any) -> Any:
    async with app.reader() as uow:
        return await uow.session.scalar(query)


async def staff_notices(app: App) -> list[Message]:
    async with app.reader() as uow:
        found = await uow.session.scalars(select(Message).where(Message.staff_chat_id.is_not(None)))
        return list(found)


async def test_a_crash_before_the_commit_leaves_the_event_as_received(
    app: App, isp: Any, conekta: ConektaDouble
) -> None:
    ana, number, oxxo = await debtor(app, isp)
    request = signed(conekta, conekta.pay(oxxo, 35000))
    conekta_ = provider(app, "conekta")
    notice = conekta_.parse(request)
    stored = await app.perform(store_notice, "conekta", notice)
    event = await conekta_.resolve(notice)

    async with app.uow() as uow:  # the whole event is processed ...
        assert await process(uow, stored.row_id, event) == "applied"
        # ... and the process dies before the commit

    assert await counts(app) == (1, 0)
    (row,) = await events(app)
    assert row.status == "received" and row.local_payment_id is None
    assert await scalar(app, select(func.count()).select_from(ProviderPayment)) == 0, "no claim left"
    assert await scalar(app, select(Invoice.status).where(Invoice.number == number)) is InvoiceStatus.PENDING
    assert await scalar(app, select(Client.status).where(Client.id == ana.id)) is ClientStatus.SUSPENDED
    assert (
        await scalar(app, select(func.count()).select_from(RouterTask).where(RouterTask.kind == "activate"))
        == 0
    )
    assert await staff_notices(app) == [], "nobody is told of a payment that did not happen"

    retried = await receive(app, "conekta", request)  # the provider's next delivery
    again = await receive(app, "conekta", request)

    assert (retried.status, retried.repeated) == ("applied", True)
    assert (again.status, again.repeated) == ("applied", True)
    (payment,) = await payments(app)
    assert payment.method is PaymentMethod.OXXO and payment.client_id == ana.id
    assert suspended_ips(isp.emulator) == [], "reconnected after the commit"
    assert [m.event for m in await staff_notices(app)] == ["staff.online_payment"]


async def test_a_claim_left_by_an_older_version_is_repaired_never_paid_twice(
    app: App, isp: Any, conekta: ConektaDouble
) -> None:
    """Versions that registered in a transaction of their own could die between the two, leaving
    the provider payment "applying": its retry records the payment made, or makes the one missing."""
    ana, number, oxxo = await debtor(app, isp)
    await invoice(app, ana.id, app.clock.today() + dt.timedelta(days=20), "350.00")
    paid = [signed(conekta, conekta.pay(oxxo, 35000)) for _ in range(2)]
    conekta_ = provider(app, "conekta")
    for request in paid:
        notice = conekta_.parse(request)
        await app.perform(store_notice, "conekta", notice)
        async with app.uow() as uow:
            uow.session.add(ProviderPayment(provider="conekta", payment_id=notice.payment_id,
                                            status="applying", claimed_at=app.clock.now()))  # fmt: skip
            await uow.commit()
    from antena.core.billing.payments import register_payment

    order = conekta_.parse(paid[0]).payment_id
    await app.perform(register_payment, Actor(name="conekta", channel="webhook"), [number], "350.00",
                      "oxxo", reference=order)  # fmt: skip

    assert (await receive(app, "conekta", paid[0])).status == "applied"
    assert (await receive(app, "conekta", paid[1])).status == "applied"
    assert [p.reference for p in await payments(app)] == [order, conekta_.parse(paid[1]).payment_id]
    assert [e.status for e in await events(app)] == ["applied", "applied"]


async def test_the_same_payment_delivered_at_once_is_paid_once(
    app: App, isp: Any, conekta: ConektaDouble
) -> None:
    _ana, _number, oxxo = await debtor(app, isp)
    event = conekta.pay(oxxo, 35000)
    twin = conekta.charge_event(event["data"]["object"]["id"])
    requests = [signed(conekta, event), signed(conekta, event), signed(conekta, twin)]

    outcomes = await asyncio.gather(*(receive(app, "conekta", r) for r in requests))

    statuses = [o.status for o in outcomes]  # whichever of the two events came first applied
    assert "applied" in statuses and set(statuses) <= {"applied", "duplicate"}, statuses
    assert outcomes[0].status == outcomes[1].status, "the same event answers the same"
    assert await counts(app) == (2, 1), "two events stored, one payment"
    assert len(await staff_notices(app)) == 1, "the cashier hears of it once"


async def _healthy(base: str, proc: asyncio.subprocess.Process, log: Path) -> None:
    """Wait until the web server answers (a loaded machine can take 30 s to start ``antena run``)."""
    deadline = asyncio.get_running_loop().time() + STARTUP
    async with httpx.AsyncClient(timeout=2) as http:
        while True:
            assert proc.returncode is None, log.read_text()
            try:
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert asyncio.get_running_loop().time() < deadline, log.read_text()
            await asyncio.sleep(0.1)


async def _run(env: dict[str, str], cwd: Path, log: Path, *args: str) -> asyncio.subprocess.Process:
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            ANTENA, "run", *args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT
        )


@pytest.fixture
async def telegram() -> AsyncIterator[TelegramDouble]:
    async with TelegramDouble() as double:
        yield double


async def test_antena_dies_after_the_payment_commits_and_converges_on_restart(
    app: App, isp: Any, conekta: ConektaDouble, telegram: TelegramDouble, tmp_path: Path
) -> None:
    ana, number, oxxo = await debtor(app, isp)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    conekta.webhook_url = f"{base}/pagos/conekta/webhook"
    settings = {
        "ANTENA_PORTAL_BIND": f"127.0.0.1:{port}",
        "ANTENA_PORTAL_URL": base,
        "ANTENA_CONEKTA_API_KEY": conekta.api_key,
        "ANTENA_CONEKTA_WEBHOOK_KEY": conekta.public_key,
        "ANTENA_CONEKTA_API_URL": conekta.base_url,
    }
    event = conekta.pay(oxxo, 35000)

    log = tmp_path / "run-1.log"
    proc = await _run(_env(app, tmp_path, ANTENA_FAILPOINT="payment.committed", **settings), tmp_path, log,
                      "--only", "portal")  # fmt: skip
    try:
        await _healthy(base, proc, log)
        with pytest.raises(httpx.HTTPError):  # the process dies while the provider waits
            await conekta.deliver(event)
        assert await asyncio.wait_for(proc.wait(), timeout=STARTUP) == EXIT_STATUS, log.read_text()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()

    (payment,) = await payments(app)
    assert payment.reference == event["data"]["object"]["id"] and payment.client_id == ana.id
    assert await scalar(app, select(Invoice.status).where(Invoice.number == number)) is InvoiceStatus.PAID
    assert await scalar(app, select(Client.status).where(Client.id == ana.id)) is ClientStatus.ACTIVE
    assert [(e.status, e.local_payment_id) for e in await events(app)] == [("applied", payment.id)]
    (notice,) = await staff_notices(app)
    assert (notice.event, notice.status) == ("staff.online_payment", MessageStatus.PENDING)
    assert suspended_ips(isp.emulator) == ["10.0.0.9"], "no router I/O happened before the crash"

    log = tmp_path / "run-2.log"
    env = _env(app, tmp_path, ANTENA_TELEGRAM_TOKEN=telegram.token, ANTENA_TELEGRAM_API_URL=telegram.base_url,
               **settings)  # fmt: skip
    proc = await _run(env, tmp_path, log)
    try:
        await _healthy(base, proc, log)
        retry = await conekta.deliver(event)  # the provider never got its 200: it delivers again
        assert retry.status_code == 200 and retry.json()["status"] == "applied" and retry.json()["repeated"]
        await wait_until(lambda: _reconnected(isp), timeout=STARTUP)
        line = await telegram.wait_for_message(
            CASHIER, lambda r: "OXXO" in str(r.get("text")), timeout=STARTUP
        )
        assert "Ana López" in line["text"] and "Service reconnected." in line["text"]
    finally:
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), timeout=60)
    assert proc.returncode == 0 and "Traceback" not in log.read_text(), log.read_text()
    assert await scalar(app, select(func.count()).select_from(Payment)) == 1, "paid once"
    assert [m.status for m in await staff_notices(app)] == [MessageStatus.SENT], "told once"
    assert len([r for r in telegram.sent(CASHIER) if "OXXO" in str(r.get("text"))]) == 1


async def _reconnected(isp: Any) -> bool:
    return suspended_ips(isp.emulator) == []
