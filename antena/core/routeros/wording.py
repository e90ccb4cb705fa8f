"""Staff read what a router did in their language: the adapter reports in plain English phrases
from a small vocabulary, and this module translates those phrases (unknown text passes through)."""

from __future__ import annotations

import re
from collections.abc import Callable

from antena.core.i18n import N_, _

NOUNS = {
    "PPP secret": N_("PPP secret"),
    "Hotspot user": N_("Hotspot user"),
    "queue": N_("queue"),
    "PCQ entry": N_("PCQ entry"),
    "PPP": N_("PPP"),
    "Hotspot": N_("Hotspot"),
}
FIELDS = {
    "name": N_("name"),
    "password": N_("password"),
    "ip": N_("IP"),
    "profile": N_("profile"),
    "rate": N_("rate"),
    "target": N_("target"),
    "local_address": N_("local address"),
    "mac": N_("MAC"),
    "comment": N_("comment"),
    "service": N_("service"),
    "server": N_("server"),
}
_NOUN = "(?P<noun>PPP secret|Hotspot user|queue|PCQ entry)"


def _noun(m: re.Match[str]) -> str:
    return _(NOUNS.get(m["noun"], m["noun"]))


def _fields(text: str) -> str:
    return ", ".join(_(FIELDS.get(f.strip(), f.strip())) for f in text.split(","))


PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(rf"^{_NOUN} (?P<name>.+) is not on the router$"),
        lambda m: _("{noun} {name} is not on the router").format(noun=_noun(m), name=m["name"]),
    ),
    (
        re.compile(rf"^{_NOUN} (?P<name>.+) differs: (?P<fields>.+)$"),
        lambda m: _("{noun} {name} differs: {fields}").format(
            noun=_noun(m), name=m["name"], fields=_fields(m["fields"])
        ),
    ),
    (
        re.compile(rf"^duplicate {_NOUN} (?P<name>.+)$"),
        lambda m: _("duplicate {noun} {name}").format(noun=_noun(m), name=m["name"]),
    ),
    (
        re.compile(rf"^{_NOUN} (?P<name>.+) is not expected on this router$"),
        lambda m: _("{noun} {name} is not expected on this router").format(noun=_noun(m), name=m["name"]),
    ),
    (
        re.compile(r"^(?P<name>.+?) should be suspended: (?P<detail>.+)$"),
        lambda m: _("{name} should be suspended: {detail}").format(
            name=m["name"], detail=translate(m["detail"])
        ),
    ),
    (
        re.compile(r"^(?P<name>.+?) should not be suspended \(in (?P<list>[^)]+)\): (?P<detail>.+)$"),
        lambda m: _("{name} should not be suspended (in {list}): {detail}").format(
            name=m["name"], list=m["list"], detail=translate(m["detail"])
        ),
    ),
    (
        re.compile(r"^(?P<addr>\S+) in (?P<list>\S+) belongs to no expected client$"),
        lambda m: _("{addr} in {list} belongs to no expected client").format(addr=m["addr"], list=m["list"]),
    ),
    (re.compile(r"^removed from (?P<path>\S+)$"), lambda m: _("removed from {path}").format(path=m["path"])),
    (re.compile(r"^already applied$"), lambda m: _("already applied")),
    (
        re.compile(r"^old (?P<ip>\S+) removed from (?P<list>\S+)$"),
        lambda m: _("old {ip} removed from {list}").format(ip=m["ip"], list=m["list"]),
    ),
    (
        re.compile(r"^(?P<what>.+) removed from (?P<list>\S+)$"),
        lambda m: _("{what} removed from {list}").format(what=m["what"], list=m["list"]),
    ),
    (
        re.compile(rf"^{_NOUN} (?P<name>.+) updated \((?P<fields>.+)\)$"),
        lambda m: _("{noun} {name} updated ({fields})").format(
            noun=_noun(m), name=m["name"], fields=_fields(m["fields"])
        ),
    ),
    (
        re.compile(rf"^{_NOUN} (?P<name>.+) created$"),
        lambda m: _("{noun} {name} created").format(noun=_noun(m), name=m["name"]),
    ),
    (
        re.compile(rf"^{_NOUN} (?P<name>.+) already absent$"),
        lambda m: _("{noun} {name} already absent").format(noun=_noun(m), name=m["name"]),
    ),
    (
        re.compile(rf"^{_NOUN} (?P<name>.+) removed$"),
        lambda m: _("{noun} {name} removed").format(noun=_noun(m), name=m["name"]),
    ),
    (
        re.compile(rf"^{_NOUN} (?P<name>.+) disabled$"),
        lambda m: _("{noun} {name} disabled").format(noun=_noun(m), name=m["name"]),
    ),
    (
        re.compile(rf"^{_NOUN} (?P<name>.+) enabled$"),
        lambda m: _("{noun} {name} enabled").format(noun=_noun(m), name=m["name"]),
    ),
    (
        re.compile(r"^(?P<noun>PPP|Hotspot) session dropped$"),
        lambda m: _("{noun} session dropped").format(noun=_noun(m)),
    ),
    (
        re.compile(r"^(?P<n>\d+) (?P<noun>PPP|Hotspot) sessions dropped$"),
        lambda m: _("{n} {noun} sessions dropped").format(n=m["n"], noun=_noun(m)),
    ),
    (
        re.compile(r"^(?P<n>\d+) duplicate\(s\) removed$"),
        lambda m: _("{n} duplicate(s) removed").format(n=m["n"]),
    ),
    (
        re.compile(r"^not attempted: (?P<reason>.+)$"),
        lambda m: _("not attempted: {reason}").format(reason=translate(m["reason"])),
    ),
    (re.compile(r"^timeout after (?P<s>[\d.]+) s$"), lambda m: _("timeout after {s} s").format(s=m["s"])),
    (re.compile(r"^connection refused$"), lambda m: _("connection refused")),
    (re.compile(r"^connection lost$"), lambda m: _("connection lost")),
    (re.compile(r"^connection closed by the router$"), lambda m: _("connection closed by the router")),
    (re.compile(r"^unknown host$"), lambda m: _("unknown host")),
    (re.compile(r"^login failed: (?P<why>.+)$"), lambda m: _("login failed: {why}").format(why=m["why"])),
    (re.compile(r"^network error: (?P<why>.+)$"), lambda m: _("network error: {why}").format(why=m["why"])),
]


# Details whose own text holds commas ("differs: name, ip") are matched whole, before splitting.
WHOLE = [
    entry
    for entry in PATTERNS
    if any(key in entry[0].pattern for key in ("differs:", "should be suspended", "should not be suspended"))
]


def _split(detail: str) -> list[str]:
    """Split "a, b (x, y), c" on the commas that are not inside parentheses."""
    parts, depth, current = [], 0, []
    for ch in detail:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if ch == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(ch)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _render(text: str, patterns: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]]) -> str | None:
    for pattern, render in patterns:
        m = pattern.match(text)
        if m:
            return render(m)
    return None


def translate(detail: str) -> str:
    """The detail in the current language, phrase by phrase."""
    whole = _render(detail or "", WHOLE)
    if whole is not None:
        return whole
    out = []
    for part in _split(detail or ""):
        rendered = _render(part, PATTERNS)
        out.append(part if rendered is None else rendered)
    return ", ".join(out)


def login_refused_line(router: str) -> str:
    """How a router task waiting on a refused login stands out in ``/tareas`` and ``tasks list``."""
    return _(
        "{router} refused the user name or password: fix it with `antena router edit {router} --password …`"
    ).format(router=router)
