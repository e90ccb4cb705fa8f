"""What a failure to talk to a router means, in words fit to show: a timeout, a refused connection,
an unknown host, a TLS problem, a closed session; and the TLS context for API-SSL.

Why apart: :class:`~antena.core.routeros.client.RouterConnection` turns every transport exception
into :class:`~antena.core.errors.RouterUnreachable` with one of these notes; the classification
is a table of foreign exception types that reads best on its own.
"""

from __future__ import annotations

import socket
import ssl

from librouteros.exceptions import ConnectionClosed, FatalError, LibRouterosError

from antena.core.notes import Note, note


def tls_context(*, verify: bool = False, cafile: str | None = None) -> ssl.SSLContext:
    """A context for API-SSL (port 8729). MikroTik routers mostly carry self-signed
    certificates, so verification is off unless asked for (then ``cafile`` names the CA)."""
    context = ssl.create_default_context(cafile=cafile)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


#: Why a connection that was closed (or fell out of step) cannot be used any more.
LOST = note("connection_lost")


def failure_note(exc: BaseException, timeout: float, *, connecting: bool = False) -> Note:
    """A short reason for a transport failure, as a note (rendered where it is shown)."""
    if isinstance(exc, TimeoutError):
        return note("timeout", s=f"{timeout:g}")
    if isinstance(exc, ConnectionRefusedError):
        return note("connection_refused")
    if isinstance(exc, socket.gaierror):
        return note("unknown_host")
    if isinstance(exc, ssl.SSLError):
        return note("tls_error", text=str(exc.reason or exc))
    if isinstance(exc, FatalError):
        return note("session_closed", text=str(exc))
    if isinstance(exc, (ConnectionClosed, ConnectionResetError, BrokenPipeError, EOFError)):
        return note("connection_closed") if connecting else LOST
    if isinstance(exc, OSError):
        return note("network_error", why=str(exc.strerror or exc))
    return note("protocol_error", text=str(exc))


TRANSPORT_ERRORS = (TimeoutError, OSError, LibRouterosError, EOFError)
