"""``search_clients``: what staff type in chat (name words, user, IP, phone, id) finds the client,
best match first, whatever the accents, letter case or phone format."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients.csv_import import import_clients
from antena.core.clients.search import Match, best_or_many, search_clients
from tests.integration.test_csv_import import _network

CLIENTS = (
    "id,name,phone,zone,router,plan,ip,service_user\n"
    "1,Juan Pérez García,55 1234 5678,Centro,RB-Centro,Hogar 10M,10.0.0.1,jperez\n"
    "2,Juan López,,Centro,RB-Centro,Hogar 10M,10.0.0.10,jlopez\n"
    "3,María Peña,33 8765 4321,Centro,RB-Centro,Hogar 10M,10.0.0.11,mpena\n"
    "4,Rosa Hernández,,Centro,RB-Centro,Hogar 10M,10.0.0.12,rosa\n"
    "5,Rosa Vázquez,,Centro,RB-Centro,Hogar 10M,10.0.0.13,rvazquez\n"
    "6,Ana Rosales,,Centro,RB-Centro,Hogar 10M,10.0.0.14,arosales\n"
    "7,Ximena Jiménez,,Norte,RB-Norte,Cola 20M,10.1.0.2,\n"
    "123,Pedro Ruiz,,Norte,RB-Norte,Cola 20M,10.1.0.3,\n"
    "124,Pedro Ruiz,,Norte,RB-Norte,Cola 20M,10.0.0.1,\n"
)


@pytest.fixture
async def isp_clients(app: App) -> App:
    await _network(app.settings)
    async with app.uow() as uow:
        await import_clients(uow, Actor.cli(), CLIENTS)
        await uow.commit()
    return app


async def search(app: App, text: str, **kw: int) -> list[Match]:
    async with app.uow() as uow:
        matches = await search_clients(uow, text, **kw)
        uow.session.expunge_all()  # keep what was loaded: leaving the unit of work expires it
        return matches


def ids(matches: list[Match]) -> list[int]:
    return [m.client.id for m in matches]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pena", [3]),
        ("PEÑA", [3]),
        ("peña maría", [3]),
        ("JUAN perez", [1]),
        ("juan pérez garcía", [1]),
        ("jua pe", [1]),
        ("garc", [1]),
        ("  juan   LOPEZ ", [2]),
        ("ximena", [7]),
    ],
)
async def test_name_words_ignore_accents_case_and_order(
    isp_clients: App, text: str, expected: list[int]
) -> None:
    matches = await search(isp_clients, text)
    assert ids(matches) == expected
    assert matches[0].reason == "name"


async def test_whole_words_rank_above_prefixes(isp_clients: App) -> None:
    matches = await search(isp_clients, "rosa")
    # user "rosa" is exact; "Rosa" as a whole word beats the prefix of "Rosales"
    assert ids(matches) == [4, 5, 6]
    assert [m.reason for m in matches] == ["user", "name", "name"]
    assert matches[1].score > matches[2].score


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hernandes", 4),  # s for z at the end
        ("rosa hernandz", 4),
        ("bazquez", 5),  # b for v at the start
        ("rosa bazquez", 5),
        ("jimena jimenez", 7),  # j for x
        ("perrez", 1),
    ],
)
async def test_a_misspelt_word_is_found_by_the_fuzzy_fallback(
    isp_clients: App, text: str, expected: int
) -> None:
    matches = await search(isp_clients, text)
    assert ids(matches)[:1] == [expected]
    assert matches[0].reason == "fuzzy" and matches[0].score < 40


async def test_service_user_exact_and_prefix(isp_clients: App) -> None:
    matches = await search(isp_clients, "JPerez")
    assert ids(matches) == [1] and matches[0].reason == "user" and matches[0].score == 100
    prefix = await search(isp_clients, "jl")
    assert ids(prefix) == [2] and prefix[0].score == 60


async def test_ip_exact_first_then_the_ips_it_starts(isp_clients: App) -> None:
    matches = await search(isp_clients, "10.0.0.1")
    # 10.0.0.1 is on two routers (clients 1 and 124); then 10.0.0.10 … 10.0.0.14
    assert sorted(ids(matches)[:2]) == [1, 124]
    assert all(m.score == 100 for m in matches[:2])
    assert ids(matches)[2:] == [6, 2, 3, 4, 5], "then by name: Ana, Juan, María, Rosa H., Rosa V."
    assert all(m.reason == "ip" and m.score == 70 for m in matches[2:])
    assert best_or_many(matches) is None, "the same IP on two routers is not one client"
    only = await search(isp_clients, "10.1.0.2")
    assert ids(only) == [7] and best_or_many(only) is only[0]


async def test_a_partial_ip_lists_the_clients_in_that_range(isp_clients: App) -> None:
    assert sorted(ids(await search(isp_clients, "10.1.0."))) == [7, 123]


@pytest.mark.parametrize(
    "text", ["5512345678", "+52 55 1234 5678", "55-1234-5678", "(55) 1234 5678", "+525512345678"]
)
async def test_a_phone_in_any_format(isp_clients: App, text: str) -> None:
    matches = await search(isp_clients, text)
    assert ids(matches) == [1]
    assert matches[0].reason == "phone" and matches[0].score == 90


@pytest.mark.parametrize("text", ["123", "#123", " # 123 "])
async def test_client_id(isp_clients: App, text: str) -> None:
    matches = await search(isp_clients, text)
    assert ids(matches) == [123] and matches[0].reason == "id"


async def test_exact_id_ip_and_user_rank_before_name_matches(isp_clients: App) -> None:
    matches = await search(isp_clients, "pedro ruiz")
    assert ids(matches) == [123, 124] and best_or_many(matches) is None
    assert ids(await search(isp_clients, "#124")) == [124]
    ranked = await search(isp_clients, "rosa")
    assert ranked[0].score == 100 and best_or_many(ranked) is ranked[0]


@pytest.mark.parametrize(
    "text", ["zacarías", "juan zapata", "10.9.9.9", "999", "#999", "5599999999", "", "   ", "!!"]
)
async def test_no_match_is_an_empty_list(isp_clients: App, text: str) -> None:
    assert await search(isp_clients, text) == []


async def test_limit_and_ties_listed_by_name(app: App) -> None:
    await _network(app.settings)
    rows = "".join(
        f",Juan {s},Centro,RB-Centro,Cola 20M,10.0.1.{i}\n" for i, s in enumerate("QWERTYUIOPAS", 1)
    )
    async with app.uow() as uow:
        await import_clients(uow, Actor.cli(), "id,name,zone,router,plan,ip\n" + rows)
        await uow.commit()
    matches = await search(app, "juan", limit=5)
    assert len(matches) == 5
    names = [m.client.name for m in matches]
    assert names == sorted(names)
    assert len(await search(app, "juan")) == 8


def _match(cid: int, score: int) -> Match:
    from antena.core.db.models import Client

    return Match(Client(id=cid, name=f"c{cid}"), score, "name")


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ([41], 0),  # a single hit, however weak
        ([100, 42], 0),  # one exact hit first
        ([90, 42, 41], 0),  # a phone is exact enough
        ([100, 100], None),  # two exact hits
        ([42, 41], None),  # only name matches
        ([60, 42], None),  # a user prefix is not exact
        ([], None),
    ],
)
def test_best_or_many(scores: list[int], expected: int | None) -> None:
    matches = [_match(i, s) for i, s in enumerate(scores)]
    best = best_or_many(matches)
    assert (best is None) if expected is None else (best is matches[expected])


async def test_matches_carry_the_client_with_its_services(isp_clients: App) -> None:
    (match,) = await search(isp_clients, "maría peña")
    assert match.client.zone.name == "Centro"
    assert [s.ip for s in match.client.services] == ["10.0.0.11"]


async def test_the_rarest_word_drives_the_name_scan(
    isp_clients: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With room for one candidate row only, "rosa" (Rosa H., Rosa V., Rosales) driving the scan
    # would keep Rosa Hernández and miss Rosa Vázquez; "v" starts one name word and drives.
    monkeypatch.setattr("antena.core.clients.search.NAME_CANDIDATES", 1)
    assert ids(await search(isp_clients, "rosa v")) == [5]
    assert ids(await search(isp_clients, "v rosa")) == [5]


@pytest.mark.parametrize(
    ("text", "statements"),
    [("123", 2), ("10.0.0.1", 2), ("55 1234 5678", 2), ("jperez", 3), ("juan perez", 3), ("rosa bazquez", 4)],
)
async def test_statements_per_search(isp_clients: App, text: str, statements: int) -> None:
    """Exact lookups share one statement, then name ranking, then loading the clients."""
    sent: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if not statement.startswith("BEGIN"):
            sent.append(statement)

    engine = isp_clients.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert await search(isp_clients, text)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(sent) == statements, sent
