"""The portal's door: what is decided before a request body is read, and the headers every page
carries.

- A body larger than ``ANTENA_PORTAL_MAX_UPLOAD`` is refused with 413: at once when
  ``Content-Length`` says so, and while it streams in otherwise (the application never receives
  more than the limit, so python-multipart never spools more than that to disk).
- A form that needs a signed-in customer is refused with 401 before its body is read, and a
  multipart form (a receipt upload) needs its CSRF token in the query string or the
  ``X-CSRF-Token`` header, checked before the body too (403). Plain forms keep the token in a
  form field, which the route checks.
- Every response carries a Content-Security-Policy (no scripts at all, styles from our own
  stylesheet) and, when ``ANTENA_PORTAL_URL`` is https, Strict-Transport-Security.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from antena.core.bootstrap import App
from antena.core.i18n import gettext, language
from antena.core.paths import TELEGRAM_WEBHOOK, TWILIO_STATUS
from antena.portal.web import render, request_language

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HSTS = "max-age=31536000"
CSRF_HEADER = "x-csrf-token"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Machines posting, with their own secrets (Telegram, Twilio, the payment providers, Meta).
NOT_FORMS = frozenset({TELEGRAM_WEBHOOK, TWILIO_STATUS, "/whatsapp/webhook"}) | {
    "/pagos/conekta/webhook",
    "/pagos/mercadopago/webhook",
}
SESSION_PREFIX = "/portal/"  # every form under /portal/ belongs to a signed-in customer

SignedIn = Callable[[Request], Awaitable[bool]]


class BodyTooLarge(Exception):
    """The request body went past the limit while it streamed in."""


def size_label(size: int) -> str:
    """``5 MB``, ``500 KB``: the limit as the refusal page says it."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(size // 1024, 1)} KB"


class PortalGuard:
    """Pure ASGI middleware inside the session middleware (it reads the signed session cookie)."""

    def __init__(self, asgi: ASGIApp, *, app: App, signed_in: SignedIn) -> None:
        self.asgi = asgi
        self.app = app
        self.signed_in = signed_in
        self.limit = app.settings.portal_max_upload
        self.headers = [(b"content-security-policy", CSP.encode())]
        if app.settings.portal_url.lower().startswith("https://"):
            self.headers.append((b"strict-transport-security", HSTS.encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.asgi(scope, receive, send)
            return
        send = self._with_headers(send)
        request = Request(scope)
        if scope["method"] in WRITES:
            refusal = await self._refusal(request)
            if refusal is not None:
                await self._page(scope, send, *refusal)
                return
        await self._stream(scope, receive, send)

    def _with_headers(self, send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return sending

    async def _refusal(self, request: Request) -> tuple[int, str] | None:
        """What refuses this write before its body is read (status, message), or None: who is
        asking first (401, 403), then the size the request declares (413)."""
        declared = request.headers.get("content-length")
        if declared is not None and not declared.isdigit():
            return 400, gettext("The request is malformed.")
        path = request.url.path
        if path not in NOT_FORMS:
            if path.startswith(SESSION_PREFIX) and not await self.signed_in(request):
                message = gettext("Your session has ended. Open the link {company} sent you again.")
                return 401, message.format(company=self.app.settings.company_name)
            sent = request.headers.get(CSRF_HEADER) or request.query_params.get("csrf")
            multipart = request.headers.get("content-type", "").lower().startswith("multipart/")
            if (multipart or sent) and not _csrf_ok(request, sent):
                return 403, gettext("This form has expired. Go back, reload the page and try again.")
        if declared is not None and int(declared) > self.limit:
            return 413, self._too_large()
        return None

    def _too_large(self) -> str:
        return gettext("That is too big: the portal accepts at most {size} at a time.").format(
            size=size_label(self.limit)
        )

    async def _stream(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the application, counting the body as it arrives; past the limit it gets no more,
        whatever it answers is dropped, and the customer gets the 413 page."""
        received = 0
        over = False
        started = False

        async def counting() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    over = True
                    raise BodyTooLarge
            return message

        async def answering(message: Message) -> None:
            nonlocal started
            if over:
                return  # the application's own answer to the broken body (a 400) is not sent
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.asgi(scope, counting, answering)
        except BaseException:
            if not over or started:
                raise
        if over and not started:
            await self._page(scope, send, 413, self._too_large())

    async def _page(self, scope: Scope, send: Send, status: int, message: str) -> None:
        request = Request(scope)
        with language(request_language(request, self.app.settings.locale)):
            response = render(self.app, request, "error.html", status_code=status, message=message)
        response.headers["connection"] = "close"  # the rest of the body is not worth reading
        await response(scope, _no_body, send)


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


def _csrf_ok(request: Request, sent: str | None) -> bool:
    expected: Any = request.session.get("csrf") if "session" in request.scope else None
    return bool(expected and sent and hmac.compare_digest(str(expected), str(sent)))
