"""``antena demo`` shows a suspended customer paying at OXXO: the Conekta double sends the signed
webhook to the demo's portal and the client leaves the ``morosos`` list of its emulated router
(read back over the RouterOS API, as a MikroTik would be)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from librouteros import connect

from tests.helpers import free_port

pytestmark = pytest.mark.sqlite_only  # the demo always makes its own SQLite file

ANTENA = str(Path(sys.executable).with_name("antena"))
ROUTER = re.compile(r"(RB-[\w-]+) → 127\.0\.0\.1:(\d+)")


def morosos(port: int) -> list[str]:
    api = connect(host="127.0.0.1", port=port, username="admin", password="", encoding="utf8", timeout=5)
    try:
        return sorted(
            r["address"] for r in api.path("ip", "firewall", "address-list") if r.get("list") == "morosos"
        )
    finally:
        api.close()


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[pexpect.spawn]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTENA_")}
    env |= {"ANTENA_DATA_DIR": str(tmp_path / "data"), "ANTENA_PORTAL_BIND": f"127.0.0.1:{free_port()}"}
    child = pexpect.spawn(
        ANTENA,
        ["demo", "--clients", "30", "--no-chat"],
        env=env,
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=90,
    )
    yield child
    if child.isalive():
        child.terminate(force=True)


def test_the_demo_shows_an_oxxo_payment_reconnecting_a_client(demo: pexpect.spawn) -> None:
    routers = {}
    for _ in range(3):
        demo.expect(ROUTER)
        routers[demo.match.group(1)] = int(demo.match.group(2))
    demo.expect(r"Referencia OXXO (9300[\d ]+), CLABE (6461[\d ]+)")
    demo.expect(r"Webhook de Conekta enviado: 200 \(aplicado\)")
    demo.expect(r"Pagado y reconectado: ([\d.]+) salió de morosos en (RB-[\w-]+)\.")
    ip, router = demo.match.group(1), demo.match.group(2)
    assert ip not in morosos(routers[router])
    demo.sendintr()
    demo.expect("Demo detenida")
    demo.expect(pexpect.EOF, timeout=20)
    demo.close()
    assert demo.exitstatus == 0
