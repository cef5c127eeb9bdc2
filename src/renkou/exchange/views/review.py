"""The review queue for uncertain links (人工审核): list, side by side, decide, undo."""

from __future__ import annotations

from typing import Any, Final, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from renkou.core.access import Rule
from renkou.core.audit import audit_record
from renkou.core.intake import IntakeError
from renkou.core.models import Role, User
from renkou.core.roles import Cap, requires
from renkou.exchange.feeds import FEEDS
from renkou.exchange.link_review import (
    link_decide,
    link_get_for_user,
    link_history,
    links_for_review,
)
from renkou.exchange.models import FeedLink, LinkDecision
from renkou.exchange.services import parse_month
from renkou.registry.models import Person

PAGE_SIZE: Final = 50
REVIEWERS: Final = frozenset({Role.TOWNSHIP_CLERK, Role.COUNTY_OFFICER})
_SEX: Final = {"M": gettext_lazy("男"), "F": gettext_lazy("女")}
# Evidence levels of the cascade and the model (linkage.normalize, linkage.model): what
# the reviewer reads beside each field. "day" is a birth date one day off, not a match.
_LEVELS: Final = {
    "exact": gettext_lazy("一致"), "same": gettext_lazy("一致"),
    "repairable": gettext_lazy("号码差一位（可修复）"), "masked": gettext_lazy("生僻字占位相符"),
    "pinyin": gettext_lazy("拼音相同"), "pinyin_close": gettext_lazy("拼音相近"),
    "swapped": gettext_lazy("月日颠倒"), "day": gettext_lazy("相差一天"),
    "year": gettext_lazy("相差一年"), "household": gettext_lazy("同户"),
    "village": gettext_lazy("同村"), "township": gettext_lazy("同乡镇（不同村）"),
    "different": gettext_lazy("不一致"),
    "missing": gettext_lazy("缺失"), "n/a": gettext_lazy("无从比较"),
    "": gettext_lazy("无从比较"),
}  # fmt: skip
_AGREE: Final = frozenset({"exact", "same", "household", "village"})


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _feed_name(link: FeedLink) -> str:
    row = link.feed_row
    return str(row.extra.get("wife_name", "")) if link.side == "wife" else row.name


@require_GET
@requires(Cap.REVIEW_LINKS)
def review_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    month_text, kind = request.GET.get("month", "").strip(), request.GET.get("kind", "")
    status = request.GET.get("status", FeedLink.Review.PENDING)
    if status not in (FeedLink.Review.PENDING, FeedLink.Review.CONFIRMED,
                      FeedLink.Review.REJECTED):  # fmt: skip
        status = FeedLink.Review.PENDING
    month = None
    if month_text:
        try:
            month = parse_month(month_text)
        except IntakeError as exc:
            messages.error(request, str(exc))
    if kind not in FEEDS:
        kind = ""
    links = links_for_review(user=user, month=month.isoformat() if month else "", kind=kind,
                             review=status)  # fmt: skip
    page = Paginator(links, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"link": lk, "feed_name": _feed_name(lk), "kind": FEEDS[lk.feed_row.batch.kind].label}
            for lk in page]  # fmt: skip
    audit_record(action="feedlink.list", request=request,
                 detail={"status": status, "page": page.number})  # fmt: skip
    context = {
        "page": page, "rows": rows, "month": month_text if month else "", "kind": kind,
        "kinds": [(k, f.label) for k, f in FEEDS.items()], "status": status,
        "statuses": [(v, label) for v, label in FeedLink.Review.choices if v],
    }  # fmt: skip
    return render(request, "exchange/review_list.html", context)


