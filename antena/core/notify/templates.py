"""Customer message templates: ``templates/sms/<event>.<lang>.txt`` (Jinja2, ``StrictUndefined``).

An operator overrides one by putting a file of the same name in ``ANTENA_DATA_DIR/templates/sms/``.
Every template is checked when it is loaded: a tag outside the event's tags (``{{ emprsa }}``) is
refused naming the file and the tag, so a typo never turns into a blank in a customer's SMS.
WhatsApp business-initiated messages need an approved Content template: its SID comes from a
``<event>.<lang>.whatsapp_sid`` file next to the template or from ``ANTENA_TWILIO_WHATSAPP_TEMPLATES``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.utils import concat

from antena.core.config import Settings
from antena.core.errors import InvalidInput
from antena.core.i18n import LANGUAGES, _
from antena.core.notify import segments

_PKG = Path(__file__).resolve().parent.parent.parent

COMMON = frozenset({"empresa", "cliente", "url_autologin"})
INVOICE = frozenset({"factura", "total", "saldo", "fecha_pago", "fecha_corte", "plan"})
ALLOWED = COMMON | INVOICE
# Online payments (core/payments): empty for a client without references or a portal that takes none.
PAY = frozenset({"referencia_oxxo", "clabe", "url_pago"})
REMINDER = ALLOWED | PAY
_NO_PAY = dict.fromkeys(PAY, "")

# What each event knows: the tags its template may use.
EVENT_TAGS: dict[str, frozenset[str]] = {
    "invoice_issued": REMINDER,
    "notice_reminder": REMINDER,
    "due_today": REMINDER,
    "cutoff_warning": REMINDER,
    "suspended": COMMON | {"saldo", "plan"},
    "service_suspended": COMMON | {"plan"},
    "reactivated": COMMON | {"saldo", "plan"},
    "payment_received": COMMON | {"total", "saldo"},
    "promise_registered": COMMON | {"saldo", "fecha_pago", "fecha_corte"},
    "welcome": COMMON | {"plan"},
    "portal_link": COMMON,
    "wifi_changed": COMMON | {"ssid"},
    "report_rejected": COMMON | {"reporte", "motivo"},
    # contracts, installations and tickets (core/notify/fieldwork.py)
    "contract_link": COMMON | {"contrato", "url_contrato"},
    "contract_signed": COMMON | {"contrato"},
    "installation_done": COMMON | {"plan", "factura", "total", "fecha_pago"},
    "ticket_answered": COMMON | {"ticket", "respuesta"},
    "ticket_closed": COMMON | {"ticket"},
}
EVENTS = tuple(EVENT_TAGS)


class TemplateProblem(InvalidInput):
    """A template that cannot be used: unknown tag, syntax error, missing file."""


def templates_dir() -> Path:
    """Packaged copy in a wheel (``antena/_templates``), the repository's ``templates/`` in a checkout."""
    packaged = _PKG / "_templates"
    return packaged if packaged.is_dir() else _PKG.parent / "templates"


@dataclass(frozen=True)
class Rendered:
    event: str
    language: str
    text: str
    info: segments.SmsInfo
    warnings: tuple[str, ...]


