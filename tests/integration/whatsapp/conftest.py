"""Fixtures of the WhatsApp Cloud tests: the Cloud API double, an App whose channel order is
``whatsapp_cloud,sms`` pointed at it, and the portal app its webhooks reach (ASGI, in process)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from antena.core.bootstrap import App
from antena.core.config import Settings
from antena.doubles.whatsapp_cloud import WhatsAppCloudDouble
from antena.portal.app import create_portal_app
from tests.integration.notify_helpers import outbox_app

TEMPLATES = "portal_link.en=aviso_portal:cliente,url_autologin;portal_link.es=aviso_portal"


@pytest.fixture
async def wa() -> AsyncIterator[WhatsAppCloudDouble]:
    async with WhatsAppCloudDouble(app_secret="app-secret-for-tests") as double:
        double.approved = {"aviso_portal"}
        yield double


@pytest.fixture
async def wa_app(settings: Settings, wa: WhatsAppCloudDouble) -> AsyncIterator[App]:
    values = {
        "whatsapp_cloud_token": wa.token,
        "whatsapp_cloud_phone_number_id": wa.phone_number_id,
        "whatsapp_cloud_app_secret": wa.app_secret,
        "whatsapp_cloud_verify_token": "verify-me",
        "whatsapp_cloud_api_url": wa.base_url,
        "whatsapp_cloud_templates": TEMPLATES,
        "notify_channels": "whatsapp_cloud,sms",
        "notify_backoff_base": 0.05,
        "notify_backoff_max": 0.1,
    }
    async with outbox_app(Settings(**{**settings.model_dump(), **values})) as app:
        yield app


@pytest.fixture
def portal(wa_app: App) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=create_portal_app(wa_app))
