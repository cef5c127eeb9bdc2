"""Person pages: search (with htmx results and Excel export), the person's record and
revealing its identity number. Corrections live in `person_edits` and are merged here."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkou.core.access import BUSINESS_ROLES, TOWNSHIP_UP, Rule
from renkou.core.audit import audit_record
from renkou.core.models import AuditEvent, User
from renkou.core.roles import Cap, requires
from renkou.core.spreadsheets import Sheet, xlsx_bytes, xlsx_response
from renkou.registry import identity
from renkou.registry.forms.persons import (
    DeregisterForm,
    PersonSearchForm,
    RestoreForm,
    RevealForm,
)
from renkou.registry.models import LifeEvent, Marriage, Person, Relation
from renkou.registry.search import PersonCriteria, filter_units_for_user, person_search
from renkou.registry.selectors import person_get_for_user, person_queryset_for_user
from renkou.registry.views import person_edits

PAGE_SIZE = 50
# One export is built in memory; a bigger one belongs to the reports module's batch export.
EXPORT_MAX_ROWS = 50_000


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


# --------------------------------------------------------------------------
# Search


def _search_form(request: HttpRequest) -> PersonSearchForm:
    """The search form bound to POST, or to GET minus any ID number: an ID that arrived
    in a URL is ignored rather than searched, so links with IDs never work."""
    data = request.POST.copy() if request.method == "POST" else request.GET.copy()
    if request.method != "POST":
        data.pop("id_number", None)
    return PersonSearchForm(data, villages=filter_units_for_user(user=_user(request)))


def _audit_search(request: HttpRequest, criteria: PersonCriteria, count: int) -> None:
    audit_record(
        action="person.search",
        request=request,
        detail={"fields": ",".join(criteria.used_fields()), "count": count},
    )


@require_http_methods(["GET", "POST"])
@requires(Cap.VIEW_REGISTER)
def person_search_view(request: HttpRequest) -> HttpResponse:
    """GET carries the non-ID filters; a POST without an ID number is redirected to
    that GET (so paging works), a POST with one is answered directly."""
    form = _search_form(request)
    if request.method == "POST" and form.is_valid() and not form.cleaned_data["id_number"]:
        return redirect(f"{reverse('registry:person_search')}?{urlencode(form.filter_query())}")
    page = None
    if form.is_valid():
        criteria = form.criteria()
        page = Paginator(person_search(user=_user(request), criteria=criteria), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        _audit_search(request, criteria, page.paginator.count)
    context = {"form": form, "page": page, "query": urlencode(form.filter_query())}
    if _is_htmx(request):
        return render(request, "registry/_person_results.html", context)
    return render(request, "registry/person_search.html", context)


# --------------------------------------------------------------------------
# Export


EXPORT_COLUMNS = (
    gettext_lazy("姓名"),
    gettext_lazy("性别"),
    gettext_lazy("公民身份号码"),
    gettext_lazy("出生日期"),
    gettext_lazy("村居"),
    gettext_lazy("户编号"),
    gettext_lazy("联系电话"),
    gettext_lazy("状态"),
)


def _export_row(person: Person) -> list[object]:
    memberships = getattr(person, "current_memberships", [])
    return [
        person.name,
        person.get_sex_display(),
        person.id_masked,
        person.birth_date,
        person.org_unit.name,
        memberships[0].household.code if memberships else "",
        person.phone_masked,
        person.get_status_display(),
    ]


def _workbook_bytes(persons: Any) -> tuple[bytes, int]:
    # Identity numbers, phones and household codes are text, never numbers.
    sheet = Sheet(
        title=_("人员名单"),
        headers=EXPORT_COLUMNS,
        rows=(_export_row(person) for person in persons),
        text_columns=(3, 6, 7),
        date_columns=(4,),
    )
    return xlsx_bytes([sheet])


@require_http_methods(["GET", "POST"])
@requires(Cap.EXPORT_DATA)
def person_export(request: HttpRequest) -> HttpResponse:
    """The current search result as .xlsx, masked; audited with row count and file hash."""
    form = _search_form(request)
    if not form.is_valid():
        return render(
            request, "registry/person_search.html", {"form": form, "page": None}, status=400
        )
    criteria = form.criteria()
    persons = person_search(user=_user(request), criteria=criteria)
    limit = int(getattr(settings, "RENKOU_EXPORT_MAX_ROWS", EXPORT_MAX_ROWS))
    if persons.count() > limit:
        message = _("导出结果超过 %(n)d 行，请缩小查询范围后再导出。") % {"n": limit}
        return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
    content, rows = _workbook_bytes(persons.iterator(chunk_size=1000))
    digest = hashlib.sha256(content).hexdigest()
    audit_record(
        action="person.export",
        request=request,
        detail={
            "fields": ",".join(criteria.used_fields()),
            "rows": rows,
            "sha256": digest,
            "masked": True,
        },
    )
    return xlsx_response(content, "persons")


# --------------------------------------------------------------------------
# The person's record


def _spouses(person: Person) -> list[Person]:
    marriages = Marriage.objects.filter(status=Marriage.Status.MARRIED).select_related(
        "husband", "wife"
    )
    husbands = [m.husband for m in marriages.filter(wife=person)]
    wives = [m.wife for m in marriages.filter(husband=person)]
    return husbands + wives


def _relatives(user: User, person: Person) -> dict[str, Any]:
    """Parents, children and spouses; only those in the user's scope become links."""
    parents = [p for p in (person.mother, person.father) if p is not None]
    children = list(
        Person.objects.filter(pk__in=person.children_as_mother.values("pk"))
        | Person.objects.filter(pk__in=person.children_as_father.values("pk"))
    )
    spouses = _spouses(person)
    everyone = {p.pk for p in parents + children + spouses}
    linkable = set(
        person_queryset_for_user(user=user).filter(pk__in=everyone).values_list("pk", flat=True)
    )
    return {
        "parents": parents,
        "children": sorted(children, key=lambda c: c.birth_date),
        "spouses": spouses,
        "linkable": linkable,
    }