def _feed_side(link: FeedLink) -> dict[str, str]:
    row, x = link.feed_row, link.feed_row.extra
    if link.side == "wife":
        return {"name": str(x.get("wife_name", "")), "sex": "F",
                "dob": str(x.get("wife_birth_date", "")), "id": row.id2_masked,
                "place": str(x.get("wife_hukou", "")), "household": ""}  # fmt: skip
    place = row.place or str(x.get("mother_residence", "") or x.get("address", ""))
    return {"name": row.name, "sex": row.sex, "dob": str(row.birth_date or ""),
            "id": row.id_masked, "place": place, "household": row.household_code}  # fmt: skip


def _comparison(link: FeedLink, person: Person) -> list[dict[str, Any]]:
    feed = _feed_side(link)
    if link.role == "mother":  # a birth: the row describes the baby, the link is the mother
        feed = {**feed, "name": str(link.feed_row.extra.get("mother_name", "")), "sex": "F",
                "dob": ""}  # fmt: skip
    ev = link.evidence or {}
    unit = person.residence_unit or person.org_unit
    rows = [
        (_("姓名"), feed["name"], person.name, ev.get("name", "")),
        (_("性别"), str(_SEX.get(feed["sex"], "")), str(_SEX.get(person.sex, "")),
         ev.get("sex", "")),
        (_("出生日期"), feed["dob"], str(person.birth_date), ev.get("dob", "")),
        (_("公民身份号码"), feed["id"], person.id_masked, ev.get("id", "")),
        (_("地址"), feed["place"], f"{unit.parent.name if unit.parent else ''}{unit.name}",
         ev.get("place", "")),
        (_("户号"), feed["household"], "", ev.get("household", "")),
    ]  # fmt: skip
    if FEEDS[link.feed_row.batch.kind].id2_field == "mother_id" and link.role != "mother":
        # The subject's own mother: her number in the row (id2) against the person's mother.
        mother = person.mother.id_masked if person.mother_id and person.mother else ""
        rows.append(
            (_("母亲身份证号"), link.feed_row.id2_masked, mother, ev.get("mother", "missing"))
        )
    return [
        {"label": label, "feed": a or "—", "person": b or "—", "level": str(lvl),
         "level_label": str(_LEVELS.get(str(lvl), lvl)),
         "agrees": str(lvl) in _AGREE}
        for label, a, b, lvl in rows
    ]  # fmt: skip


@require_GET
@requires(Cap.REVIEW_LINKS)
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    link = link_get_for_user(user=_user(request), pk=pk)
    assert link.person_id is not None
    person = Person.objects.select_related("org_unit__parent", "residence_unit__parent").get(
        pk=link.person_id
    )
    audit_record(action="feedlink.read", request=request, object_type="feedlink", object_id=pk)
    context = {
        "link": link, "person": person, "rows": _comparison(link, person),
        "kind_label": FEEDS[link.feed_row.batch.kind].label, "history": link_history(link),
        "decisions": LinkDecision.Decision,
    }  # fmt: skip
    return render(request, "exchange/review_detail.html", context)


@require_POST
@requires(Cap.REVIEW_LINKS)
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    link = link_get_for_user(user=user, pk=pk)
    decision = request.POST.get("decision", "")
    expected = request.POST.get("expected_review")
    if decision not in LinkDecision.Decision.values or expected is None:
        messages.error(request, _("审核决定无效。"))
        return redirect("exchange:review_detail", pk=link.pk)
    try:
        link_decide(link=link, decision=decision, actor=user, expected_review=expected,
                    note=request.POST.get("note", "")[:1000])  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, str(LinkDecision.Decision(decision).label))
    return redirect("exchange:review_detail", pk=link.pk)


urlpatterns: list[URLPattern] = [
    path("links/", review_list, name="review_list"),
    path("links/<int:pk>/", review_detail, name="review_detail"),
    path("links/<int:pk>/decide/", review_decide, name="review_decide"),
]

ACCESS: dict[str, Rule] = {
    "exchange:review_list": Rule(roles=REVIEWERS),
    "exchange:review_detail": Rule(roles=REVIEWERS, obj="feedlink"),
    "exchange:review_decide": Rule(roles=REVIEWERS, obj="feedlink", method="POST"),
}
