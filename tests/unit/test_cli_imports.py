"""Every ``antena`` command pays only for what it uses: importing ``antena/cli`` (what each command
start does) loads no PDF, chart, bot, SMS, web-server, CFDI or payment SDK, and building and
showing the whole command tree's help loads no database layer and no settings either. Checked in a
fresh interpreter through ``sys.modules``, as a user's process would import them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI_MODULES = sorted(
    f"antena.cli.{p.stem}" for p in (ROOT / "antena" / "cli").glob("*.py") if p.stem != "__init__"
)
HEAVY_SDKS = (
    "weasyprint", "matplotlib", "aiogram", "twilio", "satcfdi", "conekta", "mercadopago", "PIL",
    "uvicorn", "fastapi", "starlette", "jinja2", "httpx", "librouteros", "antena.core.routeros.emulator",
)  # fmt: skip
# Typer itself parses arguments with pydantic, so pydantic may load; the settings may not.
DATABASE_AND_SETTINGS = (
    "sqlalchemy", "alembic", "aiosqlite", "asyncpg", "pydantic_settings", "antena.core.config", "antena.core.db",
)  # fmt: skip

PROBE = """
import importlib, json, sys
for name in sys.argv[2:]:
    importlib.import_module(name)
if sys.argv[1] == "help":
    import contextlib, io
    import typer.main
    from antena.cli.main import app, translated_command
    root = translated_command(app)
    def walk(command, path):
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                root.main(path + ["--help"], prog_name="antena", standalone_mode=False)
            except SystemExit:
                pass
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk(sub, path + [name])
    walk(root, [])
print(json.dumps(sorted(sys.modules)))
"""


def loaded(mode: str, *modules: str) -> set[str]:
    """The modules a fresh interpreter holds after importing ``modules`` (and, in ``help`` mode,
    printing the help of every command)."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "ANTENA_LOCALE": "es"},
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def found(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(p for p in packages if p in modules or any(m.startswith(p + ".") for m in modules))


def test_no_cli_module_imports_a_heavy_sdk_at_import_time() -> None:
    heavy = found(loaded("import", *CLI_MODULES), HEAVY_SDKS)
    if heavy:  # name the culprits: one interpreter per module
        culprits = {m: hits for m in CLI_MODULES if (hits := found(loaded("import", m), HEAVY_SDKS))}
        raise AssertionError(f"imported at import time (import them where they are used): {culprits}")


def test_the_help_of_every_command_loads_no_database_layer_and_no_settings() -> None:
    modules = loaded("help", "antena.cli.main")
    assert found(modules, DATABASE_AND_SETTINGS + HEAVY_SDKS) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The check itself works: a module that imports an SDK at import time is caught."""
    assert found(loaded("import", "antena.core.db.models"), DATABASE_AND_SETTINGS) != []
    assert found(loaded("import", "antena.core.routeros.emulator"), HEAVY_SDKS) != []
