"""The Telegram bot (aiogram 3): dispatcher factory, middlewares, keyboards; handlers in ``handlers/``."""
