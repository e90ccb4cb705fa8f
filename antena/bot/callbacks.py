"""Inline-button payloads, signed: a tampered or invented button is refused, never acted on.

Telegram hands ``callback_data`` back verbatim, so anyone with a modified client could send any
string. Each payload carries a short HMAC of its fields made with the instance's secret key.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery

from antena.core.buttons import SIG_LEN, digest
from antena.core.i18n import _
from antena.core.staff import may

if TYPE_CHECKING:
    from antena.core.audit import Actor
    from antena.core.bootstrap import App

__all__ = ["SIG_LEN", "Act", "Confirm", "Pick", "refused", "signed", "verified"]


class Pick(CallbackData, prefix="pk"):
    """Staff chose one client from a pick-list for ``action`` (card, suspend, activate, …)."""

    action: str
    client_id: int
    sig: str = ""


class Act(CallbackData, prefix="ac"):
    """A button on a client card or a reply: do ``action`` on the client (undo is the opposite)."""

    action: str
    client_id: int
    sig: str = ""


class Confirm(CallbackData, prefix="cf"):
    """Yes/no on a confirmation; ``ref`` names what is being confirmed."""

    action: str
    ref: str
    yes: bool
    sig: str = ""


def _digest(secret: str, data: CallbackData) -> str:
    return digest(secret, data.__prefix__, data.model_dump(exclude={"sig"}))


def signed(secret: str, data: CallbackData) -> str:
    """The packed payload with its signature (fits Telegram's 64 bytes for our payloads)."""
    packed = data.model_copy(update={"sig": _digest(secret, data)}).pack()
    if len(packed.encode()) > 64:
        raise ValueError("callback payload too long")
    return packed


def verified(secret: str, data: CallbackData) -> bool:
    return hmac.compare_digest(str(getattr(data, "sig", "")), _digest(secret, data))


async def refused(
    query: CallbackQuery, app: App, actor: Actor, data: CallbackData, permission: str, *, valid: bool = True
) -> bool:
    """Answers a forged button (or one the handler finds not ``valid``, e.g. an unknown mode) or a
    role without ``permission``; True when it did, so every button handler refuses the same way."""
    if not valid or not verified(app.settings.signing_key(), data):
        await query.answer(_("This button is not valid."), show_alert=True)
        return True
    if not may(actor.role, permission):
        await query.answer(_("Your role may not do this."), show_alert=True)
        return True
    return False
