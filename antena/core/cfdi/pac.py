"""The PAC (proveedor autorizado de certificación) that stamps and cancels: satcfdi's adapters.

``ANTENA_CFDI_PAC=swsapien`` (SW sapien's REST API, the only one wired today) in its test
environment unless ``ANTENA_CFDI_PAC_SANDBOX=off``; ``ANTENA_CFDI_PAC_URL`` sends its requests to
another base (a proxy, or ``antena.doubles.pac``). Calls are blocking (``requests``): the worker
runs them in a thread, never inside a transaction. Foreign errors become ``CfdiError`` (the PAC
refused: fix and try again) or ``PacUnavailable`` (try later).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from antena.core.cfdi.issuer import CfdiError, PacUnavailable
from antena.core.config import Settings
from antena.core.i18n import _

PACS = ("swsapien",)
TIMEOUT = 30.0


@dataclass(frozen=True)
class Stamped:
    uuid: str
    xml: bytes


def make_pac(settings: Settings) -> Any:
    """The configured satcfdi PAC adapter, its host replaced by ``ANTENA_CFDI_PAC_URL`` if set."""
    from satcfdi.pacs import Environment
    from satcfdi.pacs.swsapien import SWSapien

    if settings.cfdi_pac not in PACS:
        message = _("Unknown PAC {name}: use {known}")
        raise CfdiError(message.format(name=settings.cfdi_pac, known=", ".join(PACS)))
    base = (settings.cfdi_pac_url or "").rstrip("/")

    class Sw(SWSapien):  # type: ignore[misc]
        def _host(self, service: str = "services") -> str:
            return base or str(super()._host(service))

    env = Environment.TEST if settings.cfdi_pac_sandbox else Environment.PRODUCTION
    token = settings.cfdi_pac_token.get_secret_value() if settings.cfdi_pac_token else None
    password = settings.cfdi_pac_password.get_secret_value() if settings.cfdi_pac_password else None
    if not token and not (settings.cfdi_pac_user and password):
        raise CfdiError(_("Set ANTENA_CFDI_PAC_TOKEN, or ANTENA_CFDI_PAC_USER and ANTENA_CFDI_PAC_PASSWORD"))
    return Sw(token=token, user=settings.cfdi_pac_user, password=password, environment=env)


def _translate(exc: Exception) -> CfdiError:
    """The PAC's own words when it refused; a retryable error when it could not answer."""
    import requests
    from satcfdi.exceptions import ResponseError

    if isinstance(exc, ResponseError):
        response = exc.response
        try:
            body = response.json()
            text = " ".join(str(body.get(k) or "") for k in ("message", "messageDetail")).strip()
        except (ValueError, json.JSONDecodeError, AttributeError):
            text = (getattr(response, "text", "") or "").strip()[:200]
        status = getattr(response, "status_code", 0)
        if status >= 500 or status == 429:
            message = _("the PAC did not answer ({status}): {text}")
            return PacUnavailable(message.format(status=status, text=text))
        return CfdiError(_("the PAC refused it: {text}").format(text=text or status))
    if isinstance(exc, requests.RequestException | OSError):
        return PacUnavailable(_("the PAC could not be reached: {msg}").format(msg=exc))
    return CfdiError(_("the PAC's answer was not understood: {msg}").format(msg=exc))


def stamp(settings: Settings, xml: bytes) -> Stamped:
    """Send a sealed CFDI; the stamped XML with its TimbreFiscalDigital comes back."""
    from satcfdi.cfdi import CFDI

    pac = make_pac(settings)
    try:
        document = pac.stamp(CFDI.from_string(xml))
    except Exception as exc:  # requests and satcfdi raise many kinds
        raise _translate(exc) from None
    if not document.xml or not document.document_id:
        raise CfdiError(_("the PAC answered without the stamped XML"))
    return Stamped(str(document.document_id).upper(), bytes(document.xml))


def cancel(settings: Settings, signer: Any, rfc: str, uuid: str, reason: str, replacement: str | None) -> str:
    """Ask for the cancellation (signed with the CSD); the PAC's status code for the UUID comes back."""
    import datetime as dt

    from satcfdi.create.cancela.cancelacion import Cancelacion, Folio

    pac = make_pac(settings)
    request = Cancelacion(
        emisor=signer,
        folios=Folio(uuid=uuid, motivo=reason, folio_sustitucion=replacement),
        fecha=dt.datetime.now().replace(microsecond=0),
    )
    try:
        ack = pac.cancel_comprobante(request)
    except Exception as exc:
        raise _translate(exc) from None
    code = ack.code.get(uuid, ack.code.get(uuid.lower())) if isinstance(ack.code, dict) else ack.code
    return str(code)
