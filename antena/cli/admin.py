"""Set-up commands: schema, staff, zones, routers and plans."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from antena.cli.runner import run
from antena.core.i18n import N_, _

if TYPE_CHECKING:
    from antena.core.bootstrap import App

db_app = typer.Typer(help=N_("Database schema."), no_args_is_help=True)
staff_app = typer.Typer(help=N_("Staff who use the Telegram bot."), no_args_is_help=True)
zone_app = typer.Typer(help=N_("Zones and their billing calendars."), no_args_is_help=True)
router_app = typer.Typer(help=N_("MikroTik routers."), no_args_is_help=True)
plan_app = typer.Typer(help=N_("Internet plans."), no_args_is_help=True)


@db_app.command("upgrade", help=N_("Create or upgrade the schema to the latest version (Alembic)."))
def db_upgrade() -> None:
    from antena.core.db.migrate import upgrade

    async def work(app: App) -> None:
        await upgrade(app.db)

    run(work, needs_schema=False)
    typer.echo(_("Database schema is up to date."))


@staff_app.command("add", help=N_("Allow a Telegram user to work the ISP with a role."))
def staff_add(
    telegram_id: str = typer.Option(..., "--telegram-id", help=N_("Numeric Telegram user id")),
    name: str = typer.Option(..., "--name"),
    role: str = typer.Option(..., "--role", help=N_("admin|manager|cashier|technician")),
) -> None:
    from antena.core import staff
    from antena.core.audit import Actor

    async def work(app: App) -> str:
        async with app.uow() as uow:
            member = await staff.add_staff(uow, Actor.cli(), telegram_id=telegram_id, name=name, role=role)
            return _("Staff member {name} added as {role} (Telegram id {id}).").format(
                name=member.name, role=_role_label(member.role), id=member.telegram_id
            )

    typer.echo(run(work))


@zone_app.command("add", help=N_("Add a zone with its billing calendar."))
def zone_add(
    name: str = typer.Option(..., "--name"),
    issue_day: str = typer.Option(..., "--issue-day", help=N_("Day of month invoices are issued")),
    notice_day: str = typer.Option(..., "--notice-day", help=N_("Day of month reminders go out")),
    pay_day: str = typer.Option(..., "--pay-day", help=N_("Day of month payment is due")),
    cutoff_day: str = typer.Option(..., "--cutoff-day", help=N_("Day of month unpaid clients are cut")),
) -> None:
    from antena.core import network
    from antena.core.audit import Actor

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


@router_app.command(
    "add", help=N_("Add a MikroTik router reached through its API (the login is tried first).")
)
def router_add(
    name: str = typer.Option(..., "--name"),
    host: str = typer.Option(..., "--host"),
    port: str = typer.Option("8728", "--port"),
    username: str = typer.Option(..., "--username"),
    password: str = typer.Option("", "--password"),
    zone: str = typer.Option(..., "--zone"),
    no_api: bool = typer.Option(False, "--no-api", help=N_("Keep changes in the database only")),
    tls: bool = typer.Option(False, "--tls", help=N_("Use API-SSL")),
    no_check: bool = typer.Option(False, "--no-check", help=N_("Save without trying the API login")),
) -> None:
    from antena.cli.network_admin import finish, probe_lines
    from antena.core import router_admin
    from antena.core.audit import Actor

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


@plan_app.command(
    "add", help=N_("Add an Internet plan; its profile or PCQ queues are created on every router.")
)
def plan_add(
    name: str = typer.Option(..., "--name"),
    service_type: str = typer.Option(..., "--type", help=N_("pppoe|hotspot|simple-queue|pcq")),
    price: str = typer.Option(..., "--price"),
    download: str = typer.Option(..., "--download", help=N_("e.g. 10M")),
    upload: str = typer.Option(..., "--upload", help=N_("e.g. 5M")),
    profile: str = typer.Option(
        "",
        "--profile",
        help=N_("PPP profile, Hotspot user profile or PCQ address list (default: name)"),
    ),
    pool: str = typer.Option("", "--pool", help=N_("PPPoE address pool (then clients need no IP)")),
) -> None:
    from antena.cli.network_admin import finish
    from antena.core import network_admin
    from antena.core.audit import Actor

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


def _role_label(role: object) -> str:
    """The role in the reader's language (imported here: the words table loads the models)."""
    from antena.core.words import role_label

    return role_label(role)  # type: ignore[arg-type]
