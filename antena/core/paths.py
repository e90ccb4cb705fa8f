"""Public paths of the web server that outside systems post to (Telegram, Twilio, payment
providers): one place, so the portal's guard and the routes that serve them agree."""

TELEGRAM_WEBHOOK = "/telegram/webhook"
TWILIO_STATUS = "/twilio/status"
