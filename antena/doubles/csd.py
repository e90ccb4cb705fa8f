"""Test CSDs (certificados de sello digital) made on the spot, shaped like the SAT's.

Why: SAT's published test CSDs expired in 2023 and the PAC double, like a real PAC, refuses a
seal made outside the certificate's validity. This makes the same kind of files (a DER ``.cer``
whose serial reads as a 20-digit certificate number and whose subject carries the RFC in
``x500UniqueIdentifier``, and a PKCS#8 DER ``.key`` encrypted with a password) for the tests, the
PAC double's own "SAT" certificate and ``antena demo``. Never use one outside a sandbox.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

UNIQUE_ID = x509.ObjectIdentifier("2.5.4.45")  # x500UniqueIdentifier: "RFC / RFC of the legal representative"
NAME = x509.ObjectIdentifier("2.5.4.41")


@dataclass(frozen=True)
class CsdFiles:
    """The files of one CSD and what they say."""

    cer: Path
    key: Path
    password: str
    rfc: str
    name: str
    number: str  # the 20-digit NoCertificado


def _serial(number: str) -> int:
    """SAT writes the certificate number as the ASCII of its digits: the serial's hex, every 2nd char."""
    return int(number.encode().hex(), 16)


def _name(rfc: str, name: str, unit: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, name),
            x509.NameAttribute(NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(UNIQUE_ID, f"{rfc} / XIQB891116QE4"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, " / XIQB891116MGRMZR05"),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        ]
    )


def make_certificate(
    rfc: str, name: str, *, unit: str = "Sucursal 1", valid_from: dt.datetime | None = None, years: int = 4
) -> tuple[rsa.RSAPrivateKey, x509.Certificate, str]:
    """A key and a CSD-shaped certificate for ``rfc``, issued by a throw-away test authority."""
    start = valid_from or (dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    number = "300010000005" + f"{secrets.randbelow(10**8):08d}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    authority = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC UAT (antena test authority)")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(rfc, name, unit))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(_serial(number))
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(authority, hashes.SHA256())
    )
    return key, cert, number


def make_test_csd(
    folder: Path, rfc: str = "EKU9003173C9", name: str = "ESCUELA KEMPER URGATE", password: str = "12345678a"
) -> CsdFiles:
    """Write ``<rfc>_csd.cer`` and ``<rfc>_csd.key`` into ``folder`` (SAT's file formats)."""
    folder.mkdir(parents=True, exist_ok=True)
    key, cert, number = make_certificate(rfc, name)
    cer_path, key_path = folder / f"{rfc.lower()}_csd.cer", folder / f"{rfc.lower()}_csd.key"
    cer_path.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password.encode()),
        )
    )
    return CsdFiles(cer_path, key_path, password, rfc, name, number)
