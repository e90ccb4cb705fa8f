"""Every table of the product, imported in one place so ``Base.metadata`` is complete."""

from antena.core.db import billing_models, message_models, models, report_models, router_tasks, tokens  # noqa: F401
from antena.core.db import cfdi_models, whatsapp_models  # noqa: F401
from antena.core.db.base import Base

metadata = Base.metadata

__all__ = ["Base", "metadata"]