class TemplateStore:
    """Loads, checks and renders the message templates of one installation (override dir first)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.override = settings.data_dir / "templates" / "sms"
        self.builtin = templates_dir() / "sms"
        self.env = jinja2.Environment(
            undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=False
        )
        self._cache: dict[tuple[str, str], jinja2.Template] = {}
        self._sids = _parse_sids(settings.twilio_whatsapp_templates)

    def path(self, event: str, lang: str) -> Path:
        name = f"{event}.{lang}.txt"
        for base in (self.override, self.builtin):
            if (base / name).is_file():
                return base / name
        raise TemplateProblem(_("There is no message template {name}").format(name=name))

    def load(self, event: str, lang: str) -> jinja2.Template:
        key = (event, lang)
        if key not in self._cache:
            if event not in EVENT_TAGS:
                raise TemplateProblem(_("Unknown message event {event}").format(event=event))
            path = self.path(event, lang)
            source = path.read_text(encoding="utf-8").strip()
            self._cache[key] = compile_checked(self.env, source, str(path), EVENT_TAGS[event])
        return self._cache[key]

    def check_all(self) -> None:
        """Load every template now (``antena run`` start, tests): a bad override fails loudly."""
        for event in EVENTS:
            for lang in LANGUAGES:
                self.load(event, lang)

    def render(self, event: str, lang: str, context: dict[str, Any]) -> Rendered:
        # a message queued before the payment tags existed renders as if the client had none
        template = self.load(event, lang)
        values = {**_NO_PAY, **context}
        try:
            # Jinja's render() copies the environment's globals into a new context per message;
            # checked templates cannot name a global (an unknown tag is refused at load), so the
            # values alone are the context: a third of the cost at 100,000 reminders.
            text = concat(template.root_render_func(template.new_context(values, shared=True))).strip()
        except Exception:
            text = template.render(**values).strip()  # the same error, raised the usual way

        if self.settings.sms_fold_accents:
            text = segments.fold(text)
        info = segments.analyze(text)
        return Rendered(event, lang, text, info, tuple(segments.warnings(text, info)))

    def _whatsapp(self, event: str, lang: str) -> str | None:
        for base in (self.override, self.builtin):
            path = base / f"{event}.{lang}.whatsapp_sid"
            if path.is_file():
                sid = path.read_text(encoding="utf-8").strip()
                if sid:
                    return sid
        return self._sids.get(f"{event}.{lang}") or self._sids.get(event)

    def whatsapp_sid(self, event: str, lang: str) -> str | None:
        """The approved Content template SID for this event and language, if one is configured
        (written ``HX…`` or ``HX…:tag,tag,…`` to say which tag fills ``{{1}}``, ``{{2}}``…)."""
        config = self._whatsapp(event, lang)
        return config.split(":", 1)[0].strip() if config else None

    def whatsapp_variables(self, event: str, lang: str, context: dict[str, Any]) -> dict[str, str]:
        """Twilio Content templates number their variables: ``{"1": …, "2": …}``. The order is the
        one configured after the SID, else the order the tags first appear in the SMS template."""
        config = self._whatsapp(event, lang) or ""
        if ":" in config:
            names = [n.strip() for n in config.split(":", 1)[1].split(",") if n.strip()]
        else:
            source = self.path(event, lang).read_text(encoding="utf-8")
            names = list(dict.fromkeys(_TAG.findall(source)))
        return {str(i): str(context.get(name, "")) for i, name in enumerate(names, start=1)}


_TAG = re.compile(r"{{\s*([a-z_]+)")


def compile_checked(
    env: jinja2.Environment, source: str, filename: str, allowed: frozenset[str] = ALLOWED
) -> jinja2.Template:
    """Parse ``source``; refuse a syntax error or a tag outside ``allowed``, naming file and tag."""
    try:
        tree = env.parse(source, filename=filename)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(
            _("Template {file}, line {line}: {error}").format(
                file=filename, line=exc.lineno, error=exc.message
            )
        ) from None
    unknown = sorted(meta.find_undeclared_variables(tree) - allowed)
    if unknown:
        raise TemplateProblem(
            _("Template {file} uses unknown tag {tag}; allowed: {allowed}").format(
                file=filename,
                tag=", ".join("{{ " + u + " }}" for u in unknown),
                allowed=", ".join(sorted(allowed)),
            )
        )
    return env.from_string(source)


def _parse_sids(raw: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in raw.split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip() and value.strip():
            out[key.strip()] = value.strip()
    return out


SAMPLE_CONTEXT: dict[str, str] = {
    "empresa": "Mi WISP",
    "cliente": "Juan Pérez",
    "url_autologin": "https://portal.redwisp.mx/a/WzEyMzQsMF0.awdalQ.k7LVGiAAexuzbdQaHOAiRPqgtSs",
    "factura": "1024",
    "total": "$350.00",
    "saldo": "$350.00",
    "plan": "10 Mbps",
    "fecha_pago": "5 dic 2026",
    "fecha_corte": "8 dic 2026",
    "ssid": "Casa Perez",
    "reporte": "12",
    "motivo": "el comprobante no se lee",
    "contrato": "12",
    "url_contrato": "https://portal.redwisp.mx/contrato/WzEyLDAsMF0.Z3x1aQ.Rk2vbbLqjDSCe3uYfF4E1wYtYbA",
    "ticket": "7",
    "respuesta": "Reiniciamos su antena; ya tiene servicio.",
    "referencia_oxxo": "93000262276908",
    "clabe": "646180111802075448",
    "url_pago": "https://portal.redwisp.mx/pagar/WzEyMzQsMF0.awdalQ.k7LVGiAAexuzbdQaHOAiRPqgtSs",
}
