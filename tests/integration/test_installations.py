"""Installations: a sold client waits (no invoices), the visit is scheduled, and marking it done is
one transaction: contract active, service on the RouterOS emulator (over TCP), the first prorated
invoice, the customer told. Technicians act on their own visits only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from antena.core import staff
from antena.core.audit import Actor
from antena.core.billing.run import SkipReason, run_invoices
from antena.core.bootstrap import App
from antena.core.contracts import service
from antena.core.contracts.documents import prepare_upload
from antena.core.db.billing_models import Invoice
from antena.core.db.fieldwork_models import ContractStatus, Document, Installation, InstallationStatus
from antena.core.db.message_models import Message
from antena.core.db.models import AuditLog, Client, StaffUser
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.installations import list_installations, mark_done, parse_mac_serial, schedule
from antena.core.routeros.ops import Outcome
from tests.fieldwork_helpers import PNG_PHOTO, new_contract, sign, sold_client
from tests.helpers import cli, cli_centro
from tests.integration.payment_helpers import pin

ML = "/ip/firewall/address-list"


async def member(app: App, telegram_id: int, name: str, role: str) -> Actor:
    async with app.uow() as uow:
        await staff.add_staff(uow, Actor.cli(), telegram_id=telegram_id, name=name, role=role)
    async with app.reader() as uow:
        row = (await uow.session.scalars(select(StaffUser).where(StaffUser.telegram_id == telegram_id))).one()
    return Actor.telegram_staff(row)


def pcq_rows(emu: Any, client_id: int) -> list[dict[str, str]]:
    return [r for r in emu.rows(ML) if r.get("comment") == f"antena:{client_id}"]


async def test_scheduling_refuses_bad_dates_unknown_people_and_a_second_visit(app: App, isp: Any) -> None:
    pin(app, dt.date(2026, 6, 10))
    lucia = await sold_client(app, isp)
    await member(app, 1003, "Cajera", "cashier")
    with pytest.raises(InvalidInput, match="is in the past"):
        await app.perform(schedule, Actor.cli(), lucia.id, day=dt.date(2026, 6, 9))
    with pytest.raises(InvalidInput, match="more than a year away"):
        await app.perform(schedule, Actor.cli(), lucia.id, day=dt.date(2027, 8, 1))
    with pytest.raises(NotFound, match="Telegram id 4242"):
        await app.perform(schedule, Actor.cli(), lucia.id, day=dt.date(2026, 6, 12), technician="4242")
    with pytest.raises(InvalidInput, match="must be a number"):
        await app.perform(schedule, Actor.cli(), lucia.id, day=dt.date(2026, 6, 12), technician="１００４")
    with pytest.raises(InvalidInput, match="Cajera is a cashier"):
        await app.perform(schedule, Actor.cli(), lucia.id, day=dt.date(2026, 6, 12), technician=1003)
    with pytest.raises(NotFound, match="No client with id 999"):
        await app.perform(schedule, Actor.cli(), 999, day=dt.date(2026, 6, 12))
    visit = await app.perform(schedule, Actor.cli(), lucia.id, day=dt.date(2026, 6, 12))
    assert visit.first_service and visit.address == "Calle Hidalgo 12" and visit.phone == "+525512345678"
    with pytest.raises(NotAllowed, match="already has installation"):
        await app.perform(schedule, Actor.cli(), lucia.id, day=dt.date(2026, 6, 13))
    async with app.reader() as uow:
        assert list(await uow.session.scalars(select(Installation.id))) == [visit.id]


async def test_a_sold_client_waits_and_the_visit_starts_the_service(app: App, isp: Any) -> None:
    emu = isp.emulator
    tech = await member(app, 1004, "Técnico", "technician")
    pin(app, dt.date(2026, 5, 20))
    lucia = await sold_client(app, isp)
    assert pcq_rows(emu, lucia.id) == [], "sold, not installed: nothing on the router yet"
    made = await new_contract(app, lucia.id)
    await app.perform(schedule, Actor.cli(), lucia.id, day=dt.date(2026, 6, 20), technician=1004)
    run = await run_invoices(app, Actor.system(), dt.date(2026, 5, 28))
    assert lucia.id in run.skipped[SkipReason.AWAITING_INSTALLATION] and run.created == 0
    await sign(app, made.link or "")

    pin(app, dt.date(2026, 6, 20), hour=11)
    (visit,) = await list_for(app, tech)
    assert visit.client_name == "Lucía Núñez" and visit.unsigned_contract is None
    photo = prepare_upload("photo", PNG_PHOTO, app.settings.portal_max_upload)
    done = await app.perform(mark_done, tech, visit.id, mac="aa-bb-cc-dd-ee-01", serial="SN-777", photo=photo)

    assert [d.outcome for d in done.action.deliveries] == [Outcome.APPLIED]
    (entry,) = pcq_rows(emu, lucia.id)
    assert entry["address"] == "10.0.0.9" and entry["list"] == "pcq-15m"
    assert done.contract_id == made.contract.id and done.invoice_number is not None
    assert done.invoice_total == Decimal("128.33")  # 11 of 30 days of 350.00, from 20 June
    async with app.reader() as uow:
        invoice = (
            await uow.session.scalars(select(Invoice).where(Invoice.number == done.invoice_number))
        ).one()
        client = await uow.session.get(Client, lucia.id)
        stored = await uow.session.get(Installation, visit.id)
        contract = await service.contract_view(uow, made.contract.id)
        msg = (await uow.session.scalars(select(Message).where(Message.event == "installation_done"))).one()
        photo_doc = (await uow.session.scalars(select(Document).where(Document.kind == "photo"))).one()
        actions = set((await uow.session.scalars(select(AuditLog.action))).all())
    assert invoice.issue_date == dt.date(2026, 5, 28) and invoice.period_start == dt.date(2026, 6, 1)
    assert client is not None and client.installed_on == dt.date(2026, 6, 20)
    assert client.services[0].mac == "AA:BB:CC:DD:EE:01"
    assert stored is not None and stored.status is InstallationStatus.DONE and stored.serial == "SN-777"
    assert stored.photo_id == photo_doc.id and stored.invoice_id == invoice.id
    assert contract.status is ContractStatus.ACTIVE
    assert msg.client_id == lucia.id and msg.context["factura"] == str(done.invoice_number)
    assert {
        "installation.add",
        "installation.done",
        "contract.activate",
        "invoice.first",
        "contract.sign",
    } <= actions
    with pytest.raises(NotAllowed, match="already done"):
        await app.perform(mark_done, tech, visit.id)
    run = await run_invoices(app, Actor.system(), dt.date(2026, 6, 28))
    assert run.created == 1, "from now on the client is billed like any other"


async def list_for(app: App, actor: Actor, day: dt.date | None = None) -> list[Any]:
    async with app.reader() as uow:
        return await list_installations(uow, actor, day=day)


async def test_installed_after_the_next_run_the_first_invoice_is_that_whole_period(
    app: App, isp: Any
) -> None:
    pin(app, dt.date(2026, 5, 25))
    lucia = await sold_client(app, isp)
    visit = await app.perform(schedule, Actor.cli(), lucia.id, day=dt.date(2026, 5, 30))
    await run_invoices(app, Actor.system(), dt.date(2026, 5, 28))
    pin(app, dt.date(2026, 5, 30))
    done = await app.perform(mark_done, Actor.cli(), visit.id)
    assert (
        done.invoice_total == Decimal("350.00")
        and done.unsigned_contract is None
        and done.contract_id is None
    )
    async with app.reader() as uow:
        invoice = (await uow.session.scalars(select(Invoice))).one()
    assert invoice.period_start == dt.date(2026, 6, 1), "June was issued on 28 May while the client waited"


async def test_technicians_see_and_finish_only_their_own_visits(app: App, isp: Any) -> None:
    pin(app, dt.date(2026, 6, 10))
    ana = await member(app, 1004, "Ana Técnica", "technician")
    beto = await member(app, 1005, "Beto Técnico", "technician")
    cajera = await member(app, 1003, "Cajera", "cashier")
    lucia = await sold_client(app, isp)
    pedro = await sold_client(app, isp, "Pedro Ruiz", "10.0.0.10")
    mine = await app.perform(schedule, Actor.cli(), lucia.id, day=dt.date(2026, 6, 10), technician=1004)
    loose = await app.perform(schedule, Actor.cli(), pedro.id, day=dt.date(2026, 6, 10))
    assert [v.id for v in await list_for(app, beto, dt.date(2026, 6, 10))] == [loose.id]
    assert [v.id for v in await list_for(app, ana, dt.date(2026, 6, 10))] == [mine.id, loose.id]
    with pytest.raises(NotAllowed, match="assigned to Ana Técnica"):
        await app.perform(mark_done, beto, mine.id)
    with pytest.raises(NotAllowed, match="role may not"):
        await app.perform(schedule, beto, lucia.id, day=dt.date(2026, 6, 11))
    with pytest.raises(NotAllowed, match="role may not"):
        await list_for(app, cajera)
    with pytest.raises(InvalidInput, match="Invalid MAC"):
        await app.perform(mark_done, beto, loose.id, mac="zz:zz")
    done = await app.perform(mark_done, beto, loose.id)
    assert done.installation.technician == "Beto Técnico", "an unassigned visit belongs to whoever did it"


def test_mac_and_serial_as_technicians_type_them() -> None:
    assert parse_mac_serial("aa:bb:cc:dd:ee:ff SN123") == ("AA:BB:CC:DD:EE:FF", "SN123")
    assert parse_mac_serial("SN9 AA-BB-CC-DD-EE-01") == ("AA:BB:CC:DD:EE:01", "SN9")
    assert parse_mac_serial("no") == (None, None) and parse_mac_serial("") == (None, None)
    with pytest.raises(InvalidInput):
        parse_mac_serial("aa:bb:cc SN1")
    with pytest.raises(InvalidInput, match="MAC and the serial number only"):
        parse_mac_serial("SN1 SN2 SN3")


def test_from_sale_to_service_on_the_command_line(
    cli_env: Any, threaded_emulator: Any, tmp_path: Path
) -> None:
    cli_centro(
        threaded_emulator.port,
        ["staff", "add", "--telegram-id", "1004", "--name", "Tec", "--role", "technician"],
    )
    today = dt.date.today().isoformat()
    added = cli("clients", "add", "--name", "Lucía Núñez", "--zone", "Centro", "--router", "RB-Centro", "--plan",
                "PCQ 15M", "--ip", "10.0.0.9", "--address", "Calle Hidalgo 12", "--no-push")  # fmt: skip
    assert added.exit_code == 0, added.stderr
    contract = cli("contract", "new", "lucia")
    assert contract.exit_code == 0 and contract.stdout.startswith("http://127.0.0.1:8080/contrato/")
    for args, reason in [
        (["installation", "add", "lucia", "--date", "2026-02-30"], "Invalid date 2026-02-30"),
        (["installation", "add", "lucia", "--date", today, "--technician", "77"], "Telegram id 77"),
        (["installation", "add", "nadie", "--date", today], "No client matches"),
        (["installation", "done", "abc"], "must be a number"),
        (["contract", "pdf", "1", "--out", str(tmp_path)], "not signed yet"),
    ]:
        refused = cli(*args)
        assert refused.exit_code == 1 and reason in refused.stderr, (args, refused.stderr)
    assert cli("installation", "add", "lucia", "--date", today, "--technician", "1004").exit_code == 0
    listed = cli("installation", "list")
    assert "Lucía Núñez" in listed.stdout and "Calle Hidalgo 12" in listed.stdout and "Tec" in listed.stdout
    photo = tmp_path / "antena.png"
    photo.write_bytes(PNG_PHOTO)
    done = cli(
        "installation", "done", "1", "--mac", "aa:bb:cc:dd:ee:ff", "--serial", "SN1", "--photo", str(photo)
    )
    assert done.exit_code == 0, done.stderr
    assert "applied on RB-Centro" in done.stdout and "First invoice 1:" in done.stdout
    assert "Contract 1 is not signed yet" in done.stdout
    assert [r["address"] for r in threaded_emulator.rows(ML) if r.get("comment", "").startswith("antena:")] == [
        "10.0.0.5", "10.0.0.9"]  # fmt: skip
    assert cli("installation", "done", "1").exit_code == 1
