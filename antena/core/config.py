"""Settings from the environment (prefix ``ANTENA_``) and ``.env``: one place, so nothing reads os.environ."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SECRET_KEY_FILE = "secret.key"
_SIZE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kKmMgG]?i?[bB])?$")
_UNITS = {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smh]?)$")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


class Settings(BaseSettings):
    """Every ``ANTENA_*`` variable of the interface contract, plus a few tuning knobs."""

    model_config = SettingsConfigDict(
        env_prefix="ANTENA_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,  # `ANTENA_SMTP_PORT=` (compose, .env templates) means "the default"
    )

    database_url: str = "sqlite+aiosqlite:///antena.db"
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_bot_username: str | None = None  # for t.me links in the portal; else asked with getMe
    portal_url: str = "http://127.0.0.1:8080"
    portal_bind: str = "127.0.0.1:8080"
    secret_key: SecretStr | None = None
    company_name: str = "Mi WISP"
    company_phone: str = ""
    timezone: str = "America/Mexico_City"
    locale: str = "es"
    currency: str = "MXN"
    default_region: str = "MX"
    sms_backend: str = "console"
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from: str | None = None
    twilio_whatsapp_from: str | None = None
    twilio_api_url: str | None = None
    auto_tasks: bool = True
    report_time: str = "07:00"
    suspend_list: str = "morosos"
    data_dir: Path = Path("./antena-data")
    # Customer Wi-Fi on an ONU gateway (the manual's container on port 7000): where to POST, and
    # the JSON body, with {host}/{port} in the URL and {ssid}/{password} in the body's strings.
    onu_wifi_url: str = "http://{host}:{port}/wifi"
    onu_wifi_body: str = '{"ssid": "{ssid}", "password": "{password}"}'
    # Router outbox tuning: how hard we try before a task is shown as failed.
    router_timeout: float = Field(default=10.0, gt=0)
    router_max_attempts: int = Field(default=12, ge=1)
    router_backoff_base: float = Field(default=5.0, gt=0)
    router_backoff_max: float = Field(default=900.0, gt=0)
    # A router that refuses our user or password is tried again this often (seconds), not on the
    # network back-off: nothing changes until someone fixes the password (`antena router edit`).
    router_login_retry: float = Field(default=1800.0, gt=0)
    # Below RouterOS's default `/ip service api max-sessions=20`, leaving room for other sessions;
    # a router that allows fewer closes the extra ones and the bulk goes over the rest.
    router_bulk_connections: int = Field(default=16, ge=1, le=20)
    router_lease_seconds: float = Field(default=300.0, gt=0)  # a worker's hold on one router's queue
    # Billing knobs that the manual leaves to the operator.
    reconnection_fee: str = "0"
    late_fee: str = "0"
    promise_max_days: int = Field(default=7, ge=1)
    # Customer messages (core/notify): pace, cost, channels, e-mail.
    sms_rate_per_second: float = Field(default=1.0, gt=0)  # per sender number
    telegram_rate_per_second: float = Field(default=20.0, gt=0)
    sms_fold_accents: bool = False  # á→a etc. so a message stays in GSM-7 (cheaper segments)
    sms_cost: str = "0.05"  # per segment, for estimates
    notify_channels: str = "telegram,whatsapp,sms"  # cheapest first
    notify_max_attempts: int = Field(default=8, ge=1)
    notify_backoff_base: float = Field(default=30.0, gt=0)
    notify_backoff_max: float = Field(default=3600.0, gt=0)
    twilio_status_callback_url: str | None = None  # public URL of POST /twilio/status
    twilio_whatsapp_templates: str = ""  # "event.lang=HX…,event=HX…": approved Content SIDs
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None
    smtp_starttls: bool = True
    smtp_timeout: float = Field(default=15.0, gt=0)
    # Turn 2 of the contract: limits on hostile input, the notice grace, the portal's Wi-Fi form,
    # and the crash-test failpoint.
    max_payment: Decimal = Field(default=Decimal("100000.00"), gt=0)
    portal_max_upload: int = 5 * 1024 * 1024  # bytes; "5MB", "500KB" or a plain number
    message_grace: float = Field(default=300.0, ge=0)  # seconds a suspension/reconnection notice waits
    portal_wifi: bool = True
    failpoint: str | None = None  # crash tests only (core/failpoints.py)
    # Contracts: how long a signing link stays valid (a new link, or `contract link --new`, revokes).
    contract_link_days: int = Field(default=14, ge=1, le=365)
    # Network tools (issue 15): usage sampling and TR-069 devices through GenieACS's NBI.
    usage_interval: float = Field(default=900.0, ge=10)  # seconds between queue-counter samples; "15m"
    genieacs_url: str = "http://127.0.0.1:7557"  # GenieACS NBI
    genieacs_username: str | None = None
    genieacs_password: SecretStr | None = None
    genieacs_timeout: float = Field(default=10.0, gt=0)  # seconds the NBI waits for the device
    # Where an ONU reports its optical RX power; a comma list: the first the device has is read.
    genieacs_rx_power_param: str = (
        "VirtualParameters.RXPower,"
        "InternetGatewayDevice.WANDevice.1.X_GponInterafceConfig.RXPower,"
        "Device.Optical.Interface.1.OpticalSignalLevel"
    )
    # CFDI 4.0 (core/cfdi): the issuer, its CSD (certificado de sello digital) and the PAC that stamps.
    cfdi_rfc: str | None = None
    cfdi_name: str | None = None  # razón social exactly as on the Constancia de Situación Fiscal
    cfdi_regime: str = "601"  # c_RegimenFiscal of the issuer
    cfdi_postal_code: str | None = None  # lugar de expedición
    cfdi_series: str = "F"
    cfdi_cer_path: Path | None = None
    cfdi_key_path: Path | None = None
    cfdi_key_password: SecretStr | None = None
    cfdi_pac: str = "swsapien"  # satcfdi's SW Sapien adapter
    cfdi_pac_sandbox: bool = True  # the PAC's test environment: stamps that the SAT never sees
    cfdi_pac_url: str | None = None  # base URL override (a proxy, the local PAC double)
    cfdi_pac_token: SecretStr | None = None
    cfdi_pac_user: str | None = None
    cfdi_pac_password: SecretStr | None = None
    cfdi_max_attempts: int = Field(default=8, ge=1)
    # WhatsApp through Meta's Cloud API (core/notify/whatsapp_cloud.py), channel "whatsapp_cloud".
    whatsapp_cloud_token: SecretStr | None = None
    whatsapp_cloud_phone_number_id: str | None = None
    whatsapp_cloud_app_secret: SecretStr | None = None  # signs the webhook (X-Hub-Signature-256)
    whatsapp_cloud_verify_token: SecretStr | None = None  # the GET handshake's hub.verify_token
    whatsapp_cloud_api_url: str = "https://graph.facebook.com/v21.0"
    whatsapp_cloud_templates: str = ""  # "event.lang=name[@code][:tag,tag];…" approved templates
    whatsapp_cloud_costs: str = "utility=0.16,authentication=0.16,marketing=0.56,service=0"
    whatsapp_cloud_rate_per_second: float = Field(default=20.0, gt=0)
    # Online payments (core/payments): Conekta (OXXO and SPEI references per client) and Mercado
    # Pago (a checkout link per invoice). A provider is on when its API key / access token is set.
    conekta_api_key: SecretStr | None = None  # private key, key_… (test keys in the sandbox)
    conekta_webhook_key: SecretStr | None = None  # PEM public key of POST /webhook_keys: checks `digest`
    conekta_sandbox: bool = True  # accept only test-mode (livemode=false) events
    conekta_api_url: str | None = None  # default https://api.conekta.io (the local double in tests)
    mercadopago_access_token: SecretStr | None = None
    mercadopago_webhook_secret: SecretStr | None = None  # "clave secreta" that signs x-signature
    mercadopago_sandbox: bool = True  # sandbox checkout links; accept only live_mode=false events
    mercadopago_api_url: str | None = None  # default https://api.mercadopago.com

    @field_validator(
        "telegram_token",
        "telegram_webhook_url",
        "secret_key",
        "conekta_api_key",
        "conekta_webhook_key",
        "mercadopago_access_token",
        "mercadopago_webhook_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """``ANTENA_TELEGRAM_TOKEN=`` (as compose files and .env templates write it) means "not set"."""
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("portal_max_upload", mode="before")
    @classmethod
    def _byte_size(cls, value: object) -> object:
        """``5MB``, ``500 KB``, ``1.5MiB`` or a number of bytes."""
        if isinstance(value, str):
            match = _SIZE.match(value.strip())
            if match is None:
                raise ValueError("ANTENA_PORTAL_MAX_UPLOAD must be a size like 5MB, 500KB or 1048576")
            number, unit = match.groups()
            prefix = (unit or "b").lower().removesuffix("ib").removesuffix("b") or "b"
            return int(Decimal(number) * _UNITS[prefix])
        return value

    @field_validator("usage_interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        """``900``, ``900s``, ``15m`` or ``1h``."""
        if isinstance(value, str):
            match = _DURATION.match(value.strip().lower())
            if match is None:
                raise ValueError("ANTENA_USAGE_INTERVAL must be a duration like 15m, 900s or 1h")
            return float(match[1]) * _SECONDS[match[2] or "s"]
        return value

    @field_validator(
        "auto_tasks", "portal_wifi", "cfdi_pac_sandbox", "conekta_sandbox", "mercadopago_sandbox",
        mode="before",
    )
    @classmethod
    def _on_off(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() in {"on", "off"}:
            return value.strip().lower() == "on"
        return value

    @field_validator("locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        value = value.strip().lower()[:2]
        if value not in {"es", "en"}:
            raise ValueError("ANTENA_LOCALE must be 'es' or 'en'")
        return value

    @field_validator("sms_backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in {"console", "twilio"}:
            raise ValueError("ANTENA_SMS_BACKEND must be 'console' or 'twilio'")
        return value

    @field_validator("report_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        try:
            parsed = dt.time.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("ANTENA_REPORT_TIME must be HH:MM, like 07:00") from exc
        return parsed.strftime("%H:%M")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def signing_key(self) -> str:
        """The secret that signs tokens: the configured one, else one generated once into the data dir."""
        if self.secret_key is not None and self.secret_key.get_secret_value():
            return self.secret_key.get_secret_value()
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key + "\n", encoding="utf-8")
        path.chmod(0o600)
        return key


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own ``Settings`` and pass them explicitly."""
    return Settings()
