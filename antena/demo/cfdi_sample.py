"""The demo's CFDI: a local PAC double and a test CSD, and one paying client's invoice stamped.

Why: ``antena demo`` should show facturación electrónica without a PAC account or a CSD. The PAC
double checks the seal and stamps like a PAC's sandbox; the CSD is a throw-away test certificate
made into the data dir. A CFDI configuration of your own is left alone (the demo never sends to a
real PAC: only the double is used).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from pydantic import SecretStr
from sqlalchemy import select

from antena.core.audit import Actor
from antena.core.bootstrap import App
from antena.core.cfdi import documents, fiscal, jobs, requests
from antena.core.config import Settings
from antena.core.db.billing_models import Invoice, InvoiceStatus
from antena.core.db.uow import UnitOfWork
from antena.core.errors import CoreError
from antena.core.i18n import _

DEMO_RFC, DEMO_NAME, DEMO_CP = "EKU9003173C9", "ESCUELA KEMPER URGATE", "42501"  # SAT's test issuer
CLIENT_FISCAL = {"rfc": "XIQB891116QE4", "regime": "612", "postal_code": "01000", "cfdi_use": "G03"}


async def with_pac(stack: contextlib.AsyncExitStack, settings: Settings) -> Settings:
    """Start the PAC double and point the CFDI settings at it, with a fresh test CSD."""
    from antena.doubles.csd import make_test_csd
    from antena.doubles.pac import PacDouble

    pac = PacDouble()
    await pac.start()
    stack.push_async_callback(pac.stop)
    csd = make_test_csd(settings.data_dir / "demo-csd", rfc=DEMO_RFC, name=DEMO_NAME)
    return settings.model_copy(
        update={
            "cfdi_rfc": csd.rfc, "cfdi_name": csd.name, "cfdi_regime": "601", "cfdi_postal_code": DEMO_CP,
            "cfdi_cer_path": csd.cer, "cfdi_key_path": csd.key, "cfdi_key_password": SecretStr(csd.password),
            "cfdi_pac": "swsapien", "cfdi_pac_sandbox": True, "cfdi_pac_url": pac.base_url,
            "cfdi_pac_token": SecretStr(pac.token),
        }
    )  # fmt: skip


async def stamp_sample(app: App, client_ids: list[int], say: Callable[[str], None]) -> None:
    """Give the first of ``client_ids`` with a paid invoice fiscal data and stamp that invoice."""
    async with app.reader() as uow:
        found = (
            await uow.session.execute(
                select(Invoice.number, Invoice.client_id)
                .where(
                    Invoice.client_id.in_(client_ids), Invoice.status == InvoiceStatus.PAID, Invoice.total > 0
                )
                .order_by(Invoice.paid_at.desc())
                .limit(1)
            )
        ).first()
    if found is None:
        return
    number, client_id = found
    actor = Actor.system()

    async def go(uow: UnitOfWork) -> int:
        if await fiscal.get_fiscal(uow, client_id) is None:
            from antena.core.db.models import Client

            client = await uow.session.get(Client, client_id)
            assert client is not None
            await fiscal.set_fiscal(uow, actor, client_id, name=client.name, **CLIENT_FISCAL)
        doc_id = await requests.request_stamp(uow, actor, number)
        uow.after_commit(lambda: jobs.run_now(app, [doc_id]))
        return doc_id

    try:
        doc = await documents.document(app, await app.perform(go))
    except CoreError as exc:
        say(_("Sample CFDI not stamped: {reason}").format(reason=exc))
        return
    say("\n" + _("Sample CFDI of invoice {number} (client #{id}, RFC {rfc}) by the local PAC: {uuid}").format(
        number=number, id=client_id, rfc=CLIENT_FISCAL["rfc"], uuid=doc.uuid or doc.last_error))  # fmt: skip
    say(
        "  " + _("antena cfdi pdf {number} --out . · the client's portal: /portal/cfdi").format(number=number)
    )
