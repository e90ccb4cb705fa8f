"""CFDI 4.0 end to end: a payment queues the stamp, the worker seals with a SAT-format test CSD and
stamps through satcfdi's SW sapien adapter against the local PAC double; the global invoice, the
cancellation, and every refusal a user can cause."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from antena.core.bootstrap import App, bootstrap
from antena.core.cfdi import jobs, requests
from antena.core.cfdi.issuer import CfdiError
from antena.core.config import Settings
from antena.core.db.cfdi_models import CfdiKind, CfdiStatus
from antena.core.errors import AlreadyExists, InvalidInput, NotAllowed, NotFound
from antena.doubles.csd import CsdFiles
from antena.doubles.pac import PacDouble
from tests.billing_helpers import add_client
from tests.integration.cfdi_helpers import (
    ACTOR,
    documents,
    invoice,
    pay,
    sat_checks,
    seal_ok,
    shop,
    with_cfdi,
)


async def test_a_paid_invoice_of_a_client_with_fiscal_data_is_stamped_by_the_worker(
    cfdi_app: App, pac: PacDouble
) -> None:
    isp = await shop(cfdi_app)
    number = await invoice(
        cfdi_app, isp.ana.id, (("Internet 10M diciembre", "350.00"), ("Reconexión", "57.99"))
    )
    assert await documents(cfdi_app) == [], "nothing is stamped before the payment"

    payment_id = await pay(cfdi_app, number, "transferencia")

    (doc,) = await documents(cfdi_app)
    assert doc.status is CfdiStatus.QUEUED and doc.payment_id == payment_id, (
        "queued in the payment's transaction"
    )
    assert pac.stamped == [], "the PAC is called only after the commit, by the worker"
    await jobs.run_due(cfdi_app)
    (doc,) = await documents(cfdi_app)
    assert doc.status is CfdiStatus.STAMPED and doc.uuid == pac.stamped[0]["uuid"]
    cfdi = sat_checks(doc.xml.encode())
    assert seal_ok(cfdi)
    assert cfdi["Complemento"]["TimbreFiscalDigital"]["UUID"] == doc.uuid
    assert cfdi["Complemento"]["TimbreFiscalDigital"]["Version"] == "1.1"
    assert cfdi["Total"] == Decimal("407.99"), "IVA included: the CFDI's total is what the client paid"
    assert cfdi["SubTotal"] + cfdi["Impuestos"]["TotalImpuestosTrasladados"] == cfdi["Total"]
    assert cfdi["MetodoPago"] == "PUE" and cfdi["FormaPago"] == "03"
    assert cfdi["Receptor"]["Rfc"] == "XIQB891116QE4" and cfdi["Receptor"]["UsoCFDI"] == "G03"
    assert (
        cfdi["Receptor"]["RegimenFiscalReceptor"] == "612"
        and cfdi["Receptor"]["DomicilioFiscalReceptor"] == "01000"
    )
    concept = cfdi["Conceptos"][0]
    assert (concept["ClaveProdServ"], concept["ClaveUnidad"]) == ("81112101", "E48")
    (iva,) = concept["Impuestos"]["Traslados"].values()
    assert (iva["Impuesto"], iva["TasaOCuota"]) == ("002", Decimal("0.160000"))
    assert [c["Descripcion"] for c in cfdi["Conceptos"]] == ["Internet 10M diciembre", "Reconexión"]


async def test_clients_without_fiscal_data_and_partial_payments_are_not_stamped(cfdi_app: App) -> None:
    isp = await shop(cfdi_app)
    public = await add_client(cfdi_app, isp, "Beto Público")
    await pay(cfdi_app, await invoice(cfdi_app, public.id))
    from antena.core.billing.payments import register_payment

    await cfdi_app.perform(register_payment, ACTOR, [await invoice(cfdi_app, isp.ana.id)], amount="100")
    assert await documents(cfdi_app) == []


async def test_on_demand_stamping_and_its_refusals(cfdi_app: App, pac: PacDouble) -> None:
    isp = await shop(cfdi_app)
    unpaid = await invoice(cfdi_app, isp.ana.id)
    with pytest.raises(NotAllowed, match="not paid"):
        await cfdi_app.perform(requests.request_stamp, ACTOR, unpaid)
    with pytest.raises(NotFound):
        await cfdi_app.perform(requests.request_stamp, ACTOR, 9999)
    public = await add_client(cfdi_app, isp, "Beto Público")
    paid_public = await invoice(cfdi_app, public.id)
    await pay(cfdi_app, paid_public)
    with pytest.raises(NotAllowed, match="fiscal data"):
        await cfdi_app.perform(requests.request_stamp, ACTOR, paid_public)

    paid = await invoice(cfdi_app, isp.ana.id)
    await pay(cfdi_app, paid)
    await jobs.run_due(cfdi_app)
    with pytest.raises(AlreadyExists, match="already stamped"):
        await cfdi_app.perform(requests.request_stamp, ACTOR, paid)
    assert len(pac.stamped) == 1, "stamping twice is refused before the PAC is asked"


async def test_a_pac_that_does_not_answer_is_retried_and_a_refusal_is_kept(
    cfdi_app: App, pac: PacDouble
) -> None:
    isp = await shop(cfdi_app)
    await pay(cfdi_app, await invoice(cfdi_app, isp.ana.id))
    pac.fail_next(503)
    (out,) = await jobs.run_due(cfdi_app)
    (doc,) = await documents(cfdi_app)
    assert out.status is None and doc.status is CfdiStatus.QUEUED and "503" in (doc.last_error or "")
    assert doc.xml and "TimbreFiscalDigital" not in doc.xml, "the sealed XML is kept to be sent again as is"
    async with cfdi_app.uow() as uow:
        row = await uow.session.get(type(doc), doc.id)
        assert row is not None
        row.next_attempt_at = requests.DUE_AT_ONCE
        await uow.commit()
    await jobs.run_due(cfdi_app)
    (doc,) = await documents(cfdi_app)
    assert doc.status is CfdiStatus.STAMPED and doc.attempts == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cfdi_cer_path": None}, "ANTENA_CFDI_CER_PATH"),
        ({"cfdi_key_password": "wrong"}, "Wrong password"),
        ({"cfdi_rfc": "EWE1709045U0"}, "belongs to"),
    ],
)
async def test_a_missing_csd_or_a_wrong_password_fails_the_stamp_with_its_reason(
    settings: Settings, csd: CsdFiles, pac: PacDouble, change: dict[str, object], message: str
) -> None:
    app = bootstrap(with_cfdi(settings, csd, pac, **change))
    try:
        isp = await shop(app)
        await pay(app, await invoice(app, isp.ana.id))
        await jobs.run_due(app)
        (doc,) = await documents(app)
        assert doc.status is CfdiStatus.FAILED and message in (doc.last_error or "")
        assert pac.stamped == []
    finally:
        await app.aclose()


async def test_the_global_invoice_sums_the_month_of_the_public_in_general(
    cfdi_app: App, pac: PacDouble
) -> None:
    isp = await shop(cfdi_app)
    last_month = cfdi_app.clock.today().replace(day=1) - dt.timedelta(days=1)
    paid_on = dt.datetime.combine(last_month.replace(day=10), dt.time(12), tzinfo=cfdi_app.settings.tz)
    beto, carla = (
        await add_client(cfdi_app, isp, "Beto Público"),
        await add_client(cfdi_app, isp, "Carla Público"),
    )
    numbers = [
        await invoice(cfdi_app, c.id, ((f"Internet {c.name}", a),))
        for c, a in ((beto, "350.00"), (carla, "249.99"))
    ]
    await pay(cfdi_app, numbers[0], "efectivo", paid_on)
    await pay(cfdi_app, numbers[1], "tarjeta", paid_on)
    await pay(cfdi_app, await invoice(cfdi_app, beto.id), "efectivo")  # this month: not in last month's
    await pay(
        cfdi_app, await invoice(cfdi_app, isp.ana.id), "efectivo", paid_on
    )  # has fiscal data: her own CFDI
    month = last_month.strftime("%Y-%m")

    doc_id = await cfdi_app.perform(requests.request_global, ACTOR, month)
    await jobs.run_due(cfdi_app, [doc_id])

    glob = next(d for d in await documents(cfdi_app) if d.kind is CfdiKind.GLOBAL)
    assert glob.status is CfdiStatus.STAMPED and glob.total == Decimal("599.99")
    cfdi = sat_checks(glob.xml.encode())
    assert cfdi["Total"] == Decimal("599.99")
    assert cfdi["Receptor"]["Rfc"] == "XAXX010101000" and cfdi["Receptor"]["UsoCFDI"] == "S01"
    assert cfdi["Receptor"]["DomicilioFiscalReceptor"] == "42501"
    info = cfdi["InformacionGlobal"]
    assert (info["Periodicidad"], info["Meses"], info["Año"]) == (
        "04",
        f"{last_month.month:02d}",
        last_month.year,
    )
    assert sorted(c["NoIdentificacion"] for c in cfdi["Conceptos"]) == sorted(str(n) for n in numbers)
    assert cfdi["FormaPago"] == "01", "the form of payment of the largest amount"
    with pytest.raises(AlreadyExists):
        await cfdi_app.perform(requests.request_global, ACTOR, month)
    with pytest.raises(InvalidInput, match="not over"):
        await cfdi_app.perform(requests.request_global, ACTOR, cfdi_app.clock.today().strftime("%Y-%m"))
    with pytest.raises(InvalidInput):
        await cfdi_app.perform(requests.request_global, ACTOR, "2026-13")
    with pytest.raises(NotAllowed, match="global invoice"):
        await cfdi_app.perform(requests.request_stamp, ACTOR, numbers[0])


async def test_a_cancellation_is_sent_and_recorded_with_its_reason(cfdi_app: App, pac: PacDouble) -> None:
    isp = await shop(cfdi_app)
    number = await invoice(cfdi_app, isp.ana.id)
    await pay(cfdi_app, number)
    with pytest.raises(NotAllowed, match="not stamped"):
        await cfdi_app.perform(requests.request_cancel, ACTOR, str(number), "02")
    await jobs.run_due(cfdi_app)
    (doc,) = await documents(cfdi_app)
    with pytest.raises(InvalidInput, match="01 needs"):
        await cfdi_app.perform(requests.request_cancel, ACTOR, str(number), "01")
    with pytest.raises(InvalidInput, match="04"):
        await cfdi_app.perform(requests.request_cancel, ACTOR, str(number), "04")
    with pytest.raises(InvalidInput, match="reason"):
        await cfdi_app.perform(requests.request_cancel, ACTOR, str(number), "7")

    await cfdi_app.perform(requests.request_cancel, ACTOR, doc.uuid, "02")
    await jobs.run_due(cfdi_app)

    (doc,) = await documents(cfdi_app)
    assert doc.status is CfdiStatus.CANCELLED and doc.cancel_reason == "02" and doc.cancelled_at is not None
    assert pac.cancelled == [{"uuid": doc.uuid, "motivo": "02", "sustitucion": None}]
    with pytest.raises(NotAllowed, match="cancelled already"):
        await cfdi_app.perform(requests.request_cancel, ACTOR, doc.uuid, "02")
    new_id = await cfdi_app.perform(requests.request_stamp, ACTOR, number)  # cancelled: stamped anew
    for _ in range(100):  # sealed in the same second as the cancelled one, the PAC sees a duplicate: resealed
        await jobs.run_due(cfdi_app, [new_id])
        if (await documents(cfdi_app))[-1].status is CfdiStatus.STAMPED:
            break
        await asyncio.sleep(0.05)
    assert [d.status for d in await documents(cfdi_app)] == [CfdiStatus.CANCELLED, CfdiStatus.STAMPED]


async def test_cfdi_not_configured_is_said_plainly(app: App) -> None:
    from antena.core.cfdi.issuer import issuer

    with pytest.raises(CfdiError, match="ANTENA_CFDI_RFC"):
        issuer(app.settings)


async def test_the_portal_lists_the_clients_cfdi_with_xml_and_pdf(cfdi_app: App) -> None:
    import httpx

    from antena.core import links
    from antena.portal.app import create_portal_app

    isp = await shop(cfdi_app)
    await pay(cfdi_app, await invoice(cfdi_app, isp.ana.id))
    await jobs.run_due(cfdi_app)
    (doc,) = await documents(cfdi_app)
    other = await add_client(cfdi_app, isp, "Otro Cliente")
    transport = httpx.ASGITransport(app=create_portal_app(cfdi_app))
    async with httpx.AsyncClient(transport=transport, base_url="http://portal.test") as web:
        assert (await web.get("/portal/cfdi")).status_code == 401
        await web.get((await links.portal_link(cfdi_app, isp.ana.id)).removeprefix("http://portal.test"))
        page = await web.get("/portal/cfdi")
        assert page.status_code == 200 and f"/portal/cfdi/{doc.uuid}.pdf" in page.text
        xml = await web.get(f"/portal/cfdi/{doc.uuid}.xml")
        assert xml.status_code == 200 and b"TimbreFiscalDigital" in xml.content
        pdf = await web.get(f"/portal/cfdi/{doc.uuid}.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        await web.get((await links.portal_link(cfdi_app, other.id)).removeprefix("http://portal.test"))
        assert (await web.get(f"/portal/cfdi/{doc.uuid}.xml")).status_code == 404, "not another client's"


async def test_a_stamped_cfdi_is_emailed_to_the_client_with_xml_and_pdf(
    settings: Settings, csd: CsdFiles, pac: PacDouble
) -> None:
    from antena.doubles.smtp import SmtpDouble
    from tests.billing_helpers import set_client

    with SmtpDouble() as smtp:
        mail = {
            "smtp_host": smtp.host,
            "smtp_port": smtp.port,
            "smtp_starttls": False,
            "smtp_from": "isp@example.com",
        }
        app = bootstrap(with_cfdi(settings, csd, pac, **mail))
        try:
            isp = await shop(app)
            await set_client(app, isp.ana.id, email="ana@example.com")
            await pay(app, await invoice(app, isp.ana.id))
            await jobs.run_due(app)
            (doc,) = await documents(app)
            assert doc.email_status == "sent"
            (message,) = smtp.messages
            assert (
                message["To"] == "ana@example.com"
                and doc.uuid in message.get_body(preferencelist=("plain",)).get_content()
            )
            names = sorted(part.get_filename() for part in message.iter_attachments())
            assert [n.rsplit(".", 1)[1] for n in names] == ["pdf", "xml"] and all(
                doc.uuid in n for n in names
            )
        finally:
            await app.aclose()
