"""CFDI test kit: a SAT-format test CSD, the local PAC double, an App configured for both, and
clients with paid invoices (written with the ORM, paid through the real payment service)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.billing.common import take_invoice_numbers
from antena.core.billing.payments import register_payment
from antena.core.bootstrap import App
from antena.core.cfdi import fiscal
from antena.core.config import Settings
from antena.core.db.billing_models import Invoice, InvoiceKind, InvoiceLine, InvoiceStatus
from antena.core.db.cfdi_models import CfdiDocument
from antena.doubles.csd import CsdFiles
from antena.doubles.pac import PacDouble
from tests.billing_helpers import add_client, billing_isp

ACTOR = Actor.cli()
ISSUER_CP = "42501"


def with_cfdi(settings: Settings, csd: CsdFiles, pac: PacDouble, **more: Any) -> Settings:
    values = {
        "cfdi_rfc": csd.rfc,
        "cfdi_name": csd.name,
        "cfdi_regime": "601",
        "cfdi_postal_code": ISSUER_CP,
        "cfdi_cer_path": csd.cer,
        "cfdi_key_path": csd.key,
        "cfdi_key_password": csd.password,
        "cfdi_pac_url": pac.base_url,
        "cfdi_pac_token": pac.token,
        **more,
    }
    return Settings(**{**settings.model_dump(), **values})


async def shop(app: App) -> SimpleNamespace:
    """Two zones, a plan at 350, and a client with fiscal data (persona física, régimen 612)."""
    isp = await billing_isp(app)
    isp.ana = await add_client(app, isp, "Ana Fiscal")
    await app.perform(
        fiscal.set_fiscal, ACTOR, isp.ana.id, rfc="XIQB891116QE4", name="Ana Fiscal López", regime="612",
        postal_code="01000", cfdi_use="G03",
    )  # fmt: skip
    return isp


async def invoice(
    app: App, client_id: int, lines: tuple[tuple[str, str], ...] = (("Internet 10M", "350.00"),)
) -> int:
    """A pending invoice with ``lines`` (text, amount IVA included), due today; returns its number."""
    today = app.clock.today()
    async with app.uow() as uow:
        (number,) = await take_invoice_numbers(uow.session)
        inv = Invoice(
            number=number, client_id=client_id, kind=InvoiceKind.OTHER, status=InvoiceStatus.PENDING,
            issue_date=today, issue_month=today.strftime("%Y-%m"), due_date=today,
            total=sum((Decimal(a) for _t, a in lines), Decimal("0.00")),
        )  # fmt: skip
        inv.lines = [
            InvoiceLine(position=i, kind="plan", text=t, amount=Decimal(a)) for i, (t, a) in enumerate(lines)
        ]
        uow.session.add(inv)
        await uow.commit()
    return number


async def pay(app: App, number: int, method: str = "efectivo", when: dt.datetime | None = None) -> int:
    result = await app.perform(register_payment, ACTOR, [number], method=method, when=when)
    return result.payment_id


async def documents(app: App) -> list[CfdiDocument]:
    async with app.reader() as uow:
        return list((await uow.session.execute(select(CfdiDocument).order_by(CfdiDocument.id))).scalars())


def sat_checks(xml: bytes) -> Any:
    """Parse the stamped XML with satcfdi and validate it against SAT's schemas (raises if invalid)."""
    from satcfdi.cfdi import CFDI

    cfdi = CFDI.from_string(xml)
    cfdi.to_xml(validate=True)
    return cfdi


def seal_ok(cfdi: Any) -> bool:
    """The issuer's seal verifies against the certificate carried in the XML."""
    import base64

    from satcfdi.models import Certificate

    cert = Certificate.load_certificate(base64.b64decode(cfdi["Certificado"]))
    return bool(cert.verify_sha256(cfdi.cadena_original().encode(), base64.b64decode(cfdi["Sello"])))
