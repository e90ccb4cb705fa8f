"""Contract texts: Jinja2 HTML in ``templates/contracts/<name>.<lang>.html`` with the client's,
plan's and company's tags. An operator adds or overrides one in ``ANTENA_DATA_DIR/templates/contracts/``.
Every template is checked when it loads, as the message templates are: a tag that does not exist
(``{{ clinete }}``) is refused naming the file, so it never becomes a blank in a signed contract.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import jinja2

from antena.core.billing import display
from antena.core.config import Settings
from antena.core.errors import NotFound
from antena.core.i18n import LANGUAGES, _
from antena.core.notify.templates import TemplateProblem, compile_checked, templates_dir

DEFAULT_TEMPLATE = "default"
TAGS = frozenset(
    {
        "empresa",
        "empresa_telefono",
        "cliente",
        "cliente_id",
        "direccion",
        "telefono",
        "email",
        "plan",
        "precio",
        "bajada",
        "subida",
        "contrato",
        "fecha",
        "fecha_inicio",
        "fecha_fin",
    }
)
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")

__all__ = ["DEFAULT_TEMPLATE", "TAGS", "ContractFacts", "TemplateProblem", "available", "render_text"]


@dataclass(frozen=True)
class ContractFacts:
    """What a contract says about the client, the plan and the dates, before formatting."""

    number: int
    client_id: int
    client_name: str
    address: str | None
    phone: str | None
    email: str | None
    plan: str
    price: Decimal | None
    download: str
    upload: str
    day: dt.date
    start: dt.date | None
    end: dt.date | None


def _dirs(settings: Settings) -> list[Path]:
    return [settings.data_dir / "templates" / "contracts", templates_dir() / "contracts"]


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )


def available(settings: Settings) -> list[str]:
    """Template names (``default``, and any the operator added), for error messages and help."""
    names = set()
    for base in _dirs(settings):
        if base.is_dir():
            for path in base.glob("*.html"):
                names.add(path.name.split(".", 1)[0])
    return sorted(names)


def template_path(settings: Settings, name: str, lang: str) -> Path:
    """``<name>.<lang>.html`` (override first), else ``<name>.html`` in any language."""
    key = (name or DEFAULT_TEMPLATE).strip().lower()
    if not _NAME.match(key):
        raise NotFound(
            _("Unknown contract template {name}: use {names}").format(
                name=name[:60], names=", ".join(available(settings))
            )
        )
    candidates = [f"{key}.{lang}.html", *(f"{key}.{other}.html" for other in LANGUAGES), f"{key}.html"]
    for filename in candidates:
        for base in _dirs(settings):
            if (base / filename).is_file():
                return base / filename
    raise NotFound(
        _("Unknown contract template {name}: use {names}").format(
            name=key, names=", ".join(available(settings)) or "-"
        )
    )


def load(settings: Settings, name: str, lang: str) -> tuple[str, jinja2.Template]:
    """The template's canonical name and the checked template."""
    path = template_path(settings, name, lang)
    source = path.read_text(encoding="utf-8")
    return path.name.split(".", 1)[0], compile_checked(_environment(), source, str(path), TAGS)


def context(facts: ContractFacts, settings: Settings, lang: str) -> dict[str, object]:
    region, currency = settings.default_region, settings.currency

    def day(value: dt.date | None) -> str:
        return display.long_date(value, lang, region) if value is not None else ""

    return {
        "empresa": settings.company_name,
        "empresa_telefono": settings.company_phone,
        "cliente": facts.client_name,
        "cliente_id": facts.client_id,
        "direccion": facts.address or "",
        "telefono": facts.phone or "",
        "email": facts.email or "",
        "plan": facts.plan,
        "precio": display.money(facts.price, currency, lang, region) if facts.price is not None else "",
        "bajada": facts.download,
        "subida": facts.upload,
        "contrato": facts.number,
        "fecha": day(facts.day),
        "fecha_inicio": day(facts.start),
        "fecha_fin": day(facts.end),
    }


def render_text(settings: Settings, name: str, lang: str, facts: ContractFacts) -> tuple[str, str]:
    """``(template name, HTML text)`` of a new contract in ``lang``."""
    canonical, template = load(settings, name, lang)
    return canonical, template.render(**context(facts, settings, lang)).strip() + "\n"


def check_all(settings: Settings) -> list[str]:
    """Load every contract template now (start-up, tests): a bad override fails loudly."""
    checked = []
    for name in available(settings):
        for lang in LANGUAGES:
            load(settings, name, lang)
        checked.append(name)
    return checked
