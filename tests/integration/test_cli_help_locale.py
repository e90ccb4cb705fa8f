"""``antena --help`` and every command's help speak ``ANTENA_LOCALE`` (Spanish by default), through
the real program: the same commands and options in both languages, the words translated."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from antena.cli.main import app
from antena.core.i18n import _catalog

ANTENA = str(Path(sys.executable).with_name("antena"))


def help_of(*args: str, locale: str | None, cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTENA_")}
    env |= {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"}
    if locale is not None:
        env["ANTENA_LOCALE"] = locale
    done = subprocess.run(
        [ANTENA, *args, "--help"], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def words(text: str) -> set[str]:
    """The command and option names a help page lists (the same in every language)."""
    found = set()
    for line in text.splitlines():
        for token in line.replace("│", " ").split():
            if token.startswith("--") or (token.islower() and token.replace("-", "").isalpha()):
                found.add(token)
    return found


def test_spanish_is_the_default_and_english_is_asked_for(tmp_path: Path) -> None:
    spanish = help_of(locale=None, cwd=tmp_path)
    assert "Uso: antena [OPCIONES] COMANDO" in spanish
    assert "Opciones" in spanish and "Comandos" in spanish
    assert "Clientes: agregar, editar, suspender" in spanish
    assert "Muestra este mensaje y sale." in spanish

    english = help_of(locale="en", cwd=tmp_path)
    assert "Usage: antena [OPTIONS] COMMAND" in english
    assert "Clients: add, edit, suspend, activate" in english
    assert "Show this message and exit." in english
    assert "Clientes" not in english


@pytest.mark.parametrize(
    ("command", "spanish", "english"),
    [
        (("clients",), "Importa clientes de un CSV", "Import clients from CSV"),
        (("clients", "suspend"), "Solo clientes de esta zona", "Only clients of this zone"),
        (("plan", "add"), "p. ej. 10M [obligatorio]", "e.g. 10M [required]"),
        (("router", "add"), "[predeterminado: 8728]", "[default: 8728]"),
        (("cfdi", "cancel"), "03 la venta no se realizó", "03 the sale did not happen"),
    ],
)
def test_each_command_in_both_languages_lists_the_same_things(
    tmp_path: Path, command: tuple[str, ...], spanish: str, english: str
) -> None:
    es, en = help_of(*command, locale="es", cwd=tmp_path), help_of(*command, locale="en", cwd=tmp_path)
    assert spanish in es and english not in es
    assert english in en and spanish not in en
    options = {w for w in words(en) if w.startswith("--")}
    assert options and options <= words(es), "the same options in both languages"


def test_the_dotenv_file_sets_the_language_of_the_help(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ANTENA_LOCALE=en\n", encoding="utf-8")
    assert "Usage: antena" in help_of(locale=None, cwd=tmp_path)
    assert "Uso: antena" in help_of(locale="es", cwd=tmp_path), "the environment wins over .env"


def test_every_help_text_of_every_command_has_its_spanish() -> None:
    """A command added without marking its help (a docstring, a plain ``help=``) is caught here."""
    catalog = _catalog("es")
    lacking = []

    def walk(command: object, path: str) -> None:
        texts = [getattr(command, "help", None), getattr(command, "short_help", None)]
        texts += [getattr(p, "help", None) for p in getattr(command, "params", [])]
        lacking.extend(f"{path}: {t!r}" for t in texts if t and t not in catalog)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(typer.main.get_command(app), "antena")
    assert not lacking, "help without Spanish (mark it with N_ and translate it): " + "; ".join(lacking[:10])
