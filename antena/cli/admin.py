"""Set-up commands: schema, staff, zones, routers and plans."""

from __future__ import annotations

import typer

from antena.cli.runner import run
from antena.core import network, staff
from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.db.migrate import upgrade
from antena.core.i18n import _
from antena.core.words import role_label

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff who use the Telegram bot.", no_args_is_help=True)
zone_app = typer.Typer(help="Zones and their billing calendars.", no_args_is_help=True)
router_app = typer.Typer(help="MikroTik routers.", no_args_is_help=True)
plan_app = typer.Typer(help="Internet plans.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the schema to the latest version (Alembic)."""

    async def work(app: App) -> None:
        await upgrade(app.db)

    run(work, needs_schema=False)
    typer.echo(_("Database schema is up to date."))


@staff_app.command("add")
def staff_add(
    telegram_id: str = typer.Option(..., "--telegram-id", help="Numeric Telegram user id"),
    name: str = typer.Option(..., "--name"),
    role: str = typer.Option(..., "--role", help="admin|manager|cashier|technician"),
) -> None:
    """Allow a Telegram user to work the ISP with a role."""

    async def work(app: App) -> str:
        async with app.uow() as uow:
            member = await staff.add_staff(uow, Actor.cli(), telegram_id=telegram_id, name=name, role=role)
            return _("Staff member {name} added as {role} (Telegram id {id}).").format(
                name=member.name, role=role_label(member.role), id=member.telegram_id
            )

    typer.echo(run(work))


@zone_app.command("add")
def zone_add(
    name: str = typer.Option(..., "--name"),
    issue_day: str = typer.Option(..., "--issue-day", help="Day of month invoices are issued"),
    notice_day: str = typer.Option(..., "--notice-day", help="Day of month reminders go out"),
    pay_day: str = typer.Option(..., "--pay-day", help="Day of month payment is due"),
    cutoff_day: str = typer.Option(..., "--cutoff-day", help="Day of month unpaid clients are cut"),
) -> None:
    """Add a zone with its billing calendar."""

    async def work(app: App) -> str:
        async with app.uow() as uow:
            zone = await network.add_zone(
                uow,
                Actor.cli(),
                name=name,
                issue_day=issue_day,
                notice_day=notice_day,
                pay_day=pay_day,
                cutoff_day=cutoff_day,
            )
            return _(
                "Zone {name} added: issue day {issue}, notice {notice}, pay {pay}, cut-off {cutoff}."
            ).format(
                name=zone.name,
                issue=zone.issue_day,
                notice=zone.notice_day,
                pay=zone.pay_day,
                cutoff=zone.cutoff_day,
            )

    typer.echo(run(work))


@router_app.command("add")
def router_add(
    name: str = typer.Option(..., "--name"),
    host: str = typer.Option(..., "--host"),
    port: str = typer.Option("8728", "--port"),
    username: str = typer.Option(..., "--username"),
    password: str = typer.Option("", "--password"),
    zone: str = typer.Option(..., "--zone"),
    no_api: bool = typer.Option(False, "--no-api", help="Keep changes in the database only"),
    tls: bool = typer.Option(False, "--tls", help="Use API-SSL"),
    no_check: bool = typer.Option(False, "--no-check", help="Save without trying the API login"),
) -> None:
    """Add a MikroTik router reached through its API (the login is tried first)."""
    from antena.cli.network_admin import finish, probe_lines
    from antena.core import router_admin

    async def work(app: App) -> router_admin.RouterResult:
        return await router_admin.add_router(
            app, Actor.cli(), name=name, host=host, port=port, username=username, password=password,
            zone=zone, api_enabled=not no_api, use_tls=tls, check=not no_check,
        )  # fmt: skip

    result = run(work)
    out, warnings = probe_lines(result.name, result.probe)
    for warning in warnings:
        typer.echo(warning, err=True)
    api = _("API enabled") if not no_api else _("API disabled")
    lines = [
        _("Router {name} added ({host}:{port}, zone {zone}, {api}).").format(
            name=result.name, host=host, port=port, zone=zone, api=api
        ),
        *out,
    ]
    finish(lines, result.deliveries, tempfail=result.probe.status.value != "unreachable")


@plan_app.command("add")
def plan_add(
    name: str = typer.Option(..., "--name"),
    service_type: str = typer.Option(..., "--type", help="pppoe|hotspot|simple-queue|pcq"),
    price: str = typer.Option(..., "--price"),
    download: str = typer.Option(..., "--download", help="e.g. 10M"),
    upload: str = typer.Option(..., "--upload", help="e.g. 5M"),
    profile: str = typer.Option(
        "",
        "--profile",
        help="PPP profile, Hotspot user profile or PCQ address list (default: name)",
    ),
    pool: str = typer.Option("", "--pool", help="PPPoE address pool (then clients need no IP)"),
) -> None:
    """Add an Internet plan; its profile or PCQ queues are created on every router."""
    from antena.cli.network_admin import finish
    from antena.core import network_admin

    async def work(app: App) -> network_admin.PlanResult:
        return await network_admin.add_plan(
            app, Actor.cli(), name=name, service_type=service_type, price=price, download=download,
            upload=upload, profile=profile, pool=pool,
        )  # fmt: skip

    result = run(work)
    plan = result.plan
    line = _("Plan {name} added ({type}, {price}, {down}/{up}).").format(
        name=plan.name, type=plan.service_type.value, price=plan.price, down=plan.download, up=plan.upload
    )
    finish([line], result.deliveries)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
    app.add_typer(staff_app, name="staff")
    app.add_typer(zone_app, name="zone")
    app.add_typer(router_app, name="router")
    app.add_typer(plan_app, name="plan")
