"""Ways to reach a customer: console, Twilio SMS and WhatsApp, Meta's WhatsApp Cloud API, Telegram, e-mail.

Each channel is narrow: ``send(Outgoing) -> Sent`` or raises :class:`SendError` saying whether
trying again later can help (timeouts, 429, 5xx) or not (21211 invalid number, 21610
unsubscribed, a bot blocked by the user). Which channel a client gets is :func:`route`'s business.
The types they share are in :mod:`antena.core.notify.channel_types`, Twilio's channels in
:mod:`antena.core.notify.twilio_channels`; both are re-exported here.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from email.message import EmailMessage
from html import escape
from typing import Any
from urllib.parse import urlsplit

from antena.core.config import Settings
from antena.core.i18n import gettext
from antena.core.notify.channel_types import Channel, Outgoing, SendError, Sent, StaffNote
from antena.core.notify.twilio_channels import (
    PERMANENT_TWILIO,
    TWILIO_BASE,
    TwilioSmsChannel,
    TwilioWhatsAppChannel,
    classify_twilio,
    status_callback_url,
)
from antena.core.notify.twilio_channels import _redirecting_http_client as _redirecting_http_client
from antena.core.redact import mask_tokens

__all__ = [  # the shared types (notify.channel_types) and Twilio's channels stay importable from here
    "PERMANENT_TWILIO", "TWILIO_BASE", "Channel", "Channels", "ConsoleChannel", "EmailChannel", "Outgoing",
    "Recipient", "SendError", "Sent", "StaffNote", "TelegramChannel", "Throttle", "TwilioSmsChannel",
    "TwilioWhatsAppChannel", "classify_twilio", "document_email", "status_callback_url", "welcome_email",
]  # fmt: skip

LOG = logging.getLogger("antena.notify")


# --- console ---------------------------------------------------------------------------------------


class ConsoleChannel:
    """Writes the message to the outbox log only (``ANTENA_SMS_BACKEND=console``)."""

    name = "console"

    def sender(self) -> str:
        return "console"

    async def send(self, msg: Outgoing) -> Sent:
        body = mask_tokens(msg.body)  # the log is not a place for six-month portal keys
        LOG.info("message %s to %s (%s): %s", msg.message_id, msg.to, msg.event, body)
        return Sent(None, "logged")

    async def aclose(self) -> None:
        return None


# --- Telegram --------------------------------------------------------------------------------------


class TelegramChannel:
    """The client's linked chat, through the Bot API at ``ANTENA_TELEGRAM_API_URL`` (aiogram ``Bot``)."""

    name = "telegram"

    def __init__(self, settings: Settings) -> None:
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer
        from aiogram.methods import Response
        from aiogram.types import Message

        assert settings.telegram_token is not None
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
        self.bot = Bot(settings.telegram_token.get_secret_value(), session=session)
        # Held: pydantic caches this model weakly, and aiogram rebuilt it (ms) for each message.
        self._reply_model = Response[Message]

    def sender(self) -> str:
        return "telegram"

    async def send(self, msg: Outgoing) -> Sent:
        from aiogram.exceptions import (
            TelegramBadRequest,
            TelegramForbiddenError,
            TelegramNetworkError,
            TelegramRetryAfter,
            TelegramServerError,
        )

        try:
            sent = await self.bot.send_message(int(msg.to), msg.body, disable_web_page_preview=True)
        except TelegramRetryAfter as exc:
            raise SendError(f"telegram: flood wait {exc.retry_after}s", transient=True) from None
        except (TelegramNetworkError, TelegramServerError, TimeoutError) as exc:
            raise SendError(f"telegram: {exc}", transient=True) from None
        except (TelegramForbiddenError, TelegramBadRequest) as exc:
            raise SendError(f"telegram: {exc.message}", transient=False) from None
        return Sent(str(sent.message_id), "sent")

    async def send_staff(self, chat_id: int, note: StaffNote) -> Sent:
        """A staff message: text (or a document with the text as caption) and inline buttons."""
        from aiogram.exceptions import (
            TelegramBadRequest,
            TelegramForbiddenError,
            TelegramNetworkError,
            TelegramNotFound,
            TelegramRetryAfter,
            TelegramServerError,
        )
        from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

        markup = None
        if note.buttons:
            markup = InlineKeyboardMarkup(
                inline_keyboard=[
                    [InlineKeyboardButton(text=text, callback_data=data) for text, data in row]
                    for row in note.buttons
                ]
            )
        try:
            if note.document is None:
                sent = await self.bot.send_message(
                    chat_id, note.text, reply_markup=markup, disable_web_page_preview=True
                )
            else:
                name, data = note.document
                if note.caption_only:
                    sent = await self.bot.send_document(
                        chat_id, BufferedInputFile(data, filename=name), caption=note.text[:1024],
                        reply_markup=markup,
                    )  # fmt: skip
                else:  # a long text first, then the file (the daily report)
                    await self.bot.send_message(chat_id, note.text, disable_web_page_preview=True)
                    sent = await self.bot.send_document(
                        chat_id, BufferedInputFile(data, filename=name), reply_markup=markup
                    )
        except TelegramRetryAfter as exc:
            raise SendError(f"telegram: flood wait {exc.retry_after}s", transient=True) from None
        except (TelegramNetworkError, TelegramServerError, TimeoutError) as exc:
            raise SendError(f"telegram: {exc}", transient=True) from None
        except (TelegramForbiddenError, TelegramBadRequest, TelegramNotFound) as exc:
            raise SendError(f"telegram: {exc.message}", transient=False) from None
        return Sent(str(sent.message_id), "sent")

    async def aclose(self) -> None:
        await self.bot.session.close()


