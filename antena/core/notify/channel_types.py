"""The types every customer-message channel speaks: what goes out, what came back, what failed.

Why apart: the channels themselves (:mod:`antena.core.notify.channels`, the Twilio ones in
:mod:`antena.core.notify.twilio_channels`, :mod:`antena.core.notify.whatsapp_cloud`, the e-mail of
:mod:`antena.core.notify.mail`) and the staff messages (:class:`StaffNote`) all share these, and
importing them must not import the channels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class SendError(Exception):
    """A message a channel could not send; ``transient`` says whether trying again later can help."""

    def __init__(self, reason: str, *, transient: bool, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.code = code


@dataclass(frozen=True)
class Outgoing:
    """One rendered message on its way to one address through one channel."""

    message_id: int
    to: str  # E.164 phone, Telegram chat id, or e-mail address
    body: str
    event: str
    language: str
    variables: dict[str, Any] = field(default_factory=dict)
    content_sid: str | None = None  # WhatsApp Content template
    content_variables: dict[str, str] = field(default_factory=dict)  # {"1": …} for that template


@dataclass(frozen=True)
class StaffNote:
    """A message to a staff chat: its text, an optional file and rows of (label, callback data)."""

    text: str
    document: tuple[str, bytes] | None = None
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)
    caption_only: bool = True  # the text is the document's caption (else: a message, then the file)


@dataclass(frozen=True)
class Sent:
    """What the provider answered: its id for the message and the status it reported."""

    provider_sid: str | None = None
    provider_status: str = "sent"


class Channel(Protocol):
    """What every channel offers the outbox."""

    name: str

    def sender(self) -> str:
        """Who sends (a number, a bot): the throttle key."""
        ...

    async def send(self, msg: Outgoing) -> Sent: ...

    async def aclose(self) -> None: ...
