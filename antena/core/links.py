"""Links we hand to customers: the Telegram deep link that ties a chat to a client, and the portal link.

A Telegram start parameter may only hold ``A-Za-z0-9_-`` and at most 64 characters, so the
itsdangerous token (``payload.timestamp.signature``) travels without its dots: the timestamp and
the signature have fixed widths, so the dots are put back by position before checking it.
Tokens are single use: the token id (``jti``) is written to ``used_tokens`` when it links a chat.
"""

from __future__ import annotations

import secrets

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.db.models import Client
from antena.core.db.tokens import UsedToken
from antena.core.errors import InvalidInput, NotFound
from antena.core.i18n import _

SALT = "telegram-link"
PURPOSE = "telegram-link"
LINK_MAX_AGE = 7 * 24 * 3600  # seconds a Telegram link token stays valid
_TS_LEN = 6  # base64 of a 4-byte Unix time (good until 2106)
_SIG_LEN = 27  # base64 of an HMAC-SHA1
MAX_START_PARAM = 64


def _serializer(app: App) -> URLSafeTimedSerializer:
    """Timestamps come from the app's clock, so tests can age a token without waiting."""
    clock = app.clock

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return URLSafeTimedSerializer(app.settings.signing_key(), salt=SALT, signer=ClockSigner)


def _compact(token: str) -> str:
    payload, stamp, sig = token.split(".")
    assert len(stamp) == _TS_LEN and len(sig) == _SIG_LEN, "unexpected itsdangerous token shape"
    return payload + stamp + sig


def _expand(param: str) -> str:
    tail = _TS_LEN + _SIG_LEN
    if not (tail < len(param) <= MAX_START_PARAM) or "." in param:
        raise BadData("malformed")
    return f"{param[:-tail]}.{param[-tail:-_SIG_LEN]}.{param[-_SIG_LEN:]}"


def telegram_link_token(app: App, client_id: int) -> str:
    """A signed, single-use token for ``t.me/<bot>?start=<token>`` bound to one client."""
    jti = secrets.token_urlsafe(6)
    token = _compact(_serializer(app).dumps([client_id, jti]))
    if len(token) > MAX_START_PARAM:  # only with client ids beyond ~10 million
        raise InvalidInput(_("Client id {id} is too long for a Telegram link").format(id=client_id))
    return token


def telegram_start_url(bot_username: str, token: str) -> str:
    return f"https://t.me/{bot_username.lstrip('@')}?start={token}"


def portal_link(app: App, client_id: int) -> str:
    """The customer's way into the portal; the signed auto-login link replaces this in one place."""
    return app.settings.portal_url


def _refused(company: str) -> InvalidInput:
    return InvalidInput(
        _(
            "This link is not valid. Open “get notices on Telegram” in your portal again, or ask {company}."
        ).format(company=company)
    )


async def link_chat(app: App, token: str, chat_id: int, *, max_age: int | None = None) -> Client:
    """Tie ``chat_id`` to the token's client (a chat serves one client: an older link moves here)."""
    company = app.settings.company_name
    actor = Actor(name=f"telegram:{chat_id}", channel="telegram")
    try:
        client_id, jti = _serializer(app).loads(
            _expand(token.strip()), max_age=LINK_MAX_AGE if max_age is None else max_age
        )
        client_id, jti = int(client_id), str(jti)
    except SignatureExpired:
        await _audit_refusal(app, actor, "refused: expired")
        raise InvalidInput(
            _("This link has expired. Open “get notices on Telegram” in your portal for a new one.")
        ) from None
    except (BadData, ValueError, TypeError):
        await _audit_refusal(app, actor, "refused: invalid")
        raise _refused(company) from None
    async with app.uow() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("This link's client no longer exists. Ask {company}.").format(company=company))
        used = await uow.session.get(UsedToken, jti)
        if used is not None:
            record(uow.session, actor, "client.telegram_link", target=str(client_id), outcome="refused: used")
            await uow.commit()
            raise InvalidInput(
                _("This link was already used. Open “get notices on Telegram” in your portal for a new one.")
            )
        uow.session.add(UsedToken(jti=jti, purpose=PURPOSE, client_id=client_id, used_at=app.clock.now()))
        await uow.session.execute(
            update(Client)
            .where(Client.telegram_chat_id == chat_id, Client.id != client_id)
            .values(telegram_chat_id=None)
        )
        client.telegram_chat_id = chat_id
        record(uow.session, actor, "client.telegram_link", target=f"{client.id} {client.name}")
        try:
            await uow.commit()
        except IntegrityError:  # the same token used at the same moment from two chats
            raise InvalidInput(
                _("This link was already used. Open “get notices on Telegram” in your portal for a new one.")
            ) from None
    return client


async def _audit_refusal(app: App, actor: Actor, outcome: str) -> None:
    async with app.uow() as uow:
        record(uow.session, actor, "client.telegram_link", outcome=outcome)
        await uow.commit()
