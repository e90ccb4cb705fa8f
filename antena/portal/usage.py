"""The customer's "Mi consumo" page: 13 months and the last 30 days of their traffic, as bar
charts drawn server-side (inline SVG: no script, light on a phone) with the figures beside them."""

from __future__ import annotations

from dataclasses import dataclass

from babel.dates import format_date
from fastapi import APIRouter, Request
from fastapi.responses import Response

from antena.core.billing.display import babel_locale
from antena.core.bootstrap import App
from antena.core.db.models import Client
from antena.core.i18n import _, get_language
from antena.core.monitoring.units import size
from antena.core.usage.history import Bar, client_chart
from antena.portal.web import PortalError, end_session, render

WIDTH, HEIGHT = 600, 170
PLOT = 140  # bar area height; the rest is for labels


@dataclass(frozen=True)
class Column:
    x: float
    width: float
    down_y: float
    down_h: float
    up_y: float
    up_h: float
    label: str  # under the bar ("" to skip)
    title: str  # tooltip and the figures table


def columns(bars: list[Bar], labels: list[str], titles: list[str]) -> list[Column]:
    """Stacked bars (download under upload) scaled to the largest total."""
    top = max((b.total for b in bars), default=0) or 1
    slot = WIDTH / max(1, len(bars))
    out: list[Column] = []
    for bar, label, title in zip(bars, labels, titles, strict=True):
        down_h = PLOT * bar.down / top
        up_h = PLOT * bar.up / top
        down_y = PLOT - down_h
        x, width = round(bar_x(slot, len(out)), 1), round(slot * 0.7, 1)
        heights = (round(down_y, 1), round(down_h, 1), round(down_y - up_h, 1), round(up_h, 1))
        out.append(Column(x, width, *heights, label, title))
    return out


def bar_x(slot: float, index: int) -> float:
    return slot * index + slot * 0.15


async def _client(app: App, request: Request) -> Client:
    """The signed-in client (same rule as the other portal pages: a revoked link ends the session)."""
    cid, version = request.session.get("cid"), request.session.get("v")
    client = None
    if isinstance(cid, int):
        async with app.reader() as uow:
            client = await uow.session.get(Client, cid)
    if client is None or client.link_version != version:
        end_session(request)
        raise PortalError(_("Your session has ended. Open the link {company} sent you again.").format(
            company=app.settings.company_name), 401)  # fmt: skip
    return client


def make_router(app: App) -> APIRouter:
    router = APIRouter()

    @router.get("/portal/consumo")
    async def usage_page(request: Request) -> Response:
        client = await _client(app, request)
        async with app.reader() as uow:
            chart = await client_chart(uow, client.id, app.clock.today())
        lang = get_language()
        locale = babel_locale(lang, app.settings.default_region)

        def title(when: str, bar: Bar) -> str:
            return _("{when}: ↓ {down} ↑ {up}").format(
                when=when, down=size(bar.down, lang), up=size(bar.up, lang)
            )

        month_names = [format_date(b.start, "MMM yy", locale=locale) for b in chart.months]
        months = columns(
            chart.months, month_names, [title(n, b) for n, b in zip(month_names, chart.months, strict=True)]
        )
        day_names = [format_date(b.start, "d MMM", locale=locale) for b in chart.days]
        day_labels = [
            str(b.start.day) if n % 5 == 4 or n == len(chart.days) - 1 else ""
            for n, b in enumerate(chart.days)
        ]
        days = columns(
            chart.days, day_labels, [title(n, b) for n, b in zip(day_names, chart.days, strict=True)]
        )
        last = chart.last_days
        return render(
            app, request, "consumo.html", client=client, months=months, days=days, width=WIDTH, height=HEIGHT,
            plot=PLOT, total_down=size(last.down, lang), total_up=size(last.up, lang),
            empty=not any(b.total for b in chart.months),
        )  # fmt: skip

    return router
