"""``antena payref`` and ``antena online-payments`` through the real CLI: references made by the
Conekta SDK on the double (served from its own event loop thread), a waiting online payment listed
and decided once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from antena.core.bootstrap import bootstrap
from antena.core.config import Settings
from antena.core.payments.port import WebhookRequest
from antena.core.payments.webhooks import receive
from antena.doubles.conekta import ConektaDouble
from tests.helpers import cli, cli_centro


@pytest.fixture
def threaded_conekta() -> Iterator[ConektaDouble]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    double = ConektaDouble()
    asyncio.run_coroutine_threadsafe(double.start(), loop).result(timeout=10)
    try:
        yield double
    finally:
        asyncio.run_coroutine_threadsafe(double.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def test_references_and_online_payments_from_the_command_line(
    cli_env: Settings, threaded_emulator: Any, threaded_conekta: ConektaDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTENA_CONEKTA_API_KEY", threaded_conekta.api_key)
    monkeypatch.setenv("ANTENA_CONEKTA_API_URL", threaded_conekta.base_url)
    monkeypatch.setenv("ANTENA_CONEKTA_WEBHOOK_KEY", threaded_conekta.public_key)
    cli_centro(threaded_emulator.port)

    assert "no references yet" in cli("payref", "show", "juan").stdout
    made = cli("payref", "create", "juan")
    assert made.exit_code == 0 and "OXXO reference: 9300" in made.stdout and "CLABE: 6461 80" in made.stdout
    everyone = cli("payref", "create", "--all")
    assert everyone.exit_code == 0 and "Clients who had them already: 1" in everyone.stdout
    neither = cli("payref", "create")
    assert neither.exit_code == 1 and "--all" in neither.stderr
    shown = cli("payref", "show", "juan")
    assert "OXXO reference: 9300" in shown.stdout and "/pagar/" in shown.stdout
    assert len(threaded_conekta.requests) == 3

    event = threaded_conekta.pay("93000000000001", 35000)  # nobody's reference
    body = threaded_conekta.encode(event)

    async def deliver() -> str:
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        app = bootstrap(settings)
        try:
            request = WebhookRequest(body, {"digest": threaded_conekta.sign(body)}, {})
            return (await receive(app, "conekta", request)).status
        finally:
            await app.aclose()

    assert asyncio.run(deliver()) == "review"
    waiting = cli("online-payments", "list")
    assert "#1 " in waiting.stdout and "unknown reference" in waiting.stdout and "350.00" in waiting.stdout
    nobody = cli("online-payments", "decide", "1", "apply")
    assert nobody.exit_code == 1 and "Say which client" in nobody.stderr
    bogus = cli("online-payments", "decide", "1", "steal")
    assert bogus.exit_code == 1 and "Unknown decision steal" in bogus.stderr
    no_invoice = cli("online-payments", "decide", "1", "apply", "--client", "juan")
    assert no_invoice.exit_code == 1 and "no pending invoice" in no_invoice.stderr
    ignored = cli("online-payments", "decide", "1", "ignore")
    assert ignored.exit_code == 0 and "ignored" in ignored.stdout
    twice = cli("online-payments", "decide", "1", "ignore")
    assert twice.exit_code == 1 and "already decided" in twice.stderr
    assert "No online payments waiting" in cli("online-payments", "list").stdout
    assert "ignored" in cli("online-payments", "list", "--all").stdout
    urls = cli("online-payments", "urls").stdout
    assert "/pagos/conekta/webhook" in urls and "/pagos/mercadopago/webhook  (not configured)" in urls
