"""``zone|router|plan|staff list|edit|remove``: fixing what was set up wrong, without SQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from antena.cli.admin import plan_app, router_app, staff_app, zone_app
from antena.cli.runner import fail, run
from antena.core.i18n import N_, _, ngettext
from antena.core.routeros.ops import Outcome
from antena.core.routeros.wording import render, render_all

if TYPE_CHECKING:
    from antena.core import network_admin, router_admin
    from antena.core.bootstrap import App
    from antena.core.routeros.identity import Probe
    from antena.core.routeros.outbox import Delivery

EX_TEMPFAIL = 75


def _count_clients(n: int) -> str:
    return ngettext("{n} client", "{n} clients", n).format(n=n)


def _count_routers(n: int) -> str:
    return ngettext("{n} router", "{n} routers", n).format(n=n)


def _on_off(value: str | None) -> bool | None:
    if value is None:
        return None
    text = value.strip().lower()
    if text in ("on", "yes", "si", "sí", "true", "1"):
        return True
    if text in ("off", "no", "false", "0"):
        return False
    fail(_("--api takes on or off, not {value}").format(value=value))


def probe_lines(name: str, probe: Probe) -> tuple[list[str], list[str]]:
    """What the login check found: (lines for stdout, warnings for stderr)."""
    from antena.core.routeros.identity import ProbeStatus

    if probe.status is ProbeStatus.OK:
        return [
            _("{name}: login OK, identity {identity}, RouterOS {version}.").format(
                name=name, identity=probe.identity or "?", version=probe.version or "?"
            )
        ], []
    if probe.status is ProbeStatus.UNREACHABLE:
        return [], [
            _("warning: {name} is unreachable ({reason}); saved anyway, changes wait for it.").format(
                name=name, reason=render(probe.reason)
            )
        ]
    return [], []


def delivery_lines(deliveries: list[Delivery]) -> tuple[list[str], bool]:
    """One line per router task tried now; True when something is queued."""
    lines, queued = [], False
    for d in deliveries:
        if d.outcome is Outcome.APPLIED:
            lines.append(
                _("  {router}: applied ({detail})").format(router=d.router_name, detail=render_all(d.notes))
            )
        elif d.outcome is Outcome.REFUSED:
            lines.append(
                _("  {router}: refused: {detail}").format(router=d.router_name, detail=render_all(d.notes))
            )
        elif d.outcome is Outcome.LOGIN_REFUSED:
            queued = True
            lines.append(
                "  "
                + _("{router} refused the user name or password, will retry").format(router=d.router_name)
            )
        else:
            queued = True
            lines.append(
                _("  {router}: unreachable ({reason}), queued").format(
                    router=d.router_name, reason=render_all(d.notes)
                )
            )
    return lines, queued


def finish(lines: list[str], deliveries: list[Delivery], *, tempfail: bool = True) -> None:
    """Print, then exit 1 when a router refused, 75 when something waits (unless ``tempfail`` is
    off: a router saved while unreachable was already warned about)."""
    more, queued = delivery_lines(deliveries)
    for line in lines + more:
        typer.echo(line)
    if any(d.outcome is Outcome.REFUSED for d in deliveries):
        raise typer.Exit(1)
    if queued and tempfail:
        typer.echo(_("Queued changes are retried by `antena run`; see `antena tasks list`."), err=True)
        raise typer.Exit(EX_TEMPFAIL)


# -- zones ------------------------------------------------------------------------------------


@zone_app.command("list", help=N_("Zones with their calendar days, routers and clients."))
def zone_list() -> None:
    from antena.core import network_admin

    async def work(app: App) -> list[str]:
        async with app.reader() as uow:
            rows = await network_admin.list_zones(uow)
        return [
            _("{name}: issue {issue}, notice {notice}, pay {pay}, cut-off {cutoff}").format(
                name=r.zone.name, issue=r.zone.issue_day, notice=r.zone.notice_day, pay=r.zone.pay_day,
                cutoff=r.zone.cutoff_day,
            )
            + f" · {_count_routers(r.routers)}, {_count_clients(r.clients)}"
            for r in rows
        ] or [_("No zones yet: antena zone add --name …")]  # fmt: skip

    for line in run(work):
        typer.echo(line)


@zone_app.command("edit", help=N_("Rename a zone or change its calendar days."))
def zone_edit(
    zone: str = typer.Argument(..., metavar="NAME"),
    name: str = typer.Option(None, "--name", help=N_("New name")),
    issue_day: str = typer.Option(None, "--issue-day"),
    notice_day: str = typer.Option(None, "--notice-day"),
    pay_day: str = typer.Option(None, "--pay-day"),
    cutoff_day: str = typer.Option(None, "--cutoff-day"),
) -> None:
    from antena.core import network_admin
    from antena.core.audit import Actor

    async def work(app: App) -> str:
        z = await app.perform(
            network_admin.edit_zone, Actor.cli(), zone, name=name, issue_day=issue_day,
            notice_day=notice_day, pay_day=pay_day, cutoff_day=cutoff_day,
        )  # fmt: skip
        return _("Zone {name}: issue day {issue}, notice {notice}, pay {pay}, cut-off {cutoff}.").format(
            name=z.name, issue=z.issue_day, notice=z.notice_day, pay=z.pay_day, cutoff=z.cutoff_day
        )

    typer.echo(run(work))


@zone_app.command("remove", help=N_("Remove a zone without routers or clients."))
def zone_remove(zone: str = typer.Argument(..., metavar="NAME")) -> None:
    from antena.core import network_admin
    from antena.core.audit import Actor

    async def work(app: App) -> str:
        removed = await app.perform(network_admin.remove_zone, Actor.cli(), zone)
        return _("Zone {name} removed.").format(name=removed)

    typer.echo(run(work))


# -- routers ----------------------------------------------------------------------------------


@router_app.command(
    "list", help=N_("Routers with their address, zone, API mode, clients and waiting changes.")
)
def router_list() -> None:
    from antena.core import router_admin

    async def work(app: App) -> list[str]:
        async with app.reader() as uow:
            rows = await router_admin.list_routers(uow)
        lines = []
        for r in rows:
            api = _("API enabled") if r.api_enabled else _("API disabled")
            line = _("{name}: {host}:{port} user {user}, zone {zone}, {api}").format(
                name=r.name, host=r.host, port=r.port, user=r.username, zone=r.zone, api=api
            )
            line += ", " + _count_clients(r.clients)
            if r.open_tasks:
                line += " · " + ngettext("{n} change waiting", "{n} changes waiting", r.open_tasks).format(
                    n=r.open_tasks
                )
            if r.login_refused:
                line += " · " + _("{router} refused the user name or password").format(router=r.name)
            lines.append(line)
        return lines or [_("No routers yet: antena router add --name …")]

    for line in run(work):
        typer.echo(line)


@router_app.command(
    "edit", help=N_("Fix a router's address, user or password, rename or move it, switch its API on or off.")
)
def router_edit(
    router: str = typer.Argument(..., metavar="NAME"),
    name: str = typer.Option(None, "--name", help=N_("New name")),
    host: str = typer.Option(None, "--host"),
    port: str = typer.Option(None, "--port"),
    username: str = typer.Option(None, "--username"),
    password: str = typer.Option(None, "--password"),
    zone: str = typer.Option(None, "--zone", help=N_("Only for a router without clients")),
    api: str = typer.Option(
        None, "--api", help=N_("on|off: send changes to the router, or keep them in the database")
    ),
    no_check: bool = typer.Option(False, "--no-check", help=N_("Save without trying the API login")),
) -> None:
    from antena.core import router_admin
    from antena.core.audit import Actor

    changes = router_admin.RouterChanges(
        name=name, host=host, port=port, username=username, password=password, zone=zone, api=_on_off(api)
    )

    async def work(app: App) -> router_admin.RouterResult:
        return await router_admin.edit_router(app, Actor.cli(), router, changes, check=not no_check)

    result = run(work)
    out, warnings = probe_lines(result.name, result.probe)
    for warning in warnings:
        typer.echo(warning, err=True)
    lines = [_("Router {name} saved.").format(name=result.name), *out]
    if result.dropped:
        lines.append(
            ngettext(
                "{n} waiting change dropped: the API is off.", "{n} waiting changes dropped: the API is off.",
                result.dropped,
            ).format(n=result.dropped)
        )  # fmt: skip
    if result.retried:
        lines.append(
            ngettext(
                "{n} waiting change tried again now:", "{n} waiting changes tried again now:", result.retried
            ).format(n=result.retried)
        )
    if result.api_turned_on:
        lines.append(
            _("API on: compare the router with the database with `antena router drift {name}` "
              "(add --repair to fix it).").format(name=result.name)
        )  # fmt: skip
    finish(lines, result.deliveries)


@router_app.command("remove", help=N_("Remove a router no client is on."))
def router_remove(router: str = typer.Argument(..., metavar="NAME")) -> None:
    from antena.core import router_admin
    from antena.core.audit import Actor

    async def work(app: App) -> str:
        removed = await app.perform(router_admin.remove_router, Actor.cli(), router)
        return _("Router {name} removed.").format(name=removed)

    typer.echo(run(work))


# -- plans ------------------------------------------------------------------------------------


@plan_app.command("list", help=N_("Plans with their type, price, speed and clients."))
def plan_list() -> None:
    from antena.core import network_admin
    from antena.core.billing.display import money

    async def work(app: App) -> list[str]:
        async with app.reader() as uow:
            rows = await network_admin.list_plans(uow)
        currency = app.settings.currency
        return [
            _("{name}: {type}, {price}, {down}/{up} (down/up)").format(
                name=r.plan.name, type=r.plan.service_type.value, price=money(r.plan.price, currency),
                down=r.plan.download, up=r.plan.upload,
            )
            + f", {_count_clients(r.clients)}"
            for r in rows
        ] or [_("No plans yet: antena plan add --name …")]  # fmt: skip

    for line in run(work):
        typer.echo(line)


@plan_app.command(
    "edit", help=N_("Rename a plan, change its price or speed (the speed reaches every router).")
)
def plan_edit(
    plan: str = typer.Argument(..., metavar="NAME"),
    name: str = typer.Option(None, "--name", help=N_("New name")),
    price: str = typer.Option(None, "--price", help=N_("For invoices issued from now on")),
    download: str = typer.Option(None, "--download", help=N_("e.g. 20M")),
    upload: str = typer.Option(None, "--upload", help=N_("e.g. 10M")),
) -> None:
    from antena.core import network_admin
    from antena.core.audit import Actor

    async def work(app: App) -> network_admin.PlanResult:
        async with app.uow() as uow:
            result = await network_admin.edit_plan(
                uow, Actor.cli(), plan, name=name, price=price, download=download, upload=upload
            )
            await uow.commit()
        result.deliveries = await network_admin.deliver(app, result.task_ids, result.owner)
        return result

    result = run(work)
    p = result.plan
    lines = [
        _("Plan {name}: {price}, {down}/{up} (down/up).").format(
            name=p.name, price=p.price, down=p.download, up=p.upload
        )
    ]
    if result.services:
        lines.append(
            ngettext(
                "{n} client service updated for the new speed.",
                "{n} client services updated for the new speed.",
                result.services,
            ).format(n=result.services)
        )
    finish(lines, [d for d in result.deliveries if d.outcome is not Outcome.APPLIED or d.client_id == 0])


@plan_app.command(
    "remove", help=N_("Remove a plan no client has (and its profile or queues from the routers).")
)
def plan_remove(plan: str = typer.Argument(..., metavar="NAME")) -> None:
    from antena.core import network_admin
    from antena.core.audit import Actor

    async def work(app: App) -> list[Delivery]:
        async with app.uow() as uow:
            ids, owner = await network_admin.remove_plan(uow, Actor.cli(), plan)
            await uow.commit()
        return await network_admin.deliver(app, ids, owner)

    deliveries = run(work)
    finish([_("Plan {name} removed.").format(name=plan)], deliveries)


# -- staff ------------------------------------------------------------------------------------


@staff_app.command("list", help=N_("Staff with access to the bot: Telegram id, name and role."))
def staff_list() -> None:
    from antena.core import staff_admin

    async def work(app: App) -> list[str]:
        async with app.reader() as uow:
            members = await staff_admin.list_staff(uow)
        return [f"{m.telegram_id}\t{m.name}\t{_role_label(m.role)}" for m in members] or [_("No staff yet.")]

    for line in run(work):
        typer.echo(line)


@staff_app.command("edit", help=N_("Change a staff member's name or role."))
def staff_edit(
    telegram_id: str = typer.Argument(..., metavar="TELEGRAM_ID"),
    name: str = typer.Option(None, "--name"),
    role: str = typer.Option(None, "--role", help=N_("admin|manager|cashier|technician")),
) -> None:
    from antena.core import staff_admin
    from antena.core.audit import Actor

    async def work(app: App) -> str:
        m = await app.perform(staff_admin.edit_staff, Actor.cli(), telegram_id, name=name, role=role)
        return _("Staff member {name} (Telegram id {id}) is now {role}.").format(
            name=m.name, id=m.telegram_id, role=_role_label(m.role)
        )

    typer.echo(run(work))


@staff_app.command(
    "remove", help=N_("Take a staff member's access away (their next message to the bot is refused).")
)
def staff_remove(telegram_id: str = typer.Argument(..., metavar="TELEGRAM_ID")) -> None:
    from antena.core import staff_admin
    from antena.core.audit import Actor

    async def work(app: App) -> str:
        m = await app.perform(staff_admin.remove_staff, Actor.cli(), telegram_id)
        return _("Staff member {name} (Telegram id {id}) removed.").format(name=m.name, id=m.telegram_id)

    typer.echo(run(work))


def _role_label(role: object) -> str:
    """The role in the reader's language (imported here: the words table loads the models)."""
    from antena.core.words import role_label

    return role_label(role)  # type: ignore[arg-type]
