"""Long-running and operational commands: ``run``, ``emulate-router``, ``tasks``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from antena.cli.runner import fail, load_settings, run, setup_logging
from antena.core.i18n import N_, _, ngettext
from antena.core.routeros.wording import login_refused_line, stored, task_kind

if TYPE_CHECKING:
    from antena.core.bootstrap import App

tasks_app = typer.Typer(
    help=N_("Router tasks: changes waiting for, or refused by, a router."), no_args_is_help=True
)

ONLY_CHOICES = ("bot", "worker", "portal")
CALENDAR_OFF = N_("Calendar off (ANTENA_AUTO_TASKS=off): use `antena billing run` and `antena cutoff run`.")


def run_command(
    only: str = typer.Option("", "--only", help=N_("Run one part: bot, worker or portal (default: all)")),
) -> None:
    if only and only not in ONLY_CHOICES:
        fail(_("--only takes bot, worker or portal, not {value}").format(value=only))
    settings = load_settings()
    setup_logging()
    parts = [only] if only else list(ONLY_CHOICES)
    if "bot" in parts and settings.telegram_token is None:
        typer.echo(_("Telegram bot is off: ANTENA_TELEGRAM_TOKEN is not set."))
        parts.remove("bot")
    webhook = "bot" in parts and bool(settings.telegram_webhook_url)
    if webhook and "portal" not in parts:
        fail(_("With ANTENA_TELEGRAM_WEBHOOK_URL the bot runs inside the portal: use --only portal"))
    if only == "portal" and settings.telegram_webhook_url and settings.telegram_token is not None:
        parts.append("bot")
        webhook = True
    if not parts:
        fail(_("Nothing to run."))

    import asyncio
    import signal

    async def main(app: App) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        jobs = []
        if "worker" in parts:
            from antena.core.worker import run_worker

            typer.echo(_("Worker running (router retries). Ctrl-C stops it."))
            jobs.append(run_worker(app, stop))
            from antena.core import reports

            reports.install(app)  # the daily report at ANTENA_REPORT_TIME to managers and admins
            if app.settings.auto_tasks:
                from antena.core.scheduler import run_scheduler

                typer.echo(_("Calendar on: the invoice run and the cut-off run once a day."))
                jobs.append(run_scheduler(app, stop))
            else:
                typer.echo(_(CALENDAR_OFF))
        bot = None
        webhook_routes = []  # the webhook is a route of the portal's web server
        if "bot" in parts:
            from antena.bot import runner

            if webhook:
                bot, dp = await runner.start_webhook(app)
                webhook_routes.append(runner.webhook_router(app, bot, dp))
                typer.echo(
                    _("Telegram bot on a webhook: {url}").format(url=app.settings.telegram_webhook_url)
                )
            else:
                typer.echo(_("Telegram bot polling {api}.").format(api=app.settings.telegram_api_url))
                jobs.append(runner.run_polling(app, stop))
        if "portal" in parts:
            from antena.portal.app import create_portal_app, serve_until, web_server

            server = web_server(create_portal_app(app, routers=webhook_routes), app.settings.portal_bind)
            typer.echo(_("Web server on http://{bind}").format(bind=app.settings.portal_bind))
            jobs.append(serve_until(server, stop))
        try:
            await asyncio.gather(*jobs)
        finally:
            if bot is not None:
                await bot.session.close()
        typer.echo(_("Stopped."))

    run(main)


def emulate_router(
    port: int = typer.Option(8728, "--port"),
    host: str = typer.Option("127.0.0.1", "--host"),
    username: str = typer.Option("admin", "--username"),
    password: str = typer.Option("", "--password"),
    latency: float = typer.Option(0.0, "--latency", help=N_("Seconds before each reply")),
) -> None:
    from antena.core.routeros.emulator import main as emulator_main

    emulator_main(
        [
            "--host",
            host,
            "--port",
            str(port),
            "--username",
            username,
            "--password",
            password,
            "--latency",
            str(latency),
        ]
    )


@tasks_app.command(
    "list", help=N_("Pending and failed router tasks, grouped by router, with the last error.")
)
def tasks_list() -> None:
    from antena.core.tasks_view import quick_tasks_view, tasks_view

    view = quick_tasks_view() or run(tasks_view)  # the quick read declines when unsure
    lines: list[str] = []
    current = None
    for t in view.tasks:
        if t.router_id != current:
            current = t.router_id
            lines.append(f"{t.router_name}:")
            if any(o.router_id == current and o.error_code == "login_refused" for o in view.tasks):
                lines.append("  ! " + login_refused_line(t.router_name))
        state = _("waiting") if t.status == "pending" else _("failed")
        lines.append(
            f"  #{t.id} {task_kind(t.kind)} {_what(t)} — {state}, "
            + ngettext("{n} attempt", "{n} attempts", t.attempts).format(n=t.attempts)
            + (f", {stored(t.last_error)}" if t.last_error else "")
        )
    lines = lines or [_("No pending or failed router tasks.")]
    if view.last is not None:
        from antena.core.reconcile_view import pass_lines

        lines += ["", *pass_lines(view.last, view.tz)]
    for line in lines:
        typer.echo(line)


@tasks_app.command("retry", help=N_("Try failed or waiting tasks again now."))
def tasks_retry(task: str = typer.Argument("all", help=N_("task id or all"))) -> None:
    from antena.core.audit import Actor
    from antena.core.routeros import outbox

    if task != "all" and not task.lstrip("#").isdigit():
        fail(_("Give a task number or all, not {value}").format(value=task))

    async def work(app: App) -> str:
        task_id = None if task == "all" else int(task.lstrip("#"))
        count = await outbox.retry(app, Actor.cli(), task_id)
        if task_id is not None and count == 0:
            fail(_("No open router task #{id}").format(id=task_id))
        done = await outbox.run_due(app)
        applied = sum(1 for d in done if d.outcome.value == "applied")
        return ngettext(
            "{n} task put back in the queue; {applied} applied now.",
            "{n} tasks put back in the queue; {applied} applied now.",
            count,
        ).format(n=count, applied=applied)

    typer.echo(run(work))


def _what(task: Any) -> str:
    """Which client a task is for, or which plan (plan tasks have no client)."""
    plan = (task.payload or {}).get("plan")
    if plan:
        return _("plan {name}").format(name=plan.get("name", ""))
    return _("client #{id}").format(id=task.client_id)


def register(app: typer.Typer) -> None:
    app.command(
        "run", help=N_("Run the bot, the worker (router retries, calendar) and the portal in one process.")
    )(run_command)
    app.command(
        "emulate-router", help=N_("Serve a RouterOS API emulator (for trying Antena without a MikroTik).")
    )(emulate_router)
    app.add_typer(tasks_app, name="tasks")


__all__ = ["register"]
