"""The menus a fresh emulated router has: which paths exist, their defaults, unique keys,
required fields and value normalisers, as RouterOS 7 has them.

Data for :mod:`antena.core.routeros.emulator_tables`; kept apart because it grows with every
menu the product learns to use, while the table machinery does not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from antena.core.routeros.emulator_tables import (
    CRUD,
    DUP_ENTRY,
    DUP_INTERFACE,
    DUP_NAME,
    READ_ONLY,
    READ_REMOVE,
    SINGLETON_RW,
    Default,
    TableSpec,
    host_address,
    now_stamp,
    queue_target,
    rate_pair,
)


def _defaults(
    spec: str, flags: bool = True, computed: Mapping[str, Callable[[], str]] | None = None
) -> dict[str, Default]:
    """``"name= service=any"`` → ``{"name": "", "service": "any"}`` (+ ``dynamic``/``disabled``
    = ``false`` when ``flags``); ``computed`` values are evaluated for every new row."""
    values: dict[str, Default] = {}
    for pair in spec.split():
        name, _, value = pair.partition("=")
        values[name] = value
    values.update(computed or {})
    if flags:
        values.update({"dynamic": "false", "disabled": "false"})
    return values


_FIREWALL = _defaults("chain= action=accept bytes=0 packets=0 invalid=false")
_NAMED = ("name",)
_QUEUE_TYPES = (
    "default=pfifo ethernet-default=pfifo wireless-default=sfq synchronous-default=red "
    "hotspot-default=sfq pcq-upload-default=pcq pcq-download-default=pcq "
    "only-hardware-queue=none multi-queue-ethernet-default=mq-pfifo default-small=pfifo"
)
_RATES = ("limit-at", "max-limit", "burst-limit", "burst-threshold")


def default_specs(identity: str = "MikroTik") -> list[TableSpec]:
    """The menus every emulator starts with, seeded like a freshly reset RouterOS 7."""
    queue_types = tuple(
        {"name": name, "kind": kind, "default": "true"}
        for name, kind in (pair.split("=") for pair in _QUEUE_TYPES.split())
    )
    return [
        TableSpec(
            "/ppp/secret",
            defaults=_defaults(
                "name= service=any caller-id= password= profile=default routes= "
                "limit-bytes-in=0 limit-bytes-out=0"
            ),
            unique=_NAMED,
            duplicate_message="failure: secret with the same name already exists",
            required=_NAMED,
        ),
        TableSpec(
            "/ppp/active",
            commands=READ_REMOVE,
            defaults=_defaults(
                "name= service=pppoe caller-id= address= uptime=0s encoding= "
                "session-id=0x81000001 limit-bytes-in=0 limit-bytes-out=0 radius=false",
                flags=False,
            ),
        ),
        TableSpec(
            "/ppp/profile",
            defaults=_defaults(
                "name= use-mpls=default use-compression=default use-encryption=default "
                "only-one=default change-tcp-mss=default use-upnp=default default=false",
                flags=False,
            ),
            unique=_NAMED,
            duplicate_message="failure: profile with the same name already exists",
            required=_NAMED,
            seed=(
                {".id": "*0", "name": "default", "default": "true"},
                {
                    ".id": "*FFFFFFFE",
                    "name": "default-encryption",
                    "use-encryption": "yes",
                    "default": "true",
                },
            ),
        ),
        TableSpec(
            "/ip/hotspot/user",
            defaults=_defaults(
                "server=all name= password= profile=default uptime=0s bytes-in=0 bytes-out=0 "
                "packets-in=0 packets-out=0"
            ),
            unique=_NAMED,
            duplicate_message="failure: already have user with this name for this server",
            required=_NAMED,
        ),
        TableSpec(
            "/ip/hotspot/active",
            commands=READ_REMOVE,
            defaults=_defaults(
                "server=hotspot1 user= domain= address= mac-address= login-by=http-chap "
                "uptime=0s idle-time=0s keepalive-timeout=2m bytes-in=0 bytes-out=0 "
                "packets-in=0 packets-out=0 radius=false",
                flags=False,
            ),
        ),
        TableSpec(
            "/ip/hotspot/user/profile",
            defaults=_defaults(
                "name= idle-timeout=none keepalive-timeout=2m status-autorefresh=1m "
                "shared-users=1 add-mac-cookie=true mac-cookie-timeout=3d default=false",
                flags=False,
            ),
            unique=_NAMED,
            duplicate_message=DUP_NAME,
            required=_NAMED,
            seed=({".id": "*0", "name": "default", "default": "true"},),
        ),
        TableSpec(
            "/queue/simple",
            defaults=_defaults(
                "name= target= parent=none packet-marks= priority=8/8 "
                "queue=default-small/default-small limit-at=0/0 max-limit=0/0 burst-limit=0/0 "
                "burst-threshold=0/0 burst-time=0s/0s bucket-size=0.1/0.1 bytes=0/0 "
                "packets=0/0 invalid=false"
            ),
            unique=_NAMED,
            duplicate_message=DUP_NAME,
            required=("target",),
            normalizers={"target": queue_target, **{key: rate_pair(key) for key in _RATES}},
            auto_name="queue",
        ),
        TableSpec(
            "/queue/tree",
            defaults=_defaults(
                "name= parent= packet-mark= limit-at=0 queue=default-small priority=8 max-limit=0 "
                "burst-limit=0 burst-threshold=0 burst-time=0s bucket-size=0.1 invalid=false"
            ),
            unique=_NAMED,
            duplicate_message=DUP_NAME,
            required=("name", "parent"),
        ),
        TableSpec(
            "/queue/type",
            defaults=_defaults("name= kind=pfifo default=false", flags=False),
            unique=_NAMED,
            duplicate_message=DUP_NAME,
            required=("name", "kind"),
            seed=queue_types,
        ),
        TableSpec(
            "/ip/firewall/address-list",
            defaults=_defaults("list= address=", computed={"creation-time": now_stamp}),
            unique=("list", "address"),
            duplicate_message=DUP_ENTRY,
            required=("list", "address"),
            normalizers={"address": host_address},
        ),
        TableSpec("/ip/firewall/filter", CRUD | {"move"}, defaults=_FIREWALL, required=("chain",)),
        TableSpec("/ip/firewall/nat", CRUD | {"move"}, defaults=_FIREWALL, required=("chain",)),
        TableSpec("/ip/firewall/mangle", CRUD | {"move"}, defaults=_FIREWALL, required=("chain",)),
        TableSpec(
            "/ip/arp",
            CRUD | {"make-static"},
            defaults=_defaults(
                "address= mac-address= interface= published=false invalid=false DHCP=false complete=true"
            ),
            required=("address", "interface"),
        ),
        TableSpec(
            "/interface/wireless",
            defaults=_defaults(
                "name= mtu=1500 l2mtu=1600 mac-address= arp=enabled mode=ap-bridge "
                "ssid=MikroTik frequency=auto band=2ghz-b/g/n channel-width=20mhz "
                "security-profile=default running=false"
            ),
            unique=_NAMED,
            duplicate_message=DUP_INTERFACE,
            auto_name="wlan",
        ),
        TableSpec(
            "/interface/wireless/security-profiles",
            defaults=_defaults(
                "name= mode=none authentication-types= unicast-ciphers= group-ciphers= "
                "wpa-pre-shared-key= wpa2-pre-shared-key= supplicant-identity=MikroTik "
                "default=false",
                flags=False,
            ),
            unique=_NAMED,
            duplicate_message=DUP_NAME,
            required=_NAMED,
            seed=({".id": "*0", "name": "default", "default": "true"},),
        ),
        TableSpec(
            "/interface/wifi",
            defaults=_defaults("name= mtu=1500 l2mtu=1560 mac-address= arp=enabled running=false"),
            unique=_NAMED,
            duplicate_message=DUP_INTERFACE,
            auto_name="wifi",
        ),
        TableSpec("/system/identity", SINGLETON_RW, singleton=True, seed=({"name": identity},)),
        TableSpec("/system/resource", READ_ONLY, singleton=True, seed=({},)),
    ]
