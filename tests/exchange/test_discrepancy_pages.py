"""The discrepancy confirmation page: before/after, the POST, and hostile forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from renkou.registry.models import Person
from renkou.registry.services.persons import person_update
from renkou.worklists.models import WorkItem
from tests.linkreview_factories import discrepancy_item
from tests.worklists_factories import open_item

pytestmark = pytest.mark.django_db


def _form(item: WorkItem, **extra: str) -> dict[str, str]:
    person = Person.objects.get(pk=item.subject_person_id)
    data = {"resolution": "apply", "evidence": "户口簿核对", "version": str(item.version),
            "person_version": str(person.version)}  # fmt: skip
    data.update(extra)
    return data


def test_confirmation_shows_before_and_after(cast: Any) -> None:
    item = discrepancy_item(cast)
    page = cast.client_for("clerk").get(reverse("exchange:discrepancy_resolve", args=[item.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "张伟" in text
    assert "张卫" in text
    assert 'value="apply"' in text


def test_apply_through_the_page(cast: Any) -> None:
    item = discrepancy_item(cast)
    client = cast.client_for("clerk")
    url = reverse("exchange:discrepancy_resolve", args=[item.pk])
    response = client.post(url, _form(item))
    assert response.status_code == 302
    assert Person.objects.get(pk=item.subject_person_id).name == "张卫"
    assert WorkItem.objects.get(pk=item.pk).status == "closed"
    detail = client.get(reverse("worklists:item_detail", args=[item.pk])).content.decode()
    assert url in detail


def test_stale_person_version_answers_conflict(cast: Any) -> None:
    item = discrepancy_item(cast)
    form = _form(item)
    person = Person.objects.get(pk=item.subject_person_id)
    person_update(person=person, expected_version=person.version, changes={"address": "新址"},
                  actor=None, source="form")  # fmt: skip
    response = cast.client_for("clerk").post(
        reverse("exchange:discrepancy_resolve", args=[item.pk]), form
    )
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    assert Person.objects.get(pk=person.pk).name == "张伟"
    assert WorkItem.objects.get(pk=item.pk).status == "open"


@pytest.mark.parametrize(
    ("who", "extra"),
    [
        ("clerk", {"resolution": "delete"}),
        ("clerk", {"version": "abc"}),
        ("clerk", {"evidence": ""}),
        ("clerk", {"evidence": "370404198008081715"}),
        ("officer", {}),  # a village officer may not change the register
    ],
)
def test_hostile_forms_change_nothing(cast: Any, who: str, extra: dict[str, str]) -> None:
    item = discrepancy_item(cast)
    response = cast.client_for(who).post(
        reverse("exchange:discrepancy_resolve", args=[item.pk]), _form(item, **extra)
    )
    assert response.status_code == 400
    assert Person.objects.get(pk=item.subject_person_id).name == "张伟"
    assert WorkItem.objects.get(pk=item.pk).status == "open"


def test_wrong_outcome_for_the_class(cast: Any) -> None:
    item = discrepancy_item(cast, "no_hukou")
    response = cast.client_for("clerk").post(
        reverse("exchange:discrepancy_resolve", args=[item.pk]), _form(item)
    )
    assert response.status_code == 400
    assert "不能以此方式销号" in response.content.decode()
    assert WorkItem.objects.get(pk=item.pk).status == "open"


def test_scope_and_other_kinds_answer_404(cast: Any) -> None:
    item = discrepancy_item(cast)
    url = reverse("exchange:discrepancy_resolve", args=[item.pk])
    assert cast.client_for("other_clerk").post(url, _form(item)).status_code == 404
    assert cast.client_for("other_officer").get(url).status_code == 404
    followup = open_item(org_unit=cast.village)
    url = reverse("exchange:discrepancy_resolve", args=[followup.pk])
    assert cast.client_for("clerk").get(url).status_code == 404


def test_person_now_managed_elsewhere_is_refused(cast: Any) -> None:
    item = discrepancy_item(cast)
    person = Person.objects.get(pk=item.subject_person_id)
    person_update(person=person, expected_version=person.version,
                  changes={"org_unit": cast.other_township_village}, actor=None,
                  source="form")  # fmt: skip
    client = cast.client_for("clerk")
    url = reverse("exchange:discrepancy_resolve", args=[item.pk])
    # A forged person id in the form is ignored: the item names its person.
    other = Person.objects.exclude(pk=person.pk).first()
    response = client.post(url, _form(item, person=str(other.pk) if other else "1"))
    assert response.status_code == 400
    assert "不在您的管辖范围内" in response.content.decode()
    assert Person.objects.get(pk=person.pk).name == "张伟"
    assert WorkItem.objects.get(pk=item.pk).status == "open"


def test_the_generic_close_is_not_offered_for_a_discrepancy(cast: Any) -> None:
    item = discrepancy_item(cast)
    client = cast.client_for("officer")
    page = client.get(reverse("worklists:item_detail", args=[item.pk])).content.decode()
    assert reverse("exchange:discrepancy_resolve", args=[item.pk]) in page
    assert reverse("worklists:item_close", args=[item.pk]) not in page
    data = {"outcome": "done", "evidence": "已核实", "note": "", "version": item.version}
    client.post(reverse("worklists:item_close", args=[item.pk]), data)
    assert WorkItem.objects.get(pk=item.pk).status == "open"
