"""``GET|POST /whatsapp/webhook``: Meta's WhatsApp Cloud API webhook (statuses and inbound messages).

GET is the subscription handshake: ``hub.mode=subscribe`` with ``hub.verify_token`` equal to
``ANTENA_WHATSAPP_CLOUD_VERIFY_TOKEN`` echoes ``hub.challenge``. POST is accepted only with a valid
``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with ``ANTENA_WHATSAPP_CLOUD_APP_SECRET``).
"""

from __future__ import annotations

import hmac
import json
import logging

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from antena.core.bootstrap import App
from antena.core.notify.whatsapp_webhook import process_webhook, signature_ok

PATH = "/whatsapp/webhook"
MAX_BODY = 1024 * 1024
log = logging.getLogger(__name__)


def make_router(app: App) -> APIRouter:
    router = APIRouter()

    @router.get(PATH, include_in_schema=False)
    async def handshake(request: Request) -> Response:
        expected = app.settings.whatsapp_cloud_verify_token
        params = request.query_params
        token = params.get("hub.verify_token", "")
        if (
            expected is None
            or params.get("hub.mode") != "subscribe"
            or not hmac.compare_digest(token.encode(), expected.get_secret_value().encode())
        ):
            return Response(status_code=403)
        return PlainTextResponse(params.get("hub.challenge", "")[:200])

    @router.post(PATH, include_in_schema=False)
    async def webhook(request: Request) -> Response:
        secret = app.settings.whatsapp_cloud_app_secret
        body = await request.body()
        if len(body) > MAX_BODY:
            return Response(status_code=413)
        header = request.headers.get("X-Hub-Signature-256")
        if secret is None or not signature_ok(secret.get_secret_value(), body, header):
            log.warning("WhatsApp webhook refused: bad or missing X-Hub-Signature-256")
            return Response(status_code=403)
        try:
            payload = json.loads(body)
        except ValueError:
            return Response(status_code=400)
        if not isinstance(payload, dict):
            return Response(status_code=400)
        await process_webhook(app, payload)
        return Response(status_code=200)

    return router
