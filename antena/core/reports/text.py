"""The daily report as a short chat message (and the same lines the PDF starts with)."""

from __future__ import annotations

from decimal import Decimal

from antena.core.billing import display
from antena.core.config import Settings
from antena.core.i18n import _, ngettext
from antena.core.reports.daily import DailyReport
from antena.core.reports.tickets import ticket_line
from antena.core.words import method_label


def money(settings: Settings, amount: Decimal, lang: str | None = None) -> str:
    return display.money(amount, settings.currency, lang or settings.locale, settings.default_region)


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in values.items())


def _amounts(settings: Settings, values: dict[str, Decimal], lang: str | None) -> str:
    return ", ".join(f"{name} {money(settings, amount, lang)}" for name, amount in values.items())


def invoices(n: int) -> str:
    return ngettext("{n} invoice", "{n} invoices", n).format(n=n)


def cycle_line(report: DailyReport, settings: Settings, lang: str | None = None) -> str:
    """What today's "expected" used to hide: how much of the cycle's billing is collected so far."""
    rate = report.cycle_rate
    start = display.short_date(report.cycle_start or report.day, lang, settings.default_region)
    end = display.short_date(report.day, lang, settings.default_region)
    return _("Cycle collection rate ({start} – {end}): {collected} of {billed} billed ({rate})").format(
        start=start,
        end=end,
        collected=money(settings, report.cycle_collected, lang),
        billed=money(settings, report.cycle_billed, lang),
        rate=f"{rate}%" if rate is not None else "—",
    )


def report_text(report: DailyReport, settings: Settings, lang: str | None = None) -> str:
    """A concise message: one line per subject, details only where there is something."""
    lang = lang or settings.locale
    m = lambda amount: money(settings, amount, lang)  # noqa: E731
    lines = [_("Daily report {day}").format(day=display.long_date(report.day, lang, settings.default_region))]
    line = _("Suspended: {n}").format(n=report.suspended)
    if report.suspended_by_zone:
        line += " (" + _counts(report.suspended_by_zone) + ")"
    lines.append(line)
    if report.suspended_by_router:
        lines.append(_("By router: {list}").format(list=_counts(report.suspended_by_router)))
    lines.append(_("Reactivated: {n}").format(n=report.reactivated))
    lines.append(
        _("Collected: {amount}").format(amount=m(report.collected))
        + " "
        + ngettext("in {n} payment", "in {n} payments", report.payments).format(n=report.payments)
    )
    if report.by_cashier:
        lines.append(_("By cashier: {list}").format(list=_amounts(settings, report.by_cashier, lang)))
    if report.by_method:
        methods = {method_label(k): v for k, v in report.by_method.items()}  # efectivo / cash
        lines.append(_("By method: {list}").format(list=_amounts(settings, methods, lang)))
    if report.online:
        online = {method_label(m): a for m, a in report.online.items()}
        lines.append(
            _("Collected online: {amount} ({list})").format(
                amount=m(sum(report.online.values(), Decimal(0))), list=_amounts(settings, online, lang)
            )
        )
    lines.append(cycle_line(report, settings, lang))
    lines.append(
        _("Not yet due: {amount}").format(amount=m(report.pending)) + f" ({invoices(report.pending_count)})"
    )
    lines.append(
        _("Overdue: {amount}").format(amount=m(report.overdue)) + f" ({invoices(report.overdue_count)})"
    )
    lines.append(_("Promises due: {n}").format(n=report.promises_due))
    lines.append(_("Routers unreachable: {list}").format(list=", ".join(report.routers_unreachable) or "0"))
    lines.append(_("Router tasks failed: {n}").format(n=report.tasks_failed))
    if report.reconciled or report.overdue_active:
        woken, listed = len(report.reconciled), report.overdue_active
        lines.append(
            _("Reconciler: {woken}, {listed}").format(
                woken=ngettext(
                    "{n} reactivated (paid but still cut)", "{n} reactivated (paid but still cut)", woken
                ).format(n=woken),
                listed=ngettext(
                    "{n} active past their cut-off", "{n} active past their cut-off", listed
                ).format(n=listed),
            )
        )
    sent, failed, segments = report.messages_sent, report.messages_failed, report.sms_segments
    lines.append(
        _("Messages: {sent}, {failed}; SMS {segments} ≈ {cost}").format(
            sent=ngettext("{n} sent", "{n} sent", sent).format(n=sent),
            failed=ngettext("{n} failed", "{n} failed", failed).format(n=failed),
            segments=ngettext("{n} segment", "{n} segments", segments).format(n=segments),
            cost=m(report.sms_cost),
        )
    )
    lines.append(ticket_line(report.tickets))
    if report.whatsapp_messages:
        n = report.whatsapp_messages
        line = ngettext("WhatsApp Cloud: {n} message ≈ {cost}", "WhatsApp Cloud: {n} messages ≈ {cost}", n)
        lines.append(line.format(n=n, cost=m(report.whatsapp_cost)))
    return "\n".join(lines)
