"""Invoice drafts: one invoice's lines, total and side effects, computed from plain values.

The invoice run (100,000 clients at once), staff's "issue now" and its preview, the free month
and other income all build their invoices here, so they agree to the cent. Nothing here reads
or writes the database; the store persists a :class:`Draft` as it is.

The client's credit (``Client.balance``) is shown as a negative "credit" line, so an invoice's
``total`` is always what the customer owes for it, and the credit used can be given back
exactly if the invoice is cancelled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from antena.core.billing.calendar import Cycle
from antena.core.billing.display import short_date
from antena.core.billing.extras import ExtraItem, ItemState, after_billing, line_for
from antena.core.billing.money import ZERO, apply_credit, first_invoice_amount, to_money
from antena.core.db.billing_models import ChargeKind, InvoiceKind, InvoiceStatus
from antena.core.errors import InvalidInput
from antena.core.i18n import N_, _


class LineKind(StrEnum):
    """What a line is, so a cancelled invoice can undo exactly what it did."""

    PLAN = "plan"
    PRORATION = "proration"
    EXTRA = "extra"
    FEE = "fee"
    MERGED = "merged"
    CREDIT = "credit"
    MANUAL = "manual"
    DISCOUNT = "discount"


CHARGE_TEXT = {ChargeKind.RECONNECTION: N_("Reconnection fee"), ChargeKind.LATE: N_("Late payment fee")}


@dataclass(frozen=True, slots=True)
class DraftLine:
    kind: LineKind
    text: str
    amount: Decimal
    extra_item_id: int | None = None


@dataclass(frozen=True, slots=True)
class PlanPrice:
    """The plan of the client's first live service: what a month of Internet costs."""

    name: str
    price: Decimal


@dataclass(frozen=True, slots=True)
class Charge:
    """A fee waiting for the next invoice (``PendingCharge``)."""

    id: int
    kind: ChargeKind
    amount: Decimal
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Carry:
    """A pending invoice whose balance moves onto the new one ("unir las 2 facturas")."""

    invoice_id: int
    number: int
    balance: Decimal


@dataclass(frozen=True)
class Draft:
    """An invoice ready to store; ``total`` is what the customer owes (credit already taken off)."""

    client_id: int
    kind: InvoiceKind
    issue_date: dt.date
    due_date: dt.date
    cutoff_date: dt.date | None
    period_start: dt.date | None
    period_end: dt.date | None
    lines: tuple[DraftLine, ...]
    total: Decimal
    credit_used: Decimal = ZERO
    item_states: tuple[tuple[int, ItemState], ...] = ()
    charge_ids: tuple[int, ...] = ()
    carries: tuple[Carry, ...] = field(default=())
    month_seq: int = 0  # 1, 2… for a further Internet invoice staff issue in the same month

    @property
    def status(self) -> InvoiceStatus:
        """Nothing to pay (free month, covered by credit) is paid on issue: it never cuts anyone."""
        return InvoiceStatus.PAID if self.total == ZERO else InvoiceStatus.PENDING

    @property
    def issue_month(self) -> str:
        return f"{self.issue_date.year:04d}-{self.issue_date.month:02d}"


def _sum(lines: Sequence[DraftLine]) -> Decimal:
    """Line amounts are already to the cent, so their sum is exact: no rounding step needed."""
    if len(lines) == 1:  # most invoices: the plan alone
        return ZERO + lines[0].amount
    return sum((line.amount for line in lines), ZERO)


def plan_line(
    plan: PlanPrice, cycle: Cycle, *, installed_on: dt.date | None = None, prorate: bool = False
) -> DraftLine:
    """The month of Internet, or only the days from installation to the period's end (proration).

    Proration applies when asked and the installation falls inside the period; installed before
    it, the whole month is due. Installed after the period's end there is nothing to charge:
    that is a wrong issue date, refused rather than billed at zero.
    """
    if not prorate or installed_on is None or installed_on <= cycle.period_start:
        return DraftLine(LineKind.PLAN, _("Internet service {plan}").format(plan=plan.name), plan.price)
    amount, days = first_invoice_amount(plan.price, installed_on, cycle)
    if days == 0:
        raise InvalidInput(
            _("Installed on {date}, after this invoice's period ({start} – {end})").format(
                date=installed_on.isoformat(),
                start=cycle.period_start.isoformat(),
                end=cycle.period_end.isoformat(),
            )
        )
    text = _("Internet service {plan}: {days} of {period_days} days from {start}").format(
        plan=plan.name, days=days, period_days=cycle.period_days, start=short_date(installed_on)
    )
    return DraftLine(LineKind.PRORATION, text, amount)


