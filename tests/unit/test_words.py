"""One table each for roles, client statuses and payment methods: shown in the reader's language,
typed in Spanish or English; and every label of the portal's pages has its Spanish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from antena.core import words
from antena.core.db.billing_models import PaymentMethod
from antena.core.db.models import ClientStatus, Role
from antena.core.errors import InvalidInput
from antena.core.i18n import _catalog, language

PORTAL_TEMPLATES = Path(words.__file__).resolve().parent.parent / "portal" / "templates"


@pytest.mark.parametrize(
    ("typed", "role"),
    [("cajero", Role.CASHIER), ("Cajera", Role.CASHIER), ("cashier", Role.CASHIER), ("gerente", Role.MANAGER),
     ("técnico", Role.TECHNICIAN), ("TECNICA", Role.TECHNICIAN), ("administrador", Role.ADMIN), ("admin", Role.ADMIN)],
)  # fmt: skip
def test_roles_are_typed_in_spanish_or_english(typed: str, role: Role) -> None:
    assert words.parse_role(typed) is role


@pytest.mark.parametrize(
    ("typed", "status"),
    [("suspendido", ClientStatus.SUSPENDED), ("Suspendida", ClientStatus.SUSPENDED), ("gratis", ClientStatus.FREE),
     ("cancelado", ClientStatus.CANCELLED), ("active", ClientStatus.ACTIVE), ("activo", ClientStatus.ACTIVE)],
)  # fmt: skip
def test_statuses_are_typed_in_spanish_or_english(typed: str, status: ClientStatus) -> None:
    assert words.parse_status(typed) is status


def test_methods_are_typed_in_spanish_or_english() -> None:
    assert words.parse_method("Efectivo") is PaymentMethod.CASH
    assert words.parse_method("transfer") is PaymentMethod.TRANSFER
    assert words.parse_method("") is PaymentMethod.CASH


def test_unknown_words_are_refused_naming_the_spanish_ones() -> None:
    with language("es"):
        with pytest.raises(InvalidInput, match="Rol desconocido jefe: use admin, gerente, cajero o tecnico"):
            words.parse_role("jefe")
        with pytest.raises(InvalidInput, match="use activo, suspendido, gratis o cancelado"):
            words.parse_status("moroso")
        with pytest.raises(InvalidInput, match="use efectivo, transferencia o tarjeta"):
            words.parse_method("cheque")


def test_labels_follow_the_readers_language() -> None:
    with language("es"):
        assert [words.role_label(r) for r in Role] == ["admin", "gerente", "cajero", "técnico"]
        assert [words.status_label(s) for s in ClientStatus] == ["activo", "suspendido", "gratis", "cancelado"]
        assert words.method_label(PaymentMethod.TRANSFER) == "transferencia"
        assert words.method_label("tarjeta") == "tarjeta"
    with language("en"):
        assert words.role_label(Role.CASHIER) == "cashier"
        assert words.status_label(ClientStatus.SUSPENDED) == "suspended"
        assert words.method_label("efectivo") == "cash"
        assert words.method_label("bitcoin") == "bitcoin"  # a word we do not know is shown as it is


def test_every_portal_label_has_its_spanish() -> None:
    spanish = _catalog("es")
    labels = {
        (page.name, label)
        for page in PORTAL_TEMPLATES.glob("*.html")
        for label in re.findall(r"""_\(\s*"([^"]+)"\s*\)""", page.read_text(encoding="utf-8"))
    }
    assert len(labels) > 50 and ("suspended.html", "Your service is active") in labels
    missing = sorted((page, label) for page, label in labels if label not in spanish)
    assert not missing, missing
