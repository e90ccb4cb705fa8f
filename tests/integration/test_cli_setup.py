"""``antena db/staff/zone/router/plan`` as an operator types them: good input and every bad one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from antena.core.config import Settings
from antena.core.db.models import AuditLog, Plan, Router, StaffUser, Zone
from tests.helpers import cli, count, fetch

pytestmark = pytest.mark.usefixtures("cli_env")

ZONE = [
    "zone",
    "add",
    "--name",
    "Centro",
    "--issue-day",
    "28",
    "--notice-day",
    "30",
    "--pay-day",
    "1",
    "--cutoff-day",
    "5",
]
ROUTER = [
    "router",
    "add",
    "--name",
    "RB-Centro",
    "--host",
    "127.0.0.1",
    "--port",
    "8728",  # replaced by the emulator's port (see ``router``)
    "--username",
    "api",
    "--password",
    "s3cret",
    "--zone",
    "Centro",
]


@pytest.fixture
def router(threaded_emulator: object) -> list[str]:
    """``router add`` pointed at an emulator: the login check and the plans' push reach it."""
    args = list(ROUTER)
    args[args.index("--port") + 1] = str(threaded_emulator.port)  # type: ignore[attr-defined]
    return args


PLAN = [
    "plan",
    "add",
    "--name",
    "Hogar 10M",
    "--type",
    "pppoe",
    "--price",
    "350",
    "--download",
    "10M",
    "--upload",
    "5M",
]


def test_full_setup_is_stored_and_audited(cli_env: Settings, router: list[str]) -> None:
    for args in (ZONE, router, PLAN):
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
    result = cli("staff", "add", "--telegram-id", "123456", "--name", "Ana Peña", "--role", "cashier")
    assert result.exit_code == 0
    assert "Ana Peña" in result.stdout

    url = cli_env.database_url
    zone = fetch(url, select(Zone))[0][0]
    assert (zone.issue_day, zone.notice_day, zone.pay_day, zone.cutoff_day) == (28, 30, 1, 5)
    stored = fetch(url, select(Router))[0][0]
    assert (stored.host, stored.port, stored.api_enabled, stored.zone_id) == (
        "127.0.0.1",
        int(router[router.index("--port") + 1]),
        True,
        zone.id,
    )
    plan = fetch(url, select(Plan))[0][0]
    assert str(plan.price) == "350.00" and plan.service_type.value == "pppoe"
    assert fetch(url, select(StaffUser.role))[0][0].value == "cashier"
    actions = [row[0] for row in fetch(url, select(AuditLog.action).order_by(AuditLog.id))]
    assert actions == ["zone.add", "router.add", "plan.add", "staff.add"]


