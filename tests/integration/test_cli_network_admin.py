"""Fixing the set-up: ``zone|router|plan|staff list|edit|remove``, the login check of ``router
add|edit``, plans on the routers and generated passwords, through the CLI against the emulator."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from antena.core.config import Settings
from antena.core.db.models import AuditLog, Plan, Router, Service, StaffUser, Zone
from antena.core.db.router_tasks import RouterTask, TaskStatus
from antena.core.passwords import ALPHABET
from tests.helpers import cli, count, fetch, free_port

ZONE = ["zone", "add", "--name", "Centro", "--issue-day", "28", "--notice-day", "30", "--pay-day", "1",
        "--cutoff-day", "5"]  # fmt: skip


def router_add(port: int, *extra: str, password: str = "s3cret", name: str = "RB-Centro") -> list[str]:
    return ["router", "add", "--name", name, "--host", "127.0.0.1", "--port", str(port), "--username", "api",
            "--password", password, "--zone", "Centro", *extra]  # fmt: skip


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return str(result.stdout)


def refused(*args: str, code: int = 1) -> str:
    """The command fails with one line on stderr, no traceback."""
    result = cli(*args)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr + result.stdout
    return str(result.stderr)


def snapshot(url: str) -> list[object]:
    rows: list[object] = []
    for model in (Zone, Router, Plan, StaffUser):
        columns = [c for c in model.__table__.columns if c.name != "updated_at"]
        rows += [tuple(r) for r in fetch(url, select(*columns).order_by(model.id))]
    return [*rows, count(url, AuditLog), count(url, RouterTask)]


@pytest.fixture
def centro(cli_env: Settings, threaded_emulator):  # type: ignore[no-untyped-def]
    ok(*ZONE)
    ok(*router_add(threaded_emulator.port))
    return threaded_emulator


def test_router_add_tries_the_login_and_says_who_answered(cli_env: Settings, threaded_emulator) -> None:  # type: ignore[no-untyped-def]
    emu = threaded_emulator
    ok(*ZONE)
    err = refused(*router_add(emu.port, password="wrong"))
    assert "login" in err and "RB-Centro" in err
    assert count(cli_env.database_url, Router) == 0

    out = ok(*router_add(emu.port))
    assert "identity MikroTik" in out and "RouterOS 7.16" in out


def test_a_wrong_password_saved_with_no_check_is_fixed_with_router_edit(
    cli_env: Settings,
    threaded_emulator,  # type: ignore[no-untyped-def]
) -> None:
    emu = threaded_emulator
    ok(*ZONE)
    ok(*router_add(emu.port, "--no-check", password="wrong"))
    ok("plan", "add", "--name", "Hogar 10M", "--type", "simple-queue", "--price", "350", "--download", "10M",
       "--upload", "5M")  # fmt: skip
    added = cli("clients", "add", "--name", "Juan Pérez", "--zone", "Centro", "--router", "RB-Centro", "--plan",
                "Hogar 10M", "--ip", "10.0.0.5")  # fmt: skip
    assert added.exit_code == 75 and "refused the user name or password" in added.stdout
    [task] = fetch(cli_env.database_url, select(RouterTask))
    task = task[0]
    assert task.status is TaskStatus.PENDING and task.error_code == "login_refused"
    wait = (task.next_attempt_at - task.updated_at).total_seconds()
    assert wait > 1000, "a refused login waits the slow schedule, not the network back-off"
    listed = ok("tasks", "list")
    assert "RB-Centro refused the user name or password" in listed
    assert "refused the user name or password" in ok("router", "list")

    assert refused("router", "edit", "RB-Centro", "--password", "still-wrong").count("login") >= 1
    out = ok("router", "edit", "RB-Centro", "--password", "s3cret")
    assert "identity MikroTik" in out and "1 waiting change tried again now" in out
    assert emu.find("/queue/simple", comment=f"antena:{task.client_id}")
    assert "No pending or failed router tasks." in ok("tasks", "list")
    actions = [r[0] for r in fetch(cli_env.database_url, select(AuditLog.action))]
    assert "router.edit" in actions
    [args] = [
        r[0]
        for r in fetch(
            cli_env.database_url, select(AuditLog.arguments).where(AuditLog.action == "router.edit")
        )
    ]
    assert args["password"] == "***"


def test_an_unreachable_router_is_saved_with_a_warning(cli_env: Settings) -> None:
    ok(*ZONE)
    result = cli(*router_add(free_port()))
    assert result.exit_code == 0, result.stderr
    assert "warning: RB-Centro is unreachable" in result.stderr
    assert count(cli_env.database_url, Router) == 1


def test_spanish_login_refusal(cli_env: Settings, threaded_emulator, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ANTENA_LOCALE", "es")
    ok(*ZONE)
    err = refused(*router_add(threaded_emulator.port, password="mal"))
    assert "RB-Centro rechazó el usuario o la contraseña" in err and "login" in err


def test_plans_reach_every_router_and_follow_edits(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    emu = centro
    ok("plan", "add", "--name", "Hogar 10M", "--type", "pppoe", "--price", "350", "--download", "10M",
       "--upload", "5M")  # fmt: skip
    ok("plan", "add", "--name", "Hotspot 5M", "--type", "hotspot", "--price", "150", "--download", "5M",
       "--upload", "1M")  # fmt: skip
    ok("plan", "add", "--name", "PCQ 15M", "--type", "pcq", "--price", "400", "--download", "15M",
       "--upload", "5M", "--profile", "pcq-15m")  # fmt: skip
    ids = {name: pid for pid, name in fetch(cli_env.database_url, select(Plan.id, Plan.name))}
    [profile] = emu.find("/ppp/profile", comment=f"antena:plan:{ids['Hogar 10M']}")
    assert (profile["name"], profile["rate-limit"]) == ("Hogar 10M", "5M/10M")
    [hs] = emu.find("/ip/hotspot/user/profile", comment=f"antena:plan:{ids['Hotspot 5M']}")
    assert (hs["name"], hs["rate-limit"]) == ("Hotspot 5M", "1M/5M")
    pcq = f"antena:plan:{ids['PCQ 15M']}"
    types = {r["name"]: (r["kind"], r["pcq-rate"]) for r in emu.find("/queue/type", comment=pcq)}
    assert types == {"pcq-15m-down": ("pcq", "15M"), "pcq-15m-up": ("pcq", "5M")}
    marks = emu.find("/ip/firewall/mangle", comment=pcq)
    assert {m.get("src-address-list") or m.get("dst-address-list") for m in marks} == {"pcq-15m"}
    trees = {r["name"]: r["queue"] for r in emu.find("/queue/tree", comment=pcq)}
    assert trees == {"pcq-15m-down": "pcq-15m-down", "pcq-15m-up": "pcq-15m-up"}

    # a client without a password gets one, and its secret the plan's profile
    out = ok("clients", "add", "--name", "Ana Peña", "--zone", "Centro", "--router", "RB-Centro", "--plan",
             "Hogar 10M", "--ip", "10.0.0.9")  # fmt: skip
    password = re.search(r"new service password (\S+) \(shown only this once\)", out)
    assert password, out
    assert len(password[1]) >= 10 and set(password[1]) <= set(ALPHABET)
    assert not set(password[1]) & set("0O1lI")
    [secret] = emu.find("/ppp/secret", name="ana.pena")
    assert (secret["password"], secret["profile"]) == (password[1], "Hogar 10M")

    out = ok("plan", "edit", "Hogar 10M", "--download", "20M", "--upload", "10M", "--name", "Hogar 20M")
    assert "Hogar 20M" in out
    [profile] = emu.find("/ppp/profile", comment=f"antena:plan:{ids['Hogar 10M']}")
    assert (profile["name"], profile["rate-limit"]) == ("Hogar 20M", "10M/20M")
    assert (
        emu.find("/ppp/secret", name="ana.pena")[0]["profile"] == "Hogar 20M"
    )  # RouterOS follows the rename
    ok("plan", "edit", "PCQ 15M", "--download", "30M")
    assert {r["pcq-rate"] for r in emu.find("/queue/type", comment=pcq)} == {"30M", "5M"}
    assert "matches the database" in ok("router", "drift", "RB-Centro")

    # edited by hand on the router: drift says so and --repair puts the plan back
    emu.remove_row("/ppp/profile", profile[".id"])
    emu.update_row("/queue/type", emu.find("/queue/type", name="pcq-15m-up")[0][".id"], **{"pcq-rate": "1M"})
    drift = cli("router", "drift", "RB-Centro")
    assert drift.exit_code == 1 and "plan Hogar 20M" in drift.stdout and "plan pcq-15m" in drift.stdout
    ok("router", "drift", "RB-Centro", "--repair")
    assert "matches the database" in ok("router", "drift", "RB-Centro")
    plans_listed = ok("plan", "list")
    assert "Hogar 20M: pppoe" in plans_listed and "1 client" in plans_listed


def test_simple_queue_speed_reaches_each_clients_queue(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    emu = centro
    ok("plan", "add", "--name", "Cola 10M", "--type", "simple-queue", "--price", "300", "--download", "10M",
       "--upload", "2M")  # fmt: skip
    ok("clients", "add", "--name", "Beto Ruiz", "--zone", "Centro", "--router", "RB-Centro", "--plan",
       "Cola 10M", "--ip", "10.0.1.3")  # fmt: skip
    assert emu.find("/queue/simple", target="10.0.1.3/32")[0]["max-limit"] == "2000000/10000000"
    out = ok("plan", "edit", "Cola 10M", "--download", "12M")
    assert "1 client service updated" in out
    assert emu.find("/queue/simple", target="10.0.1.3/32")[0]["max-limit"] == "2000000/12000000"
    ok("plan", "edit", "Cola 10M", "--price", "320")
    assert fetch(cli_env.database_url, select(Plan.price))[0][0] == 320


def test_a_router_without_the_profile_gets_it_before_the_secret(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    emu = centro
    ok("plan", "add", "--name", "Hogar 10M", "--type", "pppoe", "--price", "350", "--download", "10M",
       "--upload", "5M")  # fmt: skip
    emu.clear("/ppp/profile")  # reset by hand
    ok("clients", "add", "--name", "Ana Peña", "--zone", "Centro", "--router", "RB-Centro", "--plan",
       "Hogar 10M", "--ip", "10.0.0.9", "--password", "contraseña1")  # fmt: skip
    assert emu.find("/ppp/profile", name="Hogar 10M")[0]["rate-limit"] == "5M/10M"
    assert emu.find("/ppp/secret", name="ana.pena")[0]["profile"] == "Hogar 10M"


def test_migrating_to_pppoe_generates_a_password(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    emu = centro
    ok("plan", "add", "--name", "Cola 10M", "--type", "simple-queue", "--price", "300", "--download", "10M",
       "--upload", "2M")  # fmt: skip
    ok("plan", "add", "--name", "Hogar 10M", "--type", "pppoe", "--price", "350", "--download", "10M",
       "--upload", "5M")  # fmt: skip
    ok("clients", "add", "--name", "Beto Ruiz", "--zone", "Centro", "--router", "RB-Centro", "--plan",
       "Cola 10M", "--ip", "10.0.1.3")  # fmt: skip
    out = ok("clients", "edit", "beto", "--plan", "Hogar 10M")
    match = re.search(r"new service password (\S+)", out)
    assert match, out
    [secret] = emu.find("/ppp/secret", comment=emu.find("/ppp/secret")[0]["comment"])
    assert secret["password"] == match[1] and secret["password"]


def test_removing_what_is_in_use_is_refused_with_the_count(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    ok("plan", "add", "--name", "Cola 10M", "--type", "simple-queue", "--price", "300", "--download", "10M",
       "--upload", "2M")  # fmt: skip
    for n in (3, 4):
        ok("clients", "add", "--name", f"Cliente {n}", "--zone", "Centro", "--router", "RB-Centro", "--plan",
           "Cola 10M", "--ip", f"10.0.1.{n}")  # fmt: skip
    ok("zone", "add", "--name", "Norte", "--issue-day", "1", "--notice-day", "3", "--pay-day", "5",
       "--cutoff-day", "10")  # fmt: skip
    url = cli_env.database_url
    before = snapshot(url)
    assert "RB-Centro has 2 clients" in refused("router", "remove", "RB-Centro")
    assert "Cola 10M has 2 clients" in refused("plan", "remove", "Cola 10M")
    assert "Centro has 1 router and 2 clients" in refused("zone", "remove", "Centro")
    assert "RB-Centro has 2 clients" in refused(
        "router", "edit", "RB-Centro", "--zone", "Norte", "--no-check"
    )
    assert snapshot(url) == before and count(url, Service) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["zone", "edit", "Sur", "--pay-day", "3"], "Unknown zone: Sur"),
        (["zone", "edit", "Centro", "--issue-day", "32"], "must be a day of the month (1-31), not 32"),
        (["zone", "edit", "Centro", "--cutoff-day", "٣"], "must be a day of the month"),
        (["zone", "edit", "Centro", "--name", "norte"], "A zone named Norte already exists"),
        (["zone", "edit", "Centro"], "Nothing to change"),
        (["zone", "remove", "Sur"], "Unknown zone: Sur"),
        (["router", "edit", "RB-Sur", "--port", "1"], "Unknown router: RB-Sur"),
        (["router", "edit", "RB-Centro", "--port", "99999", "--no-check"], "Port must be a number"),
        (
            ["router", "edit", "RB-Centro", "--name", "rb-norte", "--no-check"],
            "A router named RB-Norte already exists",
        ),
        (["router", "edit", "RB-Centro", "--api", "maybe"], "--api takes on or off"),
        (["router", "edit", "RB-Centro", "--zone", "Sur", "--no-check"], "Unknown zone: Sur"),
        (["router", "remove", "RB-Sur"], "Unknown router: RB-Sur"),
        (["plan", "edit", "Hogar 10M", "--download", "10X"], "must be a rate like 10M"),
        (["plan", "edit", "Hogar 10M", "--price", "1e3"], "cannot have an exponent: 1e3"),
        (["plan", "edit", "Hogar 10M", "--price", "-5"], "must be greater than zero"),
        (["plan", "edit", "Hogar 10M", "--name", "cola 5m"], "A plan named Cola 5M already exists"),
        (["plan", "edit", "Nada", "--price", "3"], "Unknown plan: Nada"),
        (
            [
                "plan",
                "add",
                "--name",
                "X",
                "--type",
                "pppoe",
                "--price",
                "1E2",
                "--download",
                "1M",
                "--upload",
                "1M",
            ],
            "cannot have an exponent",
        ),
        (["staff", "edit", "999", "--role", "admin"], "No staff member has Telegram id 999"),
        (["staff", "edit", "77", "--role", "boss"], "Unknown role boss"),
        (["staff", "edit", "abc", "--name", "X"], "Telegram id must be a number, not abc"),
        (["staff", "remove", "999"], "No staff member has Telegram id 999"),
    ],
)
def test_bad_input_changes_nothing(centro, cli_env: Settings, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    ok("zone", "add", "--name", "Norte", "--issue-day", "1", "--notice-day", "3", "--pay-day", "5",
       "--cutoff-day", "10")  # fmt: skip
    ok("router", "add", "--name", "RB-Norte", "--host", "127.0.0.1", "--port", str(centro.port), "--username",
       "api", "--password", "s3cret", "--zone", "Norte")  # fmt: skip
    ok("plan", "add", "--name", "Hogar 10M", "--type", "pppoe", "--price", "350", "--download", "10M",
       "--upload", "5M")  # fmt: skip
    ok("plan", "add", "--name", "Cola 5M", "--type", "simple-queue", "--price", "250", "--download", "5M",
       "--upload", "1M")  # fmt: skip
    ok("staff", "add", "--telegram-id", "77", "--name", "Ana", "--role", "cashier")
    before = snapshot(cli_env.database_url)
    assert message in refused(*args)
    assert snapshot(cli_env.database_url) == before


def test_zone_and_staff_edits_are_listed_and_audited(cli_env: Settings) -> None:
    ok(*ZONE)
    ok("zone", "edit", "Centro", "--name", "Centro Histórico", "--pay-day", "3")
    listed = ok("zone", "list")
    assert "Centro Histórico: issue 28, notice 30, pay 3, cut-off 5" in listed and "0 routers" in listed
    ok("staff", "add", "--telegram-id", "77", "--name", "Ana", "--role", "cashier")
    ok("staff", "add", "--telegram-id", "78", "--name", "Beto", "--role", "admin")
    out = ok("staff", "edit", "77", "--role", "cajero", "--name", "Ana Peña")
    assert "Ana Peña" in out
    ok("staff", "edit", "77", "--role", "manager")
    assert ok("staff", "list").splitlines() == ["78\tBeto\tadmin", "77\tAna Peña\tmanager"]
    ok("staff", "remove", "77")
    assert "77" not in ok("staff", "list")
    ok("staff", "add", "--telegram-id", "77", "--name", "Ana", "--role", "cashier")  # she comes back
    actions = [r[0] for r in fetch(cli_env.database_url, select(AuditLog.action).order_by(AuditLog.id))]
    assert actions.count("staff.edit") == 2 and "staff.remove" in actions and "zone.edit" in actions
    ok(
        "zone",
        "add",
        "--name",
        "Vacía",
        "--issue-day",
        "1",
        "--notice-day",
        "3",
        "--pay-day",
        "5",
        "--cutoff-day",
        "9",
    )
    assert "Zone Vacía removed." in ok("zone", "remove", "vacia")


def test_api_off_and_on_again(centro, cli_env: Settings) -> None:  # type: ignore[no-untyped-def]
    emu = centro
    ok("plan", "add", "--name", "Hogar 10M", "--type", "pppoe", "--price", "350", "--download", "10M",
       "--upload", "5M")  # fmt: skip
    out = ok("router", "edit", "RB-Centro", "--api", "off")
    assert "API disabled" in ok("router", "list")
    emu.clear("/ppp/profile")
    out = ok("router", "edit", "RB-Centro", "--api", "on")
    assert "antena router drift RB-Centro" in out
    assert emu.find("/ppp/profile", name="Hogar 10M"), "turning the API on sends the plans"
    ok("router", "edit", "RB-Centro", "--name", "RB-Central", "--host", "localhost")
    assert "RB-Central: localhost" in ok("router", "list")
    ok("plan", "remove", "Hogar 10M")
    assert not emu.find("/ppp/profile", name="Hogar 10M")
    ok("router", "remove", "RB-Central")
    assert count(cli_env.database_url, Router) == 0


def test_imported_pppoe_rows_without_a_password_get_one(centro, cli_env: Settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ok("plan", "add", "--name", "Hogar 10M", "--type", "pppoe", "--price", "350", "--download", "10M",
       "--upload", "5M")  # fmt: skip
    csv = tmp_path / "c.csv"
    csv.write_text(
        "name,zone,router,plan,ip,service_password\n"
        "Ana,Centro,RB-Centro,Hogar 10M,10.0.0.7,\n"
        "Beto,Centro,RB-Centro,Hogar 10M,10.0.0.8,propia-123\n",
        encoding="utf-8",
    )
    out = ok("clients", "import", str(csv), "--push")
    assert "1 PPPoE/Hotspot service had no password and got a random one" in out
    passwords = dict(fetch(cli_env.database_url, select(Service.service_user, Service.service_password)))
    assert passwords["beto"] == "propia-123" and len(passwords["ana"]) == 12
    assert centro.find("/ppp/secret", name="ana")[0]["password"] == passwords["ana"]
