"""``antena equipment add|assign|return|list``: the warehouse and who holds each article."""

from __future__ import annotations

import csv
import sys
from typing import TYPE_CHECKING

import typer

from antena.cli.runner import run
from antena.cli.usage import safe_cell
from antena.core.i18n import N_, _, get_language, ngettext

if TYPE_CHECKING:
    from antena.core import equipment
    from antena.core.bootstrap import App

equipment_app = typer.Typer(help=N_("Equipment: articles (model, serial, MAC, cost) and who holds them."),
                            no_args_is_help=True)  # fmt: skip
CSV_HEADER = ["serial", "model", "mac", "cost", "client_id", "client", "assigned_at", "notes"]


def _money(app: App, article: equipment.Article) -> str:
    from antena.core.billing.display import money

    return money(article.cost, app.settings.currency, get_language(), app.settings.default_region)


@equipment_app.command("add", help=N_("Put a new article in the warehouse."))
def add(
    model: str = typer.Option(..., "--model", help=N_("e.g. 'TP-Link CPE510'")),
    serial: str = typer.Option(..., "--serial", help=N_("serial number (unique)")),
    mac: str = typer.Option("", "--mac", help=N_("AA:BB:CC:DD:EE:FF (unique)")),
    cost: str = typer.Option("0", "--cost", help=N_("what it cost the ISP, e.g. 650.00")),
    notes: str = typer.Option("", "--notes"),
) -> None:
    from antena.core import equipment
    from antena.core.audit import Actor

    async def work(app: App) -> str:
        article = await app.perform(equipment.add_article, Actor.cli(), model=model, serial=serial, mac=mac,
                                    cost=cost, notes=notes)  # fmt: skip
        return _("Added to the warehouse: {article}").format(
            article=equipment.line(article, _money(app, article))
        )

    typer.echo(run(work))


@equipment_app.command("assign", help=N_("Give an article to a client (on installation or later)."))
def assign(
    serial: str = typer.Argument(..., help=N_("the article's serial number")),
    cliente: str = typer.Argument(..., metavar="CLIENTE", help=N_("name, IP, phone, user or id")),
    note: str = typer.Option("", "--note", help=N_("e.g. 'installed on the roof'")),
) -> None:
    from antena.core import equipment
    from antena.core.audit import Actor
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> str:
        client = await find_one(app, cliente)
        article = await app.perform(equipment.assign, Actor.cli(), serial, client.id, note=note)
        return _("{article} assigned to {name} (#{id}).").format(
            article=equipment.line(article), name=client.name, id=client.id
        )

    typer.echo(run(work))


@equipment_app.command("return", help=N_("The client gave the article back: it is in the warehouse again."))
def return_(
    serial: str = typer.Argument(..., help=N_("the article's serial number")),
    note: str = typer.Option("", "--note", help=N_("e.g. 'damaged power supply'")),
) -> None:
    from antena.core import equipment
    from antena.core.audit import Actor

    async def work(app: App) -> str:
        article = await app.perform(equipment.return_article, Actor.cli(), serial, note=note)
        return _("{article} is back in the warehouse.").format(article=equipment.line(article))

    typer.echo(run(work))


@equipment_app.command("list", help=N_("The articles, with who holds each one."))
def list_(
    client: str = typer.Option("", "--client", help=N_("only what this client holds")),
    state: str = typer.Option("all", "--state", help=N_("all, available (in the warehouse) or assigned")),
    as_csv: bool = typer.Option(False, "--csv", help=N_("CSV on standard output")),
) -> None:
    from antena.core import equipment
    from antena.core.clients.resolve import find_one

    async def work(app: App) -> tuple[list[equipment.Article], list[str]]:
        client_id = (await find_one(app, client)).id if client.strip() else None
        async with app.reader() as uow:
            articles = await equipment.list_articles(uow, client_id=client_id, state=state.strip().lower())
        return articles, [_money(app, a) for a in articles]

    articles, costs = run(work)
    if as_csv:
        out = csv.writer(sys.stdout, lineterminator="\n")
        out.writerow(CSV_HEADER)
        for a in articles:
            when = a.assigned_at.isoformat() if a.assigned_at else ""
            cells = [
                a.serial,
                a.model,
                a.mac or "",
                a.cost,
                a.client_id or "",
                a.client_name or "",
                when,
                a.notes or "",
            ]
            out.writerow([safe_cell(cell) for cell in cells])
        return
    for a, cost in zip(articles, costs, strict=True):
        where = f"{a.client_name} (#{a.client_id})" if a.client_id else _("in the warehouse")
        typer.echo(f"{equipment.line(a, cost)} — {where}")
    typer.echo(ngettext("{n} article", "{n} articles", len(articles)).format(n=len(articles)))


def register(app: typer.Typer) -> None:
    app.add_typer(equipment_app, name="equipment")
