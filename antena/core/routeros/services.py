"""The four service types on the router, and how one service is created, updated, removed.

Objects are found by their comment ``antena:<client id>``, never by name or IP, so a rename or
an IP change updates the object we made instead of creating another. Each type is a row of
:data:`SERVICE_KINDS`: its menu, the properties we own and how the router prints them (so
``10M/5M`` and ``10000000/5000000`` compare equal and nothing is rewritten for nothing).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from antena.core.errors import RouterError
from antena.core.notes import Note, note
from antena.core.routeros.client import RouterConnection, Row
from antena.core.routeros.ops import ServiceSpec

PPP_SECRET = "/ppp/secret"
PPP_ACTIVE = "/ppp/active"
HOTSPOT_USER = "/ip/hotspot/user"
HOTSPOT_ACTIVE = "/ip/hotspot/active"
SIMPLE_QUEUE = "/queue/simple"
ADDRESS_LIST = "/ip/firewall/address-list"
SESSION_PATHS = frozenset({PPP_ACTIVE, HOTSPOT_ACTIVE})
#: Nothing was left to do: the router already matched.
ALREADY_APPLIED = note("already_applied")

#: RouterOS' words for "that already exists" on an add (they vary per menu and version).
DUPLICATE_MARKERS = (
    "already have such entry",
    "with the same name already exists",
    "already have user with this name",
    "already have such name",
    "already exists",
)


def is_duplicate(error: RouterError) -> bool:
    return any(marker in error.message for marker in DUPLICATE_MARKERS)


def is_gone(error: RouterError) -> bool:
    """The row we meant to touch no longer exists (a session that ended meanwhile)."""
    return "no such item" in error.message


def is_true(value: str | None) -> bool:
    return (value or "").lower() in ("true", "yes")


# -- how values compare (the router prints them its own way) ----------------------------------

_RATE = re.compile(r"^(\d+(?:\.\d+)?)([kKMG]?)$")
_MULTIPLIER = {"": 1, "k": 1_000, "K": 1_000, "M": 1_000_000, "G": 1_000_000_000}


#: A host address already in its canonical form (no leading zeros), with or without ``/32``.
_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_PLAIN_HOST = re.compile(rf"((?:{_OCTET}\.){{3}}{_OCTET})(?:/32)?")


def norm_host(value: str) -> str:
    """``10.0.0.5/32`` and ``10.0.0.5`` are the same host.

    A cut-off compares every address of a router's suspend list: the common plain IPv4 answer is a
    regular expression, not an ``ipaddress`` object (nor a cache of 65,536 of them held for good)."""
    value = value.strip()
    plain = _PLAIN_HOST.fullmatch(value)
    if plain is not None:
        return plain.group(1)
    return _norm_other(value)


@lru_cache(maxsize=1024)
def _norm_other(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return value
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def norm_rate(value: str) -> str:
    """``10M/5M`` and ``10000000/5000000`` are the same max-limit; ``2M`` means ``2M/2M``."""
    sides = value.split("/") if value else []
    if len(sides) == 1:
        sides *= 2
    numbers = []
    for side in sides:
        match = _RATE.match(side.strip())
        if match is None:
            return value
        numbers.append(str(int(float(match[1]) * _MULTIPLIER[match[2]])))
    return "/".join(numbers)


def norm_target(value: str) -> str:
    return ",".join(norm_host(part) for part in value.split(",") if part.strip())


def host_target(ip: str) -> str:
    """A queue target for one host: ``10.0.0.5/32`` (``/128`` for IPv6)."""
    address = ipaddress.ip_address(ip.split("/")[0])
    return f"{address}/{address.max_prefixlen}"


def _same(value: str) -> str:
    return value


# -- the four service types -------------------------------------------------------------------


@dataclass(frozen=True)
class Prop:
    """One router property we own: where its value comes from and how to compare it."""

    name: str  # RouterOS property
    label: str  # what a report calls it (the ServiceSpec field, mostly)
    value: Callable[[ServiceSpec], str | None]
    norm: Callable[[str], str] = _same
    clearable: bool = False  # unset it when the spec has no value (IP → pool)
    hidden_ok: bool = False  # may be missing from print (passwords need the "sensitive" policy)


@dataclass(frozen=True)
class ServiceKind:
    """One service type: its menu, the properties we own and how it is named in details."""

    service_type: str
    path: str
    noun: str  # a code of ``wording.NOUNS``: ppp_secret, hotspot_user, queue, pcq_entry
    props: tuple[Prop, ...]
    key: tuple[str, ...]  # what the router keeps unique (its duplicate trap is about these)
    needs: tuple[str, ...] = ()  # ServiceSpec fields without which the object cannot exist

    def check(self, spec: ServiceSpec) -> None:
        missing = [name for name in self.needs if not getattr(spec, name)]
        if missing:
            raise RouterError(note=note("service_needs", type=self.service_type, fields=missing))

    def desired(self, spec: ServiceSpec) -> dict[str, str]:
        values = {prop.name: prop.value(spec) for prop in self.props}
        return {name: value for name, value in values.items() if value is not None}

    def differences(self, spec: ServiceSpec, row: Row) -> dict[str, str | None]:
        """Property → new value (``None``: unset it) for what differs between spec and row."""
        changes: dict[str, str | None] = {}
        for prop in self.props:
            want = prop.value(spec)
            if prop.name not in row and prop.hidden_ok:
                continue
            have = row.get(prop.name, "")
            if want is None:
                if prop.clearable and have:
                    changes[prop.name] = None
            elif prop.norm(have) != prop.norm(want):
                changes[prop.name] = want
        return changes

    def labels(self, changes: dict[str, str | None]) -> list[str]:
        by_name = {prop.name: prop.label for prop in self.props}
        return list(dict.fromkeys(by_name[name] for name in changes))

    def name_of(self, spec: ServiceSpec) -> str:
        """How notes name the object: its name (a PCQ entry: its address and list)."""
        if self.service_type == "pcq":
            return f"{spec.ip} ({spec.profile})"
        return spec.name

    def note(self, code: str, spec: ServiceSpec, **params: object) -> Note:
        """A note about this object: ``kind.note("created", spec)``."""
        return note(code, noun=self.noun, name=self.name_of(spec), **params)


def _fixed(value: str) -> Callable[[ServiceSpec], str]:
    return lambda spec: value


_COMMENT = Prop("comment", "comment", lambda s: s.comment)
_NAME = Prop("name", "name", lambda s: s.name)
_PASSWORD = Prop("password", "password", lambda s: s.password, hidden_ok=True)
_PROFILE = Prop("profile", "profile", lambda s: s.profile)

SERVICE_KINDS: dict[str, ServiceKind] = {
    kind.service_type: kind
    for kind in (
        ServiceKind(
            "pppoe",
            PPP_SECRET,
            "ppp_secret",
            (
                _NAME,
                _PASSWORD,
                Prop("service", "service", _fixed("pppoe")),
                _PROFILE,
                Prop("remote-address", "ip", lambda s: s.ip, norm_host, clearable=True),
                Prop("local-address", "local_address", lambda s: s.local_address, norm_host),
                _COMMENT,
            ),
            key=("name",),
        ),
        ServiceKind(
            "hotspot",
            HOTSPOT_USER,
            "hotspot_user",
            (
                _NAME,
                _PASSWORD,
                _PROFILE,
                Prop("address", "ip", lambda s: s.ip, norm_host, clearable=True),
                Prop("mac-address", "mac", lambda s: s.mac, str.upper),
                Prop("server", "server", _fixed("all")),
                _COMMENT,
            ),
            key=("name",),
        ),
        ServiceKind(
            "simple-queue",
            SIMPLE_QUEUE,
            "queue",
            (
                _NAME,
                Prop("target", "target", lambda s: host_target(s.ip) if s.ip else None, norm_target),
                Prop("max-limit", "rate", lambda s: s.rate, norm_rate),
                _COMMENT,
            ),
            key=("name",),
            needs=("ip",),
        ),
        ServiceKind(
            "pcq",
            ADDRESS_LIST,
            "pcq_entry",
            (
                Prop("list", "profile", lambda s: s.profile),
                Prop("address", "ip", lambda s: s.ip, norm_host),
                _COMMENT,
            ),
            key=("list", "address"),
            needs=("ip", "profile"),
        ),
    )
}


def service_kind(service_type: str) -> ServiceKind:
    try:
        return SERVICE_KINDS[service_type]
    except KeyError:
        raise RouterError(note=note("unknown_service_type", type=service_type)) from None


# -- add / update / remove a service ----------------------------------------------------------


async def find_service(conn: RouterConnection, spec: ServiceSpec, suspend_list: str) -> list[Row]:
    """Our object(s) for this client: by comment (a PCQ entry: and not in the suspend list)."""
    kind = service_kind(spec.service_type)
    rows = await conn.print(kind.path, comment=spec.comment)
    if kind.path == ADDRESS_LIST:
        rows = [row for row in rows if row.get("list") != suspend_list]
    return rows


async def upsert_service(conn: RouterConnection, spec: ServiceSpec, suspend_list: str) -> list[Note]:
    """Create the object, or change only what differs; a name taken by someone else is refused."""
    kind = service_kind(spec.service_type)
    kind.check(spec)
    rows = await find_service(conn, spec, suspend_list)
    if not rows:
        try:
            await conn.add(kind.path, **kind.desired(spec))
            return [kind.note("created", spec)]
        except RouterError as exc:
            if not is_duplicate(exc):
                raise
            # Ours after all (made by a concurrent try)? Otherwise the name belongs to someone else.
            desired = kind.desired(spec)
            taken = await conn.print(kind.path, **{name: desired[name] for name in kind.key})
            rows = [row for row in taken if row.get("comment") == spec.comment]
            if not rows:
                raise
    row, duplicates = rows[0], rows[1:]
    changes = kind.differences(spec, row)
    to_set = {name: value for name, value in changes.items() if value is not None}
    to_unset = [name for name, value in changes.items() if value is None]
    if to_set:
        await conn.set(kind.path, row[".id"], **to_set)
    if to_unset:
        await conn.unset(kind.path, row[".id"], *to_unset)
    notes = [kind.note("updated", spec, fields=kind.labels(changes))] if changes else []
    if duplicates:
        await remove_ids(conn, kind.path, [dup[".id"] for dup in duplicates])
        notes.append(note("duplicates_removed", n=len(duplicates)))
    return notes or [ALREADY_APPLIED]


async def remove_service(conn: RouterConnection, spec: ServiceSpec, suspend_list: str) -> list[Note]:
    """Delete the client's object(s); its suspend-list entry is left alone (activate does that)."""
    kind = service_kind(spec.service_type)
    rows = await find_service(conn, spec, suspend_list)
    if not rows:
        return [kind.note("already_absent", spec)]
    await remove_ids(conn, kind.path, [row[".id"] for row in rows])
    return [kind.note("removed", spec)]


async def remove_ids(conn: RouterConnection, path: str, ids: Sequence[str]) -> None:
    """Remove rows with one command; rows that vanished meanwhile do not count as failure."""
    if not ids:
        return
    try:
        await conn.remove(path, *ids)
    except RouterError as exc:
        if not is_gone(exc):
            raise
        if len(ids) > 1:  # the whole command fails on one stale id: retry the others one by one
            for row_id in ids:
                try:
                    await conn.remove(path, row_id)
                except RouterError as single:
                    if not is_gone(single):
                        raise
