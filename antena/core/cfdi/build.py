"""The CFDI 4.0 XML of one invoice or of a month's global invoice, sealed with the ISP's CSD.

Prices include IVA (see the README, "Facturación electrónica"): each line's amount is what the
customer pays, so its base is ``amount / 1.16`` with six decimals (SAT allows six per concept and
asks for the totals to be rounded once, at the end). The total of the CFDI is then exactly the
invoice's total. ``satcfdi`` is imported here only, inside the functions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from antena.core.cfdi.catalogs import GENERIC_RFC, FiscalData
from antena.core.cfdi.issuer import Issuer

IVA = Decimal("0.160000")
SIX = Decimal("0.000001")
CENT = Decimal("0.01")
SERVICE, SERVICE_UNIT = "81112101", "E48"  # Internet access service, unidad de servicio
GLOBAL_PRODUCT, GLOBAL_UNIT = "01010101", "ACT"  # what SAT asks of a global invoice's concepts
PUBLIC = FiscalData(GENERIC_RFC, "PUBLICO EN GENERAL", "616", "", "S01")
PAYMENT_FORMS = {  # c_FormaPago of each payment method
    "efectivo": "01",
    "oxxo": "01",
    "transferencia": "03",
    "spei": "03",
    "tarjeta": "04",
    "mercadopago": "31",
    "credito": "17",  # paid with the client's credit (compensación)
}


@dataclass(frozen=True)
class Line:
    description: str
    amount: Decimal  # IVA included
    identifier: str | None = None


@dataclass(frozen=True)
class Draft:
    """Everything a CFDI says besides the issuer: plain values read in the claiming transaction."""

    series: str
    folio: str
    receiver: FiscalData
    lines: tuple[Line, ...]
    payment_form: str
    month: tuple[int, int] | None = None  # (year, month) of a global invoice

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))


def payment_form(amounts: dict[str, Decimal]) -> str:
    """The form of payment that settled the largest amount (SAT's rule for a global invoice too)."""
    if not amounts:
        return PAYMENT_FORMS["credito"]
    method = max(sorted(amounts), key=lambda m: amounts[m])
    return PAYMENT_FORMS.get(method, "01")


def _r2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def split(amounts: list[Decimal]) -> tuple[list[Decimal], Decimal, Decimal]:
    """Six-decimal bases for tax-included ``amounts`` whose rounded subtotal plus rounded IVA is
    exactly their sum; returns (bases, subtotal, iva)."""
    target = sum(amounts, Decimal("0.00"))
    bases = [(a / (1 + IVA)).quantize(SIX, rounding=ROUND_HALF_UP) for a in amounts]
    biggest = max(range(len(bases)), key=lambda i: amounts[i]) if bases else 0
    for _ in range(50):  # a tie at half a cent: nudge the biggest base by a millionth
        subtotal = _r2(sum(bases, Decimal(0)))
        iva = _r2(sum(((b * IVA).quantize(SIX, rounding=ROUND_HALF_UP) for b in bases), Decimal(0)))
        gap = subtotal + iva - target
        if gap == 0:
            return bases, subtotal, iva
        bases[biggest] += -SIX if gap > 0 else SIX
    raise ValueError(f"cannot split {target} into base and IVA")


@cache
def _comprobante_class() -> Any:
    from satcfdi.create.cfd import cfdi40

    class Comprobante(cfdi40.Comprobante):  # type: ignore[misc]
        """satcfdi's Comprobante with six-decimal concept amounts (its own rounds them to cents)."""

        def compute(self) -> None:
            concepts = list(self["Conceptos"])
            bases, subtotal, iva = split([c.pop("_amount") for c in concepts])
            base_sum = Decimal(0)
            for concept, base in zip(concepts, bases, strict=True):
                concept["ValorUnitario"] = concept["Importe"] = base
                concept["ObjetoImp"] = "02"
                tax = (base * IVA).quantize(SIX, rounding=ROUND_HALF_UP)
                concept["Impuestos"] = {"Traslados": [_traslado(base, tax)]}
                base_sum += base
            self["Conceptos"] = concepts
            self["SubTotal"], self["Descuento"] = subtotal, None
            summary = [_traslado(_r2(base_sum), iva)]
            self["Impuestos"] = {"Traslados": summary, "TotalImpuestosTrasladados": iva}
            self["Total"] = subtotal + iva

    return Comprobante


def _traslado(base: Decimal, amount: Decimal) -> dict[str, Any]:
    return {"Base": base, "Impuesto": "002", "TipoFactor": "Tasa", "TasaOCuota": IVA, "Importe": amount}


def comprobante(me: Issuer, draft: Draft, issued_at: dt.datetime) -> Any:
    """The unsigned ``Comprobante`` (tipo I, PUE) of ``draft``, dated ``issued_at`` (local time)."""
    from satcfdi.create.cfd import cfdi40

    generic = draft.month is not None
    receiver = draft.receiver
    concepts = []
    for line in draft.lines:
        concept = cfdi40.Concepto(
            clave_prod_serv=GLOBAL_PRODUCT if generic else SERVICE,
            cantidad=1,
            clave_unidad=GLOBAL_UNIT if generic else SERVICE_UNIT,
            descripcion="Venta" if generic else line.description[:1000],
            valor_unitario=Decimal(0),
            no_identificacion=line.identifier,
        )
        concept["_amount"] = line.amount
        concepts.append(concept)
    return _comprobante_class()(
        emisor=cfdi40.Emisor(rfc=me.rfc, nombre=me.name, regimen_fiscal=me.regime),
        lugar_expedicion=me.postal_code,
        receptor=cfdi40.Receptor(
            rfc=receiver.rfc,
            nombre=receiver.name,
            domicilio_fiscal_receptor=me.postal_code if generic else receiver.postal_code,
            regimen_fiscal_receptor=receiver.regime,
            uso_cfdi=receiver.cfdi_use,
        ),
        conceptos=concepts,
        moneda="MXN",
        tipo_de_comprobante="I",
        exportacion="01",
        serie=draft.series or None,
        folio=draft.folio or None,
        forma_pago=draft.payment_form,
        metodo_pago="PUE",
        informacion_global=(
            cfdi40.InformacionGlobal(periodicidad="04", meses=f"{draft.month[1]:02d}", ano=draft.month[0])
            if draft.month
            else None
        ),
        fecha=issued_at.replace(tzinfo=None, microsecond=0),
    )


def signed_xml(me: Issuer, signer: Any, draft: Draft, issued_at: dt.datetime) -> bytes:
    """Seal with the CSD and check against SAT's schema before anything leaves the process."""
    from satcfdi.exceptions import SchemaValidationError

    from antena.core.cfdi.issuer import CfdiError

    document = comprobante(me, draft, issued_at)
    document.sign(signer)
    try:
        return bytes(document.xml_bytes(validate=True))
    except SchemaValidationError as exc:
        raise CfdiError(f"CFDI schema: {exc}"[:400]) from None
