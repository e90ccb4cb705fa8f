"""Phone numbers in E.164, whatever way staff typed them (10 digits, +52…, with spaces).

``phonenumbers`` (its metadata: ~12 ms) is imported when a number is first parsed: a search by
name, the most common one, and the commands that start with one never pay for it."""

from __future__ import annotations

from antena.core.errors import InvalidInput
from antena.core.i18n import _


def normalize_phone(raw: str | None, region: str = "MX") -> str | None:
    """E.164 form of ``raw`` (``None`` for blank); an unparseable number is a user error."""
    if raw is None or not raw.strip():
        return None
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput(_("Unparseable phone number: {phone}").format(phone=raw)) from exc
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise InvalidInput(_("Unparseable phone number: {phone}").format(phone=raw))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_candidates(text: str, region: str = "MX") -> list[str]:
    """E.164 numbers a search text could mean; empty when it is not phone-like."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) < 7 or any(ch.isalpha() for ch in text):
        return []
    import phonenumbers

    out: list[str] = []
    for candidate in (text, digits, "+" + digits):
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in out:
                out.append(e164)
    return out
