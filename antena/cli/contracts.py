"""``antena contract …``: write a contract from a template, hand out its signing link, edit it
before it is signed, print its PDF, send it, activate and end it. Thin: parse, one core call, print."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from antena.cli.runner import fail, run
from antena.core import validate
from antena.core.errors import InvalidInput
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core.bootstrap import App
    from antena.core.contracts import service
    from antena.core.contracts.service import ContractView

contract_app = typer.Typer(
    help=N_("Contracts: new (prints the signing link), list, show, edit, link, pdf, send, activate, end."),
    no_args_is_help=True,
)
_TAGS = re.compile(r"<[^>]+>")


def _date(value: str | None) -> dt.date | None:
    return validate.iso_date(value) if value else None


def _id(value: str) -> int:
    from antena.core.fieldwork import parse_id

    return parse_id(value, _("Contract number"))


def _line(c: ContractView) -> str:
    from antena.core.contracts.service import status_label

    signed = c.signed_at.date().isoformat() if c.signed_at else "-"
    return (
        f"#{c.id}  {c.created_at.date().isoformat()}  {c.client_name} (#{c.client_id})  "
        f"{status_label(c.status)}  {c.template}  {_('signed')}: {signed}"
    )


def plain(body: str) -> str:
    """The contract's HTML as terminal text: tags dropped, paragraphs kept."""
    text = re.sub(r"</(p|h1|h2|h3|li|div)>|<br\s*/?>", "\n", body)
    text = html.unescape(_TAGS.sub("", text))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


