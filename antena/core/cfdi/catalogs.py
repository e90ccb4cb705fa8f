"""SAT's catalogues and rules for a receiver's fiscal data: RFC (pattern and check digit),
c_RegimenFiscal, c_UsoCFDI (which régimen may use which uso) and the five-digit código postal."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from antena.core.errors import InvalidInput
from antena.core.i18n import _

GENERIC_RFC = "XAXX010101000"  # público en general
FOREIGN_RFC = "XEXX010101000"
_RFC = re.compile(r"([A-ZÑ&]{3,4})([0-9]{2})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])([A-Z0-9]{2}[0-9A])")
_CHECK_CHARS = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"
_CP = re.compile(r"[0-9]{5}", re.ASCII)

# c_RegimenFiscal: code → (description, persona física, persona moral)
REGIMES: dict[str, tuple[str, bool, bool]] = {
    "601": ("General de Ley Personas Morales", False, True),
    "603": ("Personas Morales con Fines no Lucrativos", False, True),
    "605": ("Sueldos y Salarios e Ingresos Asimilados a Salarios", True, False),
    "606": ("Arrendamiento", True, False),
    "607": ("Régimen de Enajenación o Adquisición de Bienes", True, False),
    "608": ("Demás ingresos", True, False),
    "610": ("Residentes en el Extranjero sin Establecimiento Permanente en México", True, True),
    "611": ("Ingresos por Dividendos (socios y accionistas)", True, False),
    "612": ("Personas Físicas con Actividades Empresariales y Profesionales", True, False),
    "614": ("Ingresos por intereses", True, False),
    "615": ("Régimen de los ingresos por obtención de premios", True, False),
    "616": ("Sin obligaciones fiscales", True, False),
    "620": ("Sociedades Cooperativas de Producción que optan por diferir sus ingresos", False, True),
    "621": ("Incorporación Fiscal", True, False),
    "622": ("Actividades Agrícolas, Ganaderas, Silvícolas y Pesqueras", False, True),
    "623": ("Opcional para Grupos de Sociedades", False, True),
    "624": ("Coordinados", False, True),
    "625": (
        "Régimen de las Actividades Empresariales con ingresos a través de Plataformas Tecnológicas",
        True,
        False,
    ),
    "626": ("Régimen Simplificado de Confianza", True, True),
    "628": ("Hidrocarburos", False, True),
    "629": ("De los Regímenes Fiscales Preferentes y de las Empresas Multinacionales", True, False),
    "630": ("Enajenación de acciones en bolsa de valores", True, False),
}

_BUSINESS = frozenset({"601", "603", "606", "612", "620", "621", "622", "623", "624", "625", "626"})
_PERSONAL = frozenset({"605", "606", "608", "611", "612", "614", "607", "615", "625"})

# c_UsoCFDI usable on an income (tipo I) CFDI: code → (description, física, moral, régimenes)
USES: dict[str, tuple[str, bool, bool, frozenset[str] | None]] = {
    "G01": ("Adquisición de mercancías", True, True, _BUSINESS),
    "G02": ("Devoluciones, descuentos o bonificaciones", True, True, _BUSINESS),
    "G03": ("Gastos en general", True, True, _BUSINESS),
    "I01": ("Construcciones", True, True, _BUSINESS),
    "I02": ("Mobiliario y equipo de oficina por inversiones", True, True, _BUSINESS),
    "I03": ("Equipo de transporte", True, True, _BUSINESS),
    "I04": ("Equipo de computo y accesorios", True, True, _BUSINESS),
    "I05": ("Dados, troqueles, moldes, matrices y herramental", True, True, _BUSINESS),
    "I06": ("Comunicaciones telefónicas", True, True, _BUSINESS),
    "I07": ("Comunicaciones satelitales", True, True, _BUSINESS),
    "I08": ("Otra maquinaria y equipo", True, True, _BUSINESS),
    "D01": ("Honorarios médicos, dentales y gastos hospitalarios", True, False, _PERSONAL),
    "D02": ("Gastos médicos por incapacidad o discapacidad", True, False, _PERSONAL),
    "D03": ("Gastos funerales", True, False, _PERSONAL),
    "D04": ("Donativos", True, False, _PERSONAL),
    "D05": ("Intereses reales efectivamente pagados por créditos hipotecarios", True, False, _PERSONAL),
    "D06": ("Aportaciones voluntarias al SAR", True, False, _PERSONAL),
    "D07": ("Primas por seguros de gastos médicos", True, False, _PERSONAL),
    "D08": ("Gastos de transportación escolar obligatoria", True, False, _PERSONAL),
    "D09": ("Depósitos en cuentas para el ahorro, primas de planes de pensiones", True, False, _PERSONAL),
    "D10": ("Pagos por servicios educativos (colegiaturas)", True, False, _PERSONAL),
    "S01": ("Sin efectos fiscales", True, True, None),
}
NOT_FOR_INCOME = {"CP01": "Pagos", "CN01": "Nómina"}  # SAT's catalogue has them; an invoice may not use them


def _clean(value: str, what: str, limit: int) -> str:
    text = unicodedata.normalize("NFC", (value or "").strip())
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        raise InvalidInput(_("The {what} has control characters").format(what=what))
    if len(text) > limit:
        raise InvalidInput(_("The {what} is too long (at most {n} characters)").format(what=what, n=limit))
    return text


def rfc_check_digit_ok(rfc: str) -> bool:
    """SAT's modulo-11 check over the 13-character form (a moral person's RFC padded with a space)."""
    padded = rfc.rjust(13)
    total = sum(_CHECK_CHARS.index(ch) * weight for ch, weight in zip(padded, range(13, 0, -1), strict=True))
    return total % 11 == 0


def is_moral(rfc: str) -> bool:
    """Twelve characters: a company (persona moral); thirteen: a person (persona física)."""
    return len(rfc) == 12


def parse_rfc(value: str) -> str:
    """An RFC as SAT writes it (upper case, no spaces or dashes), its pattern and check digit right."""
    text = _clean(value, _("RFC"), 20).upper().replace(" ", "").replace("-", "")
    if not _RFC.fullmatch(text):
        raise InvalidInput(_("Not a valid RFC: {value}").format(value=value))
    if text in (GENERIC_RFC, FOREIGN_RFC):
        message = _(
            "{rfc} is the generic RFC: clients without their own RFC go in the monthly global invoice"
        )
        raise InvalidInput(message.format(rfc=text))
    if not rfc_check_digit_ok(text):
        raise InvalidInput(_("The RFC {value} has a wrong check digit").format(value=text))
    return text


def parse_name(value: str) -> str:
    """Nombre or razón social as on the Constancia de Situación Fiscal (upper case, single spaces)."""
    text = " ".join(_clean(value, _("name"), 254).split()).upper()
    if not any(ch.isalpha() for ch in text):
        raise InvalidInput(_("Say the name or razón social, as on the Constancia de Situación Fiscal"))
    return text


def parse_regime(value: str, rfc: str) -> str:
    code = _clean(value, _("régimen fiscal"), 10)
    if code not in REGIMES:
        message = _("Unknown régimen fiscal {value} (SAT's c_RegimenFiscal, e.g. 612, 626, 601)")
        raise InvalidInput(message.format(value=value))
    _desc, fisica, moral = REGIMES[code]
    if (moral and is_moral(rfc)) or (fisica and not is_moral(rfc)):
        return code
    kind = _("a company (12-character RFC)") if is_moral(rfc) else _("a person (13-character RFC)")
    raise InvalidInput(_("Régimen {code} is not for {kind}").format(code=code, kind=kind))


def parse_use(value: str, rfc: str, regime: str) -> str:
    code = _clean(value, _("uso CFDI"), 10).upper()
    if code in NOT_FOR_INCOME:
        message = _("Uso CFDI {code} cannot be used on an invoice; use G03 or S01")
        raise InvalidInput(message.format(code=code))
    if code not in USES:
        raise InvalidInput(_("Unknown uso CFDI {value} (SAT's c_UsoCFDI, e.g. G03, S01)").format(value=value))
    _desc, fisica, moral, regimes = USES[code]
    if not ((moral and is_moral(rfc)) or (fisica and not is_moral(rfc))):
        raise InvalidInput(_("Uso CFDI {code} is only for persons, not companies").format(code=code))
    if regimes is not None and regime not in regimes:
        message = _("Uso CFDI {code} does not go with régimen {regime}")
        raise InvalidInput(message.format(code=code, regime=regime))
    return code


def parse_postal_code(value: str) -> str:
    text = _clean(value, _("código postal"), 10)
    if not _CP.fullmatch(text) or text == "00000":
        raise InvalidInput(_("A código postal is five digits, not {value}").format(value=value))
    return text


@dataclass(frozen=True)
class FiscalData:
    """What a CFDI's Receptor needs."""

    rfc: str
    name: str
    regime: str
    postal_code: str
    cfdi_use: str


def parse_fiscal(rfc: str, name: str, regime: str, postal_code: str, cfdi_use: str = "G03") -> FiscalData:
    """Check every field as SAT would; the first problem is refused with its own message."""
    clean_rfc = parse_rfc(rfc)
    clean_regime = parse_regime(regime, clean_rfc)
    return FiscalData(
        rfc=clean_rfc,
        name=parse_name(name),
        regime=clean_regime,
        postal_code=parse_postal_code(postal_code),
        cfdi_use=parse_use(cfdi_use, clean_rfc, clean_regime),
    )
