"""Shared by the contract, installation and ticket tests: a drawn signature, a client sold but not
installed yet, a contract signed through the real signing service, and a PDF's text."""

from __future__ import annotations

import base64
import io
import subprocess
from pathlib import Path
from typing import Any

from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.contracts import service, signing
from antena.core.contracts.documents import Upload
from antena.core.db.models import Client

PNG_PHOTO = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


def signature_png(*, ink: bool = True, size: tuple[int, int] = (300, 120)) -> bytes:
    """A canvas export: transparent, with a scribble unless ``ink`` is False (an empty pad)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    if ink:
        draw = ImageDraw.Draw(image)
        draw.line(
            [(20, 80), (60, 30), (100, 90), (150, 25), (200, 85), (260, 40)], fill=(16, 32, 74, 255), width=3
        )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


async def sold_client(
    app: App, isp: Any, name: str = "Lucía Núñez", ip: str = "10.0.0.9", **fields: Any
) -> Client:
    """A client stored with its service but not pushed to the router: sold, not installed."""
    data = ClientData(
        name=name, zone="Centro", router="RB-Centro", plan=isp.plans["pcq"].name, ip=ip,
        phone=fields.pop("phone", "55 1234 5678"), address=fields.pop("address", "Calle Hidalgo 12"), **fields,
    )  # fmt: skip
    client, _report = await app.perform(edits.add_client, Actor.cli(), data, push=False)
    return client


async def new_contract(app: App, client_id: int, **kw: Any) -> service.NewContract:
    return await app.perform(service.new_contract, Actor.cli(), client_id, **kw)


async def sign(
    app: App,
    link: str,
    *,
    name: str = "Lucía Núñez",
    uploads: list[Upload] | None = None,
    ip: str = "203.0.113.7",
) -> signing.Signed:
    """Sign through the service the portal calls, with the hash of the text as the page shows it."""
    token = link.rsplit("/contrato/", 1)[1]
    async with app.reader() as uow:
        page = await signing.open_page(uow, token)
    return await app.perform(
        signing.sign, token, signer_name=name, signature_png=signing.prepare_signature(data_url(signature_png())),
        shown_sha256=page.body_sha256, ip=ip, uploads=uploads or [],
    )  # fmt: skip


def pdf_text(data: bytes, tmp: Path) -> str:
    """The PDF's text as ``pdftotext -layout`` reads it (poppler-utils)."""
    path = tmp / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
