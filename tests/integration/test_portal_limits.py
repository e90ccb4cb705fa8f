"""The portal's limits over raw HTTP, against uvicorn serving on a port: who is asking is decided
before the body is read (401 without a session, 403 without the form's token), a body past
``ANTENA_PORTAL_MAX_UPLOAD`` is refused with 413 (declared or streamed), nothing larger than the
limit reaches the disk, every page carries its security headers, and the Telegram webhook answers
400 to what is not an Update."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from antena.bot.app import create_bot, create_dispatcher
from antena.bot.runner import WEBHOOK_PATH, webhook_router, webhook_secret
from antena.core import links
from antena.core.bootstrap import App, bootstrap
from antena.core.config import Settings
from antena.core.db.report_models import PaymentReport
from antena.portal.app import create_portal_app, web_server
from antena.portal.guard import CSP, PortalGuard
from tests.helpers import free_port
from tests.integration.payment_helpers import client

LIMIT = 3 * 1024 * 1024  # above python-multipart's 1 MB in-memory spool, so a big part does hit the disk
HUGE = 300 * 1024 * 1024
CHUNK = 256 * 1024
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@asynccontextmanager
async def serving(app: App, **portal: Any) -> AsyncIterator[str]:
    port = free_port()
    server = web_server(create_portal_app(app, **portal), f"127.0.0.1:{port}")
    task = asyncio.create_task(server.serve())
    for _ in range(1000):
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started, "uvicorn did not start"
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=15)


@pytest.fixture
async def limited(settings: Settings) -> AsyncIterator[App]:
    application = bootstrap(settings.model_copy(update={"portal_max_upload": LIMIT}))
    try:
        yield application
    finally:
        await application.aclose()


def _poll(sock: socket.socket) -> bytes:
    """What the server has answered so far (nothing yet: empty)."""
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return b""


def raw_post(
    address: str, path: str, headers: dict[str, str], body: Callable[[], Iterator[bytes]]
) -> dict[str, Any]:
    """POST over a plain socket, sending the body until the server answers (or hangs up); the
    status, headers and text of the answer, and how many body bytes got out before it came."""
    host, port = address.split(":")
    head = f"POST {path} HTTP/1.1\r\nHost: {address}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in headers.items()
    )
    sock = socket.create_connection((host, int(port)), timeout=30)
    sent, answer, hung_up = 0, b"", False
    deadline = time.monotonic() + 60
    try:
        sock.sendall(head.encode() + b"\r\n")
        sock.setblocking(False)
        for chunk in body():
            view = memoryview(chunk)
            while view and not answer and not hung_up:
                assert time.monotonic() < deadline, "the server neither read the body nor answered"
                answer += _poll(sock)
                try:
                    n = sock.send(view)
                except BlockingIOError:
                    time.sleep(0.001)
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    hung_up = True
                    break
                sent += n
                view = view[n:]
            if answer or hung_up:
                break
        sock.setblocking(True)
        sock.settimeout(30)
        while b"\r\n\r\n" not in answer and (more := sock.recv(65536)):
            answer += more
        head_bytes, _, rest = answer.partition(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        response_headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        length = int(response_headers.get("content-length", "0"))
        while len(rest) < length and (more := sock.recv(65536)):
            rest += more
        return {
            "status": int(lines[0].split()[1]),
            "headers": response_headers,
            "text": rest.decode(),
            "sent": sent,
        }
    finally:
        sock.close()


def zeros(total: int) -> Callable[[], Iterator[bytes]]:
    def body() -> Iterator[bytes]:
        left = total
        while left > 0:
            yield b"\x00" * min(CHUNK, left)
            left -= CHUNK

    return body


def chunked_upload(boundary: str, size: int) -> Callable[[], Iterator[bytes]]:
    """A multipart form with a ``size``-byte receipt, sent with chunked transfer encoding."""

    def body() -> Iterator[bytes]:
        def chunk(data: bytes) -> bytes:
            return f"{len(data):x}\r\n".encode() + data + b"\r\n"

        yield chunk(
            f'--{boundary}\r\nContent-Disposition: form-data; name="amount"\r\n\r\n350\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="receipt"; filename="r.png"\r\n'
            "Content-Type: image/png\r\n\r\n".encode()
            + PNG
        )
        left = size
        while left > 0:
            yield chunk(b"\x00" * min(CHUNK, left))
            left -= CHUNK
        yield chunk(f"\r\n--{boundary}--\r\n".encode())
        yield b"0\r\n\r\n"

    return body


async def signed_in(address: str, app: App, isp: Any) -> tuple[str, str]:
    """A customer's session cookie and the form token, as a browser holds them after the link."""
    ana = await client(app, isp, "Ana López", "10.0.0.7")
    path = (await links.portal_link(app, ana.id)).removeprefix(app.settings.portal_url)
    async with httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as http:
        await http.get(path)
        form = (await http.get("/portal/pago")).text
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    marker = 'name="csrf" value="'
    start = form.index(marker) + len(marker)
    return cookie, form[start : form.index('"', start)]


