"""The firewall rules that make the suspend list bite, installed idempotently.

A suspended client keeps DNS and the portal, loses everything else, and any web page it opens
lands on the portal's "service suspended" page. Each rule carries the comment
``antena:block-<name>``, so installing twice finds them again instead of stacking copies, and a
rule someone edited or disabled is put back the way it must be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from antena.core.routeros.client import RouterConnection
from antena.core.routeros.ops import COMMENT_PREFIX
from antena.core.routeros.services import is_true

FILTER = "/ip/firewall/filter"
NAT = "/ip/firewall/nat"
BLOCK_PREFIX = f"{COMMENT_PREFIX}block-"


@dataclass(frozen=True)
class Rule:
    path: str
    comment: str
    props: Mapping[str, str]


def block_rules(
    suspend_list: str, portal_address: str, portal_port: int = 80, *, web_port: int = 80
) -> list[Rule]:
    """The rules, in the order they must sit: accepts before the drop."""
    src = {"src-address-list": suspend_list}
    forward = {"chain": "forward", **src}
    return [
        Rule(
            FILTER,
            f"{BLOCK_PREFIX}dns-udp",
            {**forward, "protocol": "udp", "dst-port": "53", "action": "accept"},
        ),
        Rule(
            FILTER,
            f"{BLOCK_PREFIX}dns-tcp",
            {**forward, "protocol": "tcp", "dst-port": "53", "action": "accept"},
        ),
        Rule(
            FILTER,
            f"{BLOCK_PREFIX}portal",
            {
                **forward,
                "dst-address": portal_address,
                "protocol": "tcp",
                "dst-port": str(portal_port),
                "action": "accept",
            },
        ),
        Rule(FILTER, f"{BLOCK_PREFIX}drop", {**forward, "action": "drop"}),
        Rule(
            NAT,
            f"{BLOCK_PREFIX}portal-redirect",
            {
                "chain": "dstnat",
                **src,
                "protocol": "tcp",
                "dst-port": str(web_port),
                "action": "dst-nat",
                "to-addresses": portal_address,
                "to-ports": str(portal_port),
            },
        ),
    ]


@dataclass
class RulesReport:
    """Comments of the rules added, corrected and found as they should be."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)


async def install_block_rules(
    conn: RouterConnection,
    suspend_list: str,
    portal_address: str,
    portal_port: int = 80,
    *,
    web_port: int = 80,
) -> RulesReport:
    """Add the missing rules (before the chain's existing rules, so they take effect), fix the
    ones that differ, leave the rest; one ``print`` per table."""
    report = RulesReport()
    rules = block_rules(suspend_list, portal_address, portal_port, web_port=web_port)
    for path in (FILTER, NAT):
        wanted = [rule for rule in rules if rule.path == path]
        rows = await conn.print(path)
        ours = {row["comment"]: row for row in rows if row.get("comment", "").startswith(BLOCK_PREFIX)}
        chain = wanted[0].props["chain"]
        foreign = next(
            (row[".id"] for row in rows if row.get("chain") == chain and row not in ours.values()), None
        )
        for rule in wanted:
            row = ours.get(rule.comment)
            if row is None:
                placement = {"place-before": foreign} if foreign else {}
                await conn.add(path, **rule.props, comment=rule.comment, **placement)
                report.added.append(rule.comment)
                continue
            changes = {key: value for key, value in rule.props.items() if row.get(key, "") != value}
            if is_true(row.get("disabled")):
                changes["disabled"] = "no"
            if changes:
                await conn.set(path, row[".id"], **changes)
                report.updated.append(rule.comment)
            else:
                report.present.append(rule.comment)
    return report
