"""``POST /twilio/status``: Twilio's delivery reports, accepted only with a valid ``X-Twilio-Signature``.

The signature covers the exact public URL Twilio called (``ANTENA_TWILIO_STATUS_CALLBACK_URL`` when
set, since a proxy in front of the portal changes what the request looks like here) and the form
parameters, HMAC-SHA1 with the auth token. The portal includes this router: ``make_router(app)``.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from twilio.request_validator import RequestValidator

from antena.core.bootstrap import App
from antena.core.notify.outbox import apply_status


def make_router(app: App) -> APIRouter:
    router = APIRouter()

    @router.post("/twilio/status", include_in_schema=False)
    async def twilio_status(request: Request) -> Response:
        token = app.settings.twilio_auth_token
        if token is None or not token.get_secret_value():
            return Response(status_code=403)
        raw = (await request.body()).decode("utf-8", errors="replace")
        params = dict(parse_qsl(raw, keep_blank_values=True))
        url = app.settings.twilio_status_callback_url or str(request.url)
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature or not RequestValidator(token.get_secret_value()).validate(url, params, signature):
            return Response(status_code=403)
        sid = params.get("MessageSid") or params.get("SmsSid") or ""
        status = params.get("MessageStatus") or params.get("SmsStatus") or ""
        if sid and status:
            await apply_status(app, sid, status, params.get("ErrorCode") or None)
        return Response(status_code=204)

    return router