def _current_membership(person: Person) -> Any:
    return (
        person.memberships.filter(left__isnull=True)
        .select_related("household", "household__org_unit")
        .first()
    )


# Keys of LifeEvent.changes that are not Person fields.
# Labels stay lazy so they follow the request's language, not the one active at import.
_EXTRA_LABELS: dict[str, tuple[str | Promise, Sequence[tuple[str, str | Promise]]]] = {
    "id_number": (gettext_lazy("公民身份号码"), []),
    "phone": (gettext_lazy("联系电话"), []),
    "household": (gettext_lazy("户编号"), []),
    "relation": (gettext_lazy("与户主关系"), Relation.choices),
}


def _change_rows(changes: dict[str, Any]) -> list[tuple[str, str, str]]:
    """An event's {"field": [old, new]} as Chinese labels, with coded values spelled out."""
    rows = []
    for name, pair in changes.items():
        try:
            model_field = Person._meta.get_field(name)
        except FieldDoesNotExist:
            lazy_label, extra_choices = _EXTRA_LABELS.get(name, (name, []))
            label = str(lazy_label)
            choices = {str(k): str(v) for k, v in extra_choices}
        else:
            label = str(getattr(model_field, "verbose_name", name))
            choices = {str(k): str(v) for k, v in getattr(model_field, "choices", None) or []}
        old, new = [*pair, "", ""][:2] if isinstance(pair, list) else ("", str(pair))
        rows.append((label, choices.get(str(old), str(old)), choices.get(str(new), str(new))))
    return rows


def _timeline(person: Person) -> list[tuple[LifeEvent, list[tuple[str, str, str]]]]:
    events = LifeEvent.objects.filter(person=person).select_related("recorded_by")
    return [(e, _change_rows(e.changes or {})) for e in events.order_by("-recorded_at", "-id")]


def person_context(user: User, person: Person) -> dict[str, Any]:
    """Everything the person page shows."""
    return {
        "person": person,
        "membership": _current_membership(person),
        "events": _timeline(person),
        "deregister_form": DeregisterForm(initial={"version": person.version}),
        "restore_form": RestoreForm(initial={"version": person.version}),
        "reveal_form": RevealForm(),
        **_relatives(user, person),
    }


@require_GET
@requires(Cap.VIEW_REGISTER)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = person_get_for_user(user=_user(request), pk=pk)
    audit_record(action="person.view", request=request, object_type="person", object_id=person.pk)
    return render(request, "registry/person_detail.html", person_context(_user(request), person))


def _reveals_last_hour(user: User) -> int:
    since = timezone.now() - dt.timedelta(hours=1)
    return AuditEvent.objects.filter(
        actor=user, action="person.reveal", outcome="ok", at__gte=since
    ).count()


@require_POST
@requires(Cap.REVEAL_ID)
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full identity number and phone, for a stated reason; throttled per user."""
    user = _user(request)
    person = person_get_for_user(user=user, pk=pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return render(request, "registry/_reveal.html", {"person": person, "reveal_form": form})
    if _reveals_last_hour(user) >= settings.RENKOU_REVEAL_PER_HOUR:
        audit_record(
            action="person.reveal",
            request=request,
            object_type="person",
            object_id=person.pk,
            outcome="throttled",
        )
        message = _("一小时内查看完整证件号次数已达上限，请稍后再试。")
        return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    audit_record(
        action="person.reveal",
        request=request,
        object_type="person",
        object_id=person.pk,
        detail={"reason": form.cleaned_data["reason"]},
    )
    context = {
        "person": person,
        "id_number": identity.id_reveal(person.id_cipher),
        "phone": identity.phone_reveal(person.phone_cipher),
    }
    response = render(request, "registry/_reveal.html", context)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("persons/", person_search_view, name="person_search"),
    path("persons/export/", person_export, name="person_export"),
    path("persons/<int:pk>/", person_detail, name="person_detail"),
    path("persons/<int:pk>/reveal/", person_reveal, name="person_reveal"),
    *person_edits.urlpatterns,
]
ACCESS: dict[str, Rule] = {
    "registry:person_search": Rule(roles=BUSINESS_ROLES),
    "registry:person_export": Rule(roles=TOWNSHIP_UP),
    "registry:person_detail": Rule(roles=BUSINESS_ROLES, obj="person"),
    "registry:person_reveal": Rule(roles=TOWNSHIP_UP, obj="person", method="POST"),
    **person_edits.ACCESS,
}
