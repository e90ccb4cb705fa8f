"""Telegram link tokens: fit a start parameter, bound to one client, signed, expiring, single use."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from pydantic import SecretStr

from antena.core import links, network
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.models import Client
from antena.core.errors import InvalidInput

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


async def _client(app: App) -> int:
    actor = Actor.cli()
    async with app.uow() as uow:
        zone = await network.add_zone(
            uow, actor, name="Centro", issue_day=28, notice_day=30, pay_day=1, cutoff_day=5
        )
    async with app.uow() as uow:
        client = Client(name="Ana", search_name="ana", zone_id=zone.id)
        uow.session.add(client)
        await uow.commit()
        return client.id


def test_token_fits_a_telegram_start_parameter(app: App) -> None:
    for client_id in (1, 42, 9_999_999):
        token = links.telegram_link_token(app, client_id)
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", token), token
    assert links.telegram_start_url("@antena_bot", "abc") == "https://t.me/antena_bot?start=abc"


async def test_portal_link_is_the_auto_login_url(app: App) -> None:
    client_id = await _client(app)
    url = await links.portal_link(app, client_id)
    assert url.startswith("http://portal.test/a/")


async def test_links_once_then_refuses(app: App) -> None:
    client_id = await _client(app)
    token = links.telegram_link_token(app, client_id)
    client = await links.link_chat(app, token, 555)
    assert client.id == client_id and client.telegram_chat_id == 555
    with pytest.raises(InvalidInput, match="already used"):
        await links.link_chat(app, token, 556)


async def test_a_new_token_moves_the_chat_to_another_client(app: App) -> None:
    first = await _client(app)
    async with app.uow() as uow:
        zone_id = (await uow.session.get(Client, first)).zone_id  # type: ignore[union-attr]
        other = Client(name="Luis", search_name="luis", zone_id=zone_id)
        uow.session.add(other)
        await uow.commit()
    await links.link_chat(app, links.telegram_link_token(app, first), 555)
    await links.link_chat(app, links.telegram_link_token(app, other.id), 555)
    async with app.uow() as uow:
        assert (await uow.session.get(Client, first)).telegram_chat_id is None  # type: ignore[union-attr]
        assert (await uow.session.get(Client, other.id)).telegram_chat_id == 555  # type: ignore[union-attr]


async def test_tampered_and_foreign_tokens_are_refused(app: App) -> None:
    client_id = await _client(app)
    token = links.telegram_link_token(app, client_id)
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]  # a whole digit, not padding bits
    for bad in (flipped, "short", token + "x" * 40, "a.b.c" * 10):
        with pytest.raises(InvalidInput, match="not valid"):
            await links.link_chat(app, bad, 555)
    other = dataclasses.replace(
        app, settings=app.settings.model_copy(update={"secret_key": SecretStr("another-instance")})
    )
    with pytest.raises(InvalidInput, match="not valid"):
        await links.link_chat(app, links.telegram_link_token(other, client_id), 555)
    async with app.uow() as uow:
        assert (await uow.session.get(Client, client_id)).telegram_chat_id is None  # type: ignore[union-attr]


async def test_expiry_follows_the_clock_and_the_max_age(app: App) -> None:
    client_id = await _client(app)
    app.clock.fixed = T0
    token = links.telegram_link_token(app, client_id)
    app.clock.fixed = T0 + dt.timedelta(seconds=61)
    with pytest.raises(InvalidInput, match="expired"):
        await links.link_chat(app, token, 555, max_age=60)
    app.clock.fixed = T0 + dt.timedelta(seconds=links.LINK_MAX_AGE + 1)
    with pytest.raises(InvalidInput, match="expired"):
        await links.link_chat(app, token, 555)
    app.clock.fixed = T0 + dt.timedelta(days=1)
    assert (await links.link_chat(app, token, 555)).telegram_chat_id == 555
