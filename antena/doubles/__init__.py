"""Doubles of the outside systems Antena talks to, in one place.

Why: the design says "no mocks where a real peer can run here". Each double is a real server on
127.0.0.1 that our real clients talk to over the wire, and the same double serves the tests, the
benchmarks and ``antena demo``.

- :mod:`antena.doubles.telegram` — a local Telegram Bot API server (``TelegramDouble``) that an
  aiogram ``Bot`` can poll, send to and receive files from.
- The RouterOS API emulator lives next to its adapter, in :mod:`antena.core.routeros.emulator`.
- :mod:`antena.doubles.pac` — a PAC (SW sapien's REST API) that checks a CFDI's seal and stamps it;
  :mod:`antena.doubles.csd` makes SAT-format test CSDs for it, the tests and the demo.
- :mod:`antena.doubles.whatsapp_cloud` — Meta's WhatsApp Cloud API, firing signed webhooks.
"""
