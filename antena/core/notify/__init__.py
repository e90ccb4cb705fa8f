"""Customer messages: templates, SMS segments, channels (Twilio, Telegram, e-mail, console), outbox."""
