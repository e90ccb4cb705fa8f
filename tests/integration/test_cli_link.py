"""``antena link <cliente> [--new]``: prints the auto-login URL and the WhatsApp link; --new revokes."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlparse

import pytest

from antena.core import links
from antena.core.bootstrap import bootstrap
from antena.core.config import Settings
from tests.helpers import cli, cli_centro


@pytest.fixture
def juan(cli_env: Settings, threaded_emulator):  # type: ignore[no-untyped-def]
    cli_centro(threaded_emulator.port, router_options=("--no-api",))
    return cli_env


def _valid(settings: Settings, url: str) -> bool:
    async def go() -> bool:
        app = bootstrap(settings)
        try:
            await links.check_autologin(app, url.rsplit("/a/", 1)[1])
            return True
        except links.LinkRefused:
            return False
        finally:
            await app.aclose()

    return asyncio.run(go())


def test_link_prints_the_url_and_whatsapp_then_new_revokes(juan: Settings) -> None:
    first = cli("link", "juan")
    assert first.exit_code == 0, first.stderr
    url, wa = first.stdout.splitlines()[:2]
    assert url.startswith("http://127.0.0.1:8080/a/")
    query = parse_qs(urlparse(wa.split(": ", 1)[1]).query)
    assert query["text"][0].startswith("Estimado cliente de la empresa Mi WISP .") and url in query["text"][0]
    settings = juan.model_copy(update={"portal_url": "http://127.0.0.1:8080"})
    assert _valid(settings, url)
    again = cli("link", "--new", "juan")
    assert again.exit_code == 0 and "no longer work" in again.stderr
    new_url = again.stdout.splitlines()[0]
    assert new_url != url and _valid(settings, new_url) and not _valid(settings, url)
    missing = cli("link", "nadie")
    assert missing.exit_code != 0 and missing.stderr.startswith("antena:")


def test_clients_cpe_records_the_wifi_device(juan: Settings) -> None:
    from sqlalchemy import select

    from antena.core.db.models import Service

    result = cli("clients", "cpe", "juan", "--kind", "mikrotik", "--host", "192.168.88.1", "--port", "8728",
                 "--username", "admin", "--password", "x")  # fmt: skip
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "Juan Pérez" in result.stdout and "mikrotik" in result.stdout
    bad = cli("clients", "cpe", "juan", "--kind", "tplink", "--host", "192.168.88.1")
    assert bad.exit_code != 0 and "mikrotik, onu" in (bad.stdout + bad.stderr)

    async def stored() -> tuple[str | None, str | None, int | None]:
        app = bootstrap(juan)
        try:
            async with app.uow() as uow:
                service = await uow.session.scalar(select(Service))
                assert service is not None
                return service.cpe_kind, service.cpe_host, service.cpe_port
        finally:
            await app.aclose()

    assert asyncio.run(stored()) == ("mikrotik", "192.168.88.1", 8728)
