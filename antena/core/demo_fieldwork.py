"""Contracts, installations and tickets for the demo ISP: something to look at in ``/contrato``,
``/instalaciones`` (as the technician), ``/tickets``, the portal's "Soporte" and "Mis documentos".

Why rows and not the services: a hundred customers signing on links is not something to replay at
start-up. The rows are what those services would have left (rendered contract texts with their
SHA-256, a drawn signature, visits with MAC and serial, tickets with their history), added with one
flush per table so the demo still starts in seconds.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass, field

from sqlalchemy import select, update

from antena.core.bootstrap import App
from antena.core.contracts import texts
from antena.core.contracts.signing import SIGNATURES_DIR, text_hash
from antena.core.db.fieldwork_models import (
    Contract,
    ContractStatus,
    Installation,
    InstallationStatus,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from antena.core.db.models import Client, StaffUser
from antena.core.i18n import normalize_language

TECHNICIAN = 1004
ACTIVE_CONTRACTS = 5
TICKETS = [  # (days ago, subject, from the portal, assigned, answer, closed)
    (9, "Sin internet desde la lluvia de anoche", True, True, "Cambiamos el conector de la antena.", True),
    (
        4,
        "La velocidad baja mucho en las noches",
        False,
        True,
        "Revisamos su enlace: la señal es buena.",
        True,
    ),
    (2, "El router WiFi se reinicia solo", True, True, "Pasamos mañana a revisar el equipo.", False),
    (1, "¿Pueden cambiar mi plan a 20 megas?", True, False, None, False),
    (0, "No carga ninguna página", True, False, None, False),
]


@dataclass
class FieldworkSummary:
    contracts: int = 0
    sold: list[str] = field(default_factory=list)  # clients waiting for their installation
    tickets: int = 0
    signing_link_of: int | None = None  # a contract still waiting for its signature


def _signature() -> bytes:
    """A signature as the portal's pad draws it: a few strokes on a transparent canvas."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (320, 110), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.line(
        [(12, 80), (40, 20), (62, 86), (90, 30), (118, 74), (150, 40), (185, 70)], fill="#10204a", width=3
    )
    draw.line([(190, 60), (230, 35), (260, 78), (300, 30)], fill="#10204a", width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


async def seed_fieldwork(app: App, client_ids: list[int], sold_ids: list[int]) -> FieldworkSummary:
    """Active contracts for some clients, the ``sold_ids`` waiting for today's visits, a few tickets."""
    summary = FieldworkSummary()
    rng = random.Random(13)
    now, today, settings = app.clock.now(), app.clock.today(), app.settings
    folder = settings.data_dir / SIGNATURES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    signature = _signature()
    async with app.uow() as uow:
        s = uow.session
        people = [c for c in client_ids if c not in sold_ids][:ACTIVE_CONTRACTS] + sold_ids
        clients = {c.id: c for c in (await s.scalars(select(Client).where(Client.id.in_(people)))).all()}
        tech = (await s.scalars(select(StaffUser).where(StaffUser.telegram_id == TECHNICIAN))).first()
        contracts = []
        for n, cid in enumerate(people):
            client = clients[cid]
            sold = cid in sold_ids
            waiting = sold and cid == sold_ids[0]  # the first sold client has not signed yet
            lang = normalize_language(client.language, settings.locale)
            signed_at = now - dt.timedelta(days=rng.randint(3, 30) if sold else rng.randint(60, 700))
            contract = Contract(
                client_id=cid,
                template=texts.DEFAULT_TEMPLATE,
                language=lang,
                body="",
                status=ContractStatus.PENDING
                if waiting
                else ContractStatus.SIGNED
                if sold
                else ContractStatus.ACTIVE,
                created_at=signed_at - dt.timedelta(days=1),
                created_by="system",
            )
            if not waiting:
                path = f"{SIGNATURES_DIR}/demo-contract-{cid}-{n}.png"
                (settings.data_dir / path).write_bytes(signature)
                contract.signed_at, contract.signer_name, contract.signer_ip = (
                    signed_at,
                    client.name,
                    "192.0.2.10",
                )
                contract.signature_path = path
                contract.activated_at = None if sold else signed_at + dt.timedelta(days=2)
            contracts.append(contract)
        s.add_all(contracts)
        await uow.flush()  # one INSERT for every contract; their ids number the texts
        for contract in contracts:
            client = clients[contract.client_id]
            live = [sv for sv in client.services if not sv.cancelled]
            plan = live[0].plan if live else None
            facts = texts.ContractFacts(
                contract.id,
                client.id,
                client.name,
                client.address,
                client.phone,
                client.email,
                plan.name if plan else "",
                plan.price if plan else None,
                plan.download if plan else "",
                plan.upload if plan else "",
                contract.created_at.astimezone(settings.tz).date(),
                None,
                None,
            )
            contract.template, contract.body = texts.render_text(
                settings, texts.DEFAULT_TEMPLATE, contract.language, facts
            )
            if contract.signed_at is not None:
                contract.body_sha256 = text_hash(contract.body)
            if contract.status is ContractStatus.PENDING:
                summary.signing_link_of = contract.id
        await s.execute(update(Client).where(Client.id.in_(sold_ids)).values(installed_on=None))
        s.add_all(
            Installation(
                client_id=cid,
                scheduled_for=today,
                address=clients[cid].address,
                technician_id=tech.id if tech else None,
                status=InstallationStatus.SCHEDULED,
                first_service=True,
                created_at=now - dt.timedelta(days=2),
                created_by="system",
            )
            for cid in sold_ids
        )
        summary.sold = [clients[cid].name for cid in sold_ids]
        summary.contracts = len(contracts)
        tickets = []
        for n, (ago, subject, _portal, _assigned, _answer, closed) in enumerate(TICKETS):
            opened = now - dt.timedelta(days=ago, hours=rng.randint(1, 6))
            tickets.append(
                Ticket(
                    client_id=client_ids[(n * 7 + 3) % len(client_ids)],
                    subject=subject,
                    status=TicketStatus.CLOSED if closed else TicketStatus.OPEN,
                    channel="portal" if _portal else "telegram",
                    opened_by="demo",
                    created_at=opened,
                    assigned_to_id=tech.id if (tech and _assigned) else None,
                    answered_at=opened + dt.timedelta(hours=3) if _answer else None,
                    closed_at=opened + dt.timedelta(hours=20) if closed else None,
                    closed_by=tech.name if (tech and closed) else None,
                )
            )
        s.add_all(tickets)
        await uow.flush()
        names = {
            c.id: c.name
            for c in (
                await s.scalars(select(Client).where(Client.id.in_([t.client_id for t in tickets])))
            ).all()
        }
        tech_name = tech.name if tech else "Técnico"
        events = []
        for ticket, (_ago, subject, _p, assigned, answer, closed) in zip(tickets, TICKETS, strict=True):
            at = ticket.created_at
            events.append(
                TicketEvent(
                    ticket_id=ticket.id,
                    at=at,
                    kind="opened",
                    author=names[ticket.client_id],
                    from_customer=True,
                    body=subject,
                )
            )
            if assigned:
                events.append(
                    TicketEvent(
                        ticket_id=ticket.id,
                        at=at + dt.timedelta(hours=1),
                        kind="assigned",
                        author=tech_name,
                        body=tech_name,
                    )
                )
            if answer:
                events.append(
                    TicketEvent(
                        ticket_id=ticket.id,
                        at=at + dt.timedelta(hours=3),
                        kind="comment",
                        author=tech_name,
                        body=answer,
                    )
                )
            if closed:
                events.append(
                    TicketEvent(
                        ticket_id=ticket.id, at=at + dt.timedelta(hours=20), kind="closed", author=tech_name
                    )
                )
        s.add_all(events)
        summary.tickets = len(tickets)
        await uow.commit()
    return summary
