"""``antena demo`` running: three emulated routers, the worker, the portal and the bot in one process.

Why one process: a person trying Antena should need nothing but this command. The routers are
RouterOS API emulators on local ports (the same wire protocol a MikroTik speaks, so the product's
real adapter talks to them), the database is a fresh SQLite file, and without a Telegram token the
bot polls the local Bot API double while the terminal becomes the staff member's chat. Everything
stops on Ctrl-C (or ``!salir`` / end of input in the terminal chat).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from antena.core.billing.display import money
from antena.core.bootstrap import App, bootstrap
from antena.core.config import Settings
from antena.core.db.migrate import upgrade
from antena.core.demo import ROUTERS as ROUTER_ZONES
from antena.core.demo import DemoSummary, seed_demo
from antena.core.demo_month import DAYS, MonthSummary, simulate_month
from antena.core.errors import InvalidInput
from antena.core.i18n import _, ngettext
from antena.core.links import portal_link
from antena.core.routeros.emulator import RouterEmulator
from antena.core.routeros.emulator_live import attach as attach_live
from antena.core.usage.demo import seed_history
from antena.demo import cfdi_sample

LOG = logging.getLogger(__name__)
ROUTERS = 3
# Imported ahead in a thread: aiogram alone builds some 300 pydantic models on import (seconds).
LIBRARIES = ("aiogram.types", "aiogram.methods", "aiogram.dispatcher.dispatcher", "fastapi", "uvicorn")


def warm_up() -> threading.Thread:
    """Import the bot's and the portal's libraries while the ISP is seeded or restored (the
    seeding waits on SQLite's thread, when the import can run), so starting them later is quick.
    Third-party packages only: they never import Antena back, so no import lock is held both
    ways; the main thread asking for one of them simply waits for it."""

    def load() -> None:
        import importlib

        for name in LIBRARIES:
            with contextlib.suppress(ImportError):  # reported where it is really imported
                importlib.import_module(name)

    thread = threading.Thread(target=load, name="antena-demo-imports", daemon=True)
    thread.start()
    return thread


@dataclass
class DemoOptions:
    clients: int = 200
    chat: bool = True  # the terminal chat (only without a token)
    telegram_id: int | None = None  # with a real token: the person's own Telegram id, made admin
    out: TextIO = field(default_factory=lambda: sys.stdout)


def portal_base(settings: Settings) -> str:
    """The portal's public base: ANTENA_PORTAL_URL when set, else where the demo serves it."""
    if "portal_url" in settings.model_fields_set:
        return settings.portal_url
    host, _sep, port = settings.portal_bind.rpartition(":")
    host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://{host}:{port}"


async def run_demo(settings: Settings, options: DemoOptions) -> None:
    """Seed, start everything, print how to try it, and serve until stopped."""
    say: Callable[[str], None] = functools.partial(print, file=options.out, flush=True)
    check_portal_bind(settings.portal_bind)
    warm_up()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with contextlib.AsyncExitStack() as stack:
        emulators = [RouterEmulator() for _ in range(ROUTERS)]
        for emulator in emulators:  # subscribers online, traffic and growing counters (/online, /trafico)
            attach_live(emulator)
        ports = []
        for emulator in emulators:
            ports.append(await emulator.start())
            stack.push_async_callback(emulator.stop)
        telegram = None
        if settings.telegram_token is None:
            from antena.doubles.telegram import TelegramDouble

            telegram = TelegramDouble(bot_username="antena_demo_bot", bot_name="Antena demo")
            await telegram.start()
            stack.push_async_callback(telegram.stop)
            settings = settings.model_copy(
                update={"telegram_token": SecretStr(telegram.token), "telegram_api_url": telegram.base_url}
            )
        settings = settings.model_copy(update={"portal_url": portal_base(settings)})
        settings = await cfdi_sample.with_pac(stack, settings)  # CFDI against the local PAC (wt-cfdi)
        from antena.demo import payments as online

        settings, conekta, mercadopago = await online.start_doubles(stack, settings)
        app = bootstrap(settings)
        online.connect(app, conekta, mercadopago)
        stack.push_async_callback(app.aclose)
        summary, month = await _seed_or_restore(app, options, emulators, ports, say)
        if stop.is_set():  # Ctrl-C while seeding: nothing to start
            say(_("Demo stopped."))
            return
        customer = await _introduce(app, say, summary, month)  # nothing in it waits for the servers
        say(_("Starting the portal, the worker and the bot…"))
        server = await _start_portal(app, stop)
        jobs = _background(app, stop)
        try:
            paid = [c.id for c in summary.made if c.id not in month.unpaid_clients]

            async def live_examples() -> None:  # while the chat already listens
                await cfdi_sample.stamp_sample(app, paid, say)  # a stamped sample CFDI
                await online.oxxo_payment(app, conekta, say, skip=customer)

            jobs.append(asyncio.create_task(live_examples()))
            if telegram is not None and options.chat:
                from antena.demo.terminal import TerminalChat, help_text
                from antena.doubles.telegram_cli import stdin_lines

                chat = TerminalChat(
                    telegram, settings.data_dir / "demo-files", language=settings.locale, out=options.out
                )
                say("\n" + help_text() + "\n")
                jobs.append(asyncio.create_task(chat.run(stop, stdin_lines)))
            elif telegram is None and options.telegram_id is None:
                say(_("Your bot answers only staff: run again with --telegram-id <your Telegram id>."))
            await stop.wait()
        finally:
            stop.set()
            await asyncio.gather(*jobs, return_exceptions=True)
            await server
    say(_("Demo stopped."))


async def _seed_or_restore(
    app: App,
    options: DemoOptions,
    emulators: list[RouterEmulator],
    ports: list[int],
    say: Callable[[str], None],
) -> tuple[DemoSummary, MonthSummary]:
    """Today's snapshot when there is one for this code and these settings; else seed the ISP and
    play its month (the slow path, half a minute or more), then save the snapshot."""
    from antena.core import demo_snapshot
    from antena.core.routeros import emulator_state

    key = demo_snapshot.snapshot_key(
        app.settings, app.clock.today(), {"clients": options.clients, "telegram_id": options.telegram_id}
    )
    database = Path(app.settings.database_url.split("///", 1)[1])
    state = demo_snapshot.load(app.settings, key)
    if state is not None:
        say(
            _("Restoring today's demo ISP from its snapshot ({path})…").format(
                path=demo_snapshot.folder(app.settings)
            )
        )
        await app.db.dispose()
        demo_snapshot.restore_database(app.settings, database)
        summary, month = state["summary"], state["month"]
        names = [name for name, _zone in ROUTER_ZONES]
        for emulator, tables in zip(emulators, state["routers"], strict=True):
            emulator_state.load(emulator, tables)
        async with app.uow() as uow:
            await demo_snapshot.move_routers(uow, dict(zip(names, ports, strict=True)))
            await uow.commit()
        summary.routers = [
            f"{name} → 127.0.0.1:{port} ({zone})"
            for (name, zone), port in zip(ROUTER_ZONES, ports, strict=True)
        ]
        return summary, month
    say(
        ngettext(
            "Creating the demo ISP ({n} client and a month of invoices and payments)…",
            "Creating the demo ISP ({n} clients and a month of invoices and payments)…",
            options.clients,
        ).format(n=options.clients)
    )
    say(_("The first run of the day takes a while; the next ones start from a snapshot."))
    await upgrade(app.db)
    summary = await seed_demo(
        app, clients=options.clients, router_ports=ports, push=True, admin_telegram_id=options.telegram_id
    )
    assert summary.cashier is not None
    say(_("Playing the last {days} days: invoices, reminders, payments and cut-offs…").format(days=DAYS))
    month = await simulate_month(app, summary.cashier)
    await seed_history(app)  # "Mi consumo" and `usage export` have months to show
    routers = [emulator_state.dump(emulator) for emulator in emulators]
    demo_snapshot.save(app.settings, key, database, {"summary": summary, "month": month, "routers": routers})
    return summary, month


def check_portal_bind(bind: str) -> None:
    """Fail before seeding when the portal's port is taken (uvicorn would only exit later, mid-demo)."""
    host, _sep, port = bind.rpartition(":")
    try:
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind((host or "127.0.0.1", int(port)))
    except (OSError, ValueError) as exc:
        raise InvalidInput(
            _("The portal cannot listen on {bind}: set ANTENA_PORTAL_BIND to a free address.").format(
                bind=bind
            )
        ) from exc


async def _start_portal(app: App, stop: asyncio.Event) -> asyncio.Task[None]:
    """The portal, listening before its URL is printed."""
    from antena.portal.app import create_portal_app, serve_until, web_server

    server = web_server(create_portal_app(app), app.settings.portal_bind)
    task = asyncio.create_task(serve_until(server, stop))
    while not server.started:
        await asyncio.sleep(0.05)
    return task


def _background(app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
    """The worker (router and message outboxes), the calendar with the daily report, and the bot."""
    from antena.bot import runner
    from antena.core import reports
    from antena.core.scheduler import run_scheduler
    from antena.core.worker import run_worker

    reports.install(app)
    return [
        asyncio.create_task(run_worker(app, stop, interval=1.0)),
        asyncio.create_task(run_scheduler(app, stop)),
        asyncio.create_task(runner.run_polling(app, stop)),
    ]


async def _introduce(app: App, say: Callable[[str], None], summary: DemoSummary, month: MonthSummary) -> int:
    """What was made, where the portal is, and a customer's auto-login link to open (their id)."""
    lang = app.settings.locale
    say("\n" + _("Routers (RouterOS API emulators):"))
    for line in summary.routers:
        say(f"  - {line}")
    say(_("Plans:") + " " + ", ".join(summary.plans))
    say(_("Staff:") + " " + ", ".join(summary.staff))
    unpaid = len(month.unpaid_clients)
    say(
        _("Month {start} – {end}: {invoices}, {payments}, {collected} collected, {unpaid}.").format(
            start=month.start.isoformat(),
            end=month.end.isoformat(),
            invoices=ngettext("{n} invoice", "{n} invoices", month.invoices).format(n=month.invoices),
            payments=ngettext("{n} payment", "{n} payments", month.payments).format(n=month.payments),
            collected=money(month.collected, app.settings.currency, lang),
            unpaid=ngettext("{n} client still owing", "{n} clients still owing", unpaid).format(n=unpaid),
        )
    )
    owing = month.unpaid_clients
    customer = next((c for c in summary.made if c.id in owing), summary.made[0])
    names = [c.name for c in summary.made]
    target = next(
        (c for c in summary.made if c.id not in owing and names.count(c.name) == 1 and "PPPoE" in c.plan),
        summary.made[-1],
    )
    say("\n" + _("Customer portal: {url}").format(url=app.settings.portal_url))
    say(_("Auto-login link of {name} (#{id}):").format(name=customer.name, id=customer.id))
    say("  " + await portal_link(app, customer.id))
    say(
        "\n"
        + _("Try: /suspender {name} (client #{id}, {ip} on {router})").format(
            name=target.name, id=target.id, ip=target.ip, router=target.router
        )
    )
    work = summary.fieldwork
    if work is not None and work.sold:
        from antena.core.contracts.signing import sign_url

        names = ", ".join(work.sold)
        say(
            _("Sold, waiting for today's visit (/instalaciones as technician 1004): {names}").format(
                names=names
            )
        )
        if work.signing_link_of is not None:
            say(_("Signing link of contract {id}:").format(id=work.signing_link_of))
            say("  " + sign_url(app, work.signing_link_of, 0))
        say(_("Tickets: /tickets; contracts: /contrato <cliente>; in the portal: Soporte, Mis documentos."))
    say(_("Logs: {path}").format(path=app.settings.data_dir / "demo.log"))
    return customer.id


__all__ = ["DemoOptions", "run_demo"]
