"""Files kept for a client: the ID and proof of address uploaded when signing, an installation's
photo. They are checked like payment receipts (by their first bytes, whatever the name says, and
by size), written under ``ANTENA_DATA_DIR/documents/`` before the row that names them, and shown
to the customer in "Mis documentos" once staff mark them visible.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from antena.core import staff
from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.db.fieldwork_models import Contract, ContractStatus, Document
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotFound
from antena.core.i18n import N_, _
from antena.core.payment_reports import sniff_receipt

DOCUMENTS_DIR = "documents"
KINDS = {
    "id": N_("ID"),
    "address": N_("proof of address"),
    "photo": N_("installation photo"),
    "other": N_("document"),
}


def kind_label(kind: str) -> str:
    return _(KINDS.get(kind, KINDS["other"]))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0")


@dataclass(frozen=True)
class Upload:
    """A checked file, not yet written: its kind, bytes, MIME type and extension."""

    kind: str
    data: bytes
    mime: str
    ext: str


def prepare_upload(kind: str, data: bytes, max_bytes: int) -> Upload:
    """Check one file: an image (JPG, PNG, WEBP, GIF) or a PDF, at most ``max_bytes``."""
    if kind not in KINDS:
        raise InvalidInput(_("Unknown kind of document {kind}").format(kind=kind[:20]))
    label = kind_label(kind)
    if not data:
        raise InvalidInput(_("The file for {what} is empty.").format(what=label))
    if len(data) > max_bytes:
        raise InvalidInput(
            _("The file for {what} is too big: at most {mb} MB.").format(what=label, mb=_megabytes(max_bytes))
        )
    try:
        mime, ext = sniff_receipt(data[:64])  # the type by its first bytes, as receipts are checked
    except InvalidInput:
        raise InvalidInput(
            _("The file for {what} must be a photo (JPG, PNG, WEBP, GIF) or a PDF.").format(what=label)
        ) from None
    return Upload(kind, data, mime, ext)


async def store_uploads(
    uow: UnitOfWork, client_id: int, contract_id: int | None, uploads: list[Upload], by: str
) -> list[Document]:
    """Write the files, then add their rows to the caller's transaction."""
    settings, now = uow.app.settings, uow.app.clock.now()
    folder = settings.data_dir / DOCUMENTS_DIR / str(client_id)
    rows = []
    for upload in uploads:
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{upload.kind}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}.{upload.ext}"
        (folder / name).write_bytes(upload.data)
        doc = Document(
            client_id=client_id,
            contract_id=contract_id,
            kind=upload.kind,
            path=f"{DOCUMENTS_DIR}/{client_id}/{name}",
            mime=upload.mime,
            size=len(upload.data),
            visible=False,
            uploaded_by=by,
            created_at=now,
        )
        uow.session.add(doc)
        rows.append(doc)
    await uow.flush()
    return rows


async def set_visible(uow: UnitOfWork, actor: Actor, document_id: int, visible: bool) -> Document:
    """The manual's "Visible para el cliente": the file shows in the customer's portal."""
    staff.require(actor, "contracts")
    doc = await uow.session.get(Document, document_id)
    if doc is None:
        raise NotFound(_("No document {id}").format(id=document_id))
    doc.visible = visible
    record(uow.session, actor, "document.visible", target=str(doc.id), arguments={"visible": visible})
    return doc


def document_file(app: App, path: str) -> Path:
    """The file under the data dir (never outside it, whatever the row says)."""
    base = app.settings.data_dir.resolve()
    target = (base / path).resolve()
    if base not in target.parents or not target.is_file():
        raise NotFound(_("The file is missing"))
    return target


@dataclass(frozen=True)
class PortalDocument:
    """One line of "Mis documentos": a signed contract (PDF) or a file staff made visible."""

    kind: str  # contract | id | address | photo | other
    ref: int  # the contract's or the document's id
    label: str
    created: str  # ISO date


async def customer_documents(uow: UnitOfWork, client_id: int) -> list[PortalDocument]:
    contracts = await uow.session.scalars(
        select(Contract)
        .where(
            Contract.client_id == client_id,
            Contract.status.in_([ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.ENDED]),
        )
        .order_by(Contract.id.desc())
    )
    out = [
        PortalDocument(
            "contract",
            c.id,
            _("Contract {id}").format(id=c.id),
            (c.signed_at or c.created_at).date().isoformat(),
        )
        for c in contracts
    ]
    docs = await uow.session.scalars(
        select(Document)
        .where(Document.client_id == client_id, Document.visible.is_(True))
        .order_by(Document.id.desc())
    )
    out += [PortalDocument(d.kind, d.id, kind_label(d.kind), d.created_at.date().isoformat()) for d in docs]
    return out


async def customer_file(uow: UnitOfWork, client_id: int, document_id: int) -> Document:
    """A visible document of this client; any other id is "not found", whoever it belongs to."""
    doc = await uow.session.get(Document, document_id)
    if doc is None or doc.client_id != client_id or not doc.visible:
        raise NotFound(_("No such document in your account."))
    return doc
