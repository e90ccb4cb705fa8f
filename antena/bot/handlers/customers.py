"""Customers in their own chat: linking it with ``/start <token>``, then /saldo, /facturas, /portal, /wifi."""

from __future__ import annotations

from decimal import Decimal

from aiogram import Router
from aiogram.filters import BaseFilter
from aiogram.types import Message

from antena.bot.filters import Cmd
from antena.core import links
from antena.core.audit import Actor
from antena.core.billing.display import money, short_date
from antena.core.billing.queries import list_invoices, status_label
from antena.core.bootstrap import App
from antena.core.db.billing_models import InvoiceStatus
from antena.core.db.models import Client
from antena.core.i18n import _
from antena.core.wifi_change import change_my_wifi, unavailable_text, wifi_available

RECENT_INVOICES = 10
MAX_TOKEN = 200


class IsCustomer(BaseFilter):
    """A chat linked to a client (staff are never served as customers)."""

    async def __call__(
        self, event: Message, customer: Client | None = None, actor: Actor | None = None
    ) -> bool:
        return customer is not None and (actor is None or actor.role is None)


def _money(app: App, amount: Decimal) -> str:
    return money(amount, app.settings.currency, region=app.settings.default_region)


async def start_with_token(message: Message, app: App, token: str) -> None:
    """``/start <token>`` from the portal's Telegram link."""
    if len(token) > MAX_TOKEN:
        await message.answer(
            _("This link is not valid. Open “get notices on Telegram” in your portal again.")
        )
        return
    client = await links.link_chat(app, token, message.chat.id)
    await message.answer(
        _(
            "Done, {name}: this chat now gets the notices of your {company} service. "
            "/saldo, /facturas, /portal"
        ).format(name=client.name, company=app.settings.company_name)
    )


async def balance(message: Message, app: App, customer: Client) -> None:
    pending = await list_invoices(app, client_id=customer.id, status=InvoiceStatus.PENDING)
    due = sum((row.balance_due for row in pending), Decimal("0.00"))
    lines = [_("Balance in favour: {amount}").format(amount=_money(app, customer.balance))]
    if pending:
        lines.append(_("Pending invoices: {n} ({amount})").format(n=len(pending), amount=_money(app, due)))
        first = min(pending, key=lambda r: r.due_date)
        lines.append(
            _("Next due date: {date}").format(
                date=short_date(first.due_date, region=app.settings.default_region)
            )
        )
    else:
        lines.append(_("You owe nothing. Thank you!"))
    await message.answer("\n".join(lines))


async def invoices(message: Message, app: App, customer: Client) -> None:
    rows = await list_invoices(app, client_id=customer.id)
    if not rows:
        await message.answer(_("You have no invoices yet."))
        return
    recent = sorted(rows, key=lambda r: r.number, reverse=True)[:RECENT_INVOICES]
    lines = [_("Your latest invoices:")]
    for row in recent:
        lines.append(
            _("#{number} · due {date} · {total} · {status}").format(
                number=row.number,
                date=short_date(row.due_date, region=app.settings.default_region),
                total=_money(app, row.total),
                status=status_label(row.status),
            )
        )
    await message.answer("\n".join(lines))


async def portal(message: Message, app: App, customer: Client) -> None:
    await message.answer(
        _("Your customer portal: {url}").format(url=await links.portal_link(app, customer.id))
    )


async def wifi(message: Message, app: App, customer: Client, args: str = "") -> None:
    """``/wifi <ssid> <contraseña>``: the last word is the password, the rest the network name."""
    words = args.split()
    if not await wifi_available(app, customer.id):  # no device, or ANTENA_PORTAL_WIFI=off
        await message.answer(unavailable_text(app.settings.company_name))
        return
    if len(words) < 2:
        await message.answer(_("Usage: {usage}").format(usage=_("/wifi <ssid> <password>")))
        return
    ssid, password = " ".join(words[:-1]), words[-1]
    actor = Actor(name=f"telegram-customer:{customer.id}", channel="telegram")
    await message.answer(await change_my_wifi(app, actor, customer.id, ssid, password))


def make_router() -> Router:
    """Tried after the staff router and before the fallback, for linked customers only."""
    router = Router(name=__name__)
    router.message.filter(IsCustomer())
    router.message.register(balance, Cmd("saldo", "balance"))
    router.message.register(invoices, Cmd("facturas", "invoices"))
    router.message.register(portal, Cmd("portal"))
    router.message.register(wifi, Cmd("wifi"))
    return router
