"""A client's fiscal data: set, show or remove it (``antena clients fiscal``)."""

from __future__ import annotations

from antena.core.audit import Actor, record
from antena.core.cfdi.catalogs import FiscalData, parse_fiscal
from antena.core.db.cfdi_models import ClientFiscal
from antena.core.db.models import Client
from antena.core.db.uow import UnitOfWork
from antena.core.errors import NotFound
from antena.core.i18n import _


def as_data(row: ClientFiscal) -> FiscalData:
    return FiscalData(row.rfc, row.name, row.regime, row.postal_code, row.cfdi_use)


async def get_fiscal(uow: UnitOfWork, client_id: int) -> FiscalData | None:
    row = await uow.session.get(ClientFiscal, client_id)
    return as_data(row) if row is not None else None


async def set_fiscal(
    uow: UnitOfWork,
    actor: Actor,
    client_id: int,
    *,
    rfc: str,
    name: str,
    regime: str,
    postal_code: str,
    cfdi_use: str = "G03",
) -> FiscalData:
    """Store (or replace) what the client's CFDI will say; every field is checked first."""
    data = parse_fiscal(rfc, name, regime, postal_code, cfdi_use)
    client = await uow.session.get(Client, client_id)
    if client is None:
        raise NotFound(_("No client #{id}").format(id=client_id))
    row = await uow.session.get(ClientFiscal, client_id)
    if row is None:
        row = ClientFiscal(client_id=client_id)
        uow.session.add(row)
    row.rfc, row.name, row.regime = data.rfc, data.name, data.regime
    row.postal_code, row.cfdi_use = data.postal_code, data.cfdi_use
    row.updated_at = uow.app.clock.now()
    record(uow.session, actor, "client.fiscal", target=f"#{client_id}", arguments=dict(data.__dict__))
    return data


async def clear_fiscal(uow: UnitOfWork, actor: Actor, client_id: int) -> bool:
    """The client goes back to the public in general (the monthly global invoice); False if it had none."""
    row = await uow.session.get(ClientFiscal, client_id)
    if row is None:
        return False
    await uow.session.delete(row)
    record(uow.session, actor, "client.fiscal.clear", target=f"#{client_id}")
    return True
