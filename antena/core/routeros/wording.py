"""Staff read what a router did in their language: the adapter reports notes (codes with parameters,
``antena.core.notes``) and this module renders them with the catalog where they are shown:
``clients.outcome.describe``, ``/tareas``, ``antena tasks list``, ``antena router drift``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from antena.core.i18n import N_, gettext, ngettext
from antena.core.notes import MORE, TEXT, Note, as_note, stored_notes

NOUNS = {
    "ppp_secret": N_("PPP secret"),
    "hotspot_user": N_("Hotspot user"),
    "queue": N_("queue"),
    "pcq_entry": N_("PCQ entry"),
    "ppp_profile": N_("PPP profile"),
    "hotspot_profile": N_("Hotspot user profile"),
    "queue_type": N_("queue type"),
    "mangle_rule": N_("mangle rule"),
    "queue_tree": N_("queue tree"),
    "address_list": N_("address-list entry"),
    "plan": N_("plan"),
    "ppp": N_("PPP"),
    "hotspot": N_("Hotspot"),
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
#: What drift calls each kind of finding.
DRIFT_KINDS = {
    "missing": N_("missing"),
    "extra": N_("extra"),
    "different": N_("different"),
    "suspension": N_("suspension"),
}
#: Router task kinds (``OpKind``) as staff read them in ``/tareas`` and ``antena tasks list``.
TASK_KINDS = {
    "upsert_service": N_("create or update service"),
    "remove_service": N_("remove service"),
    "suspend": N_("suspend"),
    "activate": N_("activate"),
    "upsert_plan": N_("create or update plan"),
    "remove_plan": N_("remove plan"),
}

#: code → message id; ``{noun}`` and ``{fields}`` are rendered from their codes, ``{reason}``,
#: ``{detail}`` and ``{problems}`` from the notes they carry.
MESSAGES = {
    "listed": N_("{ip} → {list}"),
    "old_unlisted": N_("old {ip} removed from {list}"),
    "unlisted": N_("{ip} removed from {list}"),
    "disabled": N_("{noun} {name} disabled"),
    "enabled": N_("{noun} {name} enabled"),
    "already_applied": N_("already applied"),
    "created": N_("{noun} {name} created"),
    "updated": N_("{noun} {name} updated ({fields})"),
    "already_absent": N_("{noun} {name} already absent"),
    "removed": N_("{noun} {name} removed"),
    "removed_from": N_("removed from {path}"),
    "queued": N_("queued"),
    "not_attempted": N_("not attempted: {reason}"),
    "internal_error": N_("internal error: {text}"),
    "timeout": N_("timeout after {s} s"),
    "connection_refused": N_("connection refused"),
    "unknown_host": N_("unknown host"),
    "tls_error": N_("TLS error: {text}"),
    "session_closed": N_("router closed the session: {text}"),
    "connection_closed": N_("connection closed by the router"),
    "connection_lost": N_("connection lost"),
    "network_error": N_("network error: {why}"),
    "protocol_error": N_("protocol error: {text}"),
    "no_cancel_answer": N_("no answer to /cancel within {s} s"),
    "login_failed": N_("login failed: {why}"),
    "login_refused": N_("{router} refused the user name or password (login: {detail})"),
    "did_not_answer": N_("{router} did not answer: {reason}"),
    "stopped_answering": N_("{router} stopped answering: {reason}"),
    "no_ip": N_("cannot suspend {noun} {name}: the service has no IP address"),
    "nothing_to_suspend": N_("cannot suspend {noun} {name}: no IP address and no {noun} on the router"),
    "no_plan": N_("{kind} without a plan"),
    "service_needs": N_("a {type} service needs {fields}"),
    "unknown_service_type": N_("unknown service type {type}"),
    "plan_object_taken": N_("{noun} {name} already exists and is not this plan's"),
    "missing_profile": N_("the router has no profile {profile}"),
    "no_wireless": N_("no wireless interface on the device"),
    "no_security_profile": N_("the wireless security profile was not found on the device"),
    "not_on_router": N_("{noun} {name} is not on the router"),
    "differs": N_("{noun} {name} differs: {fields}"),
    "duplicate": N_("duplicate {noun} {name}"),
    "not_expected": N_("{noun} {name} ({comment}) is not expected on this router"),
    "should_be_suspended": N_("{name} should be suspended: {detail}"),
    "should_not_be_suspended": N_("{name} should not be suspended (in {list}): {detail}"),
    "orphan_suspension": N_("{ip} in {list} belongs to no expected client"),
    "plan_drift": N_("plan {name}: {problems}"),
    "object_missing": N_("{noun} {name} missing"),
    "object_differs": N_("{noun} {name} differs ({fields})"),
    "object_duplicated": N_("{noun} {name} duplicated"),
    "orphan_plan_object": N_("{noun} {name} ({comment}) belongs to no plan"),
}


PLURALS = frozenset({"sessions_dropped", "duplicates_removed", "gave_up", MORE})


def _counted(code: str, params: Mapping[str, Any], lang: str | None) -> str:
    """Notes whose words depend on a count ``n`` (Babel's plural forms)."""
    n = int(params.get("n") or 0)
    if code == "sessions_dropped":
        message = ngettext("{noun} session dropped", "{n} {noun} sessions dropped", n, lang)
    elif code == "duplicates_removed":
        message = ngettext("{n} duplicate removed", "{n} duplicates removed", n, lang)
    elif code == "gave_up":
        message = ngettext(
            "gave up after {n} attempt: {reason}", "gave up after {n} attempts: {reason}", n, lang
        )
    else:
        message = ngettext("and {n} more", "and {n} more", n, lang)
    return message.format_map(_Params(params, lang, n=n))


class _Params(dict[str, Any]):
    """A note's parameters as ``str.format_map`` sees them: nouns, fields and nested notes rendered."""

    def __init__(self, params: Mapping[str, Any], lang: str | None, **extra: Any) -> None:
        super().__init__({**params, **extra})
        self.lang = lang

    def __getitem__(self, key: str) -> Any:
        value = super().get(key, "?")
        if key == "noun":
            return gettext(NOUNS[value], self.lang) if value in NOUNS else value
        if key == "fields":
            return fields(value, self.lang)
        if key in ("reason", "detail", "problems"):
            joiner = "; " if key == "problems" else ", "
            return render_all(value if isinstance(value, list) else [value], self.lang, joiner)
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return value


def fields(value: Any, lang: str | None = None) -> str:
    """``["profile", "ip"]`` → "profile, IP" (RouterOS property names stay as they are)."""
    names = value if isinstance(value, list | tuple) else [value]
    return ", ".join(gettext(FIELDS[str(f)], lang) if str(f) in FIELDS else str(f) for f in names)


def render(item: Note | Mapping[str, Any] | str | None, lang: str | None = None) -> str:
    """One note in the current language (or ``lang``); an unknown code shows its parameters."""
    found = as_note(item)
    if found is None:
        return "" if item is None else str(item)
    code, params = found.code, found.params
    if code == TEXT:
        return str(params.get("text", ""))
    if code in PLURALS:
        return _counted(code, params, lang)
    if code == "not_attempted" and not params.get("reason"):
        return gettext("not attempted", lang)
    if code in MESSAGES:
        return gettext(MESSAGES[code], lang).format_map(_Params(params, lang))
    return code + (" " + ", ".join(f"{k}={v}" for k, v in params.items()) if params else "")


def render_all(notes: Iterable[Note | Mapping[str, Any] | str | None], lang: str | None = None,
               joiner: str = ", ") -> str:  # fmt: skip
    """Several notes, joined; empty notes are left out."""
    return joiner.join(part for part in (render(n, lang) for n in notes) if part)


def stored(text: str | None, lang: str | None = None) -> str:
    """A ``router_tasks.result``/``last_error`` column in words: notes rendered, old text as it is."""
    return render_all(stored_notes(text), lang)


def drift_kind(kind: str) -> str:
    return gettext(DRIFT_KINDS[kind]) if kind in DRIFT_KINDS else kind


def task_kind(kind: str) -> str:
    return gettext(TASK_KINDS[kind]) if kind in TASK_KINDS else kind


def login_refused_line(router: str) -> str:
    """How a router task waiting on a refused login stands out in ``/tareas`` and ``tasks list``."""
    return gettext(
        "{router} refused the user name or password: fix it with `antena router edit {router} --password …`"
    ).format(router=router)
