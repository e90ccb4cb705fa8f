"""Finding a client from what staff type: id, IP, service user, phone or words of the name.

Ranked: an exact id, IP or service user first, then phones, then names (every typed word must
start a word of the name; whole-word matches rank above prefixes). Names use the indexed
``client_tokens`` table, so a search among 100,000 clients reads only the rows that match; a
misspelt word falls back to rapidfuzz over the vocabulary of name words.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import and_, or_, select

from antena.core.db.models import Client, ClientToken, Service
from antena.core.db.uow import UnitOfWork
from antena.core.phones import phone_candidates
from antena.core.text import fold, words

MAX_WORDS = 6
FUZZY_CUTOFF = 80.0


@dataclass(frozen=True)
class Match:
    client: Client
    score: int  # higher is better: 100 exact id/IP/user … 10 fuzzy name
    reason: str  # id | ip | user | phone | name | fuzzy


def _next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (index range end)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


async def _ids_for_word(uow: UnitOfWork, word: str) -> dict[int, bool]:
    """Client ids having a name word starting with ``word`` → whether one equals it."""
    rows = await uow.session.execute(
        select(ClientToken.client_id, ClientToken.token).where(
            and_(ClientToken.token >= word, ClientToken.token < _next_prefix(word))
        )
    )
    found: dict[int, bool] = {}
    for client_id, token in rows:
        found[client_id] = found.get(client_id, False) or token == word
    return found


async def _fuzzy_words(uow: UnitOfWork, word: str) -> list[str]:
    vocabulary = (await uow.session.execute(select(ClientToken.token).distinct())).scalars().all()
    hits = process.extract(word, vocabulary, scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_CUTOFF)
    return [hit[0] for hit in hits]


async def _name_matches(uow: UnitOfWork, query_words: list[str]) -> dict[int, tuple[int, str]]:
    scores: dict[int, int] | None = None
    fuzzy_used = False
    for word in query_words[:MAX_WORDS]:
        found = await _ids_for_word(uow, word)
        if not found:
            fuzzy_used = True
            for alt in await _fuzzy_words(uow, word):
                for cid in await _ids_for_word(uow, alt):
                    found.setdefault(cid, False)
        word_scores = {cid: (2 if exact else 1) for cid, exact in found.items()}
        if scores is None:
            scores = word_scores
        else:
            scores = {cid: s + word_scores[cid] for cid, s in scores.items() if cid in word_scores}
        if not scores:
            return {}
    reason = "fuzzy" if fuzzy_used else "name"
    base = 10 if fuzzy_used else 40
    return {cid: (base + s, reason) for cid, s in (scores or {}).items()}


async def search_clients(uow: UnitOfWork, text: str, *, limit: int = 8, region: str = "MX") -> list[Match]:
    """Best matches first; an empty list when nothing matches."""
    query = (text or "").strip()
    if not query:
        return []
    query = query[:200]
    found: dict[int, tuple[int, str]] = {}

    def hit(cid: int, score: int, reason: str) -> None:
        if cid not in found or found[cid][0] < score:
            found[cid] = (score, reason)

    bare = query.lstrip("#")
    if bare.isdigit() and len(bare) <= 9:
        cid = int(bare)
        if await uow.session.get(Client, cid) is not None:
            hit(cid, 100, "id")
    try:
        ip = str(ipaddress.ip_address(query))
    except ValueError:
        ip = None
    if ip is not None:
        for cid in (await uow.session.execute(select(Service.client_id).where(Service.ip == ip))).scalars():
            hit(cid, 100, "ip")
    lowered = query.lower()
    for cid, user in await uow.session.execute(
        select(Service.client_id, Service.service_user_lower)
        .where(
            and_(
                Service.service_user_lower >= lowered,
                Service.service_user_lower < _next_prefix(lowered),
            )
        )
        .limit(50)
    ):
        hit(cid, 100 if user == lowered else 60, "user")
    phones = phone_candidates(query, region)
    if phones:
        rows = await uow.session.execute(
            select(Client.id).where(or_(Client.phone.in_(phones), Client.phone_alt.in_(phones)))
        )
        for cid in rows.scalars():
            hit(cid, 90, "phone")
    if ip is None and not phones:
        for cid, (score, reason) in (await _name_matches(uow, words(query))).items():
            hit(cid, score, reason)
    if not found:
        return []
    ranked_ids = sorted(found, key=lambda cid: -found[cid][0])
    # Load only what will be shown (ties broken by name for a stable pick-list).
    window = ranked_ids[: max(limit * 4, limit)]
    clients = {
        c.id: c for c in (await uow.session.execute(select(Client).where(Client.id.in_(window)))).scalars()
    }
    matches = [Match(clients[cid], *found[cid]) for cid in window if cid in clients]
    matches.sort(key=lambda m: (-m.score, fold(m.client.name), m.client.id))
    return matches[:limit]


def best_or_many(matches: Sequence[Match]) -> Match | None:
    """The one client meant, when the search leaves no doubt: a single hit or one exact hit."""
    if len(matches) == 1:
        return matches[0]
    exact = [m for m in matches if m.score >= 90]
    if len(exact) == 1 and matches[0] is exact[0]:
        return exact[0]
    return None
