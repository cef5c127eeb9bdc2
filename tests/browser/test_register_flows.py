"""The issue's browser paths: search a person; a village officer reports a birth, the
township clerk accepts it, the child is in the register and the household; an officer
cannot open a person of another village."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from renkou.registry import identity
from renkou.registry.models import Person, Relation
from renkou.registry.services.households import household_add_member, household_create
from tests.browser.conftest import login
from tests.conftest import PASSWORD, Cast
from tests.factories import make_id_number, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _family(cast: Cast) -> tuple[Person, int]:
    father = make_person(
        org_unit=cast.village, name="刘建国", sex="M", birth_date=dt.date(1992, 2, 3)
    )
    mother = make_person(
        org_unit=cast.village, name="王秀英", sex="F", birth_date=dt.date(1994, 7, 9)
    )
    household = household_create(
        code="370404101201010007", org_unit=cast.village, hukou_type="2", address="", actor=None
    )
    household_add_member(
        household=household, person=father, relation=Relation.SELF, actor=None, source="form"
    )
    household_add_member(
        household=household, person=mother, relation=Relation.WIFE, actor=None, source="form"
    )
    return mother, household.pk


def test_clerk_searches_by_pinyin_and_by_id(page: Page, live_server: object, cast: Cast) -> None:
    person = make_person(org_unit=cast.village, name="张伟", birth_date=dt.date(1985, 3, 14))
    base = str(live_server)
    login(page, base, "clerk", PASSWORD)
    page.goto(f"{base}/registry/persons/")
    page.fill("input[name=name]", "zhangw")
    expect(page.locator("#person-results")).to_contain_text("张伟")  # htmx fragment
    page.fill("input[name=name]", "")
    real = identity.id_reveal(person.id_cipher)
    full_width = real.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    page.fill("input[name=id_number]", full_width)
    page.click("#search-form button.primary")
    expect(page.locator("#person-results")).to_contain_text("张伟")
    assert real not in page.url
    stranger = make_id_number(dt.date(1990, 1, 1), "M")  # nobody in the register
    page.fill("input[name=id_number]", stranger)
    page.click("#search-form button.primary")
    expect(page.locator("#person-results")).not_to_contain_text("张伟")
    assert stranger not in page.url
    page.goto(f"{base}/registry/persons/{person.pk}/")
    expect(page.locator("h1")).to_contain_text("张伟")


def test_birth_report_from_phone_to_register(page: Page, live_server: object, cast: Cast) -> None:
    mother, household_pk = _family(cast)
    base = str(live_server)
    born = dt.date.today() - dt.timedelta(days=3)

    login(page, base, "officer", PASSWORD)
    page.goto(f"{base}/registry/reports/new/?kind=birth")
    page.fill("#id_name", "刘小雨")
    page.select_option("#id_sex", "F")
    page.fill("#id_event_date", born.isoformat())
    page.fill("#id_mother_q", "王秀")
    page.click(f"#id_mother_{mother.pk}")
    page.select_option("#id_household", str(household_pk))
    page.select_option("#id_relation", Relation.DAUGHTER.value)
    page.click("#report-submit")
    expect(page.locator("body")).to_contain_text("待审核")
    page.click("button:has-text('退出')")

    login(page, base, "clerk", PASSWORD)
    page.goto(f"{base}/registry/reports/")
    page.click("a:has-text('出生')")
    page.click("#report-accept")
    expect(page.locator("body")).to_contain_text("已通过")

    child = Person.objects.get(name="刘小雨")
    assert child.mother_id == mother.pk
    assert child.memberships.get(left__isnull=True).household_id == household_pk
    page.goto(f"{base}/registry/households/{household_pk}/")
    expect(page.locator("body")).to_contain_text("刘小雨")
    page.goto(f"{base}/registry/persons/{child.pk}/")
    expect(page.locator("body")).to_contain_text("出生")


def test_officer_cannot_open_a_person_of_another_village(
    page: Page, live_server: object, cast: Cast
) -> None:
    person = make_person(
        org_unit=cast.village, name="赵敏", sex="F", birth_date=dt.date(1990, 1, 1)
    )
    base = str(live_server)
    login(page, base, "other_officer", PASSWORD)
    response = page.goto(f"{base}/registry/persons/{person.pk}/")
    assert response is not None
    assert response.status == 404
    page.goto(f"{base}/registry/persons/")
    page.fill("input[name=name]", "赵敏")
    page.click("#search-form button.primary")
    expect(page.locator("#person-results")).not_to_contain_text("赵敏")
