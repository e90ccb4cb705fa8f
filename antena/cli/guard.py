"""Every argument of every ``antena`` command is checked for control characters once, before the
command runs: a NUL in ``--name`` is refused here, naming the option, instead of reaching the
database, a router or a CSV file. Multi-line options (a description) may keep newlines and tabs."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperGroup

from antena.core import validate
from antena.core.errors import InvalidInput
from antena.core.i18n import _, set_language

MULTILINE_OPTIONS = frozenset({"--description", "--notes", "--note", "--message", "--body"})


def _leaf(root: Any, args: Sequence[str]) -> tuple[Any, int]:
    """The command ``args`` runs and where its own arguments start (Typer vendors its own Click:
    commands and parameters are told apart by what they have, not by Click's classes)."""
    command, i = root, 0
    while hasattr(command, "commands") and i < len(args):
        token = args[i]
        i += 1
        if token.startswith("-"):
            continue
        sub = command.commands.get(token)
        if sub is None:
            return command, i - 1
        command = sub
    return command, i


def _options(command: Any) -> dict[str, Any]:
    options = [p for p in command.params if p.param_type_name == "option"]
    return {name: p for p in options for name in (*p.opts, *p.secondary_opts)}


def _field_names(root: Any, args: Sequence[str]) -> list[tuple[str, str]]:
    """Each argument with the name a user knows it by: ``--name``, ``CLIENTE``, ``argument 3``."""
    command, start = _leaf(root, args)
    options = _options(command)
    positional = [p for p in command.params if p.param_type_name == "argument"]
    named = [(a, _("argument {n}").format(n=i + 1)) for i, a in enumerate(args[:start])]
    i, position, only_positional = start, 0, False
    while i < len(args):
        token = args[i]
        option = None if only_positional else options.get(token.split("=", 1)[0])
        if token == "--" and not only_positional:
            only_positional = True
            named.append((token, token))
        elif option is not None and "=" in token:
            named.append((token.split("=", 1)[1], token.split("=", 1)[0]))
        elif option is not None:
            named.append((token, token))
            if not option.is_flag and not option.count and i + 1 < len(args):
                i += 1
                named.append((args[i], token))
        else:
            param = positional[min(position, len(positional) - 1)] if positional else None
            label = (param.metavar or (param.name or "").upper()) if param is not None else ""
            label = label.strip("[].")
            named.append((token, label or _("argument {n}").format(n=i + 1)))
            position += 1
        i += 1
    return named


def check_arguments(root: Any, args: Sequence[str]) -> None:
    """``InvalidInput`` naming the first argument that holds a control character."""
    for value, name in _field_names(root, args):
        validate.plain_text(value, name, multiline=name in MULTILINE_OPTIONS)


def _speak_the_settings_language() -> None:
    from pydantic import ValidationError

    from antena.core.config import Settings

    with contextlib.suppress(ValidationError):  # the command itself reports a bad setting
        set_language(Settings().locale)


class CheckedGroup(TyperGroup):
    """The ``antena`` group: refuses control characters in any argument before parsing them."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        try:
            check_arguments(self, args)
        except InvalidInput:
            _speak_the_settings_language()
            try:
                check_arguments(self, args)
            except InvalidInput as exc:
                typer.echo(f"antena: {exc}", err=True)
                raise typer.Exit(1) from None
        return super().parse_args(ctx, args)
