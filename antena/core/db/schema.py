"""Every table of the product, imported in one place so ``Base.metadata`` is complete."""

from antena.core.db import (  # noqa: F401  # noqa: F401
    billing_models,
    cfdi_models,
    message_models,
    models,
    report_models,
    router_tasks,
    tokens,
    whatsapp_models,
)
from antena.core.db.base import Base

metadata = Base.metadata

__all__ = ["Base", "metadata"]
