"""The portal's plumbing: templates, language, the signed session, CSRF and the per-IP rate limit."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from antena.core.bootstrap import App
from antena.core.errors import CoreError
from antena.core.i18n import LANGUAGES, get_language, gettext, normalize_language

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "antena_portal"
SESSION_MAX_AGE = 30 * 24 * 3600


class PortalError(CoreError):
    """A refusal the portal shows as a page with its own status (403 CSRF, 429 rate limit, 401 …)."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.status_code = status_code


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=jinja2.select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["_"] = lambda message: gettext(message)


def request_language(request: Request, default: str) -> str:
    """The language switch's choice (kept in the session), else ``ANTENA_LOCALE``: the ISP's
    language, whatever the browser asks for (a phone set to English must not hide Spanish)."""
    chosen = request.session.get("lang") if "session" in request.scope else None
    if chosen in LANGUAGES:
        return str(chosen)
    return normalize_language(default)


def end_session(request: Request) -> None:
    """Forget who is signed in, but keep the language the customer chose with the switch."""
    lang = request.session.get("lang")
    request.session.clear()
    if lang in LANGUAGES:
        request.session["lang"] = lang


def render(app: App, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    settings = app.settings
    base = {
        "request": request,
        "lang": get_language(),
        "company": settings.company_name,
        "phone": settings.company_phone,
        "logged_in": bool(request.scope.get("session", {}).get("cid")),
        "csrf": csrf_token(request) if "session" in request.scope else "",
    }
    html = _env.get_template(name).render(**base, **context)
    return HTMLResponse(html, status_code=status_code)


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(24)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, sent: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        raise PortalError(gettext("This form has expired. Go back, reload the page and try again."), 403)


class RateLimit:
    """At most ``limit`` attempts per ``window`` seconds per key (in memory: one process)."""

    def __init__(self, limit: int = 10, window: float = 60.0, clock: Any = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self.hits: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        now = self.clock()
        hits = self.hits[key]
        while hits and now - hits[0] >= self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        if len(self.hits) > 10_000:  # forget idle addresses so memory stays bounded
            for stale in [k for k, v in self.hits.items() if not v or now - v[-1] >= self.window]:
                del self.hits[stale]
        return True
