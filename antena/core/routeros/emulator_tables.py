"""In-memory RouterOS menus and query evaluation for the RouterOS API emulator.

This is the "router state" half of :mod:`antena.core.routeros.emulator`: one :class:`Table` per
menu path (``/ppp/secret``, ``/queue/simple``, ...), the duplicate/required-field rules and value
normalisation the real router applies. Queries (``?name=value``, ``?-name``, ``?<name=``,
``?#|&!.``) are compiled by :mod:`antena.core.routeros.emulator_query`; the traps and their messages
are in ``emulator_traps`` (re-exported here).  Nothing here knows about sockets, so the whole
module can be exercised directly and stays fast: a table keeps an id index and a unique-key index,
so adds, sets and removes are O(1) regardless of table size.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from antena.core.routeros.emulator_query import Predicate, compile_query
from antena.core.routeros.emulator_traps import (
    DUP_ENTRY,
    DUP_INTERFACE,
    DUP_NAME,
    NO_SUCH_COMMAND,
    NO_SUCH_COMMAND_PREFIX,
    NO_SUCH_ITEM,
    RouterOSTrap,
)

__all__ = [  # the traps, messages and query compiler moved out stay importable from here
    "BOOLEAN_PROPERTIES", "CRUD", "DUP_ENTRY", "DUP_INTERFACE", "DUP_NAME", "NO_SUCH_COMMAND",
    "NO_SUCH_COMMAND_PREFIX", "NO_SUCH_ITEM", "READ_ONLY", "READ_REMOVE", "SINGLETON_RW", "Default",
    "Normalizer", "Predicate", "Reply", "RouterOSTrap", "Row", "Table", "TableSpec", "canonical_id",
    "compile_query", "host_address", "normalize_bool", "now_stamp", "queue_target", "rate_pair",
]  # fmt: skip

Row = dict[str, str]
Normalizer = Callable[[str], str]
Default = str | Callable[[], str]

READ_ONLY = frozenset({"print", "getall"})
READ_REMOVE = READ_ONLY | {"remove"}
CRUD = READ_ONLY | {"add", "set", "remove", "enable", "disable", "unset"}
SINGLETON_RW = READ_ONLY | {"set"}

#: Properties RouterOS treats as booleans; ``yes``/``no`` from clients become ``true``/``false``.
BOOLEAN_PROPERTIES = frozenset(
    {
        "disabled", "dynamic", "invalid", "published", "complete", "DHCP", "running",
        "radius", "default", "blocked", "bypassed", "log", "add-mac-cookie", "hidden",
    }
)  # fmt: skip

_RATE = re.compile(r"^(\d+(?:\.\d+)?)([kKMG]?)$")
_RATE_MULTIPLIER = {"": 1, "k": 1_000, "K": 1_000, "M": 1_000_000, "G": 1_000_000_000}


def canonical_id(ref: str) -> str:
    """``*a`` / ``*00A`` → ``*A``; anything that is not an id is returned unchanged."""
    if ref.startswith("*"):
        try:
            return f"*{int(ref[1:], 16):X}"
        except ValueError:
            return ref
    return ref


def normalize_bool(key: str, value: str) -> str:
    lowered = value.lower()
    if lowered in ("yes", "true"):
        return "true"
    if lowered in ("no", "false"):
        return "false"
    raise RouterOSTrap(f"invalid value for argument {key}")


@lru_cache(maxsize=1 << 16)  # the same few thousand addresses, normalised on every add and query
def host_address(value: str) -> str:
    """Address-list style: ``10.0.0.5/32`` is stored as ``10.0.0.5``; networks stay as given."""
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return value  # RouterOS 7 also accepts DNS names here
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return value


def queue_target(value: str) -> str:
    """Simple-queue style: every bare address in a comma list gets its host prefix (``/32``)."""
    parts = []
    for part in value.split(","):
        part = part.strip()
        try:
            network = ipaddress.ip_network(part, strict=False)
        except ValueError:
            parts.append(part)  # interface name
            continue
        parts.append(part if "/" in part else f"{part}/{network.max_prefixlen}")
    return ",".join(parts)


def rate_pair(key: str) -> Normalizer:
    """``10M/5M`` → ``10000000/5000000`` and ``2M`` → ``2000000/2000000``, like RouterOS prints."""

    def normalize(value: str) -> str:
        sides = value.split("/")
        if len(sides) == 1:
            sides = sides * 2
        if len(sides) != 2:
            raise RouterOSTrap(f"invalid value for argument {key}")
        numbers = []
        for side in sides:
            match = _RATE.match(side.strip())
            if match is None:
                raise RouterOSTrap(f"invalid value for argument {key}")
            numbers.append(str(int(float(match[1]) * _RATE_MULTIPLIER[match[2]])))
        return "/".join(numbers)

    return normalize


def now_stamp() -> str:
    """Timestamp in the RouterOS 7 format used by e.g. address-list ``creation-time``."""
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class TableSpec:
    """How one RouterOS menu behaves.  Register extra menus with ``RouterEmulator.register``."""

    path: str
    commands: frozenset[str] = CRUD
    #: Properties every new row gets (in print order); callables are evaluated per row.
    defaults: Mapping[str, Default] = field(default_factory=dict)
    #: Properties whose combined value must be unique (e.g. ``("list", "address")``).
    unique: tuple[str, ...] = ()
    duplicate_message: str = DUP_ENTRY
    required: tuple[str, ...] = ()
    normalizers: Mapping[str, Normalizer] = field(default_factory=dict)
    #: When set and ``name`` is omitted on add, rows are named ``<auto_name>1``, ``<auto_name>2``…
    auto_name: str | None = None
    #: A menu with exactly one row and no ``.id`` (``/system/identity``).
    singleton: bool = False
    seed: tuple[Mapping[str, str], ...] = ()


class Table:
    """The rows of one menu, in print order, with RouterOS's id and uniqueness rules."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self._rows: dict[str, Row] = {}
        self._unique: dict[tuple[str, ...], str] = {}
        self._next_id = 1
        for seed in spec.seed:
            self.add(seed)

    # -- reading ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._rows)

    def rows(self) -> list[Row]:
        """The live row dicts, in order (callers outside this module should copy them)."""
        return list(self._rows.values())

    def get(self, ref: str) -> Row | None:
        return self._rows.get(canonical_id(ref))

    def resolve(self, refs: str) -> list[str]:
        """Turn an ``.id``/``numbers`` value (comma list of ids or names) into row ids."""
        ids: list[str] = []
        for ref in refs.split(","):
            ref = ref.strip()
            if not ref:
                continue
            rid = canonical_id(ref)
            if rid in self._rows:
                ids.append(rid)
                continue
            by_name = self._find_name(ref)
            if by_name is None:
                raise RouterOSTrap(NO_SUCH_ITEM)
            ids.append(by_name)
        return ids

    def _find_name(self, name: str) -> str | None:
        if self.spec.unique == ("name",):
            return self._unique.get((name,))
        return next((k for k, row in self._rows.items() if row.get("name") == name), None)

    def target_ids(self, attrs: Mapping[str, str]) -> list[str]:
        refs = attrs.get(".id", attrs.get("numbers"))
        if refs is None:
            if self.spec.singleton:
                return list(self._rows)
            raise RouterOSTrap("missing value(s) of argument(s) numbers")
        ids = self.resolve(refs)
        if not ids:
            raise RouterOSTrap(NO_SUCH_ITEM)
        return ids

    def normalize_value(self, key: str, value: str) -> str:
        if key == ".id":
            return canonical_id(value)
        if key in BOOLEAN_PROPERTIES:
            return normalize_bool(key, value)
        normalizer = self.spec.normalizers.get(key)
        return normalizer(value) if normalizer is not None else value

    def normalize(self, props: Mapping[str, str]) -> Row:
        return {key: self.normalize_value(key, str(value)) for key, value in props.items()}

    # -- writing ---------------------------------------------------------------------------

    def _key(self, row: Mapping[str, str]) -> tuple[str, ...]:
        return tuple(row.get(name, "") for name in self.spec.unique)

    def _new_id(self, requested: str | None) -> str:
        if requested is not None:
            rid = canonical_id(requested)
            if rid in self._rows:
                raise RouterOSTrap(f"failure: item {rid} already exists")
            try:
                number = int(rid[1:], 16)
            except ValueError:
                return rid
            if number < 0x10000000:
                self._next_id = max(self._next_id, number + 1)
            return rid
        while (rid := f"*{self._next_id:X}") in self._rows:
            self._next_id += 1
        self._next_id += 1
        return rid

    def _auto_name(self, prefix: str) -> str:
        n = len(self._rows) + 1
        while self._find_name(f"{prefix}{n}") is not None:
            n += 1
        return f"{prefix}{n}"

    def add(self, props: Mapping[str, str]) -> str:
        values = self.normalize(props)
        requested_id = values.pop(".id", None)
        place_before = values.pop("place-before", None)
        if self.spec.auto_name and not values.get("name"):
            values["name"] = self._auto_name(self.spec.auto_name)
        missing = [name for name in self.spec.required if not values.get(name)]
        if missing:
            raise RouterOSTrap(f"missing value(s) of argument(s) {', '.join(missing)}")
        before = self.resolve(place_before)[0] if place_before else None

        row: Row = {} if self.spec.singleton else {".id": ""}
        for name, default in self.spec.defaults.items():
            if name in values:
                row[name] = values.pop(name)
            else:
                row[name] = default() if callable(default) else default
        row.update(values)
        key = self._key(row)
        if self.spec.unique and key in self._unique:
            raise RouterOSTrap(self.spec.duplicate_message)

        rid = self._new_id(requested_id)
        if not self.spec.singleton:
            row[".id"] = rid
        self._rows[rid] = row
        if self.spec.unique:
            self._unique[key] = rid
        if before is not None:
            self.move([rid], before)
        return rid

    def update(self, ids: Sequence[str], props: Mapping[str, str]) -> None:
        values = self.normalize({k: v for k, v in props.items() if k != "numbers" and not k.startswith(".")})
        if self.spec.unique and any(name in values for name in self.spec.unique):
            new_keys: dict[str, tuple[str, ...]] = {}
            for rid in ids:
                key = self._key({**self._rows[rid], **values})
                owner = self._unique.get(key)
                if (owner is not None and owner != rid) or key in new_keys.values():
                    raise RouterOSTrap(self.spec.duplicate_message)
                new_keys[rid] = key
            for rid, key in new_keys.items():
                del self._unique[self._key(self._rows[rid])]
                self._unique[key] = rid
        for rid in ids:
            self._rows[rid].update(values)

    def unset(self, ids: Sequence[str], names: Iterable[str]) -> None:
        for rid in ids:
            row = self._rows[rid]
            for name in names:
                if name in self.spec.unique or name in self.spec.required:
                    raise RouterOSTrap(f"failure: can not unset {name}")
                row.pop(name, None)

    def remove(self, ids: Sequence[str]) -> None:
        for rid in ids:
            row = self._rows.pop(rid, None)
            if row is not None and self.spec.unique:
                self._unique.pop(self._key(row), None)

    def move(self, ids: Sequence[str], destination: str | None) -> None:
        """Move rows (in the given order) before ``destination``, or to the end."""
        moving = [rid for rid in ids if rid != destination]
        rest = [rid for rid in self._rows if rid not in moving]
        position = rest.index(destination) if destination is not None else len(rest)
        order = rest[:position] + moving + rest[position:]
        self._rows = {rid: self._rows[rid] for rid in order}

    def clear(self) -> None:
        self._rows.clear()
        self._unique.clear()

    # -- the API commands ------------------------------------------------------------------

    def execute(self, command: str, attrs: Mapping[str, str], queries: Sequence[str]) -> Reply:
        """Run one API command on this table; raises :class:`RouterOSTrap` on failure."""
        if command in ("print", "getall"):
            return self._print(attrs, queries)
        if command in ("add", "set"):
            _check_parameter_names(attrs)
        if command == "add":
            props = {k: v for k, v in attrs.items() if not k.startswith(".")}
            return [], {"ret": self.add(props)}
        if command == "set":
            self.update(self.target_ids(attrs), attrs)
        elif command == "remove":
            self.remove(self.target_ids(attrs))
        elif command in ("enable", "disable"):
            self.update(self.target_ids(attrs), {"disabled": str(command == "disable")})
        elif command == "unset":
            self.unset(self.target_ids(attrs), attrs.get("value-name", "").split(","))
        elif command == "make-static":
            self.update(self.target_ids(attrs), {"dynamic": "false"})
        elif command == "move":
            destination = attrs.get("destination")
            dest_id = self.resolve(destination)[0] if destination else None
            self.move(self.target_ids(attrs), dest_id)
        else:
            raise RouterOSTrap(NO_SUCH_COMMAND)
        return [], {}

    def _print(self, attrs: Mapping[str, str], queries: Sequence[str]) -> Reply:
        rows: Iterable[Row] = self._rows.values()
        if queries:
            matches = compile_query(queries, self.normalize_value)
            rows = [row for row in rows if matches(row)]
        if "count-only" in attrs:
            return [], {"ret": str(sum(1 for _ in rows))}
        proplist = attrs.get(".proplist")
        if proplist is None:
            return list(rows), {}
        keys = [key for key in proplist.split(",") if key]
        return [{key: row[key] for key in keys if key in row} for row in rows], {}


def _check_parameter_names(attrs: Mapping[str, str]) -> None:
    """RouterOS property names never contain ``_``: such a name is a Python keyword argument
    that was not spelled the RouterOS way (``max_limit`` instead of ``max-limit``)."""
    for key in attrs:
        if "_" in key:
            raise RouterOSTrap(f"unknown parameter {key}")


#: Result of a command: rows to send as ``!re`` and the attributes of the final ``!done``.
Reply = tuple[list[Row], dict[str, str]]
