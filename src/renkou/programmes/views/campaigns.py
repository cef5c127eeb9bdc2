"""Campaign pages (活动): list, new from a template, detail with coverage and trend,
the frozen target list, additions, exemptions, mop-up rounds, export and print."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from renkou.core.access import TOWNSHIP_UP, Rule
from renkou.core.audit import audit_record
from renkou.core.models import OrgUnit, Role, User
from renkou.core.roles import Cap, has_cap, requires
from renkou.core.spreadsheets import Sheet, xlsx_bytes, xlsx_response
from renkou.programmes.campaigns.coverage import (
    Coverage,
    campaign_coverage,
    campaign_rounds,
    campaign_trend,
    viewing_unit,
)
from renkou.programmes.campaigns.forms import (
    AddTargetForm,
    CampaignForm,
    MopUpForm,
    TargetSearchForm,
)
from renkou.programmes.campaigns.rules import campaign_units, rule_queryset
from renkou.programmes.campaigns.selectors import (
    TARGET_STATUSES,
    campaign_get_for_user,
    campaign_queryset_for_user,
    last_rounds,
    target_listing,
)
from renkou.programmes.campaigns.services import (
    CampaignData,
    campaign_add_target,
    campaign_close,
    campaign_create,
    campaign_mopup,
    campaign_snapshot,
    campaign_start,
)
from renkou.programmes.campaigns.templates import TEMPLATES
from renkou.programmes.models import Campaign
from renkou.registry.models import Person
from renkou.registry.models.codes import HukouType, MaritalStatus
from renkou.registry.search import PersonCriteria, person_search
from renkou.registry.selectors import person_get_for_user
from renkou.worklists.outcomes import Outcome

PAGE_SIZE = 50
MANAGERS = frozenset({Role.TOWNSHIP_CLERK, Role.COUNTY_OFFICER})
_ID_LIKE = re.compile(r"^[0-9]{15}$|^[0-9]{17}[0-9Xx]$")


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _errors(exc: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(exc, "messages", [str(exc)]))


@require_GET
@requires(Cap.ASSIGN_WORK)
def campaign_list(request: HttpRequest) -> HttpResponse:
    rows = campaign_queryset_for_user(user=_user(request)).order_by("-period_start", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "programmes/campaign_list.html", {"page": page, "templates": TEMPLATES})


def _initial(code: str) -> dict[str, Any]:
    today = timezone.localdate()
    template = TEMPLATES.get(code)
    if template is None:
        return {"period_start": today, "period_end": today, "reference_date": today}
    return {
        "template": template.code,
        "name": f"{today.year}年{template.name}",
        "period_start": today,
        "period_end": today + dt.timedelta(days=template.days),
        "reference_date": today,
        "sex": template.sex,
        "age_min": template.age_min,
        "age_max": template.age_max,
        "marital_statuses": list(template.marital_statuses),
        "hukou_types": list(template.hukou_types),
        "residence": template.residence,
        "description": str(template.description),
    }


@require_http_methods(["GET", "POST"])
@requires(Cap.MANAGE_CAMPAIGNS)
def campaign_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = CampaignForm(request.POST, user=user)
        if form.is_valid():
            d = form.cleaned_data
            data = CampaignData(
                name=d["name"],
                template=d["template"],
                period_start=d["period_start"],
                period_end=d["period_end"],
                reference_date=d["reference_date"],
                sex=d["sex"],
                age_min=d["age_min"],
                age_max=d["age_max"],
                marital_statuses=list(d["marital_statuses"]),
                hukou_types=list(d["hukou_types"]),
                residence=d["residence"],
                villages=list(d["villages"]),
                description=d["description"],
            )
            try:
                campaign = campaign_create(data=data, actor=user)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("活动已创建；核对目标人群后点击“开始”冻结名单。"))
                return redirect("programmes:campaign_detail", pk=campaign.pk)
    else:
        form = CampaignForm(initial=_initial(request.GET.get("template", "")), user=user)
    return render(request, "programmes/campaign_new.html", {"form": form, "templates": TEMPLATES})


def _within(campaign: Campaign, user: User) -> OrgUnit | None:
    """A campaign run above the user (the county's) is seen for the user's unit only."""
    return viewing_unit(campaign, user.org_unit)


def _code_label(choices: Any, code: str) -> str:
    return str(choices(code).label) if code in choices.values else code


def _coverage(campaign: Campaign, user: User) -> Coverage:
    return campaign_coverage(campaign, _within(campaign, user))


@require_GET
@requires(Cap.ASSIGN_WORK)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = campaign_get_for_user(user=user, pk=pk)
    context: dict[str, Any] = {
        "campaign": campaign,
        "units": campaign_units(campaign),
        # Only the unit that runs a campaign manages it; a township works the county's.
        "can_manage": has_cap(user, Cap.MANAGE_CAMPAIGNS) and _within(campaign, user) is None,
        "within": _within(campaign, user),
        # The rule's codes as their names (婚姻状况 and 户口性质 are stored as GB codes).
        "marital_labels": [_code_label(MaritalStatus, c) for c in campaign.marital_statuses],
        "hukou_labels": [_code_label(HukouType, c) for c in campaign.hukou_types],
        "mopup_form": MopUpForm(initial={"due_date": timezone.localdate() + dt.timedelta(days=14)}),
        "template": TEMPLATES.get(campaign.template),
    }
    if campaign.status == Campaign.Status.DRAFT:
        context["matching"] = rule_queryset(campaign, user=user).count()
    else:
        coverage = _coverage(campaign, user)
        context.update(
            coverage=coverage,
            trend=campaign_trend(campaign, coverage, within=_within(campaign, user)),
            rounds=campaign_rounds(campaign, _within(campaign, user)),
        )
    return render(request, "programmes/campaign_detail.html", context)


def _act(request: HttpRequest, campaign: Campaign, act: Any, done: str) -> HttpResponse:
    try:
        act()
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, done)
    return redirect("programmes:campaign_detail", pk=campaign.pk)


@require_POST
@requires(Cap.MANAGE_CAMPAIGNS)
def campaign_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = campaign_get_for_user(user=user, pk=pk)
    return _act(
        request,
        campaign,
        lambda: campaign_start(campaign=campaign, actor=user),
        _("名单已冻结，目标已下发到各村。"),
    )


@require_POST
@requires(Cap.MANAGE_CAMPAIGNS)
def campaign_snapshot_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = campaign_get_for_user(user=user, pk=pk)
    return _act(
        request,
        campaign,
        lambda: campaign_snapshot(campaign=campaign, actor=user),
        _("已记录调度快照。"),
    )


@require_POST
@requires(Cap.MANAGE_CAMPAIGNS)
def campaign_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = campaign_get_for_user(user=user, pk=pk)
    return _act(
        request, campaign, lambda: campaign_close(campaign=campaign, actor=user), _("活动已结束。")
    )


@require_POST
@requires(Cap.MANAGE_CAMPAIGNS)
def campaign_mopup_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = campaign_get_for_user(user=user, pk=pk)
    form = MopUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的补漏期限。"))
        return redirect("programmes:campaign_detail", pk=campaign.pk)
    due = form.cleaned_data["due_date"]
    return _act(
        request,
        campaign,
        lambda: campaign_mopup(campaign=campaign, due_date=due, actor=user),
        _("已开始新一轮补漏。"),
    )


def _campaign_villages(campaign: Campaign, within: OrgUnit | None = None) -> list[OrgUnit]:
    scope = within or campaign.org_unit
    picked = list(campaign.villages.filter(path__startswith=scope.path).order_by("code"))
    if picked or campaign.villages.exists():
        return picked
    return list(
        OrgUnit.objects.filter(path__startswith=scope.path, level=OrgUnit.Level.VILLAGE).order_by(
            "code"
        )
    )


@require_GET
@requires(Cap.ASSIGN_WORK)
def campaign_targets(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = campaign_get_for_user(user=user, pk=pk)
    villages = _campaign_villages(campaign, _within(campaign, user))
    raw_village = request.GET.get("village", "")
    village_id = int(raw_village) if raw_village.isdigit() else None
    if village_id is not None and village_id not in {v.pk for v in villages}:
        village_id = None
    status = request.GET.get("status", "")
    rows = target_listing(campaign, user=user, village_id=village_id, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "campaign": campaign,
        "page": page,
        "last_rounds": last_rounds([t.pk for t in page]),
        "villages": villages,
        "village_id": village_id,
        "status": status if status in TARGET_STATUSES else "",
        "statuses": _status_labels(),
        "can_approve": has_cap(user, Cap.ASSIGN_WORK),
    }
    return render(request, "programmes/campaign_targets.html", context)


def _status_labels() -> list[tuple[str, str]]:
    return [
        ("open", _("未销号")),
        ("requested", _("申请免办待审批")),
        ("done", str(Outcome.DONE.label)),
        ("declined", str(Outcome.DECLINED.label)),
        ("exempt", str(Outcome.EXEMPT.label)),
        ("other", _("其他销号")),
        ("added", _("后加入")),
    ]


def _search(user: User, campaign: Campaign, q: str) -> list[Person]:
    q = q.strip()
    if not q:
        return []
    criteria = PersonCriteria(id_number=q) if _ID_LIKE.match(q) else PersonCriteria(name=q)
    rows = person_search(user=user, criteria=criteria)
    units = campaign_units(campaign)
    return [p for p in rows[:50] if any(p.org_unit.path.startswith(u.path) for u in units)][:20]


@require_http_methods(["GET", "POST"])
@requires(Cap.MANAGE_CAMPAIGNS)
def campaign_add_target_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = campaign_get_for_user(user=user, pk=pk)
    add_form = AddTargetForm()
    if request.method == "POST" and "q" not in request.POST:
        add_form = AddTargetForm(request.POST)
        if add_form.is_valid():
            person = person_get_for_user(user=user, pk=add_form.cleaned_data["person"])
            try:
                campaign_add_target(
                    campaign=campaign,
                    person=person,
                    reason=add_form.cleaned_data["reason"],
                    actor=user,
                )
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, _errors(exc))
            else:
                messages.success(request, _("已加入活动名单（非首日名单）。"))
                return redirect("programmes:campaign_targets", pk=campaign.pk)
        else:
            messages.error(request, _("请选择人员并写明补充理由。"))
    # The search goes by POST (an identity number never in a URL); a name may come by GET
    # (a link back to the results), an ID-shaped query in a URL is ignored.
    if request.method == "POST" and "q" in request.POST:
        search = TargetSearchForm(request.POST)
    else:
        data = request.GET.copy()
        if _ID_LIKE.match(data.get("q", "").strip()):
            data.pop("q")
        search = TargetSearchForm(data or None)
    q = search.cleaned_data["q"] if search.is_valid() else ""
    if q:
        audit_record(
            action="campaign.person_search",
            request=request,
            object_type="campaign",
            object_id=campaign.pk,
            detail={"by": "id" if _ID_LIKE.match(q.strip()) else "name"},
        )
    context = {
        "campaign": campaign,
        "search": search,
        "found": _search(user, campaign, q),
        "searched": bool(q),
        "add_form": add_form,
    }
    return render(request, "programmes/campaign_add_target.html", context)


def _coverage_rows(coverage: Coverage) -> list[list[object]]:
    out: list[list[object]] = []
    for r in [*coverage.rows, coverage.total]:
        out.append(
            [
                r.name,
                r.targets,
                r.exempt,
                r.targets - r.exempt,
                r.done,
                r.declined,
                r.other_closed,
                r.outstanding,
                "" if r.coverage is None else r.coverage,
            ]
        )
    return out


def coverage_headers() -> list[str]:
    return [
        _("村居"),
        _("目标人数"),
        _("批准免办"),
        _("应服务人数"),
        _("已完成"),
        _("本人拒绝"),
        _("其他销号"),
        _("未销号"),
        _("覆盖率(%)"),
    ]


@require_GET
@requires(Cap.EXPORT_DATA)
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = campaign_get_for_user(user=user, pk=pk)
    coverage = _coverage(campaign, user)
    preamble = [[campaign.name], [_("导出时间"), timezone.localtime().strftime("%Y-%m-%d %H:%M")]]
    sheet = Sheet(
        title=_("覆盖率"),
        headers=coverage_headers(),
        rows=_coverage_rows(coverage),
        preamble=preamble,
    )
    content, written = xlsx_bytes([sheet])
    audit_record(
        action="campaign.export",
        request=request,
        object_type="campaign",
        object_id=campaign.pk,
        detail={"rows": written},
    )
    return xlsx_response(content, f"campaign-{campaign.pk}-coverage")


@require_GET
@requires(Cap.ASSIGN_WORK)
def campaign_print(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    campaign = campaign_get_for_user(user=user, pk=pk)
    coverage = _coverage(campaign, user)
    context = {
        "campaign": campaign,
        "coverage": coverage,
        "rounds": campaign_rounds(campaign, _within(campaign, user)),
        "printed_at": timezone.localtime(),
    }
    return render(request, "programmes/campaign_print.html", context)


urlpatterns: list[URLPattern] = [
    path("campaigns/", campaign_list, name="campaign_list"),
    path("campaigns/new/", campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/start/", campaign_start_view, name="campaign_start"),
    path("campaigns/<int:pk>/snapshot/", campaign_snapshot_view, name="campaign_snapshot"),
    path("campaigns/<int:pk>/mopup/", campaign_mopup_view, name="campaign_mopup"),
    path("campaigns/<int:pk>/close/", campaign_close_view, name="campaign_close"),
    path("campaigns/<int:pk>/targets/", campaign_targets, name="campaign_targets"),
    path("campaigns/<int:pk>/targets/add/", campaign_add_target_view, name="campaign_add_target"),
    path("campaigns/<int:pk>/coverage.xlsx", campaign_export, name="campaign_export"),
    path("campaigns/<int:pk>/print/", campaign_print, name="campaign_print"),
]

ACCESS: dict[str, Rule] = {
    # Campaigns are a township's (or the county's) work: village officers work their
    # targets as ordinary items of the ledger.
    "programmes:campaign_list": Rule(roles=TOWNSHIP_UP),
    "programmes:campaign_new": Rule(roles=MANAGERS),
    "programmes:campaign_detail": Rule(roles=TOWNSHIP_UP, obj="campaign"),
    "programmes:campaign_start": Rule(roles=MANAGERS, obj="campaign", method="POST"),
    "programmes:campaign_snapshot": Rule(roles=MANAGERS, obj="campaign", method="POST"),
    "programmes:campaign_mopup": Rule(roles=MANAGERS, obj="campaign", method="POST"),
    "programmes:campaign_close": Rule(roles=MANAGERS, obj="campaign", method="POST"),
    "programmes:campaign_targets": Rule(roles=TOWNSHIP_UP, obj="campaign"),
    "programmes:campaign_add_target": Rule(roles=MANAGERS, obj="campaign"),
    "programmes:campaign_export": Rule(roles=TOWNSHIP_UP, obj="campaign"),
    "programmes:campaign_print": Rule(roles=TOWNSHIP_UP, obj="campaign"),
    # Approving an exemption is a township decision (ASSIGN_WORK).
}
