"""Writes of the core app: org units, accounts, login throttling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from renkou.core.audit import audit_record
from renkou.core.models import LoginFailure, OrgUnit, Role, User


@dataclass(frozen=True)
class OrgUnitRow:
    code: str
    name: str
    level: str
    parent_code: str
    urban_rural_class: str = ""


def orgunit_create(
    *, code: str, name: str, level: str, parent: OrgUnit | None, urban_rural_class: str = ""
) -> OrgUnit:
    with transaction.atomic():
        unit = OrgUnit.objects.create(
            code=code,
            name=name,
            level=level,
            parent=parent,
            urban_rural_class=urban_rural_class,
            path="",
        )
        unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
        unit.save(update_fields=["path"])
    return unit


def orgunits_load(*, rows: Iterable[OrgUnitRow]) -> dict[str, OrgUnit]:
    """Create the tree from parent-before-child rows; existing codes are kept. Idempotent."""
    by_code = {u.code: u for u in OrgUnit.objects.filter(valid_to__isnull=True)}
    with transaction.atomic():
        for row in rows:
            if row.code in by_code:
                continue
            parent = by_code.get(row.parent_code) if row.parent_code else None
            if row.parent_code and parent is None:
                raise ValueError(f"上级单位 {row.parent_code} 不存在（单位 {row.code}）")
            by_code[row.code] = orgunit_create(
                code=row.code,
                name=row.name,
                level=row.level,
                parent=parent,
                urban_rural_class=row.urban_rural_class,
            )
    return by_code


def user_create(
    *,
    username: str,
    password: str,
    role: Role | str,
    org_unit: OrgUnit,
    full_name: str = "",
    created_by: User | None = None,
    validate: bool = True,
) -> User:
    """Create an account with exactly one role; superusers are never created here."""
    user = User(username=username, role=str(role), org_unit=org_unit, full_name=full_name)
    if validate:
        validate_password(password, user)
    user.set_password(password)
    user.password_changed_at = timezone.now()
    with transaction.atomic():
        user.save()
        audit_record(
            action="user.create",
            actor=created_by,
            object_type="user",
            object_id=user.pk,
            detail={"role": str(role), "org_unit": org_unit.code},
        )
    return user


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.RENKOU_LOCKOUT_SECONDS)


def login_is_locked(*, username: str, ip: str) -> bool:
    """Locked after N recent failures for this username or from this address.

    Counted on the submitted username whether or not such an account exists, so an
    unknown user and a wrong password get the same answers.
    """
    recent = LoginFailure.objects.filter(at__gte=_window_start())
    limit = settings.RENKOU_LOCKOUT_FAILURES
    by_user = recent.filter(username=username.lower()).count()
    by_ip = recent.filter(ip=ip).count() if ip else 0
    return by_user >= limit or by_ip >= limit * 4


def login_failure_record(*, username: str, ip: str) -> None:
    LoginFailure.objects.create(username=username.lower()[:150], ip=ip)


def login_failures_clear(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()).delete()