@contract_app.command("new", help=N_("Write a contract for the client and print its signing link."))
def new(
    cliente: str = typer.Argument(..., metavar="CLIENTE"),
    template: str = typer.Option("", "--template", help=N_("Template name (default: default)")),
    start: str = typer.Option("", "--start", help=N_("YYYY-MM-DD, when the contract starts")),
    end: str = typer.Option("", "--end", help=N_("YYYY-MM-DD, when it ends")),
    draft: bool = typer.Option(False, "--draft", help=N_("Keep it as a draft to edit; no link yet")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one
    from antena.core.contracts import service

    async def work(app: App) -> service.NewContract:
        first, last = _date(start), _date(end)
        client = await find_one(app, cliente)
        return await app.perform(
            service.new_contract, Actor.cli(), client.id, template=template or None, start=first, end=last,
            draft=draft,
        )  # fmt: skip

    made = run(work)
    c = made.contract
    if made.link is None:
        typer.echo(_("Contract {id} for {name} saved as a draft.").format(id=c.id, name=c.client_name))
        return
    typer.echo(
        _("Contract {id} for {name}: pending signature.").format(id=c.id, name=c.client_name), err=True
    )
    typer.echo(made.link)


@contract_app.command("list", help=N_("Contracts, newest first."))
def list_(client: str = typer.Option("", "--client", help=N_("name, IP, phone, service user or id"))) -> None:
    from antena.core.clients.resolve import find_one
    from antena.core.contracts import service

    async def work(app: App) -> list[ContractView]:
        client_id = (await find_one(app, client)).id if client else None
        async with app.reader() as uow:
            return await service.list_contracts(uow, client_id=client_id)

    rows = run(work)
    for row in rows:
        typer.echo(_line(row))
    if not rows:
        typer.echo(_("No contracts."))


@contract_app.command(
    "show", help=N_("A contract: its state, who signed it and when, its files and its text.")
)
def show(contract_id: str = typer.Argument(..., metavar="ID")) -> None:
    from antena.core.contracts import service
    from antena.core.contracts.documents import kind_label

    async def work(app: App) -> ContractView:
        async with app.reader() as uow:
            return await service.contract_view(uow, _id(contract_id))

    c = run(work)
    typer.echo(_line(c))
    if c.start or c.end:
        typer.echo(_("Term: {start} – {end}").format(start=c.start or "-", end=c.end or "-"))
    if c.signed_at is not None:
        typer.echo(
            _("Signed by {name} on {when} from {ip}").format(
                name=c.signer_name, when=c.signed_at.isoformat(timespec="seconds"), ip=c.signer_ip
            )
        )
        if c.collected_by:
            typer.echo(_("Collected by {name}").format(name=c.collected_by))
        typer.echo(_("SHA-256 of the text: {hash}").format(hash=c.body_sha256))
    for d in c.documents:
        seen = _("visible to the customer") if d.visible else _("staff only")
        typer.echo(f"  {_('document')} #{d.id}: {kind_label(d.kind)} ({d.mime}, {d.size} B, {seen})")
    typer.echo("")
    typer.echo(plain(c.body))


@contract_app.command("edit", help=N_("Change a contract's text or dates; only before it is signed."))
def edit(
    contract_id: str = typer.Argument(..., metavar="ID"),
    text_file: Path = typer.Option(None, "--text-file", help=N_("New contract text (HTML) from this file")),
    start: str = typer.Option("", "--start", help=N_("YYYY-MM-DD")),
    end: str = typer.Option("", "--end", help=N_("YYYY-MM-DD")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.contracts import service

    async def work(app: App) -> ContractView:
        body = None
        if text_file is not None:
            try:
                body = text_file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InvalidInput(
                    _("Cannot read {path}: {reason}").format(path=text_file, reason=exc)
                ) from exc
        return await app.perform(
            service.edit_contract,
            Actor.cli(),
            _id(contract_id),
            body=body,
            start=_date(start),
            end=_date(end),
        )

    typer.echo(_("Contract {id} saved.").format(id=run(work).id))


@contract_app.command("link", help=N_("Print the signing link (valid ANTENA_CONTRACT_LINK_DAYS days)."))
def link(
    contract_id: str = typer.Argument(..., metavar="ID"),
    new_link: bool = typer.Option(False, "--new", help=N_("Revoke every earlier signing link first")),
) -> None:
    from antena.core.audit import Actor
    from antena.core.contracts import service

    async def work(app: App) -> str:
        return await app.perform(service.issue_link, Actor.cli(), _id(contract_id), new=new_link)

    typer.echo(run(work))
    if new_link:
        typer.echo(_("Earlier signing links of this contract no longer work."), err=True)


@contract_app.command(
    "pdf", help=N_("The signed contract as PDF: its text, the signature and the text's SHA-256.")
)
def pdf(
    contract_id: str = typer.Argument(..., metavar="ID"),
    out: Path = typer.Option(..., "--out", help=N_("File (or folder) to write")),
    lang: str = typer.Option("", "--lang", help=N_("es or en (default: the contract's)")),
) -> None:
    from antena.core.contracts.pdf import write_contract_pdf

    async def work(app: App) -> Path:
        return await write_contract_pdf(app, _id(contract_id), out, lang=lang or None)

    typer.echo(str(run(work)))


@contract_app.command(
    "send", help=N_("Send it: the signing link by the customer's channel, or the signed PDF by e-mail.")
)
def send(contract_id: str = typer.Argument(..., metavar="ID")) -> None:
    from antena.core.audit import Actor
    from antena.core.contracts.sending import Sent, send_contract

    result = run(lambda app: send_contract(app, Actor.cli(), _id(contract_id)))
    if result.how is Sent.EMAIL:
        typer.echo(
            _("Contract {id} e-mailed to {to} with the PDF.").format(id=result.contract_id, to=result.to)
        )
    elif result.how is Sent.NOTICE:
        typer.echo(
            _("{name} was told the signed contract {id} is in their portal.").format(
                name=result.client_name, id=result.contract_id
            )
        )
    else:
        typer.echo(
            _("Signing link of contract {id} sent to {name}.").format(
                id=result.contract_id, name=result.client_name
            )
        )
    if not result.queued:
        fail(_("Nothing reaches {name}: no linked chat, phone or e-mail.").format(name=result.client_name))


@contract_app.command("activate", help=N_("Activate a signed contract (installing the service does it too)."))
def activate(contract_id: str = typer.Argument(..., metavar="ID")) -> None:
    from antena.core.audit import Actor
    from antena.core.contracts import service

    c = run(lambda app: app.perform(service.activate, Actor.cli(), _id(contract_id)))
    typer.echo(_("Contract {id} of {name} is active.").format(id=c.id, name=c.client_name))


@contract_app.command("end", help=N_("End a contract (the client's service is not touched)."))
def end_(contract_id: str = typer.Argument(..., metavar="ID")) -> None:
    from antena.core.audit import Actor
    from antena.core.contracts import service

    c = run(lambda app: app.perform(service.end_contract, Actor.cli(), _id(contract_id)))
    typer.echo(_("Contract {id} of {name} has ended.").format(id=c.id, name=c.client_name))


@contract_app.command(
    "document",
    help=N_('Show a file (ID, proof of address, photo) in the customer\'s "Mis documentos", or hide it.'),
)
def document(
    document_id: str = typer.Argument(..., metavar="DOCUMENT_ID"),
    visible: bool = typer.Option(
        ..., "--visible/--hidden", help=N_("Show it in the customer's portal or not")
    ),
) -> None:
    from antena.core.audit import Actor
    from antena.core.contracts.documents import set_visible
    from antena.core.fieldwork import parse_id

    async def work(app: App) -> int:
        doc = await app.perform(
            set_visible, Actor.cli(), parse_id(document_id, _("Document number")), visible
        )
        return doc.id

    doc_id = run(work)
    text = (
        _("Document {id} is visible to the customer.") if visible else _("Document {id} is for staff only.")
    )
    typer.echo(text.format(id=doc_id))


@contract_app.command("templates", help=N_("The contract templates there are (and check them all)."))
def templates() -> None:
    from antena.core.contracts.texts import check_all

    async def work(app: App) -> list[str]:
        return check_all(app.settings)

    for name in run(work, needs_schema=False):
        typer.echo(name)
