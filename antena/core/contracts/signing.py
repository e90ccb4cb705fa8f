"""Signing a contract on its link: a signed, expiring token (like the auto-login link) that staff
revoke by issuing a new one; the portal page it opens; the signature checked and kept.

The token carries ``[contract id, link version, collector]``: ``collector`` is the staff id of
a technician who opened the link on their own phone for the customer to sign ("collected by").
Signing stores the signature image, the signer's name, the time, the IP and the SHA-256 of the
exact text that was shown; a text changed after the page was opened is refused, never signed.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import secrets
from dataclasses import dataclass

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from antena.core.audit import Actor, record
from antena.core.bootstrap import App
from antena.core.contracts.documents import Upload, store_uploads
from antena.core.contracts.service import EDITABLE, contract_view, get_contract
from antena.core.db.fieldwork_models import Contract, ContractStatus
from antena.core.db.models import StaffUser
from antena.core.db.uow import UnitOfWork
from antena.core.errors import InvalidInput, NotAllowed
from antena.core.fieldwork import clean_text, load_client
from antena.core.i18n import _
from antena.core.links import LinkRefused

SALT = "contract-sign"
MAX_SIGNATURE = 1024 * 1024  # bytes of PNG: a phone's canvas is far below this
MAX_SIDE = 4000
MIN_INK = 30  # pixels of ink: a tap or a dot is not a signature
SIGNATURES_DIR = "signatures"
_PREFIX = "data:image/png;base64,"


def _serializer(app: App) -> URLSafeTimedSerializer:
    clock = app.clock

    class ClockSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    return URLSafeTimedSerializer(app.settings.signing_key(), salt=SALT, signer=ClockSigner)


def sign_token(app: App, contract_id: int, version: int, collector: int = 0) -> str:
    return str(_serializer(app).dumps([contract_id, version, collector]))


def sign_url(app: App, contract_id: int, version: int, collector: int = 0) -> str:
    return (
        f"{app.settings.portal_url.rstrip('/')}/contrato/{sign_token(app, contract_id, version, collector)}"
    )


def read_token(app: App, token: str) -> tuple[int, int, int]:
    """``(contract id, link version, collector)`` of a good signature that has not expired."""
    max_age = app.settings.contract_link_days * 24 * 3600
    try:
        contract_id, version, collector = _serializer(app).loads(token.strip()[:500], max_age=max_age)
        return int(contract_id), int(version), int(collector)
    except SignatureExpired:
        raise LinkRefused(_("This link has expired."), reason="expired") from None
    except (BadData, ValueError, TypeError):
        raise LinkRefused(_("This link is not valid."), reason="invalid") from None


@dataclass(frozen=True)
class SigningPage:
    """What the signing page shows: the contract, its hash, who collects, and whether it is signed."""

    contract_id: int
    client_name: str
    body: str
    body_sha256: str
    status: ContractStatus
    collector_name: str | None
    signed_at: dt.datetime | None
    signer_name: str | None

    @property
    def signed(self) -> bool:
        return self.status not in EDITABLE


def text_hash(body: str) -> str:
    """SHA-256 of the exact text, as UTF-8: what the PDF prints and a later check recomputes."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


async def _collector(uow: UnitOfWork, staff_id: int) -> StaffUser | None:
    if not staff_id:
        return None
    member = await uow.session.get(StaffUser, staff_id)
    return member if member is not None and member.active else None


async def open_page(uow: UnitOfWork, token: str) -> SigningPage:
    """The contract a link opens; refused when tampered, expired or revoked (a newer link exists)."""
    contract_id, version, collector_id = read_token(uow.app, token)
    contract = await uow.session.get(Contract, contract_id)
    if contract is None or contract.link_version != version or contract.status is ContractStatus.ENDED:
        raise LinkRefused(_("This link is not valid."), reason="revoked")
    client = await load_client(uow, contract.client_id)
    collector = await _collector(uow, collector_id)
    return SigningPage(
        contract.id,
        client.name,
        contract.body,
        text_hash(contract.body),
        contract.status,
        collector.name if collector else None,
        contract.signed_at,
        contract.signer_name,
    )


