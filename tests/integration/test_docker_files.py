"""The Docker files: ``docker/compose.yaml``, ``docker/Dockerfile``, ``.dockerignore`` and
``docker/entrypoint.sh``.

No Docker engine runs on the development machines or in CI, so nothing here builds an image.
What can go wrong without one is checked instead: a compose variable that is no setting (a typo
is silently ignored by pydantic), a command that is no ``antena`` subcommand, a WeasyPrint library
that ``scripts/install.sh`` installs but the image lacks, a file the wheel needs that
``.dockerignore`` keeps out of the build, and an entrypoint that migrates but does not ``exec``
(then SIGTERM from ``docker stop`` would never reach antena).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from antena.cli.main import app as cli_app
from antena.cli.operations import ONLY_CHOICES
from antena.core.config import Settings
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
ENTRYPOINT = DOCKER / "entrypoint.sh"

SETTING_VARS = {f"ANTENA_{name.upper()}" for name in Settings.model_fields}
# Read by docker/entrypoint.sh only; Settings ignores them (extra="ignore").
ENTRYPOINT_VARS = {"ANTENA_MIGRATE", "ANTENA_MIGRATE_TRIES", "ANTENA_MIGRATE_DELAY"}
# scripts/install.sh also installs these for the test suite (pdftotext); the image does not need them.
TEST_ONLY_DEBS = {"poppler-utils"}


# --- compose.yaml ------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    data = yaml.safe_load((DOCKER / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def antena_services() -> dict[str, dict[str, Any]]:
    """The services that run the Antena image (everything but the database)."""
    services = compose()["services"]
    return {
        name: svc for name, svc in services.items() if "build" in svc or "antena" in str(svc.get("image"))
    }


def command_args(service: dict[str, Any]) -> list[str]:
    """The service's arguments to the entrypoint; the image's CMD (``run``) when it gives none."""
    command = service.get("command", ["run"])
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def parsed_command(args: list[str]) -> tuple[str, dict[str, Any]]:
    """Parse ``antena ARGS`` with the real CLI's parser: an unknown subcommand or option fails."""
    group = typer.main.get_command(cli_app)  # click's API (typer may carry its own copy of click)
    assert args, "empty command"
    name, rest = args[0], args[1:]
    command = group.commands.get(name)  # type: ignore[attr-defined]
    assert command is not None, f"`antena {name}` is no subcommand"
    assert not hasattr(command, "commands"), "a command group needs a subcommand; use a real one"
    ctx = command.make_context(name, list(rest))
    return name, dict(ctx.params)


def serves_portal(args: list[str]) -> bool:
    name, params = parsed_command(args)
    return name == "run" and params.get("only") in ("", "portal")


