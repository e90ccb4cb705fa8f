"""Settings: the contract's defaults, the environment and ``.env``, secrets kept secret."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from antena.core.config import Settings


def fresh(**kw: object) -> Settings:
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("ANTENA_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_the_contracts() -> None:
    s = fresh()
    assert s.database_url == "sqlite+aiosqlite:///antena.db"
    assert s.telegram_token is None and s.telegram_api_url == "https://api.telegram.org"
    assert (s.portal_url, s.portal_bind) == ("http://127.0.0.1:8080", "127.0.0.1:8080")
    assert (s.company_name, s.timezone, s.locale, s.currency) == (
        "Mi WISP",
        "America/Mexico_City",
        "es",
        "MXN",
    )
    assert (s.sms_backend, s.auto_tasks, s.report_time, s.suspend_list) == (
        "console",
        True,
        "07:00",
        "morosos",
    )
    assert s.data_dir == Path("./antena-data") and s.telegram_webhook_url is None


def test_environment_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ANTENA_COMPANY_NAME=Red Peña\nANTENA_AUTO_TASKS=off\n", encoding="utf-8")
    monkeypatch.setenv("ANTENA_LOCALE", "en")
    s = Settings()
    assert (s.company_name, s.auto_tasks, s.locale) == ("Red Peña", False, "en")


def test_secrets_never_show_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTENA_TELEGRAM_TOKEN", "123:ABC-very-secret")
    monkeypatch.setenv("ANTENA_TWILIO_AUTH_TOKEN", "twilio-secret")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert "very-secret" not in repr(s) and "twilio-secret" not in repr(s)
    assert s.telegram_token is not None and s.telegram_token.get_secret_value() == "123:ABC-very-secret"


def test_a_blank_token_means_no_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Compose files and .env templates write ``ANTENA_TELEGRAM_TOKEN=``: that is "no bot", not a token."""
    monkeypatch.setenv("ANTENA_TELEGRAM_TOKEN", "")
    monkeypatch.setenv("ANTENA_TELEGRAM_WEBHOOK_URL", " ")
    monkeypatch.setenv("ANTENA_SMTP_PORT", "")
    monkeypatch.setenv("ANTENA_REPORT_TIME", "")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.telegram_token is None and s.telegram_webhook_url is None
    assert (s.smtp_port, s.report_time) == (587, "07:00"), "an empty variable is the default"


def test_secret_key_is_generated_once_into_the_data_dir(tmp_path: Path) -> None:
    s = fresh(data_dir=tmp_path / "data")
    key = s.signing_key()
    path = tmp_path / "data" / "secret.key"
    assert path.read_text().strip() == key and len(key) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert fresh(data_dir=tmp_path / "data").signing_key() == key, "kept across restarts"
    assert fresh(data_dir=tmp_path / "data", secret_key="configured").signing_key() == "configured"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("locale", "fr"),
        ("timezone", "Mars/Olympus"),
        ("sms_backend", "pigeon"),
        ("report_time", "25:99"),
        ("auto_tasks", "maybe"),
    ],
)
def test_bad_settings_are_refused(name: str, value: str) -> None:
    with pytest.raises(ValidationError):
        fresh(**{name: value})


def test_cli_reports_a_bad_setting_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers import cli

    monkeypatch.setenv("ANTENA_LOCALE", "fr")
    result = cli(
        "zone",
        "add",
        "--name",
        "x",
        "--issue-day",
        "1",
        "--notice-day",
        "1",
        "--pay-day",
        "1",
        "--cutoff-day",
        "1",
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("antena: ") and "ANTENA_LOCALE must be 'es' or 'en'" in result.stderr
    assert "Value error" not in result.stderr
    assert result.stderr.count("\n") == 1