async def reports(app: App) -> list[PaymentReport]:
    async with app.reader() as uow:
        return list(await uow.session.scalars(select(PaymentReport)))


async def test_a_huge_post_without_a_session_is_refused_before_its_body(limited: App, isp: Any) -> None:
    async with serving(limited) as address:
        headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(HUGE)}
        answer = await asyncio.to_thread(raw_post, address, "/portal/pago", headers, zeros(HUGE))
    assert answer["status"] == 401 and "session has ended" in answer["text"]
    assert answer["sent"] < 32 * 1024 * 1024  # refused while almost all of the 300 MB was still here
    assert await reports(limited) == []


async def test_a_form_without_its_token_is_refused_before_its_body(limited: App, isp: Any) -> None:
    async with serving(limited) as address:
        cookie, token = await signed_in(address, limited, isp)
        headers = {"Cookie": cookie, "Content-Type": "multipart/form-data; boundary=x",
                   "Content-Length": str(HUGE)}  # fmt: skip
        missing = await asyncio.to_thread(raw_post, address, "/portal/pago", headers, zeros(HUGE))
        wrong = await asyncio.to_thread(raw_post, address, "/portal/pago?csrf=forged", headers, zeros(HUGE))
        declared = await asyncio.to_thread(
            raw_post, address, f"/portal/pago?csrf={token}", headers, zeros(HUGE)
        )
    for refused in (missing, wrong):
        assert refused["status"] == 403 and "form has expired" in refused["text"]
        assert refused["sent"] < 32 * 1024 * 1024
    assert declared["status"] == 413 and "at most 3 MB" in declared["text"]  # its Content-Length says enough
    assert declared["sent"] < 32 * 1024 * 1024
    assert await reports(limited) == []


