"""Account administration pages (system and security administrators)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from renkou.core.access import ALL_ROLES, Rule
from renkou.core.accounts import user_change_role, user_deactivate
from renkou.core.audit import audit_record
from renkou.core.forms_accounts import AccountForm, RoleForm
from renkou.core.models import Role, User
from renkou.core.roles import Cap, has_cap, requires
from renkou.core.services import user_create

ACCOUNT_ADMINS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})


def _account_admin(request: HttpRequest) -> bool:
    return has_cap(request.user, Cap.MANAGE_ACCOUNTS) or has_cap(request.user, Cap.MANAGE_SECURITY)


@require_http_methods(["GET"])
def account_list(request: HttpRequest) -> HttpResponse:
    if not _account_admin(request):
        raise PermissionDenied
    users = User.objects.select_related("org_unit").order_by("org_unit__code", "username")
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request, "core/account_list.html", {"page": page, "role_form": RoleForm(), "roles": Role}
    )


@require_http_methods(["GET", "POST"])
@requires(Cap.MANAGE_ACCOUNTS)
def account_new(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user_create(
            username=data["username"],
            password=data["password"],
            role=data["role"],
            org_unit=data["org_unit"],
            full_name=data["full_name"],
            created_by=request.user,  # type: ignore[arg-type]
        )
        messages.success(request, _("账号已创建。"))
        return redirect("core:account_list")
    return render(request, "core/account_form.html", {"form": form})


@require_POST
@requires(Cap.MANAGE_ACCOUNTS)
def account_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    try:
        user_deactivate(user=user, actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("账号已停用，其会话已全部结束。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("core:account_list")


@require_POST
@requires(Cap.MANAGE_SECURITY)
def account_role(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("角色无效。"))
        return redirect("core:account_list")
    try:
        user_change_role(user=user, role=form.cleaned_data["role"], actor=request.user)  # type: ignore[arg-type]
        messages.success(request, _("角色已修改。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("core:account_list")


@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.password_changed_at = timezone.now()
        user.save()
        update_session_auth_hash(request, user)
        audit_record(
            action="user.password_change", request=request, object_type="user", object_id=user.pk
        )
        messages.success(request, _("密码已修改。"))
        return redirect("core:home")
    return render(request, "core/password_change.html", {"form": form})


urlpatterns = [
    path("accounts/", account_list, name="account_list"),
    path("accounts/new/", account_new, name="account_new"),
    path("accounts/<int:pk>/deactivate/", account_deactivate, name="account_deactivate"),
    path("accounts/<int:pk>/role/", account_role, name="account_role"),
    path("password/", password_change, name="password_change"),
]
ACCESS = {
    "core:account_list": Rule(roles=ACCOUNT_ADMINS),
    "core:account_new": Rule(roles=frozenset({Role.SYSTEM_ADMIN})),
    "core:account_deactivate": Rule(
        roles=frozenset({Role.SYSTEM_ADMIN}), obj="user", method="POST"
    ),
    "core:account_role": Rule(roles=frozenset({Role.SECURITY_ADMIN}), obj="user", method="POST"),
    "core:password_change": Rule(roles=ALL_ROLES),
}
