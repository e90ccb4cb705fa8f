"""The demo's terminal chat against the real bot: numbered buttons, switching staff, saved files."""

from __future__ import annotations

import io
from pathlib import Path

from antena.demo.terminal import TerminalChat
from tests.botkit import ADMIN, CASHIER, BotRig


async def test_buttons_are_numbered_and_pressed_by_number(bot: BotRig, tmp_path: Path) -> None:
    out = io.StringIO()
    chat = TerminalChat(bot.telegram, tmp_path / "files", user_id=ADMIN, out=out)
    chat.handle("/reporte")
    await bot.telegram.wait_for_message(ADMIN, lambda r: r["kind"] == "document")
    saved = list((tmp_path / "files").glob("*.pdf"))
    assert len(saved) == 1 and saved[0].read_bytes().startswith(b"%PDF")
    assert str(saved[0]) in out.getvalue(), "the person is told where the PDF is"

    chat.choices = [(1, "Sí", "x"), (1, "No", "y")]
    chat.handle("7")
    assert "1" in out.getvalue().splitlines()[-1] and "2" in out.getvalue().splitlines()[-1]


async def test_talking_as_another_staff_member(bot: BotRig, tmp_path: Path) -> None:
    out = io.StringIO()
    chat = TerminalChat(bot.telegram, tmp_path, user_id=ADMIN, out=out)
    chat.handle("!como cajera")
    assert chat.user_id == CASHIER
    chat.handle("!como nadie")
    assert chat.user_id == CASHIER and "gerente" in out.getvalue().splitlines()[-1]
    chat.handle("/suspender Juan")
    refusal = await bot.telegram.wait_for_message(CASHIER)
    assert "rol" in refusal["text"].lower(), "a cashier may not cut clients"
    assert refusal["text"] in out.getvalue(), "the answer is shown to the person at the keyboard"
    assert chat.handle("!salir") is False
