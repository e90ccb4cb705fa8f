"""The welcome e-mail with the auto-login button, through aiosmtplib to a real local SMTP server."""

from __future__ import annotations

from antena.core.bootstrap import bootstrap
from antena.core.clients import edits
from antena.core.clients.records import ClientData
from antena.core.config import Settings
from antena.core.db.message_models import MessageStatus
from antena.doubles.smtp import SmtpDouble
from tests.integration.notify_helpers import drain, messages


async def test_a_new_client_gets_the_welcome_email_with_the_autologin_link(settings: Settings, isp) -> None:  # type: ignore[no-untyped-def]
    with SmtpDouble() as smtp:
        mail_app = bootstrap(
            settings.model_copy(
                update={
                    "smtp_host": smtp.host,
                    "smtp_port": smtp.port,
                    "smtp_starttls": False,
                    "smtp_from": "hola@wisp.test",
                }
            )
        )
        try:
            client, _ = await mail_app.perform(edits.add_client, isp.actor,
                ClientData(
                    name="Lucía Núñez",
                    zone="Centro",
                    router="RB-Centro",
                    plan="PCQ 15M",
                    ip="10.0.0.9",
                    email="lucia@example.com",
                ),
                welcome=True,
            )
            await drain(mail_app)
            sent = await messages(mail_app, MessageStatus.SENT)
        finally:
            await mail_app.aclose()
    (mail,) = smtp.messages
    assert mail["To"] == "lucia@example.com" and mail["From"] == "hola@wisp.test"
    body = mail.get_body(preferencelist=("html", "plain"))
    assert body is not None and "http://portal.test/a/" in body.get_content()
    assert any(m.channel == "email" for m in sent)
    assert client.id


async def test_without_smtp_no_email_is_queued(app, isp) -> None:  # type: ignore[no-untyped-def]
    await app.perform(edits.add_client, isp.actor,
        ClientData(
            name="Pedro",
            zone="Centro",
            router="RB-Centro",
            plan="PCQ 15M",
            ip="10.0.0.8",
            email="pedro@example.com",
        ),
        welcome=True,
    )
    assert all(m.channel != "email" for m in await messages(app))
