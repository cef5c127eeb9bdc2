"""The fixed cast every test can use (STYLE.md):

- ``officer``: village officer of 大官庄村 (township 榴园镇)
- ``clerk``: township clerk of 榴园镇
- ``other_officer``: village officer of 东王庄村, same township — sees nothing of 大官庄村
- ``other_clerk``: township clerk of 古邵镇 — sees nothing of 榴园镇
- ``county``: county officer of 峄城区, sees every township
- ``sysadmin``, ``secadmin``, ``auditor``: the three administrators (no personal data)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from renkou.core.models import OrgUnit, Role, User
from renkou.core.services import orgunit_create, user_create

PASSWORD = "Renkou-Test-2026"


@dataclass
class Cast:
    county: OrgUnit
    township: OrgUnit
    village: OrgUnit
    other_village: OrgUnit
    other_township: OrgUnit
    other_township_village: OrgUnit
    users: dict[str, User]

    def client_for(self, who: str) -> Client:
        """A logged-in client; administrators have also passed their TOTP check."""
        client = Client()
        user = self.users[who]
        client.force_login(user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client


def _unit(code: str, name: str, level: str, parent: OrgUnit | None, urc: str = "") -> OrgUnit:
    return orgunit_create(code=code, name=name, level=level, parent=parent, urban_rural_class=urc)


@pytest.fixture
def cast(db: Any) -> Cast:
    county = _unit("370404000000", "峄城区", "county", None)
    township = _unit("370404101000", "榴园镇", "township", county, "210")
    village = _unit("370404101201", "大官庄村", "village", township, "220")
    other_village = _unit("370404101202", "东王庄村", "village", township, "220")
    other_township = _unit("370404102000", "古邵镇", "township", county, "210")
    other_township_village = _unit("370404102201", "后楼村", "village", other_township, "220")
    specs = {
        "officer": (Role.VILLAGE_OFFICER, village),
        "clerk": (Role.TOWNSHIP_CLERK, township),
        "head": (Role.TOWNSHIP_HEAD, township),
        "other_officer": (Role.VILLAGE_OFFICER, other_village),
        "other_clerk": (Role.TOWNSHIP_CLERK, other_township),
        "county": (Role.COUNTY_OFFICER, county),
        "sysadmin": (Role.SYSTEM_ADMIN, county),
        "secadmin": (Role.SECURITY_ADMIN, county),
        "auditor": (Role.AUDIT_ADMIN, county),
    }
    users = {
        key: user_create(username=key, password=PASSWORD, role=role, org_unit=unit, validate=False)
        for key, (role, unit) in specs.items()
    }
    for key in ("sysadmin", "secadmin", "auditor"):  # administrators must use TOTP
        TOTPDevice.objects.create(user=users[key], name="TOTP", confirmed=True)
    return Cast(
        county, township, village, other_village, other_township, other_township_village, users
    )


@pytest.fixture(autouse=True)
def _allow_audit_flush(request: pytest.FixtureRequest) -> None:
    """Transactional tests end with a flush of every table; the audit log's append-only
    trigger would refuse it, so those tests mark the database as under maintenance.
    Tests of the trigger itself clear the mark inside their own transaction."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or (
        "live_server" in request.fixturenames or "transactional_db" in request.fixturenames
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM renkou_audit_maintenance")
            cursor.execute("INSERT INTO renkou_audit_maintenance (reason) VALUES ('test flush')")
