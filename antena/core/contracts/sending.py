"""``contract send``: a contract waiting for its signature goes out as its signing link by the
customer's cheapest channel; a signed one goes by e-mail with the PDF attached when the client
has an e-mail address and SMTP is set up, else as a message pointing to "Mis documentos".

The PDF is printed before the transaction (WeasyPrint takes a second; no write lock is held
meanwhile) into ``ANTENA_DATA_DIR/contracts/``; the message names that file and the worker sends it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from antena.core import staff
from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.contracts.pdf import contract_pdf
from antena.core.contracts.service import EDITABLE, contract_view, get_contract, issue_link
from antena.core.db.uow import UnitOfWork
from antena.core.errors import NotAllowed
from antena.core.fieldwork import load_client
from antena.core.i18n import _, gettext
from antena.core.notify import fieldwork as notices

PDF_DIR = "contracts"


class Sent(enum.StrEnum):
    LINK = "link"  # the signing link, by the customer's channel
    EMAIL = "email"  # the signed PDF by e-mail
    NOTICE = "notice"  # signed, no e-mail: a message pointing to "Mis documentos"


@dataclass(frozen=True)
class SendResult:
    contract_id: int
    client_name: str
    how: Sent
    queued: bool  # False: nothing reaches this client (no phone, chat or e-mail)
    to: str | None = None  # the e-mail address, when by e-mail


async def _queue(uow: UnitOfWork, actor: Actor, contract_id: int, attachment: str | None) -> SendResult:
    contract = await get_contract(uow, contract_id)
    client = await load_client(uow, contract.client_id)
    app = uow.app
    if contract.status in EDITABLE:
        url = await issue_link(uow, actor, contract.id)
        how, queued = Sent.LINK, await notices.contract_link(uow.session, app, client, contract.id, url)
    else:
        subject = gettext("Your contract with {company}", contract.language).format(
            company=app.settings.company_name
        )
        how = Sent.EMAIL if attachment else Sent.NOTICE
        queued = await notices.contract_document(uow.session, app, client, contract.id, attachment, subject)
    reachable = bool(client.telegram_chat_id or client.phone or (attachment and client.email))
    record(
        uow.session,
        actor,
        "contract.send",
        target=f"{contract.id} {client.name}",
        arguments={"how": how.value, "email": client.email if attachment else None},
    )
    return SendResult(
        contract.id, client.name, how, queued and reachable, client.email if attachment else None
    )


async def send_contract(app: App, actor: Actor, contract_id: int) -> SendResult:
    """Send the contract to its customer (see the module's note for which way)."""
    staff.require(actor, "contracts")
    async with app.reader() as uow:
        view = await contract_view(uow, contract_id)
        client = await load_client(uow, view.client_id)
        email = client.email
    if view.signed_at is None and view.status not in EDITABLE:  # ended without ever being signed
        raise NotAllowed(_("Contract {id} has ended").format(id=view.id))
    attachment = None
    if view.signed and email and app.settings.smtp_host:
        data = await contract_pdf(app, view.id)
        folder = app.settings.data_dir / PDF_DIR
        folder.mkdir(parents=True, exist_ok=True)
        name = gettext("contract", view.language) + f"-{view.id}.pdf"
        (folder / name).write_bytes(data)
        attachment = f"{PDF_DIR}/{name}"
    return await app.perform(_queue, actor, view.id, attachment)
