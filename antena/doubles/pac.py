"""A local PAC for tests and ``antena demo``: SW sapien's REST API, as satcfdi's adapter calls it.

Point ``ANTENA_CFDI_PAC_URL`` at :attr:`PacDouble.base_url` (with ``ANTENA_CFDI_PAC_TOKEN`` set to
:attr:`PacDouble.token`)::

    async with PacDouble() as pac:
        pac.fail_next(503)                   # the next request gets a 503 (retried by the worker)
        ...                                  # the product stamps
        assert pac.stamped[0]["uuid"]

``POST /v4/cfdi33/stamp/v4`` checks what a PAC checks before stamping: the bearer token, SAT's
schema, the seal (``Sello``) against the certificate in the XML (RSA-SHA256 over the cadena
original), that the certificate is a CSD of the issuer's RFC valid on the CFDI's date, and that
the date is neither in the future nor older than 72 hours. It answers with a TimbreFiscalDigital
1.1 sealed with its own test "SAT" certificate; the same sealed XML twice gets the same stamp.
``POST /cfdi33/cancel/xml`` records a cancellation (code 201). ``/security/authenticate`` hands
out the token for a user and password.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import secrets
import uuid as uuidlib
from collections import deque
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from antena.doubles.http import HttpDouble

__all__ = ["PacDouble"]
TZ = ZoneInfo("America/Mexico_City")
SW_RFC = "LSO1306189R5"


def _error(status: int, message: str, detail: str = "") -> web.Response:
    return web.json_response({"status": "error", "message": message, "messageDetail": detail}, status=status)


class PacDouble(HttpDouble):
    client_max_size = 8 * 1024 * 1024  # an XML to stamp

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        self.host, self.port = host, port
        self.token = token or secrets.token_hex(16)
        self.user, self.password = "antena@example.com", "s3cret"
        self.stamped: list[dict[str, Any]] = []  # uuid, rfc, total, xml
        self.cancelled: list[dict[str, Any]] = []  # uuid, motivo, sustitucion
        self.refused: list[str] = []  # the messages of refused stamps
        self._by_seal: dict[str, dict[str, Any]] = {}
        self._failures: deque[int] = deque()
        self._signer: Any = None

    def fail_next(self, status: int = 503, times: int = 1) -> None:
        self._failures.extend([status] * times)

    async def start(self) -> str:
        self._signer = await asyncio.to_thread(self._make_signer)
        return await super().start()

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/security/authenticate", self._authenticate)
        app.router.add_post("//security/authenticate", self._authenticate)
        app.router.add_post("/v4/cfdi33/stamp/v4", self._stamp)
        app.router.add_post("/cfdi33/cancel/xml", self._cancel)

    @staticmethod
    def _make_signer() -> Any:
        """The double's own stamping certificate (branch "PAC<rfc>", as SAT issues them to PACs)."""
        from cryptography.hazmat.primitives import serialization
        from satcfdi.models import Signer

        from antena.doubles.csd import make_certificate

        key, cert, _number = make_certificate("SAT970701NN3", "SAT", unit=f"PAC{SW_RFC}")
        der_key = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return Signer.load(cert.public_bytes(serialization.Encoding.DER), der_key, None)

    # --- handlers --------------------------------------------------------------------------------

    def _refusal(self, request: web.Request) -> web.Response | None:
        if self._failures:
            return _error(self._failures.popleft(), "Injected failure")
        if request.headers.get("Authorization", "") != f"Bearer {self.token}":
            return _error(401, "AU2000 - El token no es válido")
        return None

    async def _authenticate(self, request: web.Request) -> web.Response:
        if request.headers.get("user") != self.user or request.headers.get("password") != self.password:
            return _error(401, "AU4101 - Usuario o contraseña inválidos")
        expires = int(dt.datetime.now(dt.UTC).timestamp()) + 7200
        return web.json_response({"status": "success", "data": {"token": self.token, "expires_in": expires}})

    async def _stamp(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        form = await request.post()
        field = form.get("xml")
        raw = field.file.read() if hasattr(field, "file") else str(field or "").encode()
        try:
            answer = await asyncio.to_thread(self._check_and_stamp, raw)
        except ValueError as exc:
            self.refused.append(str(exc))
            return _error(400, str(exc))
        return web.json_response({"status": "success", "data": answer})

    def _check_and_stamp(self, raw: bytes) -> dict[str, Any]:
        from satcfdi.cfdi import CFDI
        from satcfdi.create.cfd.tfd11 import TimbreFiscalDigital
        from satcfdi.models import Certificate

        try:
            cfdi = CFDI.from_string(raw)
            cfdi.to_xml(validate=True)
        except Exception as exc:
            raise ValueError(f"301 - XML mal formado: {exc}"[:300]) from None
        if cfdi.get("Version") != "4.0":
            raise ValueError("CFDI40101 - Solo se timbran CFDI 4.0")
        seal = cfdi["Sello"]
        if seal in self._by_seal:
            return self._by_seal[seal]
        cert = Certificate.load_certificate(base64.b64decode(cfdi["Certificado"]))
        if cert.certificate_number != cfdi["NoCertificado"]:
            raise ValueError("CFDI40103 - NoCertificado no corresponde con el certificado")
        if not cert.verify_sha256(cfdi.cadena_original().encode(), base64.b64decode(seal)):
            raise ValueError("CFDI40102 - El resultado de la digestión debe ser igual al sello")
        if str(cert.rfc) != cfdi["Emisor"]["Rfc"]:
            raise ValueError("CFDI40131 - El RFC del emisor no corresponde con el del certificado")
        issued = cfdi["Fecha"].replace(tzinfo=TZ)
        x509 = cert.certificate.to_cryptography()
        if not (x509.not_valid_before_utc <= issued <= x509.not_valid_after_utc):
            raise ValueError("CFDI40104 - El certificado no estaba vigente en la fecha del comprobante")
        now = dt.datetime.now(TZ)
        if issued > now + dt.timedelta(minutes=5) or issued < now - dt.timedelta(hours=72):
            raise ValueError("401 - La fecha del comprobante está fuera del rango de 72 horas")
        tfd = TimbreFiscalDigital(
            proveedor=self._signer,
            uuid=str(uuidlib.uuid4()).upper(),
            fecha_timbrado=now.replace(tzinfo=None, microsecond=0),
            sello_cfd=seal,
        )
        cfdi["Complemento"] = {"TimbreFiscalDigital": tfd}
        xml = cfdi.xml_bytes().decode()
        answer = {
            "uuid": tfd["UUID"],
            "fechaTimbrado": tfd["FechaTimbrado"].isoformat(),
            "noCertificadoSAT": tfd["NoCertificadoSAT"],
            "noCertificadoCFDI": cfdi["NoCertificado"],
            "selloSAT": tfd["SelloSAT"],
            "selloCFDI": seal,
            "cadenaOriginalSAT": tfd.cadena_original(),
            "cfdi": xml,
        }
        self._by_seal[seal] = answer
        self.stamped.append(
            {"uuid": tfd["UUID"], "rfc": cfdi["Receptor"]["Rfc"], "total": cfdi["Total"], "xml": xml}
        )
        return answer

    async def _cancel(self, request: web.Request) -> web.Response:
        refused = self._refusal(request)
        if refused is not None:
            return refused
        from lxml import etree

        form = await request.post()
        field = form.get("xml")
        raw = field.file.read() if hasattr(field, "file") else str(field or "").encode()
        try:
            root = etree.fromstring(raw)
        except etree.XMLSyntaxError:
            return _error(400, "301 - XML mal formado")
        ns = {"c": "http://cancelacfd.sat.gob.mx", "ds": "http://www.w3.org/2000/09/xmldsig#"}
        if root.find("ds:Signature", ns) is None:
            return _error(400, "CA1000 - La solicitud de cancelación no está firmada")
        known = {s["uuid"] for s in self.stamped}
        codes: dict[str, str] = {}
        for folio in root.findall("c:Folios", ns) + root.findall("c:Folios/c:Folio", ns):
            uid = (folio.get("UUID") or "").upper()
            if not uid:
                continue
            motivo, sust = folio.get("Motivo"), folio.get("FolioSustitucion")
            if motivo == "01" and not sust:
                return _error(400, "CA1002 - El motivo 01 requiere el folio que sustituye")
            if uid not in known:
                codes[uid] = "205"  # UUID no existe
                continue
            self.cancelled.append({"uuid": uid, "motivo": motivo, "sustitucion": sust})
            codes[uid] = "201"
        acuse = base64.b64encode(etree.tostring(root)).decode()
        return web.json_response({"status": "success", "data": {"uuid": codes, "acuse": acuse}})
