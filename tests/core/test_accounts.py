from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from renkou.core.models import AuditEvent, Role, User
from tests.conftest import PASSWORD, Cast


@pytest.mark.django_db
def test_sysadmin_creates_an_account_with_one_role(cast: Cast) -> None:
    client = cast.client_for("sysadmin")
    response = client.post(
        reverse("core:account_new"),
        {
            "username": "new_officer",
            "full_name": "李娜",
            "org_unit": cast.village.pk,
            "role": Role.VILLAGE_OFFICER,
            "password": "Dagz-2026-ok",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new_officer")
    assert user.role == Role.VILLAGE_OFFICER
    assert not user.is_superuser
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("password", "abc", "密码"),
        ("username", "bad name!", "用户名只能包含"),
        ("username", "clerk", "用户名已存在"),
        ("role", "superuser", "选择一个有效的选项"),
    ],
)
def test_account_form_rejects_bad_input(cast: Cast, field: str, value: str, message: str) -> None:
    data = {
        "username": "fresh",
        "full_name": "王芳",
        "org_unit": cast.village.pk,
        "role": Role.VILLAGE_OFFICER,
        "password": "Dagz-2026-ok",
        field: value,
    }
    response = cast.client_for("sysadmin").post(reverse("core:account_new"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="fresh").exists()


@pytest.mark.django_db
def test_deactivation_ends_sessions_server_side(cast: Cast) -> None:
    victim = cast.client_for("officer")
    assert victim.get(reverse("registry:overview")).status_code == 200
    victim_key = victim.cookies["sessionid"].value
    response = cast.client_for("sysadmin").post(
        reverse("core:account_deactivate", args=[cast.users["officer"].pk])
    )
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=victim_key).exists()
    assert victim.get(reverse("registry:overview")).status_code == 302
    assert AuditEvent.objects.filter(action="user.deactivate").exists()


@pytest.mark.django_db
def test_security_admin_changes_roles_but_not_their_own(cast: Cast) -> None:
    client = cast.client_for("secadmin")
    target = cast.users["officer"]
    client.post(reverse("core:account_role", args=[target.pk]), {"role": Role.TOWNSHIP_CLERK})
    target.refresh_from_db()
    assert target.role == Role.TOWNSHIP_CLERK
    me = cast.users["secadmin"]
    client.post(reverse("core:account_role", args=[me.pk]), {"role": Role.AUDIT_ADMIN})
    me.refresh_from_db()
    assert me.role == Role.SECURITY_ADMIN
    event = AuditEvent.objects.get(action="user.role_change")
    assert event.detail == {"from": Role.VILLAGE_OFFICER, "to": Role.TOWNSHIP_CLERK}


@pytest.mark.django_db
def test_password_change_is_validated_and_audited(cast: Cast) -> None:
    client = cast.client_for("clerk")
    url = reverse("core:password_change")
    weak = client.post(
        url, {"old_password": PASSWORD, "new_password1": "aaaa", "new_password2": "aaaa"}
    )
    assert weak.status_code == 200
    ok = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "Liuyuan#2027",
            "new_password2": "Liuyuan#2027",
        },
    )
    assert ok.status_code == 302
    assert client.get(reverse("registry:overview")).status_code == 200  # session kept
    assert AuditEvent.objects.filter(action="user.password_change").exists()
