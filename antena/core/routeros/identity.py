"""Try a router's API login before its settings are saved: who answers, and which RouterOS."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from antena.core.errors import RouterError, RouterLoginRefused
from antena.core.notes import Note
from antena.core.routeros.client import RouterConnection
from antena.core.routeros.ops import RouterAccess


class ProbeStatus(enum.StrEnum):
    OK = "ok"  # logged in: identity and version known
    UNREACHABLE = "unreachable"  # no answer: saved with a warning
    NOT_CHECKED = "not_checked"  # --no-check, or the API is off


@dataclass(frozen=True)
class Probe:
    status: ProbeStatus
    identity: str = ""
    version: str = ""
    reason: Note | None = None  # why it was unreachable (the connection's own short reason)


async def probe(access: RouterAccess) -> Probe:
    """Log in and read ``/system/identity`` and ``/system/resource``. A refused login raises
    :class:`~antena.core.errors.RouterLoginRefused`; no answer is ``UNREACHABLE``."""
    try:
        conn = await RouterConnection.open(access)
    except RouterLoginRefused:
        raise
    except RouterError as exc:
        return Probe(ProbeStatus.UNREACHABLE, reason=exc.note)
    try:
        identity = (await conn.print("/system/identity") or [{}])[0].get("name", "")
        version = (await conn.print("/system/resource") or [{}])[0].get("version", "")
    except RouterError as exc:
        return Probe(ProbeStatus.UNREACHABLE, reason=exc.note)
    finally:
        await conn.close()
    return Probe(ProbeStatus.OK, identity=identity, version=version)
