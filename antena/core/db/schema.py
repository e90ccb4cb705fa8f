"""Every table of the product, imported in one place so ``Base.metadata`` is complete."""

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
