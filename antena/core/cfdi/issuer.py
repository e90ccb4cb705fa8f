"""The ISP as a CFDI issuer: its data from ``ANTENA_CFDI_*`` and its CSD, loaded and checked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from antena.core.config import Settings
from antena.core.errors import CoreError
from antena.core.i18n import _


class CfdiError(CoreError):
    """A CFDI could not be made, stamped or cancelled, for a reason the operator can fix."""


class PacUnavailable(CfdiError):
    """The PAC did not answer (network, 5xx): the job is retried, nothing was stamped."""

    exit_code = 75


@dataclass(frozen=True)
class Issuer:
    rfc: str
    name: str
    regime: str
    postal_code: str
    series: str


def issuer(settings: Settings) -> Issuer:
    """The issuer's data; a ``CfdiError`` naming every setting still missing."""
    missing = [
        f"ANTENA_CFDI_{name.upper()}"
        for name in ("rfc", "name", "postal_code", "cer_path", "key_path", "key_password")
        if not getattr(settings, f"cfdi_{name}")
    ]
    if missing:
        raise CfdiError(_("CFDI is not configured: set {names}").format(names=", ".join(missing)))
    assert settings.cfdi_rfc and settings.cfdi_name and settings.cfdi_postal_code
    return Issuer(
        rfc=settings.cfdi_rfc.strip().upper(),
        name=" ".join(settings.cfdi_name.split()).upper(),
        regime=settings.cfdi_regime.strip(),
        postal_code=settings.cfdi_postal_code.strip(),
        series=settings.cfdi_series.strip(),
    )


def load_signer(settings: Settings, at: dt.datetime) -> Any:
    """The CSD as a ``satcfdi`` Signer: files readable, password right, key matching the certificate,
    a CSD (not a FIEL) of ``ANTENA_CFDI_RFC``, valid at ``at``."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from satcfdi.exceptions import CFDIError
    from satcfdi.models import Signer
    from satcfdi.models.certificate import CertificateType

    me = issuer(settings)
    assert settings.cfdi_cer_path and settings.cfdi_key_path and settings.cfdi_key_password
    files = []
    for path in (settings.cfdi_cer_path, settings.cfdi_key_path):
        try:
            files.append(path.expanduser().read_bytes())
        except OSError as exc:
            raise CfdiError(_("Cannot read the CSD file {path}: {reason}").format(
                path=path, reason=exc.strerror or exc)) from None  # fmt: skip
    try:
        signer = Signer.load(files[0], files[1], settings.cfdi_key_password.get_secret_value())
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        if "password" in str(exc).lower() or "decrypt" in str(exc).lower():
            raise CfdiError(_("Wrong password for the CSD key (ANTENA_CFDI_KEY_PASSWORD)")) from None
        raise CfdiError(_("The CSD files cannot be read as a certificate and its key: {msg}").format(
            msg=exc)) from None  # fmt: skip
    except CFDIError:
        raise CfdiError(_("The CSD key does not belong to its certificate")) from None
    except Exception as exc:  # pyOpenSSL's errors for a file that is no certificate
        raise CfdiError(_("The CSD files cannot be read as a certificate and its key: {msg}").format(
            msg=exc)) from None  # fmt: skip
    if signer.type is not CertificateType.CSD:
        raise CfdiError(_("That certificate is not a CSD (certificado de sello digital); a FIEL cannot seal"))
    if str(signer.rfc) != me.rfc:
        raise CfdiError(_("The CSD belongs to {found}, not to ANTENA_CFDI_RFC={rfc}").format(
            found=signer.rfc, rfc=me.rfc))  # fmt: skip
    cert = signer.certificate.to_cryptography()
    if not (cert.not_valid_before_utc <= at <= cert.not_valid_after_utc):
        raise CfdiError(_("The CSD is valid from {start} to {end}, not today: renew it at the SAT").format(
            start=cert.not_valid_before_utc.date(), end=cert.not_valid_after_utc.date()))  # fmt: skip
    return signer
