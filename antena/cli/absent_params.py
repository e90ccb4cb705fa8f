"""Typer (0.29) builds a pydantic ``TypeAdapter`` for every parameter it processes, even one the
user did not give (``--help`` absent is ``None``): that alone imports pydantic, a tenth of a
second or more on a busy machine, on every command. An absent value needs no adapter: Typer's own
``RuntimeParam.coerce`` turns ``None`` into ``None`` (or ``()`` for a multi-value parameter)
before it looks at the adapter, so the same answer is given here without building one."""

from __future__ import annotations

from typing import Any


class _Absent:
    """What ``RuntimeParam.coerce`` does for ``None``, without a ``TypeAdapter`` behind it."""

    @staticmethod
    def coerce(value: Any, param: Any, ctx: Any) -> Any:
        if value is not None:  # never reached: only set while an absent value is processed
            raise AssertionError(value)
        return () if param.multiple or param.nargs == -1 else None


_ABSENT = _Absent()


def install() -> None:
    """Process absent values without Typer's adapter (once; a no-op on a Typer without one)."""
    from typer.core import _TyperParameter

    if getattr(_TyperParameter, "_antena_absent", False) or not hasattr(_TyperParameter, "get_runtime_param"):
        return
    original = _TyperParameter.process_value

    def process_value(self: Any, ctx: Any, value: Any) -> Any:
        if value is not None or self._runtime_param is not None:
            return original(self, ctx, value)
        self._runtime_param = _ABSENT
        try:
            return original(self, ctx, value)  # required check and callback as Typer does them
        finally:
            self._runtime_param = None

    _TyperParameter.process_value = process_value  # type: ignore[method-assign]
    _TyperParameter._antena_absent = True  # type: ignore[attr-defined]