def test_database_has_a_healthcheck_and_a_named_volume() -> None:
    data = compose()
    db = data["services"]["db"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    env = db["environment"]
    assert "-U " + env["POSTGRES_USER"] in " ".join(db["healthcheck"]["test"])
    mounts = {m.split(":")[0]: m.split(":")[1] for m in db["volumes"]}
    assert "/var/lib/postgresql/data" in mounts.values()
    for source in mounts:
        assert source in data["volumes"], f"volume {source} is not declared"


def test_antena_services_wait_for_a_healthy_database() -> None:
    """Every Antena container starts after PostgreSQL answers, directly or through the portal."""
    services = compose()["services"]
    assert set(antena_services()) >= {"antena"}
    for name in antena_services():
        seen = [name]
        while "db" not in seen:
            depends = services[seen[-1]].get("depends_on")
            assert isinstance(depends, dict) and depends, f"{seen[-1]} waits for nothing"
            target, cond = next(iter(depends.items()))
            assert cond["condition"] == "service_healthy", f"{seen[-1]} -> {target}"
            assert target not in seen, f"dependency loop {seen}"
            seen.append(target)


def test_environment_names_are_real_settings() -> None:
    """pydantic ignores unknown ANTENA_* variables, so a misspelt one would silently do nothing."""
    for name, svc in antena_services().items():
        env = svc["environment"]
        assert isinstance(env, dict), f"{name}: use the mapping form"
        for key, value in env.items():
            if key.startswith("ANTENA_"):
                assert key in SETTING_VARS | ENTRYPOINT_VARS, f"{name}: {key} is no Antena setting"
            # `off` unquoted is YAML's false: compose would pass "false", which the entrypoint refuses.
            assert value is None or isinstance(value, str), f"{name}: quote the value of {key}"
        assert env["ANTENA_DATA_DIR"] in [m.split(":")[1] for m in svc["volumes"]], name
        assert env["ANTENA_DATABASE_URL"].startswith("postgresql+asyncpg://"), name
        assert "@db:5432/" in env["ANTENA_DATABASE_URL"], name
    assert not ENTRYPOINT_VARS & SETTING_VARS
    script = ENTRYPOINT.read_text(encoding="utf-8")
    for var in ENTRYPOINT_VARS:
        assert var in script, f"{var} is allowed in compose but docker/entrypoint.sh never reads it"


def test_no_variable_is_passed_as_an_empty_string() -> None:
    """``ANTENA_TELEGRAM_TOKEN=""`` counts as a token for Settings; optional values are passed as
    bare names (compose then leaves them unset when the host has none) or with a real default."""
    for name, svc in antena_services().items():
        for key, value in svc["environment"].items():
            blank_when_unset = value is not None and re.search(r"\$\{[A-Za-z0-9_]+(:?-)?\}", value)
            assert value is None or (value and not blank_when_unset), (name, key, value)


def test_commands_are_antena_subcommands() -> None:
    for name, svc in antena_services().items():
        command, params = parsed_command(command_args(svc))
        if command == "run":
            assert params["only"] in ("", *ONLY_CHOICES), f"{name}: --only {params['only']}"


def test_one_migrating_portal_per_profile_and_healthchecks_where_a_portal_answers() -> None:
    """Without --only or with --only portal the container answers /healthz and publishes its port;
    bot and worker do not, so their healthcheck is off (else Docker marks them unhealthy forever)
    and they leave the migration to the portal."""
    by_profile: dict[str, list[str]] = {}
    for name, svc in antena_services().items():
        args = command_args(svc)
        for profile in svc.get("profiles", ["(default)"]):
            by_profile.setdefault(profile, []).append(name)
        env = svc["environment"]
        if serves_portal(args):
            port = env["ANTENA_PORTAL_BIND"].rpartition(":")[2]
            assert f"127.0.0.1:{port}/healthz" in " ".join(svc["healthcheck"]["test"]), name
            assert any(str(p).endswith(f":{port}") for p in svc["ports"]), name
            assert env.get("ANTENA_MIGRATE", "on") == "on", f"{name} serves the portal: it migrates"
        else:
            assert svc["healthcheck"] == {"disable": True}, name
            assert env.get("ANTENA_MIGRATE") == "off", name
            assert "ports" not in svc, name
    assert set(by_profile) == {"(default)", "split"}
    for profile, names in by_profile.items():
        portals = [n for n in names if serves_portal(command_args(antena_services()[n]))]
        assert len(portals) == 1, (profile, portals)
    split = {parsed_command(command_args(antena_services()[n]))[1]["only"] for n in by_profile["split"]}
    assert split == set(ONLY_CHOICES)


def test_named_volumes_are_declared() -> None:
    data = compose()
    for name, svc in data["services"].items():
        for mount in svc.get("volumes", []):
            source = mount.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in data["volumes"], f"{name}: volume {source} is not declared"


# --- Dockerfile ----------------------------------------------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile as stages of (INSTRUCTION, arguments), continuation lines joined."""
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    stages: list[list[tuple[str, str]]] = []
    for line in logical:
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((word, rest.strip()))
    return stages


def runtime_stage() -> list[tuple[str, str]]:
    stages = dockerfile_stages()
    assert len(stages) >= 2, "multi-stage: build in one stage, run from a clean one"
    return stages[-1]


def instructions(stage: list[tuple[str, str]], word: str) -> list[str]:
    return [rest for w, rest in stage if w == word]


def apt_packages(stage: list[tuple[str, str]]) -> set[str]:
    packages: set[str] = set()
    for run in instructions(stage, "RUN"):
        for part in re.split(r"&&|;", run):
            words = part.split()
            if words[:2] == ["apt-get", "install"]:
                packages |= {w for w in words[2:] if not w.startswith("-")}
    return packages


def install_sh_debs() -> set[str]:
    text = (ROOT / "scripts" / "install.sh").read_text(encoding="utf-8")
    match = re.search(r"^want_debs=\(([^)]*)\)", text, re.MULTILINE)
    assert match, "scripts/install.sh no longer lists want_debs=(...)"
    return set(match.group(1).split())


def env_values(stage: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for rest in instructions(stage, "ENV"):
        for item in shlex.split(rest):
            key, _, value = item.partition("=")
            values[key] = value
    return values


def test_runtime_image_has_the_weasyprint_libraries_of_install_sh() -> None:
    wanted = install_sh_debs() - TEST_ONLY_DEBS
    assert {"libpango-1.0-0", "fonts-dejavu-core"} <= wanted
    missing = wanted - apt_packages(runtime_stage())
    assert not missing, f"docker/Dockerfile does not install {sorted(missing)}"


def test_runtime_image_runs_as_a_non_root_user_with_data_in_a_volume() -> None:
    stage = runtime_stage()
    users = instructions(stage, "USER")
    assert users, "no USER: the container would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    if user.isdigit():
        assert any(f"--uid {user}" in run for run in instructions(stage, "RUN")), "USER uid is never created"
    env = env_values(stage)
    assert env["ANTENA_DATA_DIR"] in " ".join(instructions(stage, "VOLUME"))
    assert any("chown" in run and env["ANTENA_DATA_DIR"] in run for run in instructions(stage, "RUN")), (
        "the data volume must belong to the user"
    )


def test_runtime_image_exposes_the_portal_and_checks_its_health() -> None:
    stage = runtime_stage()
    env = env_values(stage)
    host, _, port = env["ANTENA_PORTAL_BIND"].rpartition(":")
    assert host == "0.0.0.0", "the portal must listen on every interface inside a container"
    assert instructions(stage, "EXPOSE") == [port]
    (health,) = instructions(stage, "HEALTHCHECK")
    assert "/healthz" in health and "python" in health, "slim images have no curl: check with python"


def test_entrypoint_is_the_script_and_the_default_command_is_run() -> None:
    stage = runtime_stage()
    (entry,) = instructions(stage, "ENTRYPOINT")
    entry_args = yaml.safe_load(entry)  # the JSON (exec) form, so signals reach the process
    assert isinstance(entry_args, list)
    copies = [shlex.split(c) for c in instructions(stage, "COPY")]
    script_copy = [c for c in copies if c[-2] == "docker/entrypoint.sh"]
    assert script_copy and script_copy[0][-1] in entry_args
    (cmd,) = instructions(stage, "CMD")
    args = yaml.safe_load(cmd)
    assert isinstance(args, list)
    assert parsed_command(args)[0] == "run"


def test_builder_copies_what_the_wheel_is_built_from() -> None:
    """pyproject force-includes templates/ and migrations/; without them the wheel has no PDFs
    or schema and `antena db upgrade` fails only inside the container."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    wheel = project["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {"pyproject.toml", project["project"]["readme"], *wheel["packages"], *wheel["force-include"]}
    copied = set()
    for stage in dockerfile_stages()[:-1]:
        for copy in instructions(stage, "COPY"):
            words = [w for w in shlex.split(copy) if not w.startswith("--")]
            copied |= {w.rstrip("/") for w in words[:-1]}
    assert needed <= copied, f"not copied into the builder: {sorted(needed - copied)}"


# --- .dockerignore -------------------------------------------------------------------------------


def _pattern(pattern: str) -> re.Pattern[str]:
    """Docker's .dockerignore glob: * and ? stop at /, ** spans directories."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def dockerignore_rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for raw in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keep = line.startswith("!")
        rules.append((keep, _pattern(line.lstrip("!").strip("/"))))
    return rules


def sent_to_builder(path: str) -> bool:
    """The last rule that matches the path or one of its parent folders decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    sent = True
    for keep, rx in dockerignore_rules():
        if any(rx.match(c) for c in candidates):
            sent = keep
    return sent


def source_files() -> Iterator[str]:
    for top in ("antena", "templates", "migrations"):
        for path in (ROOT / top).rglob("*"):
            rel = path.relative_to(ROOT).as_posix()
            if path.is_file() and "__pycache__" not in rel and not rel.endswith(".pyc"):
                yield rel


def test_dockerignore_sends_the_sources_and_nothing_local() -> None:
    needed = ["pyproject.toml", "README.md", "docker/entrypoint.sh", *source_files()]
    assert len(needed) > 50
    kept_out = [p for p in needed if not sent_to_builder(p)]
    assert not kept_out, f".dockerignore keeps out {kept_out[:5]}"
    for local in [
        ".venv/bin/python",
        ".git/HEAD",
        ".env",
        "docker/.env",
        "antena-data/secret.key",
        "antena.db",
        "antena/__pycache__/config.cpython-311.pyc",
        "templates/pdf/old.db",
        "bench/out/result.json",
        "tests/conftest.py",
        ".pytest_cache/v/cache/nodeids",
        ".hypothesis/examples/x",
    ]:
        assert not sent_to_builder(local), f".dockerignore sends {local}"


def test_dockerfile_copies_only_what_dockerignore_sends() -> None:
    for stage in dockerfile_stages():
        for copy in instructions(stage, "COPY"):
            words = shlex.split(copy)
            if any(w.startswith("--from") for w in words):
                continue
            for source in [w for w in words if not w.startswith("--")][:-1]:
                assert sent_to_builder(source.rstrip("/")), f"COPY {source} but .dockerignore keeps it out"


# --- docker/entrypoint.sh, for real (with this virtualenv's antena) ------------------------------


def entrypoint_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTENA_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        ANTENA_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'antena.db'}",
        ANTENA_DATA_DIR=str(tmp_path / "data"),
        ANTENA_LOCALE="en",
    )
    env.update(extra)
    return env


def run_entrypoint(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env=entrypoint_env(tmp_path, **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_entrypoint_is_posix_sh() -> None:
    assert ENTRYPOINT.read_text(encoding="utf-8").startswith("#!/bin/sh\n")
    subprocess.run(["sh", "-n", str(ENTRYPOINT)], check=True)


@pytest.mark.sqlite_only
def test_entrypoint_migrates_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The image's start: schema first, then `antena run --only portal` in place of the shell,
    so the SIGTERM of `docker stop` reaches antena and it stops cleanly with 0."""
    port = free_port()
    db_file = tmp_path / "antena.db"
    proc = subprocess.Popen(
        ["sh", str(ENTRYPOINT), "run", "--only", "portal"],
        env=entrypoint_env(tmp_path, ANTENA_PORTAL_BIND=f"127.0.0.1:{port}", ANTENA_MIGRATE="on"),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # so a failed test can kill antena even if the shell did not exec
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, "ended early:\n{}\n{}".format(*proc.communicate())
            assert time.monotonic() < deadline, "no answer on /healthz within 30 s"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    assert resp.status == 200
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        with sqlite3.connect(db_file) as conn:
            (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        assert revision
        cmdline = Path(f"/proc/{proc.pid}/cmdline")
        if cmdline.exists():  # exec: the shell's process is now antena itself
            argv = cmdline.read_bytes().split(b"\0")
            assert any(a.endswith(b"/antena") for a in argv) and b"entrypoint.sh" not in b" ".join(argv)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=10)
    assert proc.returncode == 0, out + err
    assert "Stopped." in out, out
    # The upgrade reports on stderr, so `run --rm antena clients export -` prints only the CSV.
    assert "Database schema is up to date." in err and "schema" not in out, (out, err)
    assert "Traceback" not in out + err


@pytest.mark.sqlite_only
def test_empty_variables_count_as_unset(tmp_path: Path) -> None:
    """Compose and `docker run -e X=` hand over "" for a blank value, and "" is no port, time zone
    or time: through the entrypoint, empty ANTENA_* variables still mean the defaults."""
    result = run_entrypoint(
        tmp_path,
        "run",
        "--only",
        "bot",
        ANTENA_MIGRATE="off",
        ANTENA_TELEGRAM_TOKEN="",
        ANTENA_SMTP_PORT="",
        ANTENA_TIMEZONE="",
        ANTENA_REPORT_TIME="",
    )
    assert "Telegram bot is off" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 1 and "Nothing to run" in result.stderr


@pytest.mark.sqlite_only
def test_migrate_off_skips_the_upgrade(tmp_path: Path) -> None:
    """Bot and worker replicas leave the schema to one container."""
    result = run_entrypoint(tmp_path, "--help", ANTENA_MIGRATE="off")
    assert result.returncode == 0, result.stderr
    assert "Usage" in result.stdout
    assert not (tmp_path / "antena.db").exists(), "ANTENA_MIGRATE=off still ran `antena db upgrade`"


@pytest.mark.sqlite_only
def test_entrypoint_gives_up_when_the_database_never_answers(tmp_path: Path) -> None:
    """PostgreSQL that is still starting (or never comes): retry, then fail without running the command."""
    result = run_entrypoint(
        tmp_path,
        "--help",
        ANTENA_DATABASE_URL=f"postgresql+asyncpg://antena:antena@127.0.0.1:{free_port()}/antena",
        ANTENA_MIGRATE_TRIES="2",
        ANTENA_MIGRATE_DELAY="0",
    )
    assert result.returncode != 0
    assert "Usage" not in result.stdout, "ran the command although the schema was not upgraded"
    assert "attempt 1 of 2" in result.stderr and "failed 2 times" in result.stderr, result.stderr


def test_entrypoint_refuses_an_unknown_migrate_value(tmp_path: Path) -> None:
    """`ANTENA_MIGRATE: off` unquoted in YAML reaches the container as "false"; say so, do not guess."""
    result = run_entrypoint(tmp_path, "--help", ANTENA_MIGRATE="false")
    assert result.returncode == 2
    assert "ANTENA_MIGRATE must be on or off" in result.stderr
    assert not (tmp_path / "antena.db").exists()