# --- e-mail ----------------------------------------------------------------------------------------


def welcome_email(settings: Settings, msg: Outgoing) -> EmailMessage:
    """The welcome e-mail: the welcome text and a button that logs the client into the portal."""
    lang = msg.language
    company = str(msg.variables.get("empresa", settings.company_name))
    link = str(msg.variables.get("url_autologin", settings.portal_url))
    email = EmailMessage()
    email["Subject"] = gettext("Welcome to {company}", lang).format(company=company)
    email["From"] = settings.smtp_from or f"no-reply@{urlsplit(settings.portal_url).hostname or 'localhost'}"
    email["To"] = msg.to
    email.set_content(msg.body)
    button = gettext("Open my customer portal", lang)
    email.add_alternative(
        f"<p>{escape(msg.body)}</p>"
        f'<p><a href="{escape(link)}" style="background:#0b5ed7;color:#fff;padding:12px 20px;'
        f'border-radius:6px;text-decoration:none;display:inline-block">{escape(button)}</a></p>',
        subtype="html",
    )
    return email


def document_email(settings: Settings, msg: Outgoing) -> EmailMessage:
    """A message with a file from the data dir attached (the signed contract's PDF): the
    context's ``adjunto`` names the file, ``asunto`` the subject."""
    path = (settings.data_dir / str(msg.variables["adjunto"])).resolve()
    if settings.data_dir.resolve() not in path.parents or not path.is_file():
        raise SendError(f"attachment {msg.variables['adjunto']} is missing", transient=False)
    email = EmailMessage()
    email["Subject"] = str(msg.variables.get("asunto") or settings.company_name)
    email["From"] = settings.smtp_from or f"no-reply@{urlsplit(settings.portal_url).hostname or 'localhost'}"
    email["To"] = msg.to
    email.set_content(msg.body)
    maintype, subtype = ("application", "pdf") if path.suffix == ".pdf" else ("application", "octet-stream")
    email.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return email


