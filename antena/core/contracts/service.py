"""Contracts as staff handle them: write one from a template, edit it before it is signed, hand
out its signing link, activate it (installation does it too), end it; list and show them.

States: draft → pending (a signing link was issued) → signed → active → ended. The text is
editable in draft and pending only; once signed it is frozen and its SHA-256 kept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select, update

from antena.core import staff
from antena.core.audit import Actor, record
from antena.core.contracts import texts
from antena.core.db.fieldwork_models import Contract, ContractStatus, Document
from antena.core.db.models import Client, ClientStatus, StaffUser
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.fieldwork import clean_text, load_client
from antena.core.i18n import N_, _, normalize_language

MAX_BODY = 100_000
EDITABLE = (ContractStatus.DRAFT, ContractStatus.PENDING)
SIGNED_STATES = (ContractStatus.SIGNED, ContractStatus.ACTIVE, ContractStatus.ENDED)
STATUS_LABELS = {
    ContractStatus.DRAFT: N_("draft"),
    ContractStatus.PENDING: N_("pending signature"),
    ContractStatus.SIGNED: N_("signed"),
    ContractStatus.ACTIVE: N_("active"),
    ContractStatus.ENDED: N_("ended"),
}


def status_label(status: ContractStatus) -> str:
    return _(STATUS_LABELS[status])


@dataclass(frozen=True)
class DocumentView:
    id: int
    kind: str
    mime: str
    size: int
    visible: bool
    path: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ContractView:
    """One contract as the CLI, the bot and the portal show it."""

    id: int
    client_id: int
    client_name: str
    status: ContractStatus
    template: str
    language: str
    body: str
    start: dt.date | None
    end: dt.date | None
    created_at: dt.datetime
    signed_at: dt.datetime | None = None
    signer_name: str | None = None
    signer_ip: str | None = None
    collected_by: str | None = None
    body_sha256: str | None = None
    signature_path: str | None = None
    activated_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    link_version: int = 0
    documents: list[DocumentView] = field(default_factory=list)

    @property
    def signed(self) -> bool:
        return self.signed_at is not None


@dataclass(frozen=True)
class NewContract:
    contract: ContractView
    link: str | None  # the signing link, unless the contract was kept as a draft


def _view(contract: Contract, client: Client, documents: list[Document] | None = None) -> ContractView:
    return ContractView(
        id=contract.id,
        client_id=client.id,
        client_name=client.name,
        status=contract.status,
        template=contract.template,
        language=contract.language,
        body=contract.body,
        start=contract.start_date,
        end=contract.end_date,
        created_at=contract.created_at,
        signed_at=contract.signed_at,
        signer_name=contract.signer_name,
        signer_ip=contract.signer_ip,
        collected_by=contract.collected_by,
        body_sha256=contract.body_sha256,
        signature_path=contract.signature_path,
        activated_at=contract.activated_at,
        ended_at=contract.ended_at,
        link_version=contract.link_version,
        documents=[
            DocumentView(d.id, d.kind, d.mime, d.size, d.visible, d.path, d.created_at)
            for d in documents or []
        ],
    )


def _check_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            _("The end date {end} is before the start date {start}").format(
                end=end.isoformat(), start=start.isoformat()
            )
        )


async def get_contract(uow: UnitOfWork, contract_id: int, *, lock: bool = False) -> Contract:
    """``lock``: hold the row (PostgreSQL ``FOR UPDATE``; SQLite's write lock is already held)."""
    contract = await uow.session.get(Contract, contract_id, with_for_update=lock or None)
    if contract is None:
        raise NotFound(_("No contract {id}").format(id=contract_id))
    return contract


async def contract_view(uow: UnitOfWork, contract_id: int) -> ContractView:
    contract = await get_contract(uow, contract_id)
    client = await load_client(uow, contract.client_id)
    documents = list(
        await uow.session.scalars(
            select(Document).where(Document.contract_id == contract.id).order_by(Document.id)
        )
    )
    return _view(contract, client, documents)


def _facts(
    contract_id: int, client: Client, day: dt.date, start: dt.date | None, end: dt.date | None
) -> texts.ContractFacts:
    live = [s for s in client.services if not s.cancelled]
    plan = live[0].plan if live else None
    return texts.ContractFacts(
        number=contract_id,
        client_id=client.id,
        client_name=client.name,
        address=client.address,
        phone=client.phone,
        email=client.email,
        plan=plan.name if plan else "",
        price=plan.price if plan else None,
        download=plan.download if plan else "",
        upload=plan.upload if plan else "",
        day=day,
        start=start,
        end=end,
    )


async def new_contract(
    uow: UnitOfWork,
    actor: Actor,
    client_id: int,
    *,
    template: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    draft: bool = False,
) -> NewContract:
    """A contract for the client from ``template`` in the client's language; unless ``draft``, it
    is pending signature at once and the answer carries its signing link."""
    from antena.core.contracts.signing import sign_url

    staff.require(actor, "contracts")
    _check_dates(start, end)
    app = uow.app
    client = await load_client(uow, client_id)
    if client.status is ClientStatus.CANCELLED:
        raise NotAllowed(_("{name} is cancelled").format(name=client.name))
    lang = normalize_language(client.language, app.settings.locale)
    name = template or texts.DEFAULT_TEMPLATE
    texts.load(app.settings, name, lang)  # an unknown or broken template refuses before anything is written
    contract = Contract(
        client_id=client.id,
        template=name,
        language=lang,
        body="",
        start_date=start,
        end_date=end,
        status=ContractStatus.DRAFT if draft else ContractStatus.PENDING,
        created_at=app.clock.now(),
        created_by=actor.name,
    )
    uow.session.add(contract)
    await uow.flush()
    facts = _facts(contract.id, client, app.clock.today(), start, end)
    contract.template, contract.body = texts.render_text(app.settings, name, lang, facts)
    record(
        uow.session,
        actor,
        "contract.new",
        target=f"{contract.id} {client.name}",
        arguments={
            "template": contract.template,
            "status": contract.status.value,
            "start": start,
            "end": end,
        },
    )
    await uow.flush()
    link = None if draft else sign_url(app, contract.id, contract.link_version)
    return NewContract(_view(contract, client), link)


async def edit_contract(
    uow: UnitOfWork,
    actor: Actor,
    contract_id: int,
    *,
    body: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> ContractView:
    """Change the text or the dates of a contract that nobody has signed yet."""
    staff.require(actor, "contracts")
    contract = await get_contract(uow, contract_id, lock=True)
    if contract.status not in EDITABLE:
        raise NotAllowed(
            _("Contract {id} is {status}: its text can no longer change").format(
                id=contract.id, status=status_label(contract.status)
            )
        )
    changed: dict[str, object] = {}
    if body is not None:
        contract.body = clean_text(body, _("Contract text"), max_len=MAX_BODY, multiline=True) + "\n"
        changed["body_chars"] = len(contract.body)
    if start is not None:
        contract.start_date = changed["start"] = start
    if end is not None:
        contract.end_date = changed["end"] = end
    if not changed:
        raise InvalidInput(_("Say what to change: the text, the start or the end date"))
    _check_dates(contract.start_date, contract.end_date)
    record(uow.session, actor, "contract.edit", target=str(contract.id), arguments=changed)
    return await contract_view(uow, contract.id)


async def issue_link(
    uow: UnitOfWork, actor: Actor, contract_id: int, *, new: bool = False, collector: StaffUser | None = None
) -> str:
    """The signing link (a draft becomes pending); ``new`` revokes every link issued before.
    ``collector``: a technician who will hand over their phone (the contract records it)."""
    from antena.core.contracts.signing import sign_url

    contract = await get_contract(uow, contract_id)
    if contract.status not in EDITABLE:
        raise NotAllowed(_("Contract {id} is already signed").format(id=contract.id))
    if new:
        await uow.session.execute(
            update(Contract).where(Contract.id == contract.id).values(link_version=Contract.link_version + 1)
        )
        await uow.session.refresh(contract)
    if contract.status is ContractStatus.DRAFT or new:
        contract.status = ContractStatus.PENDING
        record(
            uow.session,
            actor,
            "contract.link",
            target=str(contract.id),
            arguments={"revoked_earlier": new, "version": contract.link_version},
        )
    return sign_url(uow.app, contract.id, contract.link_version, collector.id if collector else 0)


async def _end_others(uow: UnitOfWork, actor: Actor, contract: Contract, now: dt.datetime) -> list[int]:
    """A client has one active contract: activating a renewal ends the one before."""
    older = list(
        await uow.session.scalars(
            select(Contract).where(
                Contract.client_id == contract.client_id,
                Contract.status == ContractStatus.ACTIVE,
                Contract.id != contract.id,
            )
        )
    )
    for other in older:
        other.status, other.ended_at = ContractStatus.ENDED, now
        record(uow.session, actor, "contract.end", target=str(other.id), arguments={"by": contract.id})
    return [o.id for o in older]


async def activate(uow: UnitOfWork, actor: Actor, contract_id: int) -> ContractView:
    """The manual's "Activar contrato": only a signed contract; the client's previous one ends."""
    staff.require(actor, "contracts")
    contract = await get_contract(uow, contract_id, lock=True)
    if contract.status is not ContractStatus.SIGNED:
        if contract.status in EDITABLE:
            raise NotAllowed(_("Contract {id} is not signed yet").format(id=contract.id))
        raise NotAllowed(
            _("Contract {id} is {status}").format(id=contract.id, status=status_label(contract.status))
        )
    await activate_signed(uow, actor, contract)
    return await contract_view(uow, contract.id)


async def activate_signed(uow: UnitOfWork, actor: Actor, contract: Contract) -> None:
    now = uow.app.clock.now()
    ended = await _end_others(uow, actor, contract, now)
    contract.status, contract.activated_at = ContractStatus.ACTIVE, now
    record(uow.session, actor, "contract.activate", target=str(contract.id), arguments={"ended": ended})


async def latest_signed(uow: UnitOfWork, client_id: int) -> Contract | None:
    return (
        await uow.session.scalars(
            select(Contract)
            .where(Contract.client_id == client_id, Contract.status == ContractStatus.SIGNED)
            .order_by(Contract.id.desc())
            .limit(1)
        )
    ).first()


async def end_contract(uow: UnitOfWork, actor: Actor, contract_id: int) -> ContractView:
    staff.require(actor, "contracts")
    contract = await get_contract(uow, contract_id)
    if contract.status is ContractStatus.ENDED:
        raise NotAllowed(_("Contract {id} has already ended").format(id=contract.id))
    before = contract.status
    contract.status, contract.ended_at = ContractStatus.ENDED, uow.app.clock.now()
    record(uow.session, actor, "contract.end", target=str(contract.id), arguments={"was": before.value})
    return await contract_view(uow, contract.id)


async def list_contracts(
    uow: UnitOfWork, *, client_id: int | None = None, status: ContractStatus | None = None, limit: int = 500
) -> list[ContractView]:
    query = select(Contract, Client).join(Client, Client.id == Contract.client_id)
    if client_id is not None:
        query = query.where(Contract.client_id == client_id)
    if status is not None:
        query = query.where(Contract.status == status)
    rows = await uow.session.execute(query.order_by(Contract.id.desc()).limit(limit))
    return [_view(contract, client) for contract, client in rows.all()]


async def latest_for_client(uow: UnitOfWork, client_id: int) -> ContractView | None:
    found = await list_contracts(uow, client_id=client_id, limit=1)
    return await contract_view(uow, found[0].id) if found else None
