"""Each client's permanent payment references (the OXXO number and the CLABE, from Conekta): made
once, shown on invoices, the portal, the client card and in reminders, matched against payments.

Making them asks Conekta's API, so it happens outside any transaction: read the client, call the
provider, then store what it gave in one unit of work (a reference stored twice is refused by the
unique indexes, never duplicated).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.db.models import Client, ClientStatus
from antena.core.db.pay_models import PaymentRef
from antena.core.db.uow import UnitOfWork
from antena.core.errors import CoreError, NotFound
from antena.core.i18n import _
from antena.core.payments import barcode
from antena.core.payments.port import NewReference, Payer
from antena.core.payments.providers import CONEKTA, MERCADOPAGO, provider, providers

OXXO, SPEI = "oxxo", "spei"


@dataclass(frozen=True)
class ClientRefs:
    """A client's references as shown to people (empty strings where there is none)."""

    client_id: int
    client_name: str
    oxxo: str = ""
    clabe: str = ""
    bank: str = ""
    created: bool = False  # made just now

    @property
    def any(self) -> bool:
        return bool(self.oxxo or self.clabe)

    def oxxo_svg(self) -> str:
        return barcode.svg(self.oxxo, caption=barcode.grouped(self.oxxo)) if self.oxxo else ""


@dataclass
class BulkRefs:
    """``payref create --all``: who got references, who had them, who could not get them."""

    created: list[ClientRefs] = field(default_factory=list)
    existing: int = 0
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # client id, name, reason


def _view(client: Client, refs: Sequence[PaymentRef], created: bool = False) -> ClientRefs:
    by_kind = {r.kind: r for r in refs}
    spei = by_kind.get(SPEI)
    return ClientRefs(
        client.id,
        client.name,
        oxxo=by_kind[OXXO].reference if OXXO in by_kind else "",
        clabe=spei.reference if spei else "",
        bank=(spei.bank or "") if spei else "",
        created=created,
    )


async def refs_of(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, list[PaymentRef]]:
    out: dict[int, list[PaymentRef]] = {}
    ids = list(client_ids)
    for start in range(0, len(ids), 5000):
        rows = await session.scalars(
            select(PaymentRef).where(PaymentRef.client_id.in_(ids[start : start + 5000]))
        )
        for ref in rows:
            out.setdefault(ref.client_id, []).append(ref)
    return out


async def show_references(app: App, client_id: int) -> ClientRefs:
    async with app.reader() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("No client with id {id}").format(id=client_id))
        return _view(client, (await refs_of(uow.session, [client_id])).get(client_id, []))


def payer(app: App, client: Client) -> Payer:
    """What Conekta requires of a customer; a client without e-mail gets one at the portal's host."""
    host = urlsplit(app.settings.portal_url).hostname or "localhost"
    email = client.email or f"cliente{client.id}@{host}"
    phone = client.phone or app.settings.company_phone or "+525500000000"
    return Payer(client.id, client.name, email, phone)


async def create_references(app: App, actor: Actor, client_id: int) -> ClientRefs:
    """The client's OXXO reference and CLABE, made at Conekta unless the client has both already."""
    conekta = provider(app, CONEKTA)
    async with app.reader() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("No client with id {id}").format(id=client_id))
        existing = (await refs_of(uow.session, [client_id])).get(client_id, [])
    if {r.kind for r in existing} >= {OXXO, SPEI}:
        return _view(client, existing)
    customer = next((r.provider_customer_id for r in existing if r.provider_customer_id), None)
    made = await conekta.create_references(payer(app, client), customer)
    return await app.perform(store_references, actor, client_id, made)


