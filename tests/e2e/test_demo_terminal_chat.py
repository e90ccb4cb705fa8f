"""The demo's terminal chat against the real bot: numbered buttons, switching staff, saved files."""

from __future__ import annotations

import io
from pathlib import Path

from antena.core.audit import Actor
from antena.core.clients import edits
from antena.core.clients.records import ClientData
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
    assert out.getvalue().splitlines()[-1] == "Choose a button between 1 and 2.", (
        "no button 7: nothing pressed"
    )


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


async def test_other_staff_chats_show_one_line_and_keep_their_buttons(bot: BotRig, tmp_path: Path) -> None:
    """A cashier's message (a portal payment report, say) is announced to the person at the keyboard,
    who switches to the cashier and finds that message's buttons ready to press by number."""
    await bot.app.perform(edits.add_client, Actor.cli(),
        ClientData(name="Rosa Peña", zone="Centro", router="RB-Centro", plan="PCQ 15M", ip="10.9.0.2"),
        push=False,
    )
    out = io.StringIO()
    chat = TerminalChat(bot.telegram, tmp_path, user_id=ADMIN, out=out)
    bot.telegram.send_text(CASHIER, "/cliente Rosa Peña")  # the cashier, on her own phone
    card = await bot.telegram.wait_for_message(CASHIER)
    announced = out.getvalue().splitlines()
    assert len(announced) == 1 and f"{CASHIER}: " in announced[0] and "Rosa Peña" in announced[0]

    chat.handle("!como cajera")
    labels = [label for row in bot.telegram.buttons(card) for label, _d in row]
    shown = out.getvalue().splitlines()[-1]
    assert all(f"[{n}] {label}" in shown for n, label in enumerate(labels, 1)), shown
    chat.handle(str(labels.index("Facturas") + 1))
    invoices = await bot.telegram.wait_for_message(CASHIER)
    assert "facturas" in invoices["text"].lower(), "the number pressed the cashier's Invoices button"


async def test_the_chat_speaks_the_isps_language(bot: BotRig, tmp_path: Path) -> None:
    """With ANTENA_LOCALE=en the person at the keyboard is answered in English, as a staff member
    whose Telegram is in English would be."""
    chat = TerminalChat(bot.telegram, tmp_path, user_id=ADMIN, language="en", out=io.StringIO())
    chat.handle("/cliente nadie-con-este-nombre")
    reply = await bot.telegram.wait_for_message(ADMIN)
    assert "no client" in reply["text"].lower(), reply["text"]
