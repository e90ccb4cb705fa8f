"""Fixtures of the end-to-end tests: the bot rig (Telegram double + RouterOS emulator)."""

from tests.botkit import bot

__all__ = ["bot"]
