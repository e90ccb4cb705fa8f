"""The console SMS backend (the default) logs what it would send with the auto-login token masked:
the link stays recognisable (``…/a/***``), the six-month key never reaches the log."""

from __future__ import annotations

import logging
import re

import pytest

from antena.core import links
from antena.core.bootstrap import App
from antena.core.db.message_models import MessageStatus
from antena.core.redact import mask_tokens
from tests.billing_helpers import billing_isp
from tests.integration.notify_helpers import drain, messages, phone_client, queue_portal_link


async def test_the_log_shows_the_link_without_its_token(app: App, caplog: pytest.LogCaptureFixture) -> None:
    isp = await billing_isp(app)
    ana = await phone_client(app, isp, "Ana López", "+525512345678")
    await queue_portal_link(app, ana.id)
    with caplog.at_level(logging.INFO):  # every logger at INFO, what `antena run` writes
        await drain(app)
    (row,) = await messages(app)
    assert row.status is MessageStatus.SENT and row.body
    # the customer gets the real link (signed when the message was written, so read it back from
    # the body: a link made here a second later carries another timestamp)
    sent = re.search(r"http://portal\.test/a/(\S+)", row.body)
    assert sent is not None
    token = sent.group(1)
    assert (await links.check_autologin(app, token)).id == ana.id
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "http://portal.test/a/***" in logged
    assert token not in logged and token[:12] not in logged


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Entra: https://portal.mx/a/WzEsMF0.aW1Fnw.k7LVGiAAexuzbdQaHOAiRPqgtSs. Gracias",
         "Entra: https://portal.mx/a/***. Gracias"),
        ("https://t.me/isp_bot?start=WzEsIngiXQabcdEFGh_-12 o /a/x?y=1",
         "https://t.me/isp_bot?start=*** o /a/***?y=1"),
        ("sin enlaces, 350.00 pesos", "sin enlaces, 350.00 pesos"),
    ],
)  # fmt: skip
def test_tokens_are_masked_wherever_they_are(text: str, masked: str) -> None:
    assert mask_tokens(text) == masked
