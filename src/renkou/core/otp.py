"""TOTP second factor (django-otp): enrolment and the login check."""

from __future__ import annotations

import django_otp
import segno
from django.db import transaction
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from renkou.core.audit import audit_record
from renkou.core.models import User


def otp_verify(device: TOTPDevice, token: str) -> bool:
    """Check a 6-digit code (django-otp throttles repeated failures itself)."""
    return bool(device.verify_token(token.strip()))  # type: ignore[no-untyped-call]


def otp_session_login(request: HttpRequest, device: TOTPDevice) -> None:
    """Mark this session as having passed the second factor with `device`."""
    django_otp.login(request, device)  # type: ignore[no-untyped-call]


def otp_confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def otp_pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (created on first use)."""
    device: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
    return device


def otp_qr_svg(device: TOTPDevice) -> str:
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4))


def otp_secret_text(device: TOTPDevice) -> str:
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def otp_enroll_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm `device` if `token` is right; audited either way."""
    ok = otp_verify(device, token)
    with transaction.atomic():
        if ok:
            TOTPDevice.objects.filter(user=user, confirmed=True).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        audit_record(
            action="otp.enroll",
            actor=user,
            object_type="user",
            object_id=user.pk,
            outcome="ok" if ok else "denied",
        )
    return bool(ok)
