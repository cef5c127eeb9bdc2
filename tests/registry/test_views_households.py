"""The household card page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from renkou.core.models import AuditEvent
from renkou.registry.models import Membership, Relation
from tests.conftest import Cast
from tests.factories import make_person
from tests.registry_views_factories import make_household

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(cast: Cast) -> tuple[int, list[str]]:
    head = make_person(org_unit=cast.village, name="马强")
    wife = make_person(org_unit=cast.village, name="林芳", sex="F")
    son = make_person(org_unit=cast.village, name="马小")
    household = make_household(
        org_unit=cast.village,
        address="大官庄村3组",
        members=[(head, Relation.SELF), (wife, Relation.WIFE), (son, Relation.SON)],
    )
    Membership.objects.filter(person=son).update(left="2024-05-01")
    return household.pk, [head.id_masked, wife.id_masked]


def test_card_shows_members_in_order_and_former_members(
    cast: Cast, card: tuple[int, list[str]]
) -> None:
    response = cast.client_for("officer").get(reverse("registry:household_detail", args=[card[0]]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("马强") < body.index("林芳") < body.index("曾经的成员") < body.index("马小")
    assert "本人" in body
    assert "2024-05-01" in body
    assert "大官庄村3组" in body
    assert all(masked in body for masked in card[1])
    assert "户内第一位成员不是户主" not in body
    assert AuditEvent.objects.filter(action="household.view", object_id=str(card[0])).exists()


@pytest.mark.parametrize("who", ["other_officer", "other_clerk"])
def test_card_out_of_scope_is_404(cast: Cast, card: tuple[int, list[str]], who: str) -> None:
    url = reverse("registry:household_detail", args=[card[0]])
    assert cast.client_for(who).get(url).status_code == 404


def test_card_warns_when_head_is_not_first(cast: Cast) -> None:
    head = make_person(org_unit=cast.village, name="钟一")
    other = make_person(org_unit=cast.village, name="钟二")
    household = make_household(
        org_unit=cast.village, members=[(head, Relation.SELF), (other, Relation.SON)]
    )
    Membership.objects.filter(person=head).update(position=9)
    body = cast.client_for("clerk").get(reverse("registry:household_detail", args=[household.pk]))
    assert "户内第一位成员不是户主" in body.content.decode()


def test_card_query_count_is_bounded(
    cast: Cast, card: tuple[int, list[str]], django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = cast.client_for("clerk")
    with django_assert_max_num_queries(14):
        client.get(reverse("registry:household_detail", args=[card[0]]))
