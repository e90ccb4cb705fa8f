"""The bot's HTTP session keeps the reply model of each Bot API method alive: pydantic caches
``Response[Message]`` only weakly, and rebuilding it (schema, validator) cost milliseconds per
reply once the garbage collector had dropped it."""

from __future__ import annotations

import gc
import json
import weakref

from aiogram import Bot
from aiogram.methods import Response, SendMessage

from antena.bot.app import BotSession

REPLY = {
    "ok": True,
    "result": {"message_id": 5, "date": 0, "chat": {"id": 7, "type": "private"}, "text": "hola"},
}


def test_the_reply_model_survives_garbage_collection() -> None:
    bot = Bot("123456:abcdef", session=BotSession())
    method = SendMessage(chat_id=7, text="hola")
    answer = bot.session.check_response(bot, method, 200, json.dumps(REPLY))
    assert answer.result.text == "hola"
    model = weakref.ref(type(answer))
    del answer  # nothing of this test holds the model any more
    gc.collect()
    assert model() is not None
    assert Response[SendMessage.__returning__] is model()
