"""``core``, the portal and the CLI import nothing from ``antena.bot``: what staff must hear goes
through the message outbox, so a crash or a Telegram outage loses nothing and the portal and the
CLI work without the bot. A scan of the source (every ``import``, at module level or inside a
function, and every module path written as a string, as ``importlib.import_module`` takes it)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("antena/core", "antena/portal", "antena/cli")
# The few entry points that may start the bot, and why (nothing else in SCANNED may):
ALLOWED = {
    # `antena run` runs the bot: long polling, or its webhook as a route of the portal's web server.
    "antena/cli/operations.py",
}
MODULE_PATH = re.compile(r"^antena\.bot(\.[A-Za-z_][\w.]*)?(:\w+)?$")


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The module an ``ImportFrom`` in ``module`` names, a relative import resolved."""
    if not node.level:
        return node.module or ""
    package = module.split(".")[: -node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def bot_imports(source: str, module: str) -> list[str]:
    """``line: what`` for each place the source of ``module`` reaches ``antena.bot``, in line order."""
    found = []
    for node in ast.walk(ast.parse(source, module)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_PATH.match(node.value):
            names = [node.value]
        if any(n == "antena.bot" or n.startswith(("antena.bot.", "antena.bot:")) for n in names):
            found.append((node.lineno, names[0]))
    return [f"{line}: {what}" for line, what in sorted(found)]


def imports_of(relative: str) -> list[str]:
    path = ROOT / relative
    return bot_imports(path.read_text(encoding="utf-8"), ".".join(Path(relative).with_suffix("").parts))


def scanned_files() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for folder in SCANNED for p in (ROOT / folder).rglob("*.py"))


def test_core_portal_and_cli_do_not_import_the_bot() -> None:
    offenders = {name: hits for name in scanned_files() if name not in ALLOWED and (hits := imports_of(name))}
    assert not offenders, f"these import antena.bot (queue a staff message instead): {offenders}"


def test_the_exceptions_are_real_and_few() -> None:
    """An exception that no longer imports the bot is removed from the list, not kept "just in case"."""
    for name in ALLOWED:
        assert imports_of(name), f"{name} no longer imports antena.bot: drop it from ALLOWED"


def test_the_scan_sees_every_way_of_importing() -> None:
    source = '''"""Mentions antena.bot.callbacks in a docstring: not an import."""
import antena.bot.app
from antena import bot
from antena.bot.fieldwork_ui import TicketCb
from antena.core import tickets


def later():
    from antena.bot import runner
    return importlib.import_module("antena.bot.fieldwork_ui"), "antena.bot.handlers:make_router"
'''
    lines = [int(hit.split(":")[0]) for hit in bot_imports(source, "antena.cli.probe")]
    assert lines == [2, 3, 4, 9, 10, 10]
    relative = "from ..bot import runner\nfrom . import clients\nfrom .. import bot\n"
    assert bot_imports(relative, "antena.cli.probe") == ["1: antena.bot", "3: antena"]
