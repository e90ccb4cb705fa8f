"""A signed contract as PDF: ``templates/pdf/contract.html`` printed by the invoice module's
WeasyPrint call (the one place that imports WeasyPrint, lazily), with the signature inline."""

from __future__ import annotations

import base64
from pathlib import Path

from babel.dates import format_datetime
from markupsafe import Markup

from antena.core.billing.display import babel_locale
from antena.core.billing.pdf import _template, html_to_pdf, templates_dir
from antena.core.bootstrap import App
from antena.core.contracts.documents import document_file
from antena.core.contracts.service import ContractView, contract_view
from antena.core.errors import NotAllowed
from antena.core.i18n import N_, _, gettext, normalize_language

TEMPLATE = "pdf/contract.html"
TEMPLATE_MESSAGES = (
    N_("Contract"),
    N_("Signature of the subscriber"),
    N_("Signature"),
    N_("Signed by"),
    N_("Signed on"),
    N_("From IP address"),
    N_("Collected by"),
    N_("SHA-256 of the text"),
)


def render_html(app: App, view: ContractView, lang: str) -> tuple[str, Path]:
    settings = app.settings
    assert view.signature_path is not None and view.signed_at is not None
    png = document_file(app, view.signature_path).read_bytes()
    when = format_datetime(
        view.signed_at.astimezone(settings.tz),
        "long",
        tzinfo=settings.tz,
        locale=babel_locale(lang, settings.default_region),
    )
    template = _template(settings, TEMPLATE)
    html = template.render(
        lang=lang,
        _=lambda message: gettext(message, lang),
        empresa=settings.company_name,
        company_phone=settings.company_phone,
        contract=view,
        body=Markup(view.body),  # the staff-written HTML exactly as it was signed
        signature="data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        signed_at=when,
    )
    base = Path(template.filename).parent if template.filename else templates_dir() / "pdf"
    return html, base


async def contract_pdf(app: App, contract_id: int, *, lang: str | None = None) -> bytes:
    """The signed contract ``contract_id`` as PDF bytes; an unsigned one has no PDF (the manual)."""
    async with app.reader() as uow:
        view = await contract_view(uow, contract_id)
    if not view.signed:
        raise NotAllowed(_("Contract {id} is not signed yet: there is no PDF to make").format(id=view.id))
    html, base = render_html(app, view, normalize_language(lang or view.language, app.settings.locale))
    return html_to_pdf(html, base)


async def write_contract_pdf(app: App, contract_id: int, out: Path, *, lang: str | None = None) -> Path:
    """``antena contract pdf ID --out PATH``: the file appears only once the PDF is complete."""
    data = await contract_pdf(app, contract_id, lang=lang)
    out = out.expanduser()
    if out.is_dir():
        out = out / (gettext(N_("contract"), lang or app.settings.locale) + f"-{contract_id}.pdf")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(data)
    partial.replace(out)
    return out
