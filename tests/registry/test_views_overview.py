"""The overview's counts by unit, sex and age band, drill-down, and a village's list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from renkou.core.models import AuditEvent
from renkou.registry.models import Relation
from renkou.registry.search import overview_for_user
from renkou.registry.services.persons import person_deregister
from tests.conftest import Cast
from tests.factories import make_person
from tests.registry_views_factories import make_crowd, make_household

pytestmark = pytest.mark.django_db
OVERVIEW = "registry:overview"


def _years_ago(years: int, days: int = 0) -> dt.date:
    today = dt.date.today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return day - dt.timedelta(days=days)


@pytest.fixture
def village_people(cast: Cast) -> None:
    v = cast.village
    make_person(org_unit=v, name="甲", sex="M", birth_date=_years_ago(1))  # 0-2
    make_person(org_unit=v, name="乙", sex="F", birth_date=_years_ago(3))  # 3-5, birthday today
    make_person(org_unit=v, name="丙", sex="F", birth_date=_years_ago(15))  # 15-49 woman
    make_person(org_unit=v, name="丁", sex="F", birth_date=_years_ago(50, days=-1))  # 49 still
    make_person(org_unit=v, name="戊", sex="M", birth_date=_years_ago(60))  # 60+
    gone = make_person(org_unit=v, name="己", sex="M", birth_date=_years_ago(40))
    person_deregister(
        person=gone,
        expected_version=gone.version,
        reason="died",
        on=dt.date.today(),
        actor=None,
        source="form",
    )
    make_person(org_unit=cast.other_village, name="庚", sex="F", birth_date=_years_ago(30))
    make_person(org_unit=cast.other_township_village, name="辛", sex="F", birth_date=_years_ago(30))
    head = make_person(org_unit=v, name="壬", sex="M", birth_date=_years_ago(55))
    make_household(org_unit=v, members=[(head, Relation.SELF)])


def test_bands_and_women_for_the_clerk(cast: Cast, village_people: None) -> None:
    data = overview_for_user(user=cast.users["clerk"], unit=cast.township)
    rows = {row.unit.name: row for row in data.rows}
    assert set(rows) == {"大官庄村", "东王庄村"}
    big = rows["大官庄村"]
    assert big.total == 6
    assert (big.male, big.female) == (3, 3)
    assert big.bands == {"0-2": 1, "3-5": 1, "6-14": 0, "15-49": 2, "50-59": 1, "60+": 1}
    assert big.women_15_49 == 2
    assert big.households == 1
    assert big.left_this_year == 1
    assert rows["东王庄村"].total == 1
    assert data.total.total == 7
    assert data.total.women_15_49 == 3


def test_county_sees_townships_and_drills_down(cast: Cast, village_people: None) -> None:
    client = cast.client_for("county")
    top = client.get(reverse(OVERVIEW))
    names = [row.unit.name for row in top.context["overview"].rows]
    assert names == ["榴园镇", "古邵镇"]
    assert f"?unit={cast.township.pk}" in top.content.decode()
    down = client.get(reverse(OVERVIEW), {"unit": cast.township.pk})
    assert down.status_code == 200
    assert [row.unit.name for row in down.context["overview"].rows] == ["大官庄村", "东王庄村"]
    assert reverse("registry:unit", args=[cast.village.pk]) in down.content.decode()


@pytest.mark.parametrize(
    ("who", "unit"),
    [("clerk", "other_township"), ("officer", "other_village"), ("other_clerk", "township")],
)
def test_drill_down_outside_scope_is_404(cast: Cast, who: str, unit: str) -> None:
    target = getattr(cast, unit)
    response = cast.client_for(who).get(reverse(OVERVIEW), {"unit": target.pk})
    assert response.status_code == 404


@pytest.mark.parametrize("raw", ["abc", "-1", "1 OR 1=1", "99999999"])
def test_drill_down_with_garbage_is_404(cast: Cast, raw: str) -> None:
    assert cast.client_for("county").get(reverse(OVERVIEW), {"unit": raw}).status_code == 404


def test_officer_sees_only_their_village(cast: Cast, village_people: None) -> None:
    response = cast.client_for("officer").get(reverse(OVERVIEW))
    rows = response.context["overview"].rows
    assert [row.unit.name for row in rows] == ["大官庄村"]
    assert response.context["overview"].total.total == 6
    assert "东王庄村" not in response.content.decode()


def test_overview_query_count_is_bounded(cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    make_crowd(org_unit=cast.village, count=30)
    make_crowd(org_unit=cast.other_village, count=30, surname="赵")
    client = cast.client_for("county")
    with django_assert_max_num_queries(13):
        response = client.get(reverse(OVERVIEW), {"unit": cast.township.pk})
    assert response.context["overview"].total.total == 60


def test_unit_page_lists_its_persons_paged(cast: Cast) -> None:
    make_crowd(org_unit=cast.village, count=52)
    make_person(org_unit=cast.other_village, name="外村人")
    client = cast.client_for("officer")
    url = reverse("registry:unit", args=[cast.village.pk])
    first = client.get(url)
    assert first.status_code == 200
    assert len(first.context["page"].object_list) == 50
    assert "外村人" not in first.content.decode()
    assert len(client.get(url, {"page": 2}).context["page"].object_list) == 2
    assert AuditEvent.objects.filter(action="person.list").count() == 2


@pytest.mark.parametrize("who", ["other_officer", "other_clerk"])
def test_unit_page_out_of_scope_is_404(cast: Cast, who: str) -> None:
    url = reverse("registry:unit", args=[cast.village.pk])
    assert cast.client_for(who).get(url).status_code == 404


def test_unit_page_query_count_is_bounded(cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    make_crowd(org_unit=cast.village, count=30)
    client = cast.client_for("clerk")
    with django_assert_max_num_queries(15):
        client.get(reverse("registry:unit", args=[cast.village.pk]))