def prepare_signature(data_url: str | None) -> bytes:
    """The drawn signature as a clean PNG, cropped to the ink; an empty canvas is refused."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    text = (data_url or "").strip()
    if not text:
        raise InvalidInput(_("Draw your signature in the box before signing."))
    if not text.startswith(_PREFIX) or len(text) > MAX_SIGNATURE * 4 // 3 + len(_PREFIX) + 4:
        raise InvalidInput(_("The signature could not be read. Clear it and draw it again."))
    try:
        raw = base64.b64decode(text[len(_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(_("The signature could not be read. Clear it and draw it again.")) from None
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidInput(_("The signature could not be read. Clear it and draw it again."))
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            if probe.width > MAX_SIDE or probe.height > MAX_SIDE:
                raise InvalidInput(_("The signature could not be read. Clear it and draw it again."))
            image = probe.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidInput(_("The signature could not be read. Clear it and draw it again.")) from None
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    flat = Image.alpha_composite(white, image).convert("L")
    ink = ImageOps.invert(flat).point(lambda v: 255 if v > 60 else 0)
    box = ink.getbbox()
    if box is None or ink.histogram()[255] < MIN_INK:
        raise InvalidInput(_("Draw your signature in the box before signing."))
    left, top, right, bottom = box
    pad = 8
    crop = image.crop(
        (
            max(left - pad, 0),
            max(top - pad, 0),
            min(right + pad, image.width),
            min(bottom + pad, image.height),
        )
    )
    out = io.BytesIO()
    crop.save(out, format="PNG", optimize=True)
    return out.getvalue()


@dataclass(frozen=True)
class Signed:
    contract_id: int
    client_id: int
    client_name: str
    signer_name: str
    body_sha256: str
    signed_at: dt.datetime
    collected_by: str | None
    documents: int


async def sign(
    uow: UnitOfWork,
    token: str,
    *,
    signer_name: str,
    signature_png: bytes,
    shown_sha256: str,
    ip: str,
    uploads: list[Upload],
) -> Signed:
    """Sign the contract the token names: once, and only the text the signer was shown."""
    app = uow.app
    contract_id, version, collector_id = read_token(app, token)
    contract = await get_contract(uow, contract_id, lock=True)
    if contract.link_version != version or contract.status is ContractStatus.ENDED:
        raise LinkRefused(_("This link is not valid."), reason="revoked")
    if contract.status not in EDITABLE:
        raise NotAllowed(_("This contract is already signed."))
    name = clean_text(signer_name, _("Your full name"), max_len=160)
    sha = text_hash(contract.body)
    if not secrets.compare_digest(sha, (shown_sha256 or "").strip().lower()):
        raise InvalidInput(_("The contract changed after you opened it: reload the page and read it again."))
    if not signature_png:
        raise InvalidInput(_("Draw your signature in the box before signing."))
    client = await load_client(uow, contract.client_id)
    collector = await _collector(uow, collector_id)
    now = app.clock.now()
    folder = app.settings.data_dir / SIGNATURES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    relative = f"{SIGNATURES_DIR}/contract-{contract.id}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(4)}.png"
    (app.settings.data_dir / relative).write_bytes(signature_png)
    actor = Actor(
        name=f"technician:{collector.name}" if collector else f"portal:{client.id}", channel="portal"
    )
    stored = await store_uploads(uow, client.id, contract.id, uploads, actor.name)
    contract.status = ContractStatus.SIGNED
    contract.signed_at, contract.signer_name, contract.signer_ip = now, name, ip[:45]
    contract.collected_by = collector.name if collector else None
    contract.signature_path, contract.body_sha256 = relative, sha
    record(
        uow.session,
        actor,
        "contract.sign",
        target=f"{contract.id} {client.name}",
        arguments={
            "signer": name,
            "ip": ip,
            "sha256": sha,
            "documents": len(stored),
            "collected_by": contract.collected_by,
        },
    )
    return Signed(contract.id, client.id, client.name, name, sha, now, contract.collected_by, len(stored))


async def check_signed_text(uow: UnitOfWork, contract_id: int) -> bool:
    """The stored text still hashes to what was signed (nobody changed it in the database)."""
    view = await contract_view(uow, contract_id)
    return view.body_sha256 is not None and text_hash(view.body) == view.body_sha256
