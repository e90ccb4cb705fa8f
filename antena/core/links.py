"""Links we hand to customers: the Telegram deep link that ties a chat to a client, and the portal link.

A Telegram start parameter may only hold ``A-Za-z0-9_-`` and at most 64 characters, so the
itsdangerous token (``payload.timestamp.signature``) travels without its dots: the timestamp and
the signature have fixed widths, so the dots are put back by position before checking it.
Tokens are single use: the token id (``jti``) is written to ``used_tokens`` when it links a chat.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

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


# -- auto-login links to the portal ---------------------------------------------------------------

AUTOLOGIN_SALT = "autologin"
AUTOLOGIN_MAX_AGE = (
    183 * 24 * 3600
)  # the manual: "solo será válido durante 6 meses desde el momento de creación"
WHATSAPP_TEXT = (
    "Estimado cliente de la empresa {empresa} . Le anexo su link para entrar a su portal del cliente. {url}"
)


class LinkRefused(InvalidInput):
    """An auto-login token that is tampered, expired or revoked (the page says no more than that)."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _autologin_serializer(app: App) -> URLSafeTimedSerializer:
    clock = app.clock

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return URLSafeTimedSerializer(app.settings.signing_key(), salt=AUTOLOGIN_SALT, signer=ClockSigner)


def autologin_token(app: App, client_id: int, link_version: int) -> str:
    """Signed ``[client id, link version]``: valid six months, or until ``/link <cliente> nuevo``."""
    return _signer(app).token(client_id, link_version, int(app.clock.now().timestamp()))


def _signer(app: App) -> _AutologinSigner:
    """This app's signer for its current secret (derived once; a changed secret gets its own)."""
    settings = app.settings
    secret = settings.secret_key.get_secret_value() if settings.secret_key is not None else ""
    key = (id(settings), secret or str(settings.data_dir))
    signers: dict[tuple[int, str], _AutologinSigner] = app.extras.setdefault(_SIGNER_KEY, {})
    found = signers.get(key)
    if found is None:
        found = signers[key] = _AutologinSigner(settings.signing_key())
    return found


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


_SIGNER_KEY = "links_autologin_signers"  # app.extras: keys derived once per settings and secret
_NEVER_SHORTER = 15  # payload bytes up to which zlib's output is never shorter by 2


class _AutologinSigner:
    """What ``_autologin_serializer(app).dumps([id, version])`` returns, byte for byte, without
    building a serializer, deriving the key and reading the secret again for each token: the day's
    reminders sign one link per client (100,000 of them). Tokens of the same second repeat."""

    def __init__(self, secret: str) -> None:
        key = hashlib.sha1(AUTOLOGIN_SALT.encode() + b"signer" + secret.encode()).digest()
        self._mac = hmac.new(key, digestmod=hashlib.sha1)
        self._second = -1
        self._stamp = b""
        self._memo: dict[tuple[int, int], str] = {}

    def token(self, client_id: int, link_version: int, timestamp: int) -> str:
        if timestamp != self._second:
            self._second, self._memo = timestamp, {}
            self._stamp = _b64(timestamp.to_bytes(8, "big").lstrip(b"\x00"))
        found = self._memo.get((client_id, link_version))
        if found is not None:
            return found
        if type(client_id) is int and type(link_version) is int:  # what compact JSON writes for ints
            payload = f"[{client_id},{link_version}]".encode()
        else:
            text = json.dumps([client_id, link_version], ensure_ascii=False, separators=(",", ":"))
            payload = text.encode()
        body = _b64(payload)
        # itsdangerous keeps zlib's form when it is shorter; it never is below 16 bytes (checked
        # exhaustively for such payloads; zlib's framing alone is 6 bytes), so only longer ones try
        if len(payload) > _NEVER_SHORTER:
            compressed = zlib.compress(payload)
            if len(compressed) < len(payload) - 1:
                body = b"." + _b64(compressed)
        value = body + b"." + self._stamp
        mac = self._mac.copy()
        mac.update(value)
        token = (value + b"." + _b64(mac.digest())).decode()
        self._memo[(client_id, link_version)] = token
        return token


def autologin_url(app: App, client_id: int, link_version: int) -> str:
    return f"{app.settings.portal_url.rstrip('/')}/a/{autologin_token(app, client_id, link_version)}"


def autologin_urls(app: App) -> Callable[[int, int], str]:
    """``autologin_url`` for a batch (the day's reminders): every link signed at the batch's
    first second, the portal's address and the key looked up once."""
    base = f"{app.settings.portal_url.rstrip('/')}/a/"
    stamp = int(app.clock.now().timestamp())
    token = _signer(app).token

    def url(client_id: int, link_version: int) -> str:
        return base + token(client_id, link_version, stamp)

    return url


def read_autologin(app: App, token: str, *, max_age: int | None = None) -> tuple[int, int]:
    """``(client id, link version)`` of a good signature; the version is checked against the client later."""
    try:
        client_id, version = _autologin_serializer(app).loads(
            token.strip(), max_age=AUTOLOGIN_MAX_AGE if max_age is None else max_age
        )
        return int(client_id), int(version)
    except SignatureExpired:
        raise LinkRefused(_("This link has expired."), reason="expired") from None
    except (BadData, ValueError, TypeError):
        raise LinkRefused(_("This link is not valid."), reason="invalid") from None


async def check_autologin(app: App, token: str, *, max_age: int | None = None) -> Client:
    """The client an auto-login token opens the portal for; refused if revoked or the client is gone."""
    client_id, version = read_autologin(app, token, max_age=max_age)
    async with app.uow() as uow:
        client = await uow.session.get(Client, client_id)
    if client is None or client.link_version != version:
        raise LinkRefused(_("This link is not valid."), reason="revoked")
    return client


async def portal_link(app: App, client_id: int) -> str:
    """The client's current auto-login URL (a fresh signature on the current link version)."""
    async with app.uow() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("No client with id {id}").format(id=client_id))
        version = client.link_version
    return autologin_url(app, client_id, version)


async def revoke_links(app: App, actor: Actor, client_id: int) -> str:
    """Every earlier auto-login link and portal session of the client stops working; the new URL."""
    async with app.uow() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("No client with id {id}").format(id=client_id))
        await uow.session.execute(
            update(Client).where(Client.id == client_id).values(link_version=Client.link_version + 1)
        )
        record(uow.session, actor, "client.portal_link_revoke", target=f"{client.id} {client.name}")
        await uow.commit()
    return await portal_link(app, client_id)


def whatsapp_text(app: App, url: str) -> str:
    return WHATSAPP_TEXT.format(empresa=app.settings.company_name, url=url)


def whatsapp_link(app: App, phone: str | None, url: str) -> str:
    """wa.me click-to-chat with the manual's message; without a phone WhatsApp asks whom to send it to."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    return f"https://wa.me/{digits}?text={quote(whatsapp_text(app, url))}"


@dataclass(frozen=True)
class PortalLink:
    client_id: int
    client_name: str
    url: str
    whatsapp: str
    revoked: bool


async def link_for(app: App, actor: Actor, client: Client, *, new: bool = False) -> PortalLink:
    """What ``/link`` and ``antena link`` show: the URL and its WhatsApp link (``new`` revokes first)."""
    url = await revoke_links(app, actor, client.id) if new else await portal_link(app, client.id)
    return PortalLink(client.id, client.name, url, whatsapp_link(app, client.phone, url), new)


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
