"""Auto-login tokens: bound to one client, signed, valid six months by the app's clock, revocable."""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest
from pydantic import SecretStr

from antena.core import links, network
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.models import Client

T0 = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


async def _client(app: App, name: str = "Ana", phone: str | None = "+525512345678") -> Client:
    actor = Actor.cli()
    async with app.uow() as uow:
        zone = await network.add_zone(
            uow, actor, name=f"Z{name}", issue_day=28, notice_day=30, pay_day=1, cutoff_day=5
        )
    async with app.uow() as uow:
        client = Client(name=name, search_name=name.lower(), zone_id=zone.id, phone=phone)
        uow.session.add(client)
        await uow.commit()
        return client


def _token(url: str) -> str:
    assert "/a/" in url
    return url.rsplit("/a/", 1)[1]


async def test_a_valid_link_opens_its_own_client(app: App) -> None:
    ana = await _client(app)
    url = await links.portal_link(app, ana.id)
    assert url.startswith("http://portal.test/a/")
    assert (await links.check_autologin(app, _token(url))).id == ana.id


async def test_tampered_and_foreign_tokens_are_refused(app: App) -> None:
    ana = await _client(app)
    token = _token(await links.portal_link(app, ana.id))
    # Change a whole base64 digit of the signature (the last one also holds padding bits that a
    # decoder may ignore, so flipping only it can leave the signature valid).
    flipped = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
    for bad in (flipped, "", "nonsense", token + "x", token.replace(".", "", 1)):
        with pytest.raises(links.LinkRefused) as err:
            await links.check_autologin(app, bad)
        assert err.value.reason == "invalid"
    # the Telegram-link token of the same client is signed with another salt: no entry with it
    with pytest.raises(links.LinkRefused):
        await links.check_autologin(app, links._serializer(app).dumps([ana.id, 0]))
    other = dataclasses.replace(
        app, settings=app.settings.model_copy(update={"secret_key": SecretStr("another-instance")})
    )
    with pytest.raises(links.LinkRefused):
        await links.check_autologin(app, links.autologin_token(other, ana.id, 0))


async def test_valid_six_months_by_the_injected_clock(app: App) -> None:
    ana = await _client(app)
    app.clock.fixed = T0
    token = _token(await links.portal_link(app, ana.id))
    app.clock.fixed = T0 + dt.timedelta(days=180)  # still inside six months
    assert (await links.check_autologin(app, token)).id == ana.id
    app.clock.fixed = T0 + dt.timedelta(seconds=links.AUTOLOGIN_MAX_AGE + 1)
    with pytest.raises(links.LinkRefused) as err:
        await links.check_autologin(app, token)
    assert err.value.reason == "expired"
    app.clock.fixed = T0 + dt.timedelta(seconds=61)
    with pytest.raises(links.LinkRefused):
        await links.check_autologin(app, token, max_age=60)
    assert links.AUTOLOGIN_MAX_AGE >= 182 * 24 * 3600


async def test_new_revokes_every_earlier_link_of_that_client_only(app: App) -> None:
    ana, luis = await _client(app), await _client(app, "Luis")
    first = _token(await links.portal_link(app, ana.id))
    second = _token(await links.portal_link(app, ana.id))
    luis_token = _token(await links.portal_link(app, luis.id))
    new_url = await links.revoke_links(app, Actor.cli(), ana.id)
    for old in (first, second):
        with pytest.raises(links.LinkRefused) as err:
            await links.check_autologin(app, old)
        assert err.value.reason == "revoked"
    assert (await links.check_autologin(app, _token(new_url))).id == ana.id
    assert (await links.check_autologin(app, luis_token)).id == luis.id


async def test_link_for_gives_the_whatsapp_message_with_the_company(app: App) -> None:
    ana = await _client(app)
    link = await links.link_for(app, Actor.cli(), ana)
    parsed = urlparse(link.whatsapp)
    assert parsed.netloc == "wa.me" and parsed.path == "/525512345678"
    text = parse_qs(parsed.query)["text"][0]
    assert text == (
        "Estimado cliente de la empresa Mi WISP . Le anexo su link para entrar a su portal del cliente. "
        + link.url
    )
    nophone = await _client(app, "Eva", phone=None)
    assert (await links.link_for(app, Actor.cli(), nophone)).whatsapp.startswith("https://wa.me/?text=")
