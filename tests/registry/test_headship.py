"""户主变更: the suggested relations, the change itself, its refusals, the work item a
headless card opens and the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from renkou.core.models import AuditEvent
from renkou.registry.models import Household, LifeEvent, Membership, Person
from renkou.registry.services.duplicates import duplicate_merge, merge_undo
from renkou.registry.services.headship import (
    HEAD_KIND,
    household_change_head,
    suggest_relations,
)
from renkou.registry.services.marriages import marriage_register
from renkou.registry.services.persons import person_deregister, person_restore
from renkou.worklists.models import WorkItem
from tests.conftest import Cast
from tests.duplicates_factories import candidate_for, household_with, twin_records
from tests.factories import make_person
from tests.registry_views_factories import make_household

pytestmark = pytest.mark.django_db


def _family(cast: Cast) -> tuple[Household, dict[str, Person]]:
    """张父 (head) and 李母 (wife); their son 张子 with his wife 王媳 and their son 张孙;
    张父's mother 赵奶; a daughter 张女."""
    v = cast.village
    p = {
        "head": make_person(org_unit=v, name="张父", sex="M", birth_date=dt.date(1950, 1, 1)),
        "wife": make_person(org_unit=v, name="李母", sex="F", birth_date=dt.date(1952, 2, 2)),
        "son": make_person(org_unit=v, name="张子", sex="M", birth_date=dt.date(1975, 3, 3)),
        "dil": make_person(org_unit=v, name="王媳", sex="F", birth_date=dt.date(1977, 4, 4)),
        "daughter": make_person(org_unit=v, name="张女", sex="F", birth_date=dt.date(1980, 5, 5)),
        "gma": make_person(org_unit=v, name="赵奶", sex="F", birth_date=dt.date(1930, 6, 6)),
    }
    p["grandson"] = make_person(
        org_unit=v, name="张孙", sex="M", birth_date=dt.date(2000, 7, 7), father=p["son"]
    )
    marriage_register(husband=p["son"], wife=p["dil"], married_on=dt.date(1999, 1, 1),
                      kind="first", actor=None, source="form")  # fmt: skip
    household = make_household(
        org_unit=v,
        members=[(p["head"], "02"), (p["wife"], "12"), (p["son"], "20"), (p["dil"], "81"),
                 (p["daughter"], "30"), (p["gma"], "52"), (p["grandson"], "41")],
    )  # fmt: skip
    return household, p


def _members(household: Household) -> list[Membership]:
    return list(
        household.memberships.filter(left__isnull=True).select_related("person").order_by("pk")
    )


def _card(household: Household) -> dict[str, str]:
    rows = household.memberships.filter(left__isnull=True).select_related("person")
    return {m.person.name: m.relation for m in rows}


def test_suggestions_when_the_son_takes_over(cast: Cast) -> None:
    household, p = _family(cast)
    got = suggest_relations(_members(household), p["son"])
    assert got == {
        p["head"].pk: "51",  # 父亲
        p["wife"].pk: "52",  # 母亲
        p["dil"].pk: "12",  # his wife, from the register's marriage
        p["daughter"].pk: "70",  # sister
        p["gma"].pk: "60",  # grandmother
        p["grandson"].pk: "20",  # his son, from the register's father link
    }


def test_suggestions_when_the_widow_takes_over_leave_in_laws_to_the_clerk(cast: Cast) -> None:
    household, p = _family(cast)
    got = suggest_relations(_members(household), p["wife"])
    assert got[p["head"].pk] == "11"
    assert (got[p["son"].pk], got[p["daughter"].pk], got[p["dil"].pk]) == ("20", "30", "81")
    assert got[p["grandson"].pk] == "41"
    assert got[p["gma"].pk] is None  # her mother-in-law: no code decides it here


