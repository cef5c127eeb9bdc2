"""The change report pages for the cast: the officer files, the clerk reviews, others see 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from renkou.core.models import AuditEvent
from renkou.registry.models import ChangeReport, Person
from renkou.registry.services.changereports import changereport_accept
from tests.changereport_factories import Family, days_ago, file_birth, make_family, new_id
from tests.conftest import Cast

pytestmark = pytest.mark.django_db
NEW = reverse("registry:report_new")


def _birth_post(family: Family, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "birth",
        "name": "王小红",
        "sex": "F",
        "event_date": days_ago(3).isoformat(),
        "mother": family.wife.pk,
        "relation": "30",
        "note": "",
    }
    data.update(overrides)
    return data


def test_officer_new_report_pages(cast: Cast) -> None:
    client = cast.client_for("officer")
    chooser = client.get(NEW)
    assert chooser.status_code == 200
    assert 'id="kind-birth"' in chooser.content.decode()
    page = client.get(NEW, {"kind": "birth"}).content.decode()
    for field_id in (
        "id_kind",
        "id_name",
        "id_sex",
        "id_event_date",
        "id_id_number",
        "id_mother_q",
        "id_relation",
    ):
        assert f'id="{field_id}"' in page
    assert "<html" in page
    fragment = client.get(NEW, {"kind": "death"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert 'id="id_subject_q"' in fragment
    assert 'id="id_name"' not in fragment


def test_officer_files_birth_and_clerk_accepts(cast: Cast) -> None:
    family = make_family(cast.village)
    officer = cast.client_for("officer")
    response = officer.post(NEW, _birth_post(family, id_number=new_id(days_ago(3), "F")))
    assert response.status_code == 302
    report = ChangeReport.objects.get()
    assert report.household == family.household
    detail = reverse("registry:report_detail", args=[report.pk])
    assert response["Location"] == detail
    assert "通过" not in officer.get(detail).content.decode()
    clerk = cast.client_for("clerk")
    page = clerk.get(detail).content.decode()
    assert 'id="report-accept"' in page
    assert "通过" in page
    assert report.id_masked in page
    accepted = clerk.post(
        reverse("registry:report_accept", args=[report.pk]), {"version": report.version}
    )
    assert accepted.status_code == 302
    report.refresh_from_db()
    assert report.status == ChangeReport.Status.ACCEPTED
    assert Person.objects.get(name="王小红").mother == family.wife
    assert AuditEvent.objects.filter(action="changereport.read").exists()


def test_other_officer_cannot_file_or_pick_for_the_village(cast: Cast) -> None:
    family = make_family(cast.village)
    other = cast.client_for("other_officer")
    response = other.post(NEW, _birth_post(family))
    assert response.status_code == 200
    assert "请从本辖区在册人员中选择" in response.content.decode()
    assert not ChangeReport.objects.exists()
    picker = other.get(
        reverse("registry:report_person_picker"), {"field": "mother", "mother_q": "李"}
    )
    assert picker.status_code == 200
    assert "李芳" not in picker.content.decode()
    mine = cast.client_for("officer").get(
        reverse("registry:report_person_picker"), {"field": "mother", "mother_q": "李", "sex": "F"}
    )
    assert "李芳" in mine.content.decode()
    assert f'value="{family.wife.pk}"' in mine.content.decode()
    assert "<html" not in mine.content.decode()


def test_picker_never_searches_numbers(cast: Cast) -> None:
    make_family(cast.village)
    number = new_id(dt.date(1995, 6, 1), "F")
    response = cast.client_for("officer").get(
        reverse("registry:report_person_picker"), {"field": "mother", "mother_q": number}
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="person.search").exists()


@pytest.mark.parametrize("who", ["other_officer", "other_clerk"])
def test_outsiders_get_404_on_the_report(cast: Cast, who: str) -> None:
    report = file_birth(cast.users["officer"], make_family(cast.village))
    client = cast.client_for(who)
    assert client.get(reverse("registry:report_detail", args=[report.pk])).status_code == 404
    if who == "other_clerk":
        url = reverse("registry:report_accept", args=[report.pk])
        assert client.post(url, {"version": report.version}).status_code == 404
        url = reverse("registry:report_return", args=[report.pk])
        assert client.post(url, {"version": report.version, "reason": "x"}).status_code == 404
    else:
        assert client.get(reverse("registry:report_resubmit", args=[report.pk])).status_code == 404
    report.refresh_from_db()
    assert report.status == ChangeReport.Status.SUBMITTED


def test_roles_without_the_capability_get_403(cast: Cast) -> None:
    report = file_birth(cast.users["officer"], make_family(cast.village))
    assert cast.client_for("clerk").get(NEW).status_code == 403
    url = reverse("registry:report_accept", args=[report.pk])
    assert cast.client_for("officer").post(url, {"version": 1}).status_code == 403
    assert cast.client_for("auditor").get(reverse("registry:report_list")).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "", "mother": ""}, "必填项"),
        ({"event_date": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, "不能晚于今天"),
        ({"event_date": "2024-02-30"}, "有效的日期"),
        ({"event_date": "'; DROP TABLE x; --"}, "有效的日期"),
        ({"name": "王" * 5000}, "50"),
        ({"note": "x" * 100_000}, "500"),
        ({"mother": "abc"}, "请从本辖区在册人员中选择"),
        ({"mother": "999999"}, "请从本辖区在册人员中选择"),
        ({"sex": "X"}, "有效的选项"),
        ({"id_number": "4.10102E+17"}, ""),
        ({"kind": "death"}, "报告类别"),
    ],
)
def test_hostile_birth_input(cast: Cast, overrides: dict[str, Any], message: str) -> None:
    family = make_family(cast.village)
    response = cast.client_for("officer").post(NEW, _birth_post(family, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'class="errorlist' in response.content.decode()
    assert not ChangeReport.objects.exists()


def test_mother_too_young_and_departed_mother(cast: Cast) -> None:
    young = make_family(cast.village, wife_birth=days_ago(365 * 13))
    client = cast.client_for("officer")
    response = client.post(NEW, _birth_post(young))
    assert "未满14周岁" in response.content.decode()
    family = make_family(cast.village, wife_name="李走")
    Person.objects.filter(pk=family.wife.pk).update(status=Person.Status.LEFT)
    response = client.post(NEW, _birth_post(family))
    assert "请从本辖区在册人员中选择" in response.content.decode()
    assert not ChangeReport.objects.exists()


def test_unknown_kind_shows_the_chooser(cast: Cast) -> None:
    response = cast.client_for("officer").post(NEW, {"kind": "<script>"})
    assert response.status_code == 200
    assert 'id="kind-birth"' in response.content.decode()


def test_return_and_resubmit_through_the_pages(cast: Cast) -> None:
    family = make_family(cast.village)
    report = file_birth(cast.users["officer"], family, name="王错")
    clerk, officer = cast.client_for("clerk"), cast.client_for("officer")
    return_url = reverse("registry:report_return", args=[report.pk])
    clerk.post(return_url, {"version": report.version, "reason": ""})
    report.refresh_from_db()
    assert report.status == ChangeReport.Status.SUBMITTED  # a reason is required
    clerk.post(return_url, {"version": report.version, "reason": "姓名写错"})
    report.refresh_from_db()
    assert report.status == ChangeReport.Status.RETURNED
    edit_url = reverse("registry:report_resubmit", args=[report.pk])
    page = officer.get(edit_url).content.decode()
    assert "姓名写错" in page
    assert "王错" in page
    assert f'value="{family.wife.pk}"' in page
    post = _birth_post(family, name="王对", version=report.version)
    post.pop("kind")
    post["kind"] = "birth"
    assert officer.post(edit_url, post).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.name) == (ChangeReport.Status.SUBMITTED, "王对")
    # An accepted or pending report cannot be edited: the page sends the officer back.
    assert officer.get(edit_url).status_code == 302


def test_double_accept_through_the_pages(cast: Cast) -> None:
    report = file_birth(cast.users["officer"], make_family(cast.village))
    clerk = cast.client_for("clerk")
    url = reverse("registry:report_accept", args=[report.pk])
    assert clerk.post(url, {"version": report.version}).status_code == 302
    second = clerk.post(url, {"version": report.version}, follow=True)
    assert second.status_code == 200
    assert Person.objects.filter(name="王小明").count() == 1
    assert clerk.post(url, {"version": "garbage"}).status_code == 302


def test_report_list_scoped_pending_first_and_no_n_plus_one(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    officer = cast.users["officer"]
    families = [make_family(cast.village, wife_name=f"李{i}") for i in range(12)]
    reports = [file_birth(officer, f, name=f"王{i}") for i, f in enumerate(families)]
    for report in reports[:4]:
        changereport_accept(
            report=report, expected_version=report.version, actor=cast.users["clerk"]
        )
    other_family = make_family(cast.other_village, wife_name="东王庄人")
    file_birth(cast.users["other_officer"], other_family, name="东王庄娃")
    url = reverse("registry:report_list")
    clerk = cast.client_for("clerk")
    with django_assert_max_num_queries(12):
        page = clerk.get(url).content.decode()
    assert "东王庄娃" in page
    assert page.index("待审核") < page.index("已通过")
    mine = cast.client_for("officer").get(url).content.decode()
    assert "东王庄娃" not in mine
    filtered = (
        cast.client_for("officer")
        .get(url, {"status": "accepted", "month": "garbage"})
        .content.decode()
    )
    assert filtered.count("已通过</span>") == 4


def test_periods_submit_and_lock_pages(cast: Cast, django_assert_max_num_queries: Any) -> None:
    month = days_ago(3).strftime("%Y-%m")
    report = file_birth(cast.users["officer"], make_family(cast.village))
    officer, clerk = cast.client_for("officer"), cast.client_for("clerk")
    assert officer.post(reverse("registry:period_submit"), {"month": month}).status_code == 302
    with django_assert_max_num_queries(12):
        page = clerk.get(reverse("registry:period_list"), {"month": month}).content.decode()
    assert "大官庄村" in page
    assert "东王庄村" in page
    assert "已上报" in page
    lock = reverse("registry:period_lock", args=[cast.village.pk])
    clerk.post(lock, {"month": month})
    report.period.refresh_from_db()
    assert report.period.status == "submitted"  # still a pending report
    changereport_accept(report=report, expected_version=report.version, actor=cast.users["clerk"])
    assert cast.client_for("other_clerk").post(lock, {"month": month}).status_code == 404
    assert clerk.post(lock, {"month": month}).status_code == 302
    report.period.refresh_from_db()
    assert report.period.status == "locked"
    assert officer.get(reverse("registry:period_list"), {"month": "x"}).status_code == 200
