from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from renkou.core.checks import no_active_superuser
from renkou.core.models import Role
from renkou.core.roles import ADMIN_ROLES, ROLE_CAPS, Cap
from renkou.core.scoping import units_for_user
from renkou.registry.selectors import person_queryset_for_user
from tests.conftest import Cast
from tests.factories import make_person


def test_admin_roles_hold_no_business_capability() -> None:
    business = {Cap.VIEW_REGISTER, Cap.EDIT_REGISTER, Cap.REVEAL_ID, Cap.EXPORT_DATA}
    for role in ADMIN_ROLES:
        assert not ROLE_CAPS[role] & business
    # 三员分立: each administrator holds exactly one of the three duties.
    duties = {Cap.MANAGE_ACCOUNTS, Cap.MANAGE_SECURITY, Cap.VIEW_AUDIT}
    for role in ADMIN_ROLES:
        assert len(ROLE_CAPS[role] & duties) == 1
    assert {Cap.VIEW_AUDIT in ROLE_CAPS[r] for r in Role.values} == {True, False}


@pytest.mark.django_db
def test_subtrees(cast: Cast) -> None:
    assert set(units_for_user(cast.users["officer"])) == {cast.village}
    assert cast.other_township not in set(units_for_user(cast.users["clerk"]))
    assert len(units_for_user(cast.users["county"])) == 6


@pytest.mark.django_db
def test_person_door(cast: Cast) -> None:
    mine = make_person(org_unit=cast.village)
    make_person(org_unit=cast.other_village, name="王芳", sex="F")
    make_person(org_unit=cast.other_township_village, name="李娜", sex="F")
    assert list(person_queryset_for_user(user=cast.users["officer"])) == [mine]
    assert person_queryset_for_user(user=cast.users["clerk"]).count() == 2
    assert person_queryset_for_user(user=cast.users["other_clerk"]).count() == 1
    assert person_queryset_for_user(user=cast.users["county"]).count() == 3
    for admin in ("sysadmin", "secadmin", "auditor"):
        assert person_queryset_for_user(user=cast.users[admin]).count() == 0


@pytest.mark.django_db
def test_production_refuses_active_superuser(cast: Cast) -> None:
    user = cast.users["sysadmin"]
    user.is_superuser = True
    user.save()
    with override_settings(RENKOU_ENV="production"):
        assert [e.id for e in no_active_superuser(None)] == ["renkou.E001"]
    with override_settings(RENKOU_ENV="dev"):
        assert no_active_superuser(None) == []


@pytest.mark.django_db
def test_audit_verify_command(cast: Cast) -> None:
    out = StringIO()
    call_command("audit", "verify", "--json", stdout=out)
    assert json.loads(out.getvalue())["ok"] is True
