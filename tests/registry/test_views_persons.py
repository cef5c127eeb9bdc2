"""Person search page, htmx results, Excel export, the person page and revealing IDs."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from renkou.core.models import AuditEvent
from renkou.registry.models import Marriage, Person, Relation
from tests.conftest import Cast
from tests.factories import make_person
from tests.registry_views_factories import (
    id_number_for,
    make_crowd,
    make_household,
    make_person_with_id,
    to_fifteen,
    to_full_width,
)

pytestmark = pytest.mark.django_db
SEARCH = "registry:person_search"


@pytest.fixture
def subject(cast: Cast) -> tuple[Person, str]:
    """赵敏 of 大官庄村 with a number ending in X and a phone."""
    born = dt.date(1979, 2, 3)
    number = id_number_for(born, "F", want_x=True)
    person = make_person_with_id(
        org_unit=cast.village,
        id_number=number,
        name="赵敏",
        sex="F",
        birth_date=born,
        phone="13812345678",
    )
    return person, number


def _audit_text() -> str:
    rows = AuditEvent.objects.values_list("action", "object_id", "detail")
    return json.dumps(list(rows), ensure_ascii=False)


# --- search ---------------------------------------------------------------


def test_search_page_lists_in_scope_persons(cast: Cast, subject: tuple[Person, str]) -> None:
    make_person(org_unit=cast.other_village, name="孙立")
    response = cast.client_for("officer").get(reverse(SEARCH))
    body = response.content.decode()
    assert response.status_code == 200
    assert "赵敏" in body
    assert "孙立" not in body
    assert subject[0].id_masked in body
    assert subject[1] not in body
    assert "<html" in body


@pytest.mark.parametrize("who", ["other_officer", "other_clerk"])
def test_search_by_name_or_id_out_of_scope_finds_nothing(
    cast: Cast, subject: tuple[Person, str], who: str
) -> None:
    client = cast.client_for(who)
    by_name = client.get(reverse(SEARCH), {"name": "赵敏"})
    by_id = client.post(reverse(SEARCH), {"id_number": subject[1]})
    link = reverse("registry:person_detail", args=[subject[0].pk])
    for response in (by_name, by_id):
        assert response.status_code == 200
        assert response.context["page"].paginator.count == 0
        assert link not in response.content.decode()
        assert subject[0].id_masked not in response.content.decode()


@pytest.mark.parametrize("form", ["18", "15", "full_width", "lower_x"])
def test_id_search_by_post_finds_person_and_never_leaks(cast: Cast, form: str) -> None:
    born = dt.date(1966, 7, 8)
    number = id_number_for(born, "F", want_x=form != "15", start=300)
    person = make_person_with_id(
        org_unit=cast.village, id_number=number, name="钱芳", sex="F", birth_date=born
    )
    typed = {
        "18": number,
        "15": to_fifteen(number),
        "full_width": to_full_width(number),
        "lower_x": number.lower(),
    }[form]
    response = cast.client_for("clerk").post(reverse(SEARCH), {"id_number": typed, "status": "all"})
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("registry:person_detail", args=[person.pk]) in body
    # The number appears nowhere in links of the page and nowhere in the audit log.
    assert f"id_number={typed}" not in body
    assert number not in _audit_text()
    assert to_fifteen(number) not in _audit_text()
    event = AuditEvent.objects.filter(action="person.search").latest("id")
    assert event.detail["fields"].split(",")[0] == "id"
    assert event.detail["count"] == 1


def test_id_in_a_get_url_is_ignored(cast: Cast, subject: tuple[Person, str]) -> None:
    make_person(org_unit=cast.village, name="周杰")
    response = cast.client_for("clerk").get(reverse(SEARCH), {"id_number": subject[1]})
    body = response.content.decode()
    assert "周杰" in body  # the ID filter was not applied
    assert "id" not in AuditEvent.objects.filter(action="person.search").latest("id").detail[
        "fields"
    ].split(",")


def test_post_without_id_redirects_to_get_with_filters(cast: Cast) -> None:
    response = cast.client_for("clerk").post(reverse(SEARCH), {"name": "zw", "sex": "M"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(SEARCH) + "?")
    assert "name=zw" in response["Location"]
    assert "id_number" not in response["Location"]


def test_pinyin_and_initials_on_the_page(cast: Cast) -> None:
    make_person(org_unit=cast.village, name="张伟")
    make_person(org_unit=cast.village, name="王五")
    client = cast.client_for("officer")
    for typed in ("zhangw", "zw", "张"):
        body = client.get(reverse(SEARCH), {"name": typed}).content.decode()
        assert "张伟" in body
        assert "王五" not in body


def test_htmx_request_gets_the_fragment(cast: Cast) -> None:
    make_person(org_unit=cast.village, name="张伟")
    client = cast.client_for("officer")
    fragment = client.get(reverse(SEARCH), {"name": "zw"}, headers={"HX-Request": "true"})
    full = client.get(reverse(SEARCH), {"name": "zw"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert 'id="person-results"' in fragment.content.decode()
    assert "张伟" in fragment.content.decode()
    assert "<html" in full.content.decode()
    assert next(t.name for t in fragment.templates) == "registry/_person_results.html"


def test_the_name_field_fetches_by_htmx_without_the_id(cast: Cast) -> None:
    body = cast.client_for("officer").get(reverse(SEARCH)).content.decode()
    assert 'hx-get="' + reverse(SEARCH) + '"' in body
    assert 'hx-include="#search-form [data-filter]"' in body
    id_input = body[body.index('name="id_number"') - 200 : body.index('name="id_number"') + 100]
    assert "data-filter" not in id_input


def test_paging_50_per_page(cast: Cast) -> None:
    make_crowd(org_unit=cast.village, count=55)
    client = cast.client_for("officer")
    first = client.get(reverse(SEARCH))
    second = client.get(reverse(SEARCH), {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert "page=2" in first.content.decode()


def test_search_query_count_is_bounded(cast: Cast, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    people = make_crowd(org_unit=cast.village, count=30)
    make_household(org_unit=cast.village, members=[(people[0], Relation.SELF)])
    client = cast.client_for("clerk")
    # Constant: session, user, count, rows, memberships, audit (+ PostgreSQL's chain lock).
    with django_assert_max_num_queries(16):
        response = client.get(reverse(SEARCH), {"status": "all"})
    assert response.context["page"].paginator.count == 30


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"born_from": "2000", "born_to": "1990"}, "出生年份止不能早于出生年份起"),
        ({"born_from": "abc"}, "输入整数"),
        ({"born_to": "3000"}, "出生年份不能晚于今年"),
        ({"village": "999999"}, "选择一个有效的选项"),
        ({"status": "<script>"}, "选择一个有效的选项"),
    ],
)
def test_broken_filters_show_errors(cast: Cast, data: dict[str, str], message: str) -> None:
    response = cast.client_for("clerk").get(reverse(SEARCH), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert message in body
    assert "<script>" not in body


def test_village_filter_only_offers_villages_in_scope(cast: Cast) -> None:
    response = cast.client_for("other_clerk").get(reverse(SEARCH), {"village": cast.village.pk})
    assert "选择一个有效的选项" in response.content.decode()


# --- export ---------------------------------------------------------------


def _sheet(response: object) -> list[list[object]]:
    content = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )  # type: ignore[attr-defined]
    book = load_workbook(io.BytesIO(content))
    return [[c.value for c in row] for row in book.active.iter_rows()]


def test_export_is_masked_and_neutralised(cast: Cast, subject: tuple[Person, str]) -> None:
    make_person(org_unit=cast.village, name="=HYPERLINK(1)", with_id=False)
    make_person(org_unit=cast.village, name="@SUM", with_id=False, address="x")
    response = cast.client_for("clerk").get(reverse("registry:person_export"), {"status": "all"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _sheet(response)
    assert rows[0][:3] == ["姓名", "性别", "公民身份号码"]
    flat = [str(v) for row in rows for v in row]
    assert subject[1] not in " ".join(flat)
    assert "13812345678" not in " ".join(flat)
    zhao = next(row for row in rows if row[0] == "赵敏")
    assert zhao[2] == subject[0].id_masked
    assert zhao[6] == "138****5678"
    names = [row[0] for row in rows[1:]]
    assert "'=HYPERLINK(1)" in names
    assert "'@SUM" in names
    event = AuditEvent.objects.filter(action="person.export").latest("id")
    assert event.detail["rows"] == 3
    assert len(str(event.detail["sha256"])) == 64


def test_export_writes_ids_as_text_cells(cast: Cast, subject: tuple[Person, str]) -> None:
    response = cast.client_for("clerk").get(reverse("registry:person_export"))
    book = load_workbook(io.BytesIO(response.content))
    cell = book.active.cell(row=2, column=3)
    assert cell.data_type == "s"
    assert cell.number_format == "@"


def test_export_by_id_is_a_post_and_keeps_scope(cast: Cast, subject: tuple[Person, str]) -> None:
    url = reverse("registry:person_export")
    mine = cast.client_for("clerk").post(url, {"id_number": subject[1].lower()})
    theirs = cast.client_for("other_clerk").post(url, {"id_number": subject[1]})
    assert [r[0] for r in _sheet(mine)[1:]] == ["赵敏"]
    assert _sheet(theirs)[1:] == []
    assert subject[1] not in _audit_text()


def test_officer_cannot_export(cast: Cast) -> None:
    assert cast.client_for("officer").get(reverse("registry:person_export")).status_code == 403


# --- the person page ---------------------------------------------------------


def test_person_page_shows_fields_relatives_and_history(cast: Cast) -> None:
    mother = make_person(
        org_unit=cast.village, name="刘芳", sex="F", birth_date=dt.date(1960, 1, 1)
    )
    father = make_person(org_unit=cast.other_village, name="陈强", birth_date=dt.date(1958, 1, 1))
    child = make_person(org_unit=cast.village, name="陈小明", mother=mother, father=father)
    grandchild = make_person(
        org_unit=cast.village,
        name="陈一",
        mother=None,
        father=child,
        birth_date=dt.date(2015, 1, 1),
    )
    wife = make_person(org_unit=cast.village, name="吴丽", sex="F")
    Marriage.objects.create(husband=child, wife=wife)
    make_household(org_unit=cast.village, members=[(child, Relation.SELF)])
    response = cast.client_for("officer").get(reverse("registry:person_detail", args=[child.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    for label in (
        "姓名",
        "性别",
        "出生日期",
        "公民身份号码",
        "民族",
        "户口性质",
        "婚姻状况",
        "户编号",
        "变动记录",
    ):
        assert label in body
    assert child.id_masked in body
    assert "本人" in body
    assert reverse("registry:person_detail", args=[mother.pk]) in body
    assert reverse("registry:person_detail", args=[wife.pk]) in body
    assert reverse("registry:person_detail", args=[grandchild.pk]) in body
    # The father lives in 东王庄村: named, not linked, for the officer of 大官庄村.
    assert "陈强" in body
    assert reverse("registry:person_detail", args=[father.pk]) not in body
    assert "建档" in body
    assert AuditEvent.objects.filter(action="person.view", object_id=str(child.pk)).count() == 1


@pytest.mark.parametrize("who", ["other_officer", "other_clerk"])
def test_person_page_out_of_scope_is_404(cast: Cast, subject: tuple[Person, str], who: str) -> None:
    url = reverse("registry:person_detail", args=[subject[0].pk])
    assert cast.client_for(who).get(url).status_code == 404


def test_reveal_control_only_for_those_who_may(cast: Cast, subject: tuple[Person, str]) -> None:
    url = reverse("registry:person_detail", args=[subject[0].pk])
    assert "显示完整证件号" not in cast.client_for("officer").get(url).content.decode()
    assert "显示完整证件号" in cast.client_for("clerk").get(url).content.decode()


# --- reveal -------------------------------------------------------------------


def _reveal(client: Client, person: Person, reason: str = "核对户口簿") -> object:
    return client.post(reverse("registry:person_reveal", args=[person.pk]), {"reason": reason})


def test_reveal_shows_number_and_is_audited(cast: Cast, subject: tuple[Person, str]) -> None:
    person, number = subject
    response = _reveal(cast.client_for("clerk"), person)
    body = response.content.decode()  # type: ignore[attr-defined]
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert number in body
    assert "13812345678" in body
    assert "<html" not in body
    event = AuditEvent.objects.filter(action="person.reveal").latest("id")
    assert event.object_id == str(person.pk)
    assert event.detail == {"reason": "核对户口簿"}
    assert number not in _audit_text()


@pytest.mark.parametrize("reason", ["", " ", "x", "370404197902030011"])
def test_reveal_needs_a_proper_reason(cast: Cast, subject: tuple[Person, str], reason: str) -> None:
    response = _reveal(cast.client_for("clerk"), subject[0], reason)
    body = response.content.decode()  # type: ignore[attr-defined]
    assert subject[1] not in body
    assert "errorlist" in body
    assert not AuditEvent.objects.filter(action="person.reveal").exists()


def test_reveal_out_of_scope_and_officer(cast: Cast, subject: tuple[Person, str]) -> None:
    assert _reveal(cast.client_for("other_clerk"), subject[0]).status_code == 404  # type: ignore[attr-defined]
    assert _reveal(cast.client_for("officer"), subject[0]).status_code == 403  # type: ignore[attr-defined]


@override_settings(RENKOU_REVEAL_PER_HOUR=2)
def test_reveal_is_throttled_per_user(cast: Cast, subject: tuple[Person, str]) -> None:
    clerk = cast.client_for("clerk")
    assert _reveal(clerk, subject[0]).status_code == 200  # type: ignore[attr-defined]
    assert _reveal(clerk, subject[0]).status_code == 200  # type: ignore[attr-defined]
    third = _reveal(clerk, subject[0])
    assert third.status_code == 429  # type: ignore[attr-defined]
    assert "次数已达上限" in third.content.decode()  # type: ignore[attr-defined]
    assert subject[1] not in third.content.decode()  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action="person.reveal", outcome="throttled").count() == 1
    # Another user has their own allowance.
    assert _reveal(cast.client_for("county"), subject[0]).status_code == 200  # type: ignore[attr-defined]


@override_settings(RENKOU_EXPORT_MAX_ROWS=2)
def test_export_refuses_too_many_rows(cast: Cast) -> None:
    make_crowd(org_unit=cast.village, count=3)
    response = cast.client_for("clerk").get(reverse("registry:person_export"))
    assert response.status_code == 400
    assert "请缩小查询范围" in response.content.decode()
    assert not AuditEvent.objects.filter(action="person.export").exists()


def test_export_with_broken_filters_is_refused(cast: Cast) -> None:
    response = cast.client_for("clerk").get(reverse("registry:person_export"), {"born_from": "x"})
    assert response.status_code == 400
    assert "输入整数" in response.content.decode()
