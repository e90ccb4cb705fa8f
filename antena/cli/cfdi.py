"""``antena cfdi stamp|global|cancel|list|xml|pdf`` and ``antena clients fiscal``: CFDI 4.0 from the shell.

A request is stored first and tried on the PAC at once (after the commit); the command says what
happened: stamped (exit 0), refused (exit 1, the PAC's words), or queued because the PAC did not
answer (exit 75; ``antena run`` retries it).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from antena.cli.clients import EX_TEMPFAIL
from antena.cli.clients import app as clients_app
from antena.cli.runner import fail, run
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.cfdi.catalogs import FiscalData
    from antena.core.cfdi.documents import CfdiView
    from antena.core.db.cfdi_models import CfdiStatus
    from antena.core.db.uow import UnitOfWork

cfdi_app = typer.Typer(help=N_("CFDI 4.0: stamp, global invoice, cancel, XML and PDF."), no_args_is_help=True)


def _line(app: App, doc: CfdiView) -> str:
    from antena.core.billing.display import money
    from antena.core.cfdi import documents

    amount = money(doc.total or Decimal("0.00"), app.settings.currency, app.settings.locale)
    return documents.describe(doc, amount)


def _request(service: object, *args: object) -> tuple[CfdiView, str]:
    """Store the request, try it at once, and read where it stands."""
    from antena.core.audit import Actor
    from antena.core.cfdi import documents, jobs

    async def work(app: App) -> tuple[CfdiView, str]:
        async def go(uow: UnitOfWork) -> int:
            doc_id = await service(uow, Actor.cli(), *args)  # type: ignore[operator]
            uow.after_commit(lambda: jobs.run_now(app, [doc_id]))
            return int(doc_id)

        doc = await documents.document(app, await app.perform(go))
        return doc, _line(app, doc)

    return run(work)


def _finish(doc: CfdiView, line: str, done: CfdiStatus) -> None:
    from antena.core.db.cfdi_models import CfdiStatus

    if doc.status is done:
        typer.echo(line)
    elif doc.status is CfdiStatus.FAILED or (
        doc.status is CfdiStatus.STAMPED and done is CfdiStatus.CANCELLED
    ):
        fail(line)
    else:
        typer.echo(line)
        typer.echo(_("Queued: `antena run` retries it."), err=True)
        raise typer.Exit(EX_TEMPFAIL)


@cfdi_app.command("stamp", help=N_("Stamp the CFDI of a paid invoice whose client has fiscal data."))
def stamp(number: str = typer.Argument(..., metavar="NUMBER", help=N_("A paid invoice's number"))) -> None:
    from antena.core.cfdi import requests
    from antena.core.db.cfdi_models import CfdiStatus

    doc, line = _request(requests.request_stamp, number)
    _finish(doc, line, CfdiStatus.STAMPED)


@cfdi_app.command(
    "global",
    help=N_("The month's global CFDI (público en general) for paid invoices of clients without fiscal data."),
)
def global_(
    month: str = typer.Option(..., "--month", metavar="YYYY-MM", help=N_("A month that is over")),
) -> None:
    from antena.core.cfdi import requests
    from antena.core.db.cfdi_models import CfdiStatus

    doc, line = _request(requests.request_global, month)
    _finish(doc, line, CfdiStatus.STAMPED)


@cfdi_app.command(
    "cancel",
    help=N_(
        "Cancel a stamped CFDI with its reason (01 with errors and a replacement, 02 with errors,\n"
        "03 the sale did not happen, 04 a global invoice's sale got its own CFDI)."
    ),
)
def cancel(
    ref: str = typer.Argument(..., metavar="NUMBER|UUID", help=N_("Invoice number or the CFDI's UUID")),
    reason: str = typer.Option(..., "--reason", metavar="01|02|03|04", help=N_("SAT's cancellation reason")),
    replacement: str = typer.Option(
        None, "--replacement", metavar="UUID", help=N_("Reason 01: the new CFDI")
    ),
) -> None:
    from antena.core.cfdi import requests
    from antena.core.db.cfdi_models import CfdiStatus

    doc, line = _request(requests.request_cancel, ref, reason, replacement)
    _finish(doc, line, CfdiStatus.CANCELLED)


@cfdi_app.command("list", help=N_("CFDIs, newest first."))
def list_(client: str = typer.Option(None, "--client", metavar="CLIENTE")) -> None:
    from antena.core.cfdi import documents
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> list[str]:
        client_id = (await find_one(app, client)).id if client else None
        return [_line(app, d) for d in await documents.list_documents(app, client_id=client_id)]

    for line in run(work):
        typer.echo(line)


def _write(kind: str, ref: str, out: Path) -> None:
    from antena.core.cfdi import documents

    async def work(app: App) -> Path:
        if kind == "xml":
            doc, data = await documents.stamped_xml(app, ref)
        else:
            doc, data = await documents.stamped_pdf(app, ref)
        target = out / documents.filename(doc, kind) if out.is_dir() else out
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    typer.echo(str(run(work)))


@cfdi_app.command("xml", help=N_("Write the stamped XML."))
def xml(
    ref: str = typer.Argument(..., metavar="NUMBER|UUID"), out: Path = typer.Option(Path("."), "--out")
) -> None:
    _write("xml", ref, out)


@cfdi_app.command("pdf", help=N_("Write the CFDI's printed form (PDF)."))
def pdf(
    ref: str = typer.Argument(..., metavar="NUMBER|UUID"), out: Path = typer.Option(Path("."), "--out")
) -> None:
    _write("pdf", ref, out)


def _fiscal_lines(name: str, data: FiscalData | None) -> list[str]:
    if data is None:
        return [_("{name}: no fiscal data (goes in the monthly global invoice)").format(name=name)]
    return [
        _("{name}: RFC {rfc}, {legal}, régimen {regime}, C.P. {cp}, uso {use}").format(
            name=name,
            rfc=data.rfc,
            legal=data.name,
            regime=data.regime,
            cp=data.postal_code,
            use=data.cfdi_use,
        )
    ]


@clients_app.command("fiscal", help=N_("Show or set the fiscal data a client's CFDI is stamped with."))
def clients_fiscal(
    cliente: str = typer.Argument(..., metavar="CLIENTE", help=N_("name, IP, phone, user or id")),
    rfc: str = typer.Option(None, "--rfc"),
    name: str = typer.Option(None, "--name", help=N_("Nombre or razón social as on the Constancia")),
    regime: str = typer.Option(None, "--regime", help=N_("c_RegimenFiscal, e.g. 612, 626, 601")),
    cp: str = typer.Option(None, "--cp", help=N_("Código postal of the fiscal address")),
    use: str = typer.Option("G03", "--use", help=N_("Uso CFDI, e.g. G03, S01")),
    clear: bool = typer.Option(False, "--clear", help=N_("Remove it: the client goes in the global invoice")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.cfdi import fiscal
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> list[str]:
        client = await find_one(app, cliente)
        if clear:
            await app.perform(fiscal.clear_fiscal, Actor.cli(), client.id)
            return _fiscal_lines(client.name, None)
        if rfc is None and name is None and regime is None and cp is None:
            async with app.reader() as uow:
                return _fiscal_lines(client.name, await fiscal.get_fiscal(uow, client.id))
        missing = [
            o for o, v in (("--rfc", rfc), ("--name", name), ("--regime", regime), ("--cp", cp)) if not v
        ]
        if missing:
            fail(
                _("Give all of --rfc, --name, --regime and --cp (missing: {list})").format(
                    list=", ".join(missing)
                )
            )
        data = await app.perform(
            fiscal.set_fiscal,
            Actor.cli(),
            client.id,
            rfc=rfc,
            name=name,
            regime=regime,
            postal_code=cp,
            cfdi_use=use,
        )
        return _fiscal_lines(client.name, data)

    for line in run(work):
        typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add ``antena cfdi``; ``clients fiscal`` is already on the clients group."""
    app.add_typer(cfdi_app, name="cfdi")