def internet_draft(
    client_id: int,
    cycle: Cycle,
    plan: PlanPrice,
    *,
    installed_on: dt.date | None = None,
    prorate: bool = False,
    items: Sequence[ExtraItem] = (),
    charges: Sequence[Charge] = (),
    carries: Sequence[Carry] = (),
    credit: Decimal = ZERO,
) -> Draft:
    """The month's Internet invoice: plan (or proration), extra items that apply on the issue
    date, pending fees, discounts (capped at what the invoice charges so far), balances carried
    from merged invoices, then the client's credit."""
    lines = [plan_line(plan, cycle, installed_on=installed_on, prorate=prorate)]
    states: list[tuple[int, ItemState]] = []
    discounts: list[tuple[ExtraItem, Decimal, str]] = []
    for item in items:
        line = line_for(item, cycle.issue_date)
        if line is None:
            continue
        if item.is_discount:
            discounts.append((item, -line.amount, line.text))
            continue
        lines.append(DraftLine(LineKind.EXTRA, line.text, line.amount, item.id))
        states.append((item.id, after_billing(item)))
    for charge in charges:
        text = charge.reason.strip() or _(CHARGE_TEXT[charge.kind])
        lines.append(DraftLine(LineKind.FEE, text, to_money(charge.amount)))
    room = _sum(lines)  # a discount takes off at most what this invoice charges: never below zero
    for item, wanted, text in discounts:
        take = min(wanted, room)
        if take <= ZERO:  # nothing left to discount: the item waits for the next invoice
            continue
        lines.append(DraftLine(LineKind.DISCOUNT, text, -take, item.id))
        states.append((item.id, after_billing(item)))
        room -= take
    for carry in carries:
        text = _("Balance of invoice {number}").format(number=carry.number)
        lines.append(DraftLine(LineKind.MERGED, text, carry.balance))
    used, due = ZERO, _sum(lines)
    if credit > ZERO:  # most clients have none: the run skips the arithmetic for them
        used, _left, due = apply_credit(credit, due)
    if used:
        lines.append(DraftLine(LineKind.CREDIT, _("Credit in your favour applied"), -used))
    return Draft(
        client_id=client_id,
        kind=InvoiceKind.INTERNET,
        issue_date=cycle.issue_date,
        due_date=cycle.due_date,
        cutoff_date=cycle.cutoff_date,
        period_start=cycle.period_start,
        period_end=cycle.period_end,
        lines=tuple(lines),
        total=due,
        credit_used=used,
        item_states=tuple(states),
        charge_ids=tuple(c.id for c in charges),
        carries=tuple(carries),
    )


def free_month_draft(client_id: int, cycle: Cycle, plan: PlanPrice | None) -> Draft:
    """The manual's "mes gratis": an Internet invoice of 0.00 for the period, paid, so the run
    creates no other for it. Extras, fees and credit wait for the next real invoice."""
    text = (
        _("Free month: Internet service {plan}").format(plan=plan.name)
        if plan is not None
        else _("Free month")
    )
    return Draft(
        client_id=client_id,
        kind=InvoiceKind.INTERNET,
        issue_date=cycle.issue_date,
        due_date=cycle.due_date,
        cutoff_date=cycle.cutoff_date,
        period_start=cycle.period_start,
        period_end=cycle.period_end,
        lines=(DraftLine(LineKind.PLAN, text, ZERO),),
        total=ZERO,
    )


def manual_lines(lines: Iterable[tuple[str, Decimal | int | str]]) -> tuple[DraftLine, ...]:
    """Lines staff typed for other income: a text and an amount above zero each."""
    out = []
    for text, amount in lines:
        clean = (text or "").strip()
        if not clean:
            raise InvalidInput(_("Every line needs a text"))
        if len(clean) > 255:
            raise InvalidInput(
                _("{what} is too long (at most {n} characters)").format(what=_("Line text"), n=255)
            )
        value = to_money(amount)
        if value <= 0:
            raise InvalidInput(_("{what} must be greater than zero: {value}").format(what=clean, value=value))
        out.append(DraftLine(LineKind.MANUAL, clean, value))
    if not out:
        raise InvalidInput(_("An invoice needs at least one line"))
    return tuple(out)


def other_draft(
    client_id: int, issue_date: dt.date, due_date: dt.date, lines: Iterable[tuple[str, Decimal | int | str]]
) -> Draft:
    """Other income (equipment, installation, other services): never automatic, never cuts."""
    if due_date < issue_date:
        raise InvalidInput(
            _("The due date {due} is before the issue date {issue}").format(
                due=due_date.isoformat(), issue=issue_date.isoformat()
            )
        )
    clean = manual_lines(lines)
    return Draft(
        client_id=client_id,
        kind=InvoiceKind.OTHER,
        issue_date=issue_date,
        due_date=due_date,
        cutoff_date=None,
        period_start=None,
        period_end=None,
        lines=clean,
        total=_sum(clean),
    )