class EmailChannel:
    name = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def sender(self) -> str:
        return "email"

    async def send(self, msg: Outgoing) -> Sent:
        import aiosmtplib

        s = self.settings
        if not s.smtp_host:
            raise SendError("no SMTP host configured", transient=False)
        build = document_email if msg.variables.get("adjunto") else welcome_email
        try:
            await aiosmtplib.send(
                build(s, msg),
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_user,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                start_tls=s.smtp_starttls,
                timeout=s.smtp_timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise SendError(f"smtp: {exc}", transient=False) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise SendError(f"smtp: {exc}", transient=True) from None
        return Sent(None, "sent")

    async def aclose(self) -> None:
        return None


# --- throttling and routing ------------------------------------------------------------------------


class Throttle:
    """At most ``rate`` sends a second per sender: each caller reserves the next free slot."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next_slot = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


@dataclass(frozen=True)
class Recipient:
    """What the router needs to know about a client."""

    client_id: int | None
    phone: str | None
    email: str | None
    telegram_chat_id: int | None
    opted_out: bool


class Channels:
    """The channels this installation can use, built once per worker, with their throttles."""

    def __init__(self, settings: Settings, db: Any = None) -> None:
        self.settings = settings
        self.db = db  # the app's Database, for channels that read it (whatsapp_cloud); else their own
        self._built: dict[str, Channel] = {}
        self._throttles: dict[str, Throttle] = {}
        self.order = [c.strip() for c in settings.notify_channels.split(",") if c.strip()]

    def available(self, name: str) -> bool:
        s = self.settings
        twilio = s.sms_backend == "twilio" and bool(s.twilio_account_sid and s.twilio_auth_token)
        return {
            "telegram": s.telegram_token is not None,
            "whatsapp": twilio and bool(s.twilio_whatsapp_from),
            "sms": True,  # console when Twilio is not configured
            "email": bool(s.smtp_host),
            "whatsapp_cloud": bool(s.whatsapp_cloud_token and s.whatsapp_cloud_phone_number_id),
        }.get(name, False)

    def get(self, name: str) -> Channel:
        if name not in self._built:
            s = self.settings
            if name == "telegram":
                self._built[name] = TelegramChannel(s)
            elif name == "whatsapp":
                self._built[name] = TwilioWhatsAppChannel(s)
            elif name == "sms":
                twilio = s.sms_backend == "twilio" and bool(s.twilio_account_sid and s.twilio_from)
                self._built[name] = TwilioSmsChannel(s) if twilio else ConsoleChannel()
            elif name == "email":
                self._built[name] = EmailChannel(s)
            elif name == "whatsapp_cloud":
                self._built[name] = _whatsapp_cloud(s, self.db)
            else:
                raise KeyError(name)
        return self._built[name]

    def throttle(self, channel: Channel) -> Throttle | None:
        if isinstance(channel, ConsoleChannel):
            return None
        key = channel.sender()
        if key not in self._throttles:
            rate = {
                "telegram": self.settings.telegram_rate_per_second,
                "email": 5.0,
                "whatsapp_cloud": self.settings.whatsapp_cloud_rate_per_second,
            }.get(channel.name, self.settings.sms_rate_per_second)
            self._throttles[key] = Throttle(rate)
        return self._throttles[key]

    def route(self, who: Recipient, forced: str | None, content_sid: str | None) -> list[tuple[str, str]]:
        """(channel, address) to try, cheapest first; empty when the client cannot be reached."""
        if forced:
            address = {"email": who.email, "telegram": who.telegram_chat_id, "sms": who.phone,
                       "whatsapp_cloud": who.phone}.get(forced)  # fmt: skip
            return [(forced, str(address))] if address and self.available(forced) else []
        out: list[tuple[str, str]] = []
        for name in self.order:
            if not self.available(name):
                continue
            if name == "telegram" and who.telegram_chat_id:
                out.append((name, str(who.telegram_chat_id)))
            elif (name == "whatsapp" and who.phone and content_sid) or (
                name in ("sms", "whatsapp_cloud") and who.phone
            ):
                out.append((name, who.phone))
            elif name == "email" and who.email:
                out.append((name, who.email))
        return out

    async def aclose(self) -> None:
        own_db = getattr(self._built.get("whatsapp_cloud"), "own_db", None)
        for channel in self._built.values():
            try:
                await channel.aclose()
            except Exception:  # closing must not hide the pass's result
                LOG.exception("closing channel %s", channel.name)
        self._built.clear()
        if own_db is not None:
            await own_db.dispose()


def _whatsapp_cloud(settings: Settings, db: Any) -> Channel:
    """Meta's Cloud API channel; it reads the clients' windows from ``db`` (its own engine if none)."""
    from antena.core.db.engine import Database
    from antena.core.notify.whatsapp_cloud import CloudStore, WhatsAppCloudChannel

    own = None if db is not None else Database(settings.database_url)
    store = CloudStore(db if own is None else own)
    channel = WhatsAppCloudChannel(settings, store)
    channel.own_db = own  # type: ignore[attr-defined]
    return channel
