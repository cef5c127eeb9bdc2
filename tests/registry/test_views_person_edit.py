"""Correcting a person (with optimistic concurrency), deregistering and restoring."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from renkou.core.models import AuditEvent
from renkou.registry.models import LifeEvent, Person
from tests.conftest import Cast
from tests.factories import make_person
from tests.registry_views_factories import id_number_for

pytestmark = pytest.mark.django_db


def _form(person: Person, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "ethnicity": person.ethnicity,
        "hukou_type": person.hukou_type,
        "marital_status": person.marital_status,
        "address": person.address,
        "phone": "",
        "id_number": "",
        "evidence": "户口簿核对",
        "version": person.version,
    }
    data.update(overrides)
    return data


def _edit(client: Client, person: Person, **overrides: Any) -> Any:
    return client.post(
        reverse("registry:person_edit", args=[person.pk]), _form(person, **overrides)
    )


def test_edit_page_prefills_and_hides_the_number(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, name="张伟", address="3组")
    response = cast.client_for("clerk").get(reverse("registry:person_edit", args=[person.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="张伟"' in body
    assert 'type="hidden" name="version" value="1"' in body
    assert person.id_masked in body


def test_edit_saves_with_an_event(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, name="张伟")
    response = _edit(
        cast.client_for("clerk"), person, name="张维", phone="13900001111", address="5组"
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.name, person.address, person.phone_masked, person.version) == (
        "张维",
        "5组",
        "139****1111",
        2,
    )
    event = LifeEvent.objects.filter(person=person, kind="correction").get()
    assert event.evidence == "户口簿核对"
    assert event.changes["name"] == ["张伟", "张维"]
    assert "13900001111" not in str(event.changes)
    assert AuditEvent.objects.filter(action="person.update", object_id=str(person.pk)).exists()


def test_second_of_two_edits_gets_the_conflict(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, name="张伟", address="3组")
    first, second = cast.client_for("clerk"), cast.client_for("county")
    # Both open the form at version 1.
    for client in (first, second):
        assert client.get(reverse("registry:person_edit", args=[person.pk])).status_code == 200
    assert _edit(first, person, address="第一次修改").status_code == 302
    response = _edit(second, person, address="第二次修改")
    body = response.content.decode()
    assert response.status_code == 409
    assert "该记录在您打开后已被他人修改" in body
    assert "第一次修改" in body  # the record as it is now
    assert "第二次修改" in body  # what this user submitted
    assert 'name="version" value="2"' in body
    person.refresh_from_db()
    assert person.address == "第一次修改"
    assert person.version == 2


def test_sex_not_matching_the_id_is_refused_on_the_sex_field(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, sex="M")
    response = _edit(cast.client_for("clerk"), person, sex="F")
    assert response.status_code == 200
    assert "身份证号第17位表示的性别与登记的性别不一致" in response.content.decode()
    assert response.context["form"].errors["sex"]
    person.refresh_from_db()
    assert person.sex == "M"


def test_typed_id_not_matching_the_sex_is_refused(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, sex="M", birth_date=dt.date(1985, 3, 14))
    female_number = id_number_for(dt.date(1985, 3, 14), "F")
    response = _edit(cast.client_for("clerk"), person, id_number=female_number)
    assert "性别不一致" in response.content.decode()
    assert response.context["form"].errors["id_number"]


def test_mother_younger_than_14_is_refused(cast: Cast) -> None:
    mother = make_person(
        org_unit=cast.village, name="刘芳", sex="F", birth_date=dt.date(1990, 1, 1)
    )
    child = make_person(
        org_unit=cast.village,
        name="刘小",
        birth_date=dt.date(2015, 1, 1),
        mother=mother,
        with_id=False,
    )
    response = _edit(cast.client_for("clerk"), child, birth_date="2000-06-01")
    assert "母亲生育时未满14周岁" in response.content.decode()
    assert response.context["form"].errors["birth_date"]
    child.refresh_from_db()
    assert child.birth_date == dt.date(2015, 1, 1)


def test_future_birth_date_is_refused(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, with_id=False)
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = _edit(cast.client_for("clerk"), person, birth_date=future)
    assert "出生日期不能晚于今天" in response.content.decode()
    assert response.context["form"].errors["birth_date"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"evidence": "  "}, "evidence", "该字段是必填项"),
        ({"id_number": "4.10102E+17"}, "id_number", "科学计数法"),
        ({"id_number": "37040419850314123"}, "id_number", "18位"),
        ({"ethnicity": "汉"}, "ethnicity", "两位数字"),
        ({"sex": "X"}, "sex", "选择一个有效的选项"),
        ({"birth_date": "1985-02-30"}, "birth_date", "有效的日期"),
        ({"version": "abc"}, "version", ""),
        ({"name": ""}, "name", "该字段是必填项"),
    ],
)
def test_broken_input_is_shown_on_the_field(
    cast: Cast, overrides: dict[str, str], field: str, message: str
) -> None:
    person = make_person(org_unit=cast.village)
    response = _edit(cast.client_for("clerk"), person, **overrides)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert message in response.content.decode()
    person.refresh_from_db()
    assert person.version == 1


def test_edit_scope_and_role(cast: Cast) -> None:
    person = make_person(org_unit=cast.village)
    url = reverse("registry:person_edit", args=[person.pk])
    assert cast.client_for("officer").get(url).status_code == 403
    assert cast.client_for("head").get(url).status_code == 403
    assert cast.client_for("other_clerk").post(url, _form(person, name="黑客")).status_code == 404
    person.refresh_from_db()
    assert person.name == "张伟"


def test_deregister_and_restore(cast: Cast) -> None:
    person = make_person(org_unit=cast.village)
    client = cast.client_for("clerk")
    gone = client.post(
        reverse("registry:person_deregister", args=[person.pk]),
        {"reason": "moved_out", "on": "2026-01-05", "evidence": "迁移证", "version": 1},
    )
    assert gone.status_code == 302
    person.refresh_from_db()
    assert (person.status, person.left_reason) == ("left", "moved_out")
    refused = client.post(
        reverse("registry:person_restore", args=[person.pk]), {"evidence": "", "version": 2}
    )
    assert refused.status_code == 302
    person.refresh_from_db()
    assert person.status == "left"
    page = client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()
    assert "回档未办理" in page
    assert "办理回档" in page
    back = client.post(
        reverse("registry:person_restore", args=[person.pk]), {"evidence": "误报", "version": 2}
    )
    assert back.status_code == 302
    person.refresh_from_db()
    assert person.status == "active"
    kinds = list(LifeEvent.objects.filter(person=person).values_list("kind", flat=True))
    assert {"move_out", "restore"} <= set(kinds)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "duplicate", "on": "2026-01-05", "evidence": "x", "version": 1}, "出队未办理"),
        ({"reason": "died", "on": "2999-01-01", "evidence": "x", "version": 1}, "日期不能晚于今天"),
        (
            {"reason": "died", "on": "1900-01-01", "evidence": "x", "version": 1},
            "死亡日期早于出生日期",
        ),
        ({"reason": "died", "on": "2026-01-05", "evidence": "x", "version": 7}, "已被他人修改"),
        ({"reason": "died", "on": "2026-01-05", "evidence": "", "version": 1}, "出队未办理"),
    ],
)
def test_deregister_refusals(cast: Cast, data: dict[str, object], message: str) -> None:
    person = make_person(org_unit=cast.village)
    client = cast.client_for("clerk")
    response = client.post(
        reverse("registry:person_deregister", args=[person.pk]), data, follow=True
    )
    assert message in response.content.decode()
    person.refresh_from_db()
    assert person.status == "active"


def test_deregister_out_of_scope_is_404(cast: Cast) -> None:
    person = make_person(org_unit=cast.village)
    url = reverse("registry:person_deregister", args=[person.pk])
    data = {"reason": "died", "on": "2026-01-05", "evidence": "x", "version": 1}
    assert cast.client_for("other_clerk").post(url, data).status_code == 404
    person.refresh_from_db()
    assert person.status == "active"


def test_stale_form_shows_the_conflict_before_validation(cast: Cast) -> None:
    person = make_person(org_unit=cast.village, sex="M")
    assert _edit(cast.client_for("clerk"), person, address="新地址").status_code == 302
    # The stale form also carries a sex that contradicts the ID: the conflict comes first.
    response = _edit(cast.client_for("county"), person, sex="F")
    assert response.status_code == 409
    assert "该记录在您打开后已被他人修改" in response.content.decode()
    person.refresh_from_db()
    assert (person.sex, person.address) == ("M", "新地址")
