"""Invoice PDFs through WeasyPrint, read back with ``pdftotext``: what a customer sees, in es and en."""

from __future__ import annotations

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from antena.core.billing import items, pdf
from antena.core.billing.run import run_invoices
from antena.core.bootstrap import App
from antena.core.errors import InvalidInput, NotFound
from antena.core.i18n import _catalog
from tests.billing_helpers import ACTOR, D, add_client, billing_isp, set_client

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")


def text_of(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return re.sub(r"[ \t]+", " ", out.stdout)


async def _invoice(app: App) -> int:
    isp = await billing_isp(app)
    ana = await add_client(app, isp, "Ana Peña", phone="5512345678", address="Av. Juárez 12, Centro")
    await items.add_extra_item(app, ACTOR, ana.id, "TV", "150", "recurring", description="Servicio de TV")
    await set_client(app, ana.id, balance=Decimal("20.00"))
    (number,) = (await run_invoices(app, ACTOR, D(2026, 5, 28))).numbers
    return number


async def test_spanish_invoice_pdf(app: App, tmp_path: Path) -> None:
    number = await _invoice(app)
    out = await pdf.write_invoice_pdf(app, number, tmp_path / "factura.pdf", lang="es")
    assert out.read_bytes().startswith(b"%PDF")
    text = text_of(out)
    for expected in (
        "Mi WISP",
        "Factura 1",
        "Servicio de Internet",
        "Estado: pendiente",
        "Ana Peña",
        "Dirección: Av. Juárez 12, Centro",
        "Teléfono: +525512345678",
        "Número de factura 1",
        "Fecha de emisión 28 de mayo de 2026",
        "Fecha de pago 1 de junio de 2026",
        "Fecha de corte 5 de junio de 2026",
        "Periodo de servicio 1 jun 2026 – 30 jun 2026",
        "Internet service Hogar 10M $350.00",  # lines keep the text they were issued with
        "Servicio de TV $150.00",
        "-$20.00",
        "Total $480.00",
        "Pagado $0.00",
        "Saldo pendiente $480.00",
        "Consulte y pague sus facturas en http://portal.test/a/",  # the client's own auto-login link
    ):
        assert expected in text, f"{expected!r} not in\n{text}"


async def test_english_invoice_pdf_and_the_autologin_link(app: App, tmp_path: Path) -> None:
    number = await _invoice(app)
    out = await pdf.write_invoice_pdf(
        app, number, tmp_path, lang="en", autologin_url="http://portal.test/a/signed-token"
    )
    assert out == tmp_path / "invoice-1.pdf"
    text = text_of(out)
    for expected in (
        "Invoice 1",
        "Status: pending",
        "Issue date May 28, 2026",
        "Due date June 1, 2026",
        "Service period Jun 1, 2026 – Jun 30, 2026",
        "Total MX$480.00",
        "Balance due MX$480.00",
        "See and pay your invoices at http://portal.test/a/signed-token",
    ):
        assert expected in text, f"{expected!r} not in\n{text}"


async def test_company_name_comes_from_the_settings(app: App, tmp_path: Path) -> None:
    number = await _invoice(app)
    app.settings.company_name = "Red Rural del Valle"
    text = text_of(await pdf.write_invoice_pdf(app, number, tmp_path / "x.pdf", lang="es"))
    assert "Red Rural del Valle" in text


async def test_an_operator_template_overrides_the_packaged_one(app: App, tmp_path: Path) -> None:
    number = await _invoice(app)
    custom = app.settings.data_dir / "templates" / "pdf"
    custom.mkdir(parents=True)
    (custom / "invoice.html").write_text(
        "<html><body><p>{{ empresa }} · {{ _('Invoice') }} {{ invoice.number }} · {{ totals.total }}</p></body></html>",
        encoding="utf-8",
    )
    pdf._environment.cache_clear()
    try:
        text = text_of(await pdf.write_invoice_pdf(app, number, tmp_path / "x.pdf", lang="es"))
    finally:
        pdf._environment.cache_clear()
    assert "Mi WISP · Factura 1 · $480.00" in text


async def test_unknown_or_bad_numbers_write_nothing(app: App, tmp_path: Path) -> None:
    await billing_isp(app)
    folder = tmp_path / "out"
    with pytest.raises(NotFound, match="No invoice number 999"):
        await pdf.write_invoice_pdf(app, 999, folder / "x.pdf")
    with pytest.raises(InvalidInput):
        await pdf.write_invoice_pdf(app, "abc", folder / "x.pdf")
    assert not folder.exists()


def test_every_template_label_is_translated() -> None:
    template = (pdf.templates_dir() / "pdf" / "invoice.html").read_text(encoding="utf-8")
    labels = set(re.findall(r"""_\(["']([^"']+)["']\)""", template))
    assert labels and labels <= set(pdf.TEMPLATE_MESSAGES), labels - set(pdf.TEMPLATE_MESSAGES)
    spanish = _catalog("es")
    assert [label for label in labels if label not in spanish] == []
