"""What contracts, installations and tickets tell the customer: one call inside the transaction of
the service that causes it, queued in the message outbox like every other customer message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from antena.core.bootstrap import App
from antena.core.db.billing_models import Invoice
from antena.core.db.models import Client
from antena.core.notify.queueing import enqueue
from antena.core.notify.tags import base_context, date, language_of, money, plan_name

MAX_REPLY = 300  # characters of a staff answer quoted in an SMS; the portal shows it whole


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


async def contract_link(session: AsyncSession, app: App, client: Client, contract_id: int, url: str) -> bool:
    """The signing link, by the client's cheapest channel; each sending is a new message."""
    context = {**base_context(app, client), "contrato": str(contract_id), "url_contrato": url}
    return await enqueue(
        session,
        client,
        "contract_link",
        context,
        f"contract_link:{contract_id}:{_stamp()}",
        language=language_of(app, client),
    )


async def contract_document(
    session: AsyncSession, app: App, client: Client, contract_id: int, attachment: str | None, subject: str
) -> bool:
    """The signed contract: by e-mail with the PDF (``attachment``, relative to the data dir), or,
    without e-mail, a message saying it is in "Mis documentos" of the portal."""
    context: dict[str, Any] = {**base_context(app, client), "contrato": str(contract_id)}
    if attachment:
        context.update(adjunto=attachment, asunto=subject)
    return await enqueue(
        session,
        client,
        "contract_signed",
        context,
        f"contract_signed:{contract_id}:{_stamp()}",
        channel="email" if attachment else None,
        language=language_of(app, client),
    )


async def installation_done(
    session: AsyncSession, app: App, client: Client, installation_id: int, invoice: Invoice | None
) -> bool:
    """The service works: the plan and, when one was issued, the first invoice."""
    lang = language_of(app, client)
    context = {
        **base_context(app, client),
        "plan": plan_name(client),
        "factura": str(invoice.number) if invoice else "",
        "total": money(app, invoice.total, lang) if invoice else "",
        "fecha_pago": date(app, invoice.due_date, lang) if invoice else "",
    }
    return await enqueue(
        session, client, "installation_done", context, f"installation_done:{installation_id}", language=lang
    )


async def ticket_answered(session: AsyncSession, app: App, client: Client, ticket_id: int, text: str) -> bool:
    reply = text if len(text) <= MAX_REPLY else text[: MAX_REPLY - 1].rstrip() + "…"
    context = {**base_context(app, client), "ticket": str(ticket_id), "respuesta": reply}
    return await enqueue(
        session,
        client,
        "ticket_answered",
        context,
        f"ticket_answered:{ticket_id}:{_stamp()}",
        language=language_of(app, client),
    )


async def ticket_closed(session: AsyncSession, app: App, client: Client, ticket_id: int) -> bool:
    context = {**base_context(app, client), "ticket": str(ticket_id)}
    return await enqueue(
        session,
        client,
        "ticket_closed",
        context,
        f"ticket_closed:{ticket_id}",
        language=language_of(app, client),
    )
