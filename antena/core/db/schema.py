"""Every table of the product, imported in one place so ``Base.metadata`` is complete."""

import antena.core.db.cfdi_models  # registers the CFDI and WhatsApp tables (wt-cfdi)
import antena.core.db.equipment_models  # issue 15: equipment and usage tables
import antena.core.db.fieldwork_models
import antena.core.db.usage_models
import antena.core.db.whatsapp_models  # noqa: F401  (wt-cfdi)
from antena.core.db import (  # noqa: F401
    billing_models,
    message_models,
    models,
    pay_models,
    report_models,
    router_tasks,
    tokens,
)
from antena.core.db.base import Base

metadata = Base.metadata

__all__ = ["Base", "metadata"]