async def test_a_streamed_body_stops_at_the_limit_and_never_reaches_the_disk_past_it(
    limited: App, isp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))  # where python-multipart spools big parts
    biggest = 0
    watching = True

    def watch() -> None:  # every file this process has open under the spool dir, and its size
        nonlocal biggest
        while watching:
            for fd in os.listdir("/proc/self/fd"):
                try:
                    if os.readlink(f"/proc/self/fd/{fd}").startswith(str(spool)):
                        biggest = max(biggest, os.stat(f"/proc/self/fd/{fd}").st_size)
                except OSError:
                    continue
            time.sleep(0.0005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        async with serving(limited) as address:
            cookie, token = await signed_in(address, limited, isp)
            headers = {"Cookie": cookie, "Content-Type": "multipart/form-data; boundary=b0und",
                       "Transfer-Encoding": "chunked"}  # fmt: skip
            answer = await asyncio.to_thread(
                raw_post, address, f"/portal/pago?csrf={token}", headers, chunked_upload("b0und", HUGE)
            )
    finally:
        watching = False
        watcher.join(timeout=10)
    assert answer["status"] == 413 and "at most 3 MB" in answer["text"]
    assert answer["sent"] < 40 * 1024 * 1024
    assert LIMIT // 2 < biggest <= LIMIT  # the receipt was being spooled to disk, and stopped at the limit
    assert await reports(limited) == []


async def test_the_application_never_receives_more_than_the_limit() -> None:
    """At the ASGI level: a body streamed past the limit is cut there, and the answer is 413."""
    seen = 0

    async def reads_everything(scope: Any, receive: Any, send: Any) -> None:
        nonlocal seen
        while True:
            message = await receive()
            seen += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"stored"})

    class Fake:
        settings = Settings(_env_file=None, portal_max_upload=1000, locale="en")  # type: ignore[call-arg]

    async def nobody(request: Any) -> bool:
        return True

    guard = PortalGuard(reads_everything, app=Fake(), signed_in=nobody)  # type: ignore[arg-type]
    messages = [{"type": "http.request", "body": b"x" * 300, "more_body": True} for _ in range(100)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/twilio/status", "query_string": b"", "headers": []}
    await guard(scope, receive, send)
    assert seen <= 1000 and len(messages) >= 96
    assert sent[0]["status"] == 413 and b"stored" not in b"".join(m.get("body", b"") for m in sent)


async def test_every_page_has_a_content_security_policy_and_https_adds_hsts(app: App, isp: Any) -> None:
    async with serving(app) as address, httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as http:
        for path in ("/", "/suspendido", "/static/portal.css", "/a/garbage", "/portal"):
            response = await http.get(path)
            assert response.headers["content-security-policy"] == CSP, path
            assert "strict-transport-security" not in response.headers
        assert "script-src" not in CSP and "'unsafe-inline'" not in CSP  # no script may run at all
    secure = bootstrap(app.settings.model_copy(update={"portal_url": "https://portal.example.mx"}))
    try:
        async with serving(secure) as address, httpx.AsyncClient(base_url=f"http://{address}", timeout=60) as http:
            response = await http.get("/")
        assert response.headers["strict-transport-security"] == "max-age=31536000"
    finally:
        await secure.aclose()


@pytest.mark.filterwarnings("ignore:Detected unknown update type")
async def test_the_webhook_answers_400_to_anything_that_is_not_an_update(settings: Settings) -> None:
    from antena.doubles.telegram import TelegramDouble

    async with TelegramDouble() as telegram:
        app = bootstrap(settings.model_copy(update={"telegram_token": SecretStr(telegram.token),
                                                    "telegram_api_url": telegram.base_url}))  # fmt: skip
        bot, dp = create_bot(app), create_dispatcher(app)
        try:
            async with (
                serving(app, routers=[webhook_router(app, bot, dp)]) as address,
                httpx.AsyncClient(
                    base_url=f"http://{address}",
                    headers={"X-Telegram-Bot-Api-Secret-Token": webhook_secret(app)},
                ) as http,
            ):
                for body in (b"not json", b"\xff\xfe", b"[1, 2]", b"42", b"{}", json.dumps({"update_id": "x"}).encode(),
                             json.dumps({"update_id": 1, "message": {"text": "hola"}}).encode()):  # fmt: skip
                    answer = await http.post(WEBHOOK_PATH, content=body)
                    assert answer.status_code == 400, body
                assert (await http.post(WEBHOOK_PATH, json={"update_id": 7})).status_code == 200
                unsigned = await http.post(
                    WEBHOOK_PATH, json={"update_id": 8}, headers={"X-Telegram-Bot-Api-Secret-Token": ""}
                )
                assert unsigned.status_code == 401
        finally:
            await bot.session.close()
            await app.aclose()


async def test_form_fields_with_control_characters_or_bad_amounts_are_refused(app: App, isp: Any) -> None:
    async with serving(app) as address:
        cookie, token = await signed_in(address, app, isp)
        async with httpx.AsyncClient(base_url=f"http://{address}", headers={"Cookie": cookie}, timeout=60) as http:
            wifi = await http.post(
                "/portal/wifi", data={"csrf": token, "ssid": "Casa\x00Ana", "password": "secreto123"}
            )
            assert wifi.status_code == 400
            assert "Wi-Fi name (SSID) contains a control character (U+0000)" in wifi.text

            async def report(amount: str, reference: str = "SPEI 1") -> httpx.Response:
                return await http.post(
                    "/portal/pago", params={"csrf": token},
                    data={"csrf": token, "amount": amount, "method": "transferencia", "reference": reference},
                    files={"receipt": ("r.png", PNG, "image/png")},
                )  # fmt: skip

            escape = await report("350", "SPEI\x1b[2J")
            assert (
                escape.status_code == 400 and "Reference contains a control character (U+001B)" in escape.text
            )
            for amount, reason in (("1e9", "without an exponent"), ("３５０", "digits 0-9"),
                                   ("100000.01", "more than the largest allowed (100,000.00)")):  # fmt: skip
                refused = await report(amount)
                assert refused.status_code == 400 and reason in refused.text, amount
    assert await reports(app) == []
