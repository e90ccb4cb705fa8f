"""How live network reads read in chat and on the command line: each answer opens with the router
and the moment (local time), then short lines."""

from __future__ import annotations

import datetime as dt

from antena.core.config import Settings
from antena.core.i18n import _, get_language, ngettext
from antena.core.monitoring.health import RouterHealth
from antena.core.monitoring.tools import PingView, RouterSessions, TorchView, Traffic
from antena.core.monitoring.units import rate, size
from antena.core.notes import Note
from antena.core.routeros.wording import render
from antena.core.tr069 import OnuPower, Rebooted

MAX_SESSIONS = 40  # per router in one chat message


def moment(at: dt.datetime, settings: Settings) -> str:
    return at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M:%S")


def header(router: str, at: dt.datetime, settings: Settings) -> str:
    return f"{router} · {moment(at, settings)}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def sessions_text(results: list[RouterSessions], settings: Settings, limit: int | None = MAX_SESSIONS) -> str:
    blocks = []
    for r in results:
        if r.error:
            blocks.append(f"{header(r.router, r.at, settings)}\n⚠ {r.error}")
            continue
        if r.client is not None and not r.sessions:
            offline = _("{name} is not online.").format(name=r.client)
            blocks.append(header(r.router, r.at, settings) + "\n" + offline)
            continue
        count = ngettext("{n} online", "{n} online", len(r.sessions)).format(n=len(r.sessions))
        lines = [f"{header(r.router, r.at, settings)} — {count}"]
        shown = r.sessions if limit is None else r.sessions[:limit]
        for s in shown:
            kind = "PPPoE" if s.service == "pppoe" else "Hotspot"
            lines.append(f"{kind} {s.name} · {s.address or '-'} · {s.uptime} · {s.caller_id or '-'}")
        if len(shown) < len(r.sessions):
            lines.append(_("… and {n} more").format(n=len(r.sessions) - len(shown)))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def traffic_text(t: Traffic, settings: Settings) -> str:
    lang = get_language()
    source = {"interface": _("interface {name}"), "queue": _("queue {name}"), "torch": _("torch on {name}")}
    where = source[t.source].format(name=t.label)
    lines = [
        header(t.router, t.at, settings),
        _("{name}: traffic from the {source}").format(name=t.client, source=where),
    ]
    for s in t.samples:
        lines.append(f"{s.second + 1:>2}s  ↓ {rate(s.down_bps, lang)}  ↑ {rate(s.up_bps, lang)}")
    if t.samples:
        down = sum(s.down_bps for s in t.samples) // len(t.samples)
        up = sum(s.up_bps for s in t.samples) // len(t.samples)
        lines.append(_("Average: ↓ {down} ↑ {up}").format(down=rate(down, lang), up=rate(up, lang)))
    else:
        lines.append(_("The router sent no measurement."))
    if t.interrupted:
        lines.append(_stopped(t.router, t.interrupted))
    return "\n".join(lines)


def torch_text(v: TorchView, settings: Settings) -> str:
    lang = get_language()
    title = _("{name}: top flows on {interface} ({n} s)").format(
        name=v.client, interface=v.interface, n=v.seconds
    )
    lines = [header(v.router, v.at, settings), title]
    for f in v.flows:
        flow = f"{f.protocol or '?'} {f.remote}:{f.remote_port} ← {f.local}:{f.local_port}"
        lines.append(f"{flow}  ↓ {rate(f.down_bps, lang)} ↑ {rate(f.up_bps, lang)}")
    if not v.flows:
        lines.append(_("No traffic seen."))
    if v.interrupted:
        lines.append(_stopped(v.router, v.interrupted))
    return "\n".join(lines)


def ping_text(p: PingView, settings: Settings) -> str:
    r = p.result
    title = _("Ping from {router} to {target} ({address}):").format(
        router=p.router, target=p.label, address=r.address
    )
    lines = [header(p.router, p.at, settings), title]
    for n, rtt in enumerate(r.rtts_ms, 1):
        lines.append(f"#{n} " + (_("timeout") if rtt is None else _ms(rtt)))
    stats = {"min": _ms(r.stat("min")), "avg": _ms(r.stat("avg")), "max": _ms(r.stat("max"))}
    summary = _("{received}/{sent} answered, {loss}% lost; min/avg/max {min} / {avg} / {max}")
    lines.append(summary.format(received=r.received, sent=r.sent, loss=r.loss, **stats))
    if r.interrupted:
        lines.append(_stopped(p.router, r.interrupted))
    return "\n".join(lines)


def routers_text(rows: list[RouterHealth], settings: Settings) -> str:
    lang = get_language()
    blocks = []
    for r in rows:
        lines = [header(r.router, r.at, settings)]
        if not r.api_enabled:
            lines.append(_("API disabled: changes are kept in the database only."))
        elif r.health is None:
            lines.append("⚠ " + (r.error or _("unreachable")))
        else:
            h = r.health
            reachable = _("Reachable · {identity} · RouterOS {version} · up {uptime}")
            lines.append(reachable.format(identity=h.identity, version=h.version, uptime=h.uptime))
            free, total = size(h.free_memory, lang), size(h.total_memory, lang)
            lines.append(
                _("CPU {cpu}% · free memory {free} of {total}").format(cpu=h.cpu_load, free=free, total=total)
            )
        lines.append(
            _("Clients {clients} · suspended {suspended} · tasks waiting {pending}, failed {failed}").format(
                clients=r.clients, suspended=r.suspended, pending=r.pending_tasks, failed=r.failed_tasks
            )
        )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) or _("No routers yet.")


def reboot_text(r: Rebooted, settings: Settings) -> str:
    head = f"GenieACS · {moment(r.at, settings)}"
    if r.done:
        said = _("{name}: device {serial} ({model}) is rebooting.")
    else:
        said = _("{name}: device {serial} ({model}) did not answer now; it reboots when it next connects.")
    return head + "\n" + said.format(name=r.client, serial=r.device.serial, model=r.device.product)


def onu_text(p: OnuPower, settings: Settings) -> str:
    reading = p.reading
    device = reading.device
    title = _("{name}: ONU {serial} ({model})").format(
        name=p.client, serial=device.serial, model=device.product
    )
    lines = [f"GenieACS · {moment(p.at, settings)}", title]
    dbm = reading.dbm
    if dbm is not None:
        verdict = _("good") if -27.0 <= dbm <= -8.0 else (_("weak") if dbm < -27.0 else _("too strong"))
        lines.append(_("RX power: {value} dBm ({verdict})").format(value=f"{dbm:.2f}", verdict=verdict))
    else:
        value = reading.value if reading.value is not None else "-"
        lines.append(
            _("RX power: {value} (as the device reports {path})").format(value=value, path=reading.path)
        )
    if not reading.fresh:
        when = moment(reading.read_at, settings) if reading.read_at else "?"
        stale = _("The ONU did not answer now: this is the last value GenieACS has, from {when}.")
        lines.append(stale.format(when=when))
    return "\n".join(lines)


def _stopped(router: str, why: Note) -> str:
    """A stream cut short: the router stopped answering, and why."""
    return "⚠ " + _("{router} stopped answering: {reason}").format(router=router, reason=render(why))
