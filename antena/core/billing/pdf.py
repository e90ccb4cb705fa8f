"""Invoices as PDF: Jinja2 renders ``templates/pdf/invoice.html``, WeasyPrint prints it.

This is the only module that calls WeasyPrint; its failures become a ``CoreError``. Money and
dates are formatted with Babel for ``ANTENA_LOCALE`` and the labels go through our catalog, so
one template serves Spanish and English. An operator overrides the template (or its CSS) with a
file of the same name under ``ANTENA_DATA_DIR/templates/pdf/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from antena.core.billing import display
from antena.core.billing.queries import kind_label, load_invoice, parse_number, status_label
from antena.core.bootstrap import App
from antena.core.config import Settings
from antena.core.db.billing_models import Invoice
from antena.core.errors import CoreError
from antena.core.i18n import N_, _, gettext, language, normalize_language

_PKG = Path(__file__).resolve().parents[2]
INVOICE_TEMPLATE = "pdf/invoice.html"

# The labels the template passes through _(): listed here so the catalog check sees them.
TEMPLATE_MESSAGES = (
    N_("Invoice"),
    N_("Phone"),
    N_("Status"),
    N_("Client"),
    N_("Address"),
    N_("Client number"),
    N_("Invoice number"),
    N_("Issue date"),
    N_("Due date"),
    N_("Cut-off date"),
    N_("Service period"),
    N_("Description"),
    N_("Amount"),
    N_("Total"),
    N_("Paid"),
    N_("Balance due"),
    N_("See and pay your invoices at"),
    N_("Pay in cash at OXXO with this reference"),
    N_("or by SPEI transfer to your CLABE"),
)


def templates_dir() -> Path:
    """Packaged copy in a wheel (``antena/_templates``), the repository's ``templates/`` in a checkout."""
    packaged = _PKG / "_templates"
    return packaged if packaged.is_dir() else _PKG.parent / "templates"


@cache
def _environment(override: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([override, str(templates_dir())]),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _template(settings: Settings, name: str) -> jinja2.Template:
    return _environment(str(settings.data_dir / "templates")).get_template(name)


def invoice_context(
    invoice: Invoice,
    settings: Settings,
    lang: str,
    *,
    autologin_url: str | None = None,
    payment: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What the template shows, already formatted for ``lang``.

    ``autologin_url`` is the customer's signed auto-login link; without one the
    footer links to the portal's base, ``ANTENA_PORTAL_URL``.
    """
    region, currency = settings.default_region, settings.currency

    def money(amount: Any) -> str:
        return display.money(amount, currency, lang, region)

    def day(value: Any) -> str:
        return display.long_date(value, lang, region) if value is not None else ""

    client = invoice.client
    with language(lang):
        kind, status = kind_label(invoice.kind), status_label(invoice.status)
    return {
        "lang": lang,
        "_": lambda message: gettext(message, lang),
        "empresa": settings.company_name,
        "company_phone": settings.company_phone,
        "client": {"id": client.id, "name": client.name, "address": client.address, "phone": client.phone},
        "invoice": {
            "number": invoice.number,
            "kind": kind,
            "status": status,
            "status_code": invoice.status.value,
            "issue_date": day(invoice.issue_date),
            "due_date": day(invoice.due_date),
            "cutoff_date": day(invoice.cutoff_date),
            "period": display.period(invoice.period_start, invoice.period_end, lang, region),
        },
        "lines": [
            {"kind": line.kind, "text": line.text, "amount": money(line.amount)} for line in invoice.lines
        ],
        "totals": {
            "total": money(invoice.total),
            "paid": money(invoice.paid_amount),
            "balance": money(invoice.balance_due),
        },
        "portal_link": autologin_url or settings.portal_url,
        # the client's permanent references (core/payments): oxxo, oxxo_svg, clabe, bank; or empty
        "payment": {"oxxo": "", "oxxo_svg": "", "clabe": "", "bank": "", **(payment or {})},
    }


def render_invoice_html(
    invoice: Invoice,
    settings: Settings,
    *,
    lang: str | None = None,
    autologin_url: str | None = None,
    payment: dict[str, str] | None = None,
) -> tuple[str, Path]:
    """The invoice's HTML and the folder its stylesheet is found in."""
    template = _template(settings, INVOICE_TEMPLATE)
    context = invoice_context(
        invoice, settings, normalize_language(lang or settings.locale), autologin_url=autologin_url,
        payment=payment,
    )  # fmt: skip
    base = Path(template.filename).parent if template.filename else templates_dir() / "pdf"
    return template.render(context), base


def html_to_pdf(html: str, base_url: Path) -> bytes:
    """Print HTML with WeasyPrint (imported here: it is slow to load and most commands never print)."""
    try:
        import weasyprint

        return bytes(weasyprint.HTML(string=html, base_url=str(base_url)).write_pdf())
    except Exception as exc:  # WeasyPrint raises many kinds; the caller needs one
        raise CoreError(_("could not make the PDF: {msg}").format(msg=exc)) from exc


async def invoice_pdf(
    app: App, number: int | str, *, lang: str | None = None, autologin_url: str | None = None
) -> bytes:
    """The invoice ``number`` as PDF bytes (``NotFound`` for an unknown number); its portal link is
    the client's own auto-login link unless one is given."""
    invoice = await load_invoice(app, number)
    if autologin_url is None:
        from antena.core.links import portal_link

        autologin_url = await portal_link(app, invoice.client_id)
    from antena.core.payments.references import invoice_block

    payment = await invoice_block(app, invoice.client_id)
    html, base = render_invoice_html(
        invoice, app.settings, lang=lang, autologin_url=autologin_url, payment=payment
    )
    return html_to_pdf(html, base)


async def write_invoice_pdf(
    app: App, number: int | str, out: Path, *, lang: str | None = None, autologin_url: str | None = None
) -> Path:
    """``antena invoice pdf NUMBER --out PATH``: the file is written only once the PDF is complete."""
    data = await invoice_pdf(app, number, lang=lang, autologin_url=autologin_url)
    out = out.expanduser()
    if out.is_dir():
        out = out / (gettext(N_("invoice"), lang or app.settings.locale) + f"-{parse_number(number)}.pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(data)
    partial.replace(out)
    return out