def test_router_without_api(cli_env: Settings) -> None:
    cli(*ZONE)
    result = cli(*ROUTER, "--no-api")  # nothing is tried on port 8728: the API is off
    assert result.exit_code == 0
    assert "API disabled" in result.stdout
    assert fetch(cli_env.database_url, select(Router.api_enabled))[0][0] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "zone",
                "add",
                "--name",
                "Norte",
                "--issue-day",
                "0",
                "--notice-day",
                "1",
                "--pay-day",
                "1",
                "--cutoff-day",
                "5",
            ],
            "Issue day must be a day of the month (1-31), not 0",
        ),
        (
            [
                "zone",
                "add",
                "--name",
                "Norte",
                "--issue-day",
                "1",
                "--notice-day",
                "32",
                "--pay-day",
                "1",
                "--cutoff-day",
                "5",
            ],
            "Notice day must be a day of the month (1-31), not 32",
        ),
        (
            [
                "zone",
                "add",
                "--name",
                "Norte",
                "--issue-day",
                "x",
                "--notice-day",
                "1",
                "--pay-day",
                "1",
                "--cutoff-day",
                "5",
            ],
            "Issue day must be a day of the month (1-31), not x",
        ),
        (
            [
                "zone",
                "add",
                "--name",
                "centro",
                "--issue-day",
                "1",
                "--notice-day",
                "1",
                "--pay-day",
                "1",
                "--cutoff-day",
                "5",
            ],
            "A zone named Centro already exists",
        ),
        (
            ["router", "add", "--name", "RB2", "--host", "h", "--username", "u", "--zone", "Sur"],
            "Unknown zone: Sur",
        ),
        (
            [
                "router",
                "add",
                "--name",
                "RB2",
                "--host",
                "h",
                "--port",
                "70000",
                "--username",
                "u",
                "--zone",
                "Centro",
            ],
            "Port must be a number from 1 to 65535, not 70000",
        ),
        (
            [
                "router",
                "add",
                "--name",
                "rb-centro",
                "--host",
                "h",
                "--username",
                "u",
                "--zone",
                "Centro",
            ],
            "A router named RB-Centro already exists",
        ),
        (
            [
                "plan",
                "add",
                "--name",
                "P",
                "--type",
                "wifi",
                "--price",
                "1",
                "--download",
                "1M",
                "--upload",
                "1M",
            ],
            "Unknown plan type wifi",
        ),
        (
            [
                "plan",
                "add",
                "--name",
                "P",
                "--type",
                "pcq",
                "--price",
                "-5",
                "--download",
                "1M",
                "--upload",
                "1M",
            ],
            "Price must be greater than zero: -5",
        ),
        (
            [
                "plan",
                "add",
                "--name",
                "P",
                "--type",
                "pcq",
                "--price",
                "abc",
                "--download",
                "1M",
                "--upload",
                "1M",
            ],
            "Price is not a valid amount: abc",
        ),
        (
            [
                "plan",
                "add",
                "--name",
                "P",
                "--type",
                "pcq",
                "--price",
                "1.001",
                "--download",
                "1M",
                "--upload",
                "1M",
            ],
            "Price has more than two decimals",
        ),
        (
            [
                "plan",
                "add",
                "--name",
                "P",
                "--type",
                "pcq",
                "--price",
                "100",
                "--download",
                "fast",
                "--upload",
                "1M",
            ],
            "Download rate must be a rate like 10M",
        ),
        (
            [
                "plan",
                "add",
                "--name",
                "hogar 10m",
                "--type",
                "pcq",
                "--price",
                "100",
                "--download",
                "1M",
                "--upload",
                "1M",
            ],
            "A plan named Hogar 10M already exists",
        ),
        (
            ["staff", "add", "--telegram-id", "abc", "--name", "X", "--role", "admin"],
            "Telegram id must be a number, not abc",
        ),
        (
            ["staff", "add", "--telegram-id", "5", "--name", "X", "--role", "boss"],
            "Unknown role boss",
        ),
        (
            ["staff", "add", "--telegram-id", "77", "--name", "Dup", "--role", "admin"],
            "Telegram id 77 already belongs to Existing",
        ),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_changes_nothing(
    cli_env: Settings, router: list[str], args: list[str], message: str
) -> None:
    cli(*ZONE)
    cli(*router)
    cli(*PLAN)
    cli("staff", "add", "--telegram-id", "77", "--name", "Existing", "--role", "admin")
    url = cli_env.database_url
    before = [count(url, m) for m in (Zone, Router, Plan, StaffUser, AuditLog)]

    result = cli(*args)

    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1, "one line, no traceback"
    assert "Traceback" not in result.stderr + result.stdout
    assert [count(url, m) for m in (Zone, Router, Plan, StaffUser, AuditLog)] == before


def test_commands_before_the_schema_exists_say_what_to_do(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ANTENA_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/fresh.db")
    monkeypatch.setenv("ANTENA_LOCALE", "en")
    result = cli(*ZONE)
    assert result.exit_code == 1
    assert "run `antena db upgrade`" in result.stderr
    assert cli("db", "upgrade").exit_code == 0
    assert cli(*ZONE).exit_code == 0


def test_spanish_is_the_default_language(cli_env: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTENA_LOCALE", "es")
    result = cli(
        "zone",
        "add",
        "--name",
        "Sur",
        "--issue-day",
        "40",
        "--notice-day",
        "1",
        "--pay-day",
        "1",
        "--cutoff-day",
        "5",
    )
    assert result.exit_code == 1
    assert "día del mes" in result.stderr
