"""Finding a client from what staff type: id, IP, service user, phone or words of the name.

Ranked: an exact id, IP or service user first, then the whole name typed exactly (accents and case
aside), then phones, then IP and user prefixes, then names (every typed word must start a word
of the name; whole-word matches rank above prefixes); equal scores are listed by name. Names
use the indexed ``client_tokens`` table in one statement that returns only the best few, so a
search among 100,000 clients reads only the index rows that match; a misspelt word falls back
to rapidfuzz over the name words that start alike (b/v, c/s/z, g/j, i/y …).
Statements are built once per shape: building SQLAlchemy constructs per search costs more than
running them. Each round trip costs more than the index reads behind it, so a search makes at most
three (four with a misspelling): every exact and prefix lookup at once (which also counts how many
name words each typed word starts, so the rarest drives the name scan), the name ranking, and the
clients with their services.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import TextClause, bindparam, select, text
from sqlalchemy.orm import joinedload
from sqlalchemy.sql import Select

from antena.core.db.models import Client
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


@lru_cache(maxsize=1)
def _load() -> Select[Any]:
    """One client and its services (router, plan, zone) in one statement: the bot renders them.
    Built on first use: ``joinedload`` configures every mapper, 25 ms that a CLI command which
    never searches (or searches by id) should not pay at import."""
    return (
        select(Client)
        .where(Client.id.in_(bindparam("ids", expanding=True)))
        .options(joinedload(Client.services))
    )
# Branches of the one lookup statement: (kind, client id, count, key, search name) rows.
KIND_ID, KIND_IP, KIND_USER, KIND_PHONE, KIND_FULL, KIND_COUNT = range(6)
_NO_KEY, _NO_COUNT = "CAST(NULL AS VARCHAR(80))", "CAST(NULL AS BIGINT)"
_ID_BRANCH = f"SELECT {KIND_ID}, id, {_NO_COUNT}, {_NO_KEY}, search_name FROM clients WHERE id = :id"
_IP_BRANCH = (
    f"SELECT {KIND_IP}, s.client_id, {_NO_COUNT}, s.ip, c.search_name FROM services s"
    " JOIN clients c ON c.id = s.client_id WHERE s.ip >= :iplo AND s.ip < :iphi"
    f" ORDER BY s.ip LIMIT {MAX_PREFIX_HITS}"
)
_USER_BRANCH = (
    f"SELECT {KIND_USER}, s.client_id, {_NO_COUNT}, s.service_user_lower, c.search_name FROM services s"
    " JOIN clients c ON c.id = s.client_id WHERE s.service_user_lower >= :ulo AND s.service_user_lower < :uhi"
    f" ORDER BY s.service_user_lower LIMIT {MAX_PREFIX_HITS}"
)
# Two indexed lookups: ``phone IN … OR phone_alt IN …`` would scan the whole table on SQLite.
_PHONE_BRANCH = (
    f"SELECT {KIND_PHONE}, p.id, {_NO_COUNT}, {_NO_KEY}, p.search_name FROM"
    " (SELECT id, search_name FROM clients WHERE phone IN :phones"
    " UNION SELECT id, search_name FROM clients WHERE phone_alt IN :phones) p"
)
# The whole name as typed (accents and case aside): it beats every prefix match ("juan perez"
# means Juan Pérez, not Juana Pérez). ``search_name`` is indexed.
_FULL_BRANCH = (
    f"SELECT {KIND_FULL}, id, {_NO_COUNT}, {_NO_KEY}, search_name FROM clients WHERE search_name = :name"
    f" LIMIT {MAX_PREFIX_HITS}"
)


def _count_branch(i: int) -> str:
    """How many name words start with query word ``i`` (up to ``:capn``): 0 means misspelt, and
    the rarest word drives the ranking scan."""
    return (
        f"SELECT {KIND_COUNT}, {i}, (SELECT count(*) FROM (SELECT 1 FROM client_tokens"
        f" WHERE token >= :w{i} AND token < :e{i} LIMIT :capn) n{i}), {_NO_KEY}, {_NO_KEY}"
    )


@lru_cache(maxsize=64)
def _lookup_statement(by_id: bool, by_ip: bool, by_phone: bool, n_words: int) -> TextClause:
    """Every exact and prefix lookup a query needs, in one round trip (a ``UNION ALL``)."""
    branches = [_ID_BRANCH] if by_id else []
    branches += [_IP_BRANCH] if by_ip else []
    branches += [_USER_BRANCH] + ([_PHONE_BRANCH] if by_phone else [])
    branches += [_FULL_BRANCH] + [_count_branch(i) for i in range(n_words)] if n_words else []
    # Each branch is wrapped: SQLite allows ORDER BY / LIMIT only on the whole compound.
    sql = " UNION ALL ".join(f"SELECT * FROM ({b}) b{i}" for i, b in enumerate(branches))
    stmt = text(sql)
    return stmt.bindparams(bindparam("phones", expanding=True)) if by_phone else stmt


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
    from rapidfuzz import fuzz, process  # here: a command that finds the name at once never loads it

    hits = process.extract(word, vocabulary, scorer=fuzz.ratio, limit=5, score_cutoff=FUZZY_CUTOFF)
    return [hit[0] for hit in hits]


async def _rank_names(
    uow: UnitOfWork, query_words: list[str], counts: list[int], fuzzy: dict[str, list[str]], limit: int
) -> list[tuple[int, int, str]]:
    """(client id, word score, search name) of the best ``limit`` clients having every word."""
    shape = tuple(w in fuzzy for w in query_words)
    # The rarest plain word drives the scan (each of its rows costs one probe per other word);
    # among equally rare ones, the longest.
    drive = min(range(len(query_words)), key=lambda i: (shape[i], counts[i], -len(query_words[i]), i))
    params: dict[str, Any] = {"cap": NAME_CANDIDATES, "limit": limit}
    for i, word in enumerate(query_words):
        if shape[i]:
            params[f"alts{i}"] = fuzzy[word]
        else:
            params[f"w{i}"], params[f"e{i}"] = word, _next_prefix(word)
    rows = await uow.session.execute(_names_statement(shape, drive), params)
    return [(cid, int(score), name) for cid, score, name in rows]


async def _name_matches(
    uow: UnitOfWork, query_words: list[str], counts: list[int], limit: int
) -> list[tuple[int, int, str, str]]:
    """(client id, score, search name, reason) for name matches, best first.

    A word that starts no name word is taken for a misspelling and replaced by the near words.
    """
    if not query_words:
        return []
    fuzzy: dict[str, list[str]] = {}
    for word, count in zip(query_words, counts, strict=True):
        if not count:
            near = await _fuzzy_words(uow, word)
            if not near:
                return []
            fuzzy[word] = near
    ranked = await _rank_names(uow, query_words, counts, fuzzy, limit)
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
    by_id = bare.isdigit() and len(bare) <= 9
    try:
        ip: str | None = str(ipaddress.ip_address(query))
    except ValueError:
        ip = None
    ip_like = ip is not None or _PARTIAL_IPV4.match(query) is not None
    lowered = query.lower()
    phones = [] if ip_like else phone_candidates(query, region)
    names = [] if (ip_like or phones or bare.isdigit()) else words(query)[:MAX_WORDS]
    params: dict[str, Any] = {"ulo": lowered, "uhi": _next_prefix(lowered)}
    if by_id:
        params["id"] = int(bare)
    if ip_like:
        start = ip or query
        params["iplo"], params["iphi"] = start, _next_prefix(start)
    if phones:
        params["phones"] = phones
    if names:
        params["name"], params["capn"] = fold(query), NAME_CANDIDATES + 1
        for i, word in enumerate(names):
            params[f"w{i}"], params[f"e{i}"] = word, _next_prefix(word)
    statement = _lookup_statement(by_id, ip_like, bool(phones), len(names))
    counts = [0] * len(names)
    full: list[tuple[int, str]] = []
    rows = sorted((await s.execute(statement, params)).all(), key=lambda row: row[0])  # as ranked: id first
    for kind, cid, count, key, name in rows:
        if kind == KIND_ID:
            hit(cid, 100, name, "id")
        elif kind == KIND_IP:
            hit(cid, 100 if key == ip else 70, name, "ip")
        elif kind == KIND_USER:
            hit(cid, 100 if key == lowered else 60, name, "user")
        elif kind == KIND_PHONE:
            hit(cid, 90, name, "phone")
        elif kind == KIND_FULL:
            full.append((cid, name))
        else:
            counts[cid] = int(count)
    if names:
        for cid, score, name, reason in await _name_matches(uow, names, counts, limit):
            hit(cid, score, name, reason)
        for cid, name in full:
            hit(cid, FULL_NAME_SCORE, name, "name")
    best = sorted(found, key=lambda cid: (-found[cid][0], found[cid][1], cid))[:limit]
    if not best:
        return []
    clients = {c.id: c for c in (await s.execute(_load(), {"ids": best})).unique().scalars()}
    return [Match(clients[cid], found[cid][0], found[cid][2]) for cid in best if cid in clients]


def best_or_many(matches: Sequence[Match]) -> Match | None:
    """The one client meant, when the search leaves no doubt: a single hit or one exact hit."""
    if len(matches) == 1:
        return matches[0]
    exact = [m for m in matches if m.score >= 90]
    if len(exact) == 1 and matches[0] is exact[0]:
        return exact[0]
    return None
