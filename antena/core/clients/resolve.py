"""From what staff typed to the one client they mean (same rules in chat and on the CLI)."""

from __future__ import annotations

from antena.core import words
from antena.core.bootstrap import App
from antena.core.clients.search import Match, best_or_many, search_clients
from antena.core.db.models import Client, ClientStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import Ambiguous, InvalidInput, NotFound
from antena.core.i18n import _

MAX_QUERY = 200
STATUS_LABELS = words.STATUS_LABELS


def status_label(status: ClientStatus) -> str:
    return words.status_label(status)


def describe_match(m: Match) -> str:
    c = m.client
    ip = next((s.ip for s in c.services if s.ip and not s.cancelled), None) or "-"
    return f"#{c.id} {c.name} ({ip}, {c.zone.name}, {status_label(c.status)})"


async def find_one(app: App, text: str) -> Client:
    """One client or a ``CoreError`` saying none / which ones."""
    async with app.reader() as uow:
        return await find_in(uow, text)


async def find_in(uow: UnitOfWork, text: str) -> Client:
    """``find_one`` inside the caller's unit of work (the client stays in its session)."""
    query = (text or "").strip()
    if not query:
        raise InvalidInput(_("Say which client: a name, IP, phone, service user or id"))
    if len(query) > MAX_QUERY:
        raise InvalidInput(_("That search is too long (at most {n} characters)").format(n=MAX_QUERY))
    matches = await search_clients(uow, query, limit=8, region=uow.app.settings.default_region)
    if not matches:
        raise NotFound(_("No client matches “{text}”").format(text=query))
    best = best_or_many(matches)
    if best is not None:
        return best.client
    listing = "; ".join(describe_match(m) for m in matches)
    raise Ambiguous(
        _("Several clients match “{text}”: {listing}. Use the id (#N).").format(text=query, listing=listing),
        matches,
    )
