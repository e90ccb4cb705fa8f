"""Doubles of the outside systems Antena talks to, in one place.

Why: the design says "no mocks where a real peer can run here". Each double is a real server on
127.0.0.1 that our real clients talk to over the wire, and the same double serves the tests, the
benchmarks and ``antena demo``.

- :mod:`antena.doubles.telegram` — a local Telegram Bot API server (``TelegramDouble``) that an
  aiogram ``Bot`` can poll, send to and receive files from.
- The RouterOS API emulator lives next to its adapter, in :mod:`antena.core.routeros.emulator`.
"""