def test_the_head_dies_the_card_asks_for_a_new_head_and_the_change_closes_it(
    cast: Cast,
) -> None:
    household, p = _family(cast)
    clerk = cast.users["clerk"]
    died = timezone.localdate() - dt.timedelta(days=3)
    person_deregister(person=p["head"], expected_version=p["head"].version, reason="died",
                      on=died, actor=cast.users["officer"], source="form")  # fmt: skip
    item = WorkItem.objects.get(kind=HEAD_KIND)
    assert (item.status, item.org_unit, item.subject_household) == ("open", cast.village, household)
    assert "张父" in item.title
    assert item.due_date == died + dt.timedelta(days=30)
    assert item.close_page is not None
    assert item.close_page[0] == reverse("registry:household_head", args=[household.pk])

    relations = {k: v or "99" for k, v in suggest_relations(_members(household), p["wife"]).items()}
    household.refresh_from_db()
    household_change_head(
        household=household, new_head=p["wife"], relations=relations, on=timezone.localdate(),
        reason="原户主死亡，由配偶任户主", actor=clerk, expected_version=household.version,
    )  # fmt: skip
    assert _card(household) == {"李母": "02", "张子": "20", "王媳": "81", "张女": "30",
                                "赵奶": "99", "张孙": "41"}  # fmt: skip
    first = household.memberships.filter(left__isnull=True).order_by("position").first()
    assert first is not None
    assert first.person == p["wife"]
    item.refresh_from_db()
    assert (item.status, item.outcome, item.closed_by) == ("closed", "done", clerk)
    event = LifeEvent.objects.filter(person=p["wife"], kind="household").latest("pk")
    assert event.changes == {"relation": ["12", "02"]}
    assert event.evidence == "原户主死亡，由配偶任户主"
    audit = AuditEvent.objects.get(action="household.change_head")
    assert audit.detail == {"new_head": p["wife"].pk, "previous_head": None}
    household.refresh_from_db()
    assert household.version == 2


def test_the_head_coming_back_or_the_card_emptying_settles_the_item(cast: Cast) -> None:
    v = cast.village
    head = make_person(org_unit=v, name="孙甲", sex="M", birth_date=dt.date(1960, 1, 1))
    son = make_person(org_unit=v, name="孙乙", sex="M", birth_date=dt.date(1990, 1, 1))
    make_household(org_unit=v, members=[(head, "02"), (son, "20")])
    on = timezone.localdate()
    person_deregister(person=head, expected_version=head.version, reason="moved_out", on=on,
                      actor=None, source="form")  # fmt: skip
    assert WorkItem.objects.get(kind=HEAD_KIND).status == "open"
    head.refresh_from_db()
    person_restore(person=head, expected_version=head.version, actor=None,
                   evidence="迁出撤销", source="form")  # fmt: skip
    item = WorkItem.objects.get(kind=HEAD_KIND)
    assert (item.status, item.outcome, item.closed_by) == ("closed", "resolved", None)
    # The head leaves again, then the son: nobody is left, nothing to change.
    head.refresh_from_db()
    person_deregister(person=head, expected_version=head.version, reason="moved_out", on=on,
                      actor=None, source="form")  # fmt: skip
    assert WorkItem.objects.filter(kind=HEAD_KIND, status="open").count() == 1
    son.refresh_from_db()
    person_deregister(person=son, expected_version=son.version, reason="moved_out", on=on,
                      actor=None, source="form")  # fmt: skip
    assert not WorkItem.objects.filter(kind=HEAD_KIND, status="open").exists()


