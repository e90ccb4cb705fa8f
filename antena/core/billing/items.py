"""Adding extra products and services to a client's monthly invoices (router, installation, TV).

The rules of each way of paying live in the pure ``extras`` module; this stores an item after
checking it with exactly those rules, so the run never meets an item it cannot bill.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from antena.core import validate
from antena.core.audit import Actor, record
from antena.core.billing import extras
from antena.core.bootstrap import App
from antena.core.db.billing_models import ExtraItem, ExtraKind
from antena.core.db.models import Client, ClientStatus, Plan, Service
from antena.core.errors import InvalidInput, NotAllowed, NotFound
from antena.core.i18n import _
from antena.core.text import fold

KIND_ALIASES = {
    "recurring": ExtraKind.RECURRING,
    "recurrente": ExtraKind.RECURRING,
    "one_off": ExtraKind.ONE_OFF,
    "one-off": ExtraKind.ONE_OFF,
    "once": ExtraKind.ONE_OFF,
    "un solo pago": ExtraKind.ONE_OFF,
    "unico": ExtraKind.ONE_OFF,
    "instalments": ExtraKind.INSTALMENTS,
    "installments": ExtraKind.INSTALMENTS,
    "mensualidades": ExtraKind.INSTALMENTS,
}


_AMOUNT = re.compile(r"^-?[0-9]{1,9}(\.[0-9]{1,2})?$")


def parse_item_amount(value: Decimal | int | str) -> Decimal:
    """A price (``900``, ``1,250.50``) or, negative, a discount (``-100``): ASCII digits, at most
    two decimals, no exponent, never zero (``-0`` neither)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"amount must be str, Decimal or int, not {type(value).__name__}")
    text = str(value).strip().replace("$", "", 1).replace(",", "")
    if not _AMOUNT.match(text):
        raise InvalidInput(_("{what} is not a valid amount: {value}").format(what=_("Price"), value=value))
    amount = Decimal(text)
    if amount == 0:
        raise InvalidInput(_("{what} cannot be zero: {value}").format(what=_("Price"), value=value))
    return amount.quantize(Decimal("0.01"))


async def _plan_price(session: AsyncSession, client: Client) -> Decimal:
    """The price of the client's Internet plan (its first live service): what a discount may reach."""
    price = (
        await session.execute(
            select(Plan.price)
            .join(Service, Service.plan_id == Plan.id)
            .where(Service.client_id == client.id, Service.cancelled.is_(False))
            .order_by(Service.id)
            .limit(1)
        )
    ).scalar_one_or_none()
    if price is None:
        raise NotAllowed(_("{name} has no Internet service to discount").format(name=client.name))
    return Decimal(price)


def parse_kind(value: str | ExtraKind) -> ExtraKind:
    """``recurring|one_off|instalments``, or the manual's words (recurrente, un solo pago, mensualidades)."""
    if isinstance(value, ExtraKind):
        return value
    try:
        return KIND_ALIASES[fold(value or "")]
    except KeyError as exc:
        raise InvalidInput(
            _("Unknown way of paying {value}: use recurring, one_off or instalments").format(value=value)
        ) from exc


async def add_extra_item(
    app: App,
    actor: Actor,
    client_id: int,
    name: str,
    amount: Decimal | int | str,
    kind: str | ExtraKind,
    instalments: int | None = None,
    description: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> ExtraItem:
    """Add an item billed on the client's Internet invoices from ``start`` to ``end`` (inclusive).

    ``amount`` is the price per invoice (recurring, one-off) or the total split into
    ``instalments`` (2-24); a negative amount is a discount (recurring or one-off), at most the
    plan's price, and an invoice takes it off only down to zero.
    """
    clean_name = validate.required(name, _("Item name"), max_len=120)
    clean_description = (description or "").strip()
    if len(clean_description) > 255:
        raise InvalidInput(
            _("{what} is too long (at most {n} characters)").format(what=_("Description"), n=255)
        )
    price = parse_item_amount(amount)
    way = parse_kind(kind)
    if price < 0 and way is ExtraKind.INSTALMENTS:
        raise InvalidInput(_("A discount is one_off or recurring, not in instalments"))
    # The pure rules check instalments, dates and price exactly as the run will apply them.
    extras.ExtraItem(
        id=0,
        name=clean_name,
        amount=price,
        kind=extras.PaymentKind(way.value),
        description=clean_description,
        instalments=instalments,
        start_date=start,
        end_date=end,
    )
    async with app.uow() as uow:
        client = await uow.session.get(Client, client_id)
        if client is None:
            raise NotFound(_("No client with id {id}").format(id=client_id))
        if client.status is ClientStatus.CANCELLED:
            raise NotAllowed(_("{name} is cancelled").format(name=client.name))
        if price < 0 and -price > (plan_price := await _plan_price(uow.session, client)):
            raise InvalidInput(
                _("A discount of {amount} is larger than the plan's price ({price})").format(
                    amount=-price, price=plan_price
                )
            )
        item = ExtraItem(
            client_id=client.id,
            name=clean_name,
            description=clean_description,
            amount=price,
            kind=way,
            instalments=instalments,
            instalments_billed=0,
            paid=False,
            start_date=start,
            end_date=end,
        )
        uow.session.add(item)
        await uow.flush()
        record(
            uow.session,
            actor,
            "extra_item.add",
            target=f"{client.id} {client.name}",
            arguments={"item_id": item.id, "name": clean_name, "amount": price, "kind": way.value,
                       "instalments": instalments, "start": start, "end": end},
        )  # fmt: skip
        await uow.commit()
        return item
