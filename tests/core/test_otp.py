from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from renkou.core.models import AuditEvent
from tests.conftest import PASSWORD, Cast


def _code(device: TOTPDevice) -> str:
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=0):06d}"
    )


def _login(client: Client, username: str, token: str = "") -> int:
    data = {"username": username, "password": PASSWORD, "otp_token": token}
    return client.post(reverse("core:login"), data).status_code


# django-otp slows guessing down after each wrong code; these tests retry at once.
no_throttle = override_settings(OTP_TOTP_THROTTLE_FACTOR=0)


@pytest.mark.django_db
@no_throttle
def test_admin_needs_the_token_at_login(cast: Cast) -> None:
    device = TOTPDevice.objects.get(user=cast.users["auditor"])
    assert _login(Client(), "auditor") == 200
    assert _login(Client(), "auditor", "000000" if _code(device) != "000000" else "111111") == 200
    client = Client()
    assert _login(client, "auditor", _code(device)) == 302
    assert client.get(reverse("core:audit_log")).status_code == 200
    assert AuditEvent.objects.filter(action="otp.verified").exists()
    assert AuditEvent.objects.filter(action="login.failed").count() == 2


@pytest.mark.django_db
@no_throttle
def test_admin_without_device_can_only_enrol(cast: Cast) -> None:
    TOTPDevice.objects.filter(user=cast.users["sysadmin"]).delete()
    client = Client()
    assert _login(client, "sysadmin") == 302
    response = client.get(reverse("core:account_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("core:otp_setup")
    page = client.get(reverse("core:otp_setup"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    pending = TOTPDevice.objects.get(user=cast.users["sysadmin"], confirmed=False)
    bad = client.post(reverse("core:otp_setup"), {"token": "12"})
    assert "动态口令不正确" in bad.content.decode()
    ok = client.post(reverse("core:otp_setup"), {"token": _code(pending)})
    assert ok.status_code == 302
    assert client.get(reverse("core:account_list")).status_code == 200
    assert AuditEvent.objects.filter(action="otp.enroll", outcome="ok").exists()


@pytest.mark.django_db
def test_clerk_may_enrol_and_then_needs_the_token(cast: Cast) -> None:
    client = cast.client_for("clerk")
    client.get(reverse("core:otp_setup"))
    pending = TOTPDevice.objects.get(user=cast.users["clerk"], confirmed=False)
    client.post(reverse("core:otp_setup"), {"token": _code(pending)})
    pending.refresh_from_db()
    assert pending.confirmed
    assert _login(Client(), "clerk") == 200


@pytest.mark.django_db
def test_users_without_device_log_in_with_password_only(cast: Cast) -> None:
    assert _login(Client(), "officer") == 302


@pytest.mark.django_db
def test_wrong_codes_are_throttled(cast: Cast) -> None:
    device = TOTPDevice.objects.get(user=cast.users["auditor"])
    wrong = "000000" if _code(device) != "000000" else "111111"
    assert _login(Client(), "auditor", wrong) == 200
    assert _login(Client(), "auditor", _code(device)) == 200  # refused while throttled
