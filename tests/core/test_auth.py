from __future__ import annotations

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from renkou.core.models import AuditEvent
from tests.conftest import PASSWORD, Cast

LOGIN = "/login/"


def _login(client: Client, username: str, password: str) -> int:
    response = client.post(LOGIN, {"username": username, "password": password})
    return response.status_code


@pytest.mark.django_db
def test_login_success_rotates_session_and_is_audited(cast: Cast) -> None:
    client = Client()
    client.get(LOGIN)
    before = client.cookies.get("sessionid")
    assert _login(client, "clerk", PASSWORD) == 302
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert AuditEvent.objects.filter(action="login", actor=cast.users["clerk"]).exists()


@pytest.mark.django_db
def test_unknown_user_and_wrong_password_answer_the_same(cast: Cast) -> None:
    wrong = Client().post(LOGIN, {"username": "clerk", "password": "Wrong-Pass-1"})
    unknown = Client().post(LOGIN, {"username": "nobody", "password": "Wrong-Pass-1"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors
    assert AuditEvent.objects.filter(action="login.failed").count() == 2


@pytest.mark.django_db
def test_lockout_after_five_failures_even_with_right_password(cast: Cast) -> None:
    client = Client()
    for _ in range(5):
        assert _login(client, "clerk", "Wrong-Pass-1") == 200
    assert _login(client, "clerk", PASSWORD) == 200  # locked: right password refused
    assert AuditEvent.objects.filter(action="login.locked").exists()
    # Another account from another address is unaffected.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert _login(other, "other_clerk", PASSWORD) == 302


@pytest.mark.django_db
def test_pages_need_login(cast: Cast) -> None:
    response = Client().get(reverse("registry:overview"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_idle_timeout_ends_session(cast: Cast) -> None:
    client = Client()
    assert _login(client, "clerk", PASSWORD) == 302
    assert client.get(reverse("registry:overview")).status_code == 200
    session = client.session
    session["renkou_seen_at"] = time.time() - 31 * 60
    session.save()
    assert client.get(reverse("registry:overview")).status_code == 302


@pytest.mark.django_db
@override_settings(RENKOU_SESSION_ABSOLUTE_SECONDS=600)
def test_absolute_lifetime_ends_session(cast: Cast) -> None:
    client = Client()
    assert _login(client, "clerk", PASSWORD) == 302
    session = client.session
    session["renkou_login_at"] = time.time() - 601
    session.save()
    assert client.get(reverse("registry:overview")).status_code == 302


@pytest.mark.django_db
def test_logout_kills_session_server_side(cast: Cast) -> None:
    client = Client()
    assert _login(client, "clerk", PASSWORD) == 302
    key = client.cookies["sessionid"].value
    client.post(reverse("core:logout"))
    stolen = Client()
    stolen.cookies["sessionid"] = key
    assert stolen.get(reverse("registry:overview")).status_code == 302


@pytest.mark.django_db
def test_deactivated_user_loses_access(cast: Cast) -> None:
    client = cast.client_for("clerk")
    user = cast.users["clerk"]
    user.is_active = False
    user.save()
    assert client.get(reverse("registry:overview")).status_code == 302


@pytest.mark.parametrize(
    "password",
    ["short1A", "alllowercaseletters", "ALLUPPER12345", "password123", "12345678901"],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password)


def test_strong_and_long_passwords_are_accepted() -> None:
    validate_password("Liuyuan-2026")
    validate_password("Aa1-" + "x" * 70)


@pytest.mark.django_db
def test_production_hasher_is_argon2() -> None:
    from django.contrib.auth.hashers import make_password

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        assert make_password("Liuyuan-2026").startswith("argon2")