def test_a_member_who_is_not_the_head_leaving_opens_nothing(cast: Cast) -> None:
    _household, p = _family(cast)
    person_deregister(person=p["gma"], expected_version=p["gma"].version, reason="died",
                      on=timezone.localdate(), actor=None, source="form")  # fmt: skip
    assert not WorkItem.objects.filter(kind=HEAD_KIND).exists()


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("stranger", "not_member"),
        ("already_head", "already_head"),
        ("missing", "missing_relation"),
        ("self_twice", "bad_relation"),
        ("unknown_code", "bad_relation"),
        ("extra_person", "not_member"),
        ("stale", "stale"),
        ("no_reason", "no_reason"),
        ("future", "future"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(cast: Cast, case: str, code: str) -> None:
    household, p = _family(cast)
    stranger = make_person(org_unit=cast.village, name="路人", birth_date=dt.date(1990, 1, 1))
    new_head = {"stranger": stranger, "already_head": p["head"]}.get(case, p["son"])
    relations = {k: v or "99" for k, v in suggest_relations(_members(household), p["son"]).items()}
    if case == "missing":
        relations.pop(p["gma"].pk)
    if case == "self_twice":
        relations[p["wife"].pk] = "02"
    if case == "unknown_code":
        relations[p["wife"].pk] = "X9"
    if case == "extra_person":
        relations[stranger.pk] = "99"
    kwargs = {
        "reason": "" if case == "no_reason" else "原户主年老，由儿子任户主",
        "on": timezone.localdate() + dt.timedelta(days=1 if case == "future" else 0),
        "expected_version": household.version + (1 if case == "stale" else 0),
    }
    before = _card(household)
    with pytest.raises(ValidationError) as info:
        household_change_head(household=household, new_head=new_head, relations=relations,
                              actor=cast.users["clerk"], **kwargs)  # type: ignore[arg-type]  # fmt: skip
    assert info.value.code == code
    assert _card(household) == before
    assert not AuditEvent.objects.filter(action="household.change_head").exists()


def test_only_an_editor_in_scope_may_change_the_head(cast: Cast) -> None:
    household, p = _family(cast)
    relations = {k: v or "99" for k, v in suggest_relations(_members(household), p["son"]).items()}
    for user in ("officer", "other_clerk"):
        with pytest.raises(PermissionDenied):
            household_change_head(
                household=household, new_head=p["son"], relations=relations,
                on=timezone.localdate(), reason="核实", actor=cast.users[user],
                expected_version=household.version,
            )  # fmt: skip
    assert _card(household)["张父"] == "02"


# --- the page -------------------------------------------------------------------------


def test_the_page_chooses_a_head_prefills_and_applies(cast: Cast) -> None:
    household, p = _family(cast)
    client = cast.client_for("clerk")
    url = reverse("registry:household_head", args=[household.pk])
    detail = client.get(reverse("registry:household_detail", args=[household.pk])).content
    assert url.encode() in detail
    first = client.get(url).content.decode()
    assert f'value="{p["son"].pk}"' in first
    assert f'value="{p["head"].pk}"' not in first  # the head cannot take over from himself
    second = client.get(url, {"new_head": p["son"].pk}).content.decode()
    assert f'name="relation_{p["wife"].pk}"' in second
    assert '<option value="52" selected>' in second  # 母亲, suggested
    form = {"version": household.version, "new_head": p["son"].pk, "on": "2026-01-02",
            "reason": "原户主年老，由儿子任户主"}  # fmt: skip
    form.update({f"relation_{k}": v or "99"
                 for k, v in suggest_relations(_members(household), p["son"]).items()})  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302
    assert _card(household)["张子"] == "02"
    assert _card(household)["张父"] == "51"


@pytest.mark.parametrize(
    ("over", "status", "text"),
    [
        ({"reason": "身份证110101199001011234核对"}, 400, "不能包含证件号码"),
        ({"relation_WIFE": ""}, 400, "必填项"),
        ({"relation_WIFE": "02"}, 400, "选择一个有效的选项"),
        ({"on": "2999-01-01"}, 400, "不能晚于今天"),
        ({"on": "2026-02-30"}, 400, "有效的日期"),
        ({"version": "1000"}, 409, "已被他人修改"),
    ],
)
def test_hostile_forms_answer_clearly_and_change_nothing(
    cast: Cast, over: dict[str, str], status: int, text: str
) -> None:
    household, p = _family(cast)
    form = {"version": str(household.version), "new_head": str(p["son"].pk),
            "on": "2026-01-02", "reason": "原户主年老"}  # fmt: skip
    form.update({f"relation_{k}": v or "99"
                 for k, v in suggest_relations(_members(household), p["son"]).items()})  # fmt: skip
    for key, value in over.items():
        form[key.replace("WIFE", str(p["wife"].pk))] = value
    before = _card(household)
    response = cast.client_for("clerk").post(
        reverse("registry:household_head", args=[household.pk]), form
    )
    assert response.status_code == status
    assert text in response.content.decode()
    assert _card(household) == before


def test_a_new_head_from_outside_the_card_goes_back_to_the_choice(cast: Cast) -> None:
    household, _p = _family(cast)
    stranger = make_person(org_unit=cast.village, name="路人", birth_date=dt.date(1990, 1, 1))
    url = reverse("registry:household_head", args=[household.pk])
    for value in (str(stranger.pk), "abc", "9" * 30):
        page = cast.client_for("clerk").post(url, {"new_head": value}).content.decode()
        assert "选择新户主" in page
    assert _card(household)["张父"] == "02"


def test_merging_away_a_head_opens_the_item_and_undo_settles_it(cast: Cast) -> None:
    """The merged-away record was 本人 on a card with others on it, and the survivor is on
    another card: the merge closes the card's 本人 line, so the township is asked for a
    new head; undoing the merge puts the head back and the item closes itself."""
    keep, gone = twin_records(cast.village)
    household_with(org_unit=cast.village, head=keep)
    other = household_with(org_unit=cast.village, head=gone)
    child = make_person(org_unit=cast.village, name="李小", sex="F", birth_date=dt.date(2015, 1, 1))
    Membership.objects.create(household=other, person=child, relation="30", position=2)
    merge = duplicate_merge(candidate=candidate_for(keep, gone), survivor=keep,
                            actor=cast.users["clerk"], evidence="同一人")  # fmt: skip
    item = WorkItem.objects.get(kind=HEAD_KIND)
    assert (item.status, item.subject_household) == ("open", other)
    merge_undo(merge=merge, actor=cast.users["clerk"], evidence="误合并")
    item.refresh_from_db()
    assert (item.status, item.outcome, item.closed_by) == ("closed", "resolved", None)
    assert _card(other) == {"李娜": "02", "李小": "30"}
