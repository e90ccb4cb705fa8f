"""Finding a client from what staff type: id, IP, service user, phone or words of the name.

Ranked: an exact id, IP or service user first, then the whole name typed exactly (accents and case
aside), then phones, then IP and user prefixes, then names (every typed word must start a word
of the name; whole-word matches rank above prefixes); equal scores are listed by name. Names
use the indexed ``client_tokens`` table in one statement that returns only the best few, so a
search among 100,000 clients reads only the index rows that match; a misspelt word falls back
to rapidfuzz over the name words that start alike (b/v, c/s/z, g/j, i/y …).
Statements are built once per shape: building SQLAlchemy constructs per search costs more than
running them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import TextClause, bindparam, select, text
from sqlalchemy.sql import Select

from antena.core.db.models import Client, Service
from antena.core.db.uow import UnitOfWork
from antena.core.phones import phone_candidates
from antena.core.text import fold, words

MAX_WORDS = 6
MAX_PREFIX_HITS = 50
FUZZY_CUTOFF = 80.0
FUZZY_MIN_LEN = 3
# Name-word rows read at most for the word that drives a name search (whole words come first).
NAME_CANDIDATES = 5000
_PARTIAL_IPV4 = re.compile(r"^[0-9]{1,3}(\.[0-9]{0,3}){1,3}$")
# First letters a Spanish speaker confuses; a misspelt word is compared with words starting alike.
_ALIKE = ("bv", "cksqz", "gjx", "iy", "hy")


@dataclass(frozen=True)
class Match:
    client: Client
    score: int  # higher is better: 100 exact id/IP/user, 95 whole name … 10 fuzzy name
    reason: str  # id | ip | user | phone | name | fuzzy


def _next_prefix(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix`` (index range end)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


_BY_ID = select(Client.id, Client.search_name).where(Client.id == bindparam("id"))
_BY_IP = (
    select(Service.client_id, Service.ip, Client.search_name)
    .join(Client, Client.id == Service.client_id)
    .where(Service.ip >= bindparam("lo"), Service.ip < bindparam("hi"))
    .order_by(Service.ip)
    .limit(MAX_PREFIX_HITS)
)
_BY_USER = (
    select(Service.client_id, Service.service_user_lower, Client.search_name)
    .join(Client, Client.id == Service.client_id)
    .where(Service.service_user_lower >= bindparam("lo"), Service.service_user_lower < bindparam("hi"))
    .order_by(Service.service_user_lower)
    .limit(MAX_PREFIX_HITS)
)
# Two indexed lookups: ``phone IN … OR phone_alt IN …`` would scan the whole table on SQLite.
_BY_PHONE = text(
    "SELECT id, search_name FROM clients WHERE phone IN :phones"
    " UNION SELECT id, search_name FROM clients WHERE phone_alt IN :phones"
).bindparams(bindparam("phones", expanding=True))
_LOAD: Select[Any] = select(Client).where(Client.id.in_(bindparam("ids", expanding=True)))
# The whole name as typed (accents and case aside): it beats every prefix match ("juan perez"
# means Juan Pérez, not Juana Pérez). ``search_name`` is indexed.
_BY_FULL_NAME = select(Client.id, Client.search_name).where(Client.search_name == bindparam("name")).limit(
    MAX_PREFIX_HITS
)
FULL_NAME_SCORE = 95


@lru_cache(maxsize=64)
def _names_statement(shape: tuple[bool, ...], drive: int) -> TextClause:
    """Clients whose name has every word, best ``:limit`` first, for a query shape.

    ``shape[i]`` says whether word ``i`` is a misspelling replaced by near words (``:alts{i}``)
    or a prefix (``:w{i}``/``:e{i}``, whole word scores 2, prefix 1). Word ``drive`` scans the
    token index (whole words first, at most ``:cap`` rows); the others join through the
    (client_id, token) primary key.
    """

    def test(i: int, alias: str) -> tuple[str, str]:
        if shape[i]:
            return f"{alias}.token IN :alts{i}", "1"
        cond = f"{alias}.token >= :w{i} AND {alias}.token < :e{i}"
        return cond, f"CASE WHEN {alias}.token = :w{i} THEN 2 ELSE 1 END"

    cond, score = test(drive, "t")
    sql = [
        "SELECT x.client_id, x.total, c.search_name FROM (SELECT d.client_id, MAX(d.score)",
    ]
    joins = []
    for i in range(len(shape)):
        if i == drive:
            continue
        other_cond, other_score = test(i, f"t{i}")
        sql.append(f" + MAX({other_score})")
        joins.append(f" JOIN client_tokens t{i} ON t{i}.client_id = d.client_id AND {other_cond}")
    sql.append(
        f" AS total FROM (SELECT t.client_id, {score} AS score FROM client_tokens t WHERE {cond}"
        " ORDER BY t.token LIMIT :cap) d"
    )
    sql.extend(joins)
    # Among equal scores the lowest ids win: ordering thousands of "Juan" by name would cost more
    # than the whole search, and the caller shows the few it gets sorted by name anyway.
    sql.append(
        " GROUP BY d.client_id ORDER BY total DESC, d.client_id LIMIT :limit) x"
        " JOIN clients c ON c.id = x.client_id"
    )
    stmt = text("".join(sql))
    expanding: list[Any] = [bindparam(f"alts{i}", expanding=True) for i, fuzzy in enumerate(shape) if fuzzy]
    return stmt.bindparams(*expanding) if expanding else stmt


@lru_cache(maxsize=8)
def _distinct_tokens_statement(n_ranges: int) -> TextClause:
    """Distinct name words in letter ranges, skipping through the index: one seek per word.

    ``SELECT DISTINCT`` would read every index row of those letters (a fifth of the index for
    c/k/q/s/z); the recursive skip-scan works the same on SQLite and PostgreSQL.
    """
    parts = [
        f"v{i}(token) AS (SELECT (SELECT min(token) FROM client_tokens"
        f" WHERE token >= :lo{i} AND token < :hi{i}) UNION ALL SELECT (SELECT min(c.token)"
        f" FROM client_tokens c WHERE c.token > v{i}.token AND c.token < :hi{i})"
        f" FROM v{i} WHERE v{i}.token IS NOT NULL)"
        for i in range(n_ranges)
    ]
    selects = " UNION ALL ".join(f"SELECT token FROM v{i} WHERE token IS NOT NULL" for i in range(n_ranges))
    return text("WITH RECURSIVE " + ", ".join(parts) + " " + selects)


def _first_letters(word: str) -> list[str]:
    letters = {word[0]}
    for group in _ALIKE:
        if word[0] in group:
            letters.update(group)
    if word[0] == "h" and len(word) > 1:
        letters.add(word[1])  # "Hernández" typed "Ernandes"
    if word[0] in "aeiou":
        letters.add("h")
    return sorted(letters)


async def _fuzzy_words(uow: UnitOfWork, word: str) -> list[str]:
    """Name words close to a misspelt one, among those starting with a letter that sounds alike."""
    if len(word) < FUZZY_MIN_LEN or not word.isalpha():
        return []
    letters = _first_letters(word)
    params: dict[str, str] = {}
    for i, letter in enumerate(letters):
        params[f"lo{i}"], params[f"hi{i}"] = letter, _next_prefix(letter)
    rows = await uow.session.execute(_distinct_tokens_statement(len(letters)), params)
    vocabulary = [token for (token,) in rows]
    hits = process.extract(word, vocabulary, scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_CUTOFF)
    return [hit[0] for hit in hits]


async def _rank_names(
    uow: UnitOfWork, query_words: list[str], fuzzy: dict[str, list[str]], limit: int
) -> list[tuple[int, int, str]]:
    """(client id, word score, search name) of the best ``limit`` clients having every word."""
    shape = tuple(w in fuzzy for w in query_words)
    # The longest plain word is usually the rarest: it drives the scan.
    drive = max(range(len(query_words)), key=lambda i: (not shape[i], len(query_words[i])))
    params: dict[str, Any] = {"cap": NAME_CANDIDATES, "limit": limit}
    for i, word in enumerate(query_words):
        if shape[i]:
            params[f"alts{i}"] = fuzzy[word]
        else:
            params[f"w{i}"], params[f"e{i}"] = word, _next_prefix(word)
    rows = await uow.session.execute(_names_statement(shape, drive), params)
    return [(cid, int(score), name) for cid, score, name in rows]


@lru_cache(maxsize=8)
def _present_statement(n: int) -> TextClause:
    probes = ", ".join(
        f"(SELECT 1 FROM client_tokens WHERE token >= :w{i} AND token < :e{i} LIMIT 1)" for i in range(n)
    )
    return text(f"SELECT {probes}")


async def _present(uow: UnitOfWork, query_words: list[str]) -> list[bool]:
    """Whether each word starts some name word: one round trip, one index probe per word."""
    params = {}
    for i, word in enumerate(query_words):
        params[f"w{i}"], params[f"e{i}"] = word, _next_prefix(word)
    row = (await uow.session.execute(_present_statement(len(query_words)), params)).one()
    return [value is not None for value in row]


async def _name_matches(
    uow: UnitOfWork, query_words: list[str], limit: int
) -> list[tuple[int, int, str, str]]:
    """(client id, score, search name, reason) for name matches, best first.

    A word that starts no name word is taken for a misspelling and replaced by the near words.
    """
    query_words = query_words[:MAX_WORDS]
    if not query_words:
        return []
    present = await _present(uow, query_words)
    fuzzy: dict[str, list[str]] = {}
    for word, found in zip(query_words, present, strict=True):
        if not found:
            near = await _fuzzy_words(uow, word)
            if not near:
                return []
            fuzzy[word] = near
    ranked = await _rank_names(uow, query_words, fuzzy, limit)
    base, reason = (10, "fuzzy") if fuzzy else (40, "name")
    return [(cid, base + score, name, reason) for cid, score, name in ranked]


async def search_clients(uow: UnitOfWork, text: str, *, limit: int = 8, region: str = "MX") -> list[Match]:
    """Best matches first; an empty list when nothing matches."""
    query = (text or "").strip()[:200]
    if not query:
        return []
    found: dict[int, tuple[int, str, str]] = {}  # id → (score, search name, reason)
    s = uow.session

    def hit(cid: int, score: int, name: str, reason: str) -> None:
        if cid not in found or found[cid][0] < score:
            found[cid] = (score, name, reason)

    bare = query.removeprefix("#").strip()
    if bare.isdigit() and len(bare) <= 9:
        for cid, name in await s.execute(_BY_ID, {"id": int(bare)}):
            hit(cid, 100, name, "id")
    try:
        ip: str | None = str(ipaddress.ip_address(query))
    except ValueError:
        ip = None
    ip_like = ip is not None or _PARTIAL_IPV4.match(query) is not None
    if ip_like:
        start = ip or query
        for cid, service_ip, name in await s.execute(_BY_IP, {"lo": start, "hi": _next_prefix(start)}):
            hit(cid, 100 if service_ip == ip else 70, name, "ip")
    lowered = query.lower()
    for cid, user, name in await s.execute(_BY_USER, {"lo": lowered, "hi": _next_prefix(lowered)}):
        hit(cid, 100 if user == lowered else 60, name, "user")
    phones = [] if ip_like else phone_candidates(query, region)
    if phones:
        for cid, name in await s.execute(_BY_PHONE, {"phones": phones}):
            hit(cid, 90, name, "phone")
    if not (ip_like or phones or bare.isdigit()):
        for cid, score, name, reason in await _name_matches(uow, words(query), limit):
            hit(cid, score, name, reason)
        for cid, name in await s.execute(_BY_FULL_NAME, {"name": fold(query)}):
            hit(cid, FULL_NAME_SCORE, name, "name")
    best = sorted(found, key=lambda cid: (-found[cid][0], found[cid][1], cid))[:limit]
    if not best:
        return []
    clients = {c.id: c for c in (await s.execute(_LOAD, {"ids": best})).scalars()}
    return [Match(clients[cid], found[cid][0], found[cid][2]) for cid in best if cid in clients]


def best_or_many(matches: Sequence[Match]) -> Match | None:
    """The one client meant, when the search leaves no doubt: a single hit or one exact hit."""
    if len(matches) == 1:
        return matches[0]
    exact = [m for m in matches if m.score >= 90]
    if len(exact) == 1 and matches[0] is exact[0]:
        return exact[0]
    return None
