"""The demo's terminal chat: each typed line is a Telegram message from a staff member.

Why through the Bot API double and not by calling handlers: the line then takes exactly the path
a real message takes (getUpdates, the dispatcher, its middlewares, roles, audit), so what the demo
shows is what staff get in Telegram. The bot's answers are printed as they arrive; inline buttons
become numbered choices (type the number to press one); documents such as invoice PDFs are saved
into a folder and their path printed.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from antena.core.i18n import _
from antena.doubles.telegram import TelegramDouble, buttons

Choice = tuple[int, str, str | None]  # (message_id, label, callback data or URL)
INDENT = " " * 9
ROLE_IDS = {
    "admin": 1001,
    "manager": 1002,
    "gerente": 1002,
    "cashier": 1003,
    "cajera": 1003,
    "cajero": 1003,
    "technician": 1004,
    "tecnico": 1004,
    "técnico": 1004,
}


class TerminalChat:
    """One person at the keyboard, chatting with the bot as ``user_id`` (the demo admin by default)."""

    def __init__(
        self,
        telegram: TelegramDouble,
        files_dir: Path,
        *,
        user_id: int = 1001,
        language: str = "es",
        out: TextIO | None = None,
    ) -> None:
        self.telegram = telegram
        self.files_dir = files_dir
        self.user_id = user_id
        self.language = language  # the Telegram app's language, which the bot answers staff in
        self.out = out or sys.stdout
        self.choices: list[Choice] = []  # the buttons a typed number presses
        self.last_buttons: dict[int, list[Choice]] = {}  # per chat, for switching with !como
        self._alerts_seen = 0
        telegram.listeners.append(self.show)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    # -- what the bot sends ------------------------------------------------------------------------

    def show(self, record: dict[str, Any]) -> None:
        """Print what the bot sent to the person at the keyboard in full; for the other staff chats
        (a cashier told of a payment reported in the portal, say) one line, so the person knows to
        switch with ``!como``. Each chat keeps its last buttons for when the person switches to it."""
        chat_id = record["chat_id"]
        rows = buttons(record["reply_markup"]) if record.get("reply_markup") else []
        if rows:
            self.last_buttons[chat_id] = [
                (record["message_id"], label, data) for row in rows for label, data in row
            ]
        body = (record.get("text") or "").strip()
        if chat_id != self.user_id:
            first = body.splitlines()[0] if body else record.get("filename") or ""
            self.say(_("(to Telegram user {id}: {text})").format(id=chat_id, text=first[:100]))
            return
        if record.get("filename"):
            self.files_dir.mkdir(parents=True, exist_ok=True)
            path = self.files_dir / Path(record["filename"]).name
            path.write_bytes(record["data"])
            body = _("File {name} saved to {path}").format(name=record["filename"], path=path) + "\n" + body
        prefix = "✎ " if record["kind"] == "edit" else ""
        self.say(f"{prefix}Antena ▸ " + body.strip().replace("\n", "\n" + INDENT))
        if rows:
            self.choices = self.last_buttons[chat_id]
            self._show_choices()

    def _show_choices(self) -> None:
        self.say(INDENT + "   ".join(f"[{n}] {label}" for n, (_m, label, _d) in enumerate(self.choices, 1)))

    def show_alerts(self) -> None:
        """Pop-up answers to a pressed button (``answerCallbackQuery`` with text) are printed too."""
        answers = self.telegram.answered_callbacks
        for answer in answers[self._alerts_seen :]:
            if answer.get("text"):
                self.say("Antena ▸ (" + str(answer["text"]) + ")")
        self._alerts_seen = len(answers)

    # -- what the person types ---------------------------------------------------------------------

    def handle(self, line: str) -> bool:
        """One typed line; False when the person asked to leave."""
        line = line.strip()
        if not line:
            return True
        if line in ("!quit", "!salir", "!exit"):
            return False
        if line in ("!help", "!ayuda"):
            self.say(help_text())
        elif line.startswith(("!user", "!usuario", "!como")):
            self._switch(line.partition(" ")[2].strip())
        elif line.isdigit() and self.choices:
            self._press(int(line))
        else:
            self.choices = []
            self.telegram.send_text(self.user_id, line, first_name="Demo", language_code=self.language)
        return True

    def _switch(self, who: str) -> None:
        user_id = ROLE_IDS.get(who.lower()) if not who.isdigit() else int(who)
        if user_id is None:
            self.say(_("Say who you are: admin, gerente, cajera, tecnico or a Telegram id."))
            return
        self.user_id, self.choices = user_id, self.last_buttons.get(user_id, [])
        self.say(_("You are now Telegram user {id}.").format(id=user_id))
        if self.choices:
            self._show_choices()

    def _press(self, number: int) -> None:
        if not 1 <= number <= len(self.choices):
            self.say(_("Choose a button between 1 and {n}.").format(n=len(self.choices)))
            return
        message_id, label, data = self.choices[number - 1]
        if data is None:
            self.say(_("That button does nothing here."))
        elif data.startswith(("http://", "https://", "tg://")):
            self.say(_("{label} opens {url}").format(label=label, url=data))
        else:
            self.telegram.tap(self.user_id, message_id, data)

    async def run(self, stop: asyncio.Event, read_lines: Callable[[], asyncio.Queue[str | None]]) -> None:
        """Feed typed lines until ``stop``, ``!salir`` or Ctrl-D (each of which stops the demo)."""
        queue = read_lines()
        while not stop.is_set():
            try:
                line = await asyncio.wait_for(queue.get(), timeout=0.3)
            except TimeoutError:
                self.show_alerts()
                continue
            if line is None:  # Ctrl-D ends the demo; piped input just runs out, the demo keeps serving
                if sys.stdin.isatty():
                    stop.set()
                return
            if not self.handle(line):
                stop.set()
                return
            await asyncio.sleep(0.05)
            self.show_alerts()


def help_text() -> str:
    return "\n".join(
        [
            _("Type as in Telegram: /ayuda, /buscar juan, /cliente 12, /suspender <name>, /reporte."),
            _("A number presses the button with that number on the bot's last answer."),
            _(
                "!como cajera (or admin, gerente, tecnico, a Telegram id) talks as another staff member; "
                "!salir or Ctrl-C ends the demo."
            ),
        ]
    )
