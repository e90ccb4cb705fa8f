"""The CLI's help in the ISP's language (``ANTENA_LOCALE``): every help text of the command tree is
an English msgid marked with ``N_`` where it is written and translated here, when the tree is
built, through the same Babel catalog as the rest of the product. Typer's own words (panel titles,
"Usage:", ``[default: …]``) are translated only when a help page is drawn, so a command that runs
never imports Typer's help renderer."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from typer._click.formatting import HelpFormatter

from antena.core.i18n import _, normalize_language


def settings_language() -> str:
    """``ANTENA_LOCALE`` from the environment or ``.env``, read without loading the settings (a
    bad value is reported by the command that loads them; help falls back to Spanish)."""
    value = os.environ.get("ANTENA_LOCALE", "").strip()
    if not value and Path(".env").is_file():
        from dotenv import dotenv_values

        value = (dotenv_values(".env", encoding="utf-8").get("ANTENA_LOCALE") or "").strip()
    return normalize_language(value)


class _TranslatedFormatter(HelpFormatter):
    """Click's formatter with the usage line's prefix in the active language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage: ") if prefix is None else prefix)


def _speak_typer() -> None:
    """Typer's own help words, read from its module when a page is drawn."""
    from typer import rich_utils

    rich_utils.ARGUMENTS_PANEL_TITLE = _("Arguments")
    rich_utils.OPTIONS_PANEL_TITLE = _("Options")
    rich_utils.COMMANDS_PANEL_TITLE = _("Commands")
    rich_utils.REQUIRED_LONG_STRING = _("[required]")
    rich_utils.DEFAULT_STRING = _("[default: {}]")
    rich_utils.DEPRECATED_STRING = _("(deprecated) ")


def _format_help(command: Any) -> Any:
    """``command.format_help`` that first translates Typer's words and the ``--help`` option."""
    original = command.format_help

    def format_help(ctx: Any, formatter: Any) -> None:
        _speak_typer()
        ctx.formatter_class = _TranslatedFormatter
        option = command.get_help_option(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        original(ctx, formatter)

    return format_help


def translate_tree(command: Any) -> None:
    """Translate the help of ``command`` and of every command under it, in place."""
    for attr in ("help", "short_help", "epilog"):
        text = getattr(command, attr, None)
        if text:
            setattr(command, attr, _(text))
    if command.options_metavar == "[OPTIONS]":
        command.options_metavar = _("[OPTIONS]")
    if getattr(command, "subcommand_metavar", None) == "COMMAND [ARGS]...":
        command.subcommand_metavar = _("COMMAND [ARGS]...")
    for param in command.params:
        if getattr(param, "help", None):
            param.help = _(param.help)
    command.format_help = _format_help(command)
    for sub in getattr(command, "commands", {}).values():
        translate_tree(sub)