async def store_references(
    uow: UnitOfWork, actor: Actor, client_id: int, made: Sequence[NewReference]
) -> ClientRefs:
    """Keep what the provider made (a kind the client has already keeps its first reference)."""
    session = uow.session
    client = await session.get(Client, client_id)
    if client is None:
        raise NotFound(_("No client with id {id}").format(id=client_id))
    have = {r.kind for r in (await refs_of(session, [client_id])).get(client_id, [])}
    for ref in made:
        if ref.kind not in have:
            session.add(
                PaymentRef(
                    client_id=client_id,
                    provider=CONEKTA,
                    kind=ref.kind,
                    reference=ref.reference,
                    bank=ref.bank,
                    barcode_url=ref.barcode_url,
                    provider_customer_id=ref.customer_id,
                    provider_source_id=ref.source_id,
                )
            )
            have.add(ref.kind)
    await session.flush()
    record(
        session,
        actor,
        "payref.create",
        target=f"{client_id} {client.name}",
        arguments={r.kind: r.reference for r in made},
    )
    return _view(client, (await refs_of(session, [client_id]))[client_id], created=True)


async def create_all(app: App, actor: Actor) -> BulkRefs:
    """References for every active or suspended client who lacks them, one client at a time."""
    provider(app, CONEKTA)  # refuse at once when Conekta is not configured
    async with app.reader() as uow:
        ids = list(
            await uow.session.scalars(
                select(Client.id)
                .where(Client.status.in_([ClientStatus.ACTIVE, ClientStatus.SUSPENDED]))
                .order_by(Client.id)
            )
        )
        complete = {cid for cid, refs in (await refs_of(uow.session, ids)).items() if len(refs) >= 2}
    result = BulkRefs(existing=len(complete))
    for client_id in ids:
        if client_id in complete:
            continue
        try:
            result.created.append(await create_references(app, actor, client_id))
        except CoreError as exc:
            async with app.reader() as uow:
                client = await uow.session.get(Client, client_id)
            result.failed.append((client_id, client.name if client else "?", str(exc)))
    return result


async def find_by_reference(session: AsyncSession, kind: str | None, reference: str) -> PaymentRef | None:
    """The reference a payment names: the OXXO number or the CLABE (either kind when unknown)."""
    query = select(PaymentRef).where(PaymentRef.reference == reference.strip())
    if kind in (OXXO, SPEI):
        query = query.where(PaymentRef.kind == kind)
    return (await session.scalars(query.limit(1))).first()


async def find_by_customer(session: AsyncSession, customer_id: str) -> PaymentRef | None:
    query = select(PaymentRef).where(PaymentRef.provider_customer_id == customer_id).limit(1)
    return (await session.scalars(query)).first()


async def invoice_block(app: App, client_id: int) -> dict[str, str]:
    """What the invoice PDF shows of the client's references (the barcode as inline SVG)."""
    try:
        refs = await show_references(app, client_id)
    except NotFound:
        return {}
    return {
        "oxxo": barcode.grouped(refs.oxxo),
        "oxxo_svg": refs.oxxo_svg(),
        "clabe": barcode.grouped(refs.clabe),
        "bank": refs.bank,
    }


# --- the tags of the reminder templates ----------------------------------------------------------

TAGS = ("referencia_oxxo", "clabe", "url_pago")


def pay_url(app: App, client_id: int, link_version: int | None) -> str:
    """The portal's payment page, signed in like the auto-login link (same token, same lifetime)."""
    from antena.core.links import autologin_token

    token = autologin_token(app, client_id, int(link_version or 0))
    return f"{app.settings.portal_url.rstrip('/')}/pagar/{token}"


async def payment_tags(
    session: AsyncSession, app: App, clients: Sequence[tuple[int, int | None]]
) -> dict[int, dict[str, str]]:
    """``{{ referencia_oxxo }}``, ``{{ clabe }}`` and ``{{ url_pago }}`` per client id, for
    ``(client id, link version)`` pairs; empty strings where a client has nothing to show."""
    if not clients:
        return {}
    configured = providers(app)
    online = MERCADOPAGO in configured or CONEKTA in configured
    refs = await refs_of(session, [cid for cid, _v in clients]) if CONEKTA in configured else {}
    out = {}
    for client_id, version in clients:
        by_kind = {r.kind: r.reference for r in refs.get(client_id, [])}
        out[client_id] = {
            "referencia_oxxo": by_kind.get(OXXO, ""),
            "clabe": by_kind.get(SPEI, ""),
            "url_pago": pay_url(app, client_id, version) if online else "",
        }
    return out
