"""E-mail with attachments (a CFDI's XML and PDF): SMTP stays inside ``core/notify``."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import urlsplit

from antena.core.config import Settings
from antena.core.notify.channel_types import SendError


async def send_with_attachments(
    settings: Settings, to: str, subject: str, body: str, attachments: list[tuple[str, str, bytes]]
) -> None:
    """``attachments`` are (filename, MIME type, bytes); ``SendError`` says if retrying can help."""
    import aiosmtplib

    s = settings
    if not s.smtp_host:
        raise SendError("no SMTP host configured", transient=False)
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = s.smtp_from or f"no-reply@{urlsplit(s.portal_url).hostname or 'localhost'}"
    email["To"] = to
    email.set_content(body)
    for name, mime, data in attachments:
        main, _, sub = mime.partition("/")
        email.add_attachment(data, maintype=main, subtype=sub, filename=name)
    try:
        await aiosmtplib.send(
            email,
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_user,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            start_tls=s.smtp_starttls,
            timeout=s.smtp_timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise SendError(f"smtp: {exc}", transient=False) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise SendError(f"smtp: {exc}", transient=True) from None
