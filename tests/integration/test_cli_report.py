"""``antena report daily [--date] [--pdf PATH]``."""

from __future__ import annotations

from pathlib import Path

from antena.core.config import Settings
from tests.helpers import cli


def test_report_daily_prints_and_writes_the_pdf(cli_env: Settings, tmp_path: Path) -> None:
    out = tmp_path / "reporte.pdf"
    result = cli("report", "daily", "--date", "2026-06-05", "--pdf", str(out))
    assert result.exit_code == 0, result.stderr
    assert "2026" in result.stdout or "June" in result.stdout or "junio" in result.stdout
    assert out.read_bytes().startswith(b"%PDF")


def test_report_daily_refuses_a_bad_date(cli_env: Settings) -> None:
    result = cli("report", "daily", "--date", "2026-02-30")
    assert result.exit_code == 1 and "2026-02-30" in result.stderr
