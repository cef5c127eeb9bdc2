from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET

from renkou.core.access import ALL_ROLES, Rule
from renkou.core.audit import audit_record
from renkou.core.forms import LoginForm
from renkou.core.middleware import mark_session_start
from renkou.core.models import AuditEvent, Role
from renkou.core.roles import Cap, requires


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)  # rotates the session key
        mark_session_start(self.request)
        return response


class LogoutView(auth_views.LogoutView):
    pass


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    role = request.user.role  # type: ignore[union-attr]
    if role == Role.AUDIT_ADMIN:
        return redirect("core:audit_log")
    if role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        return render(request, "core/admin_home.html")
    return redirect("registry:overview")


@require_GET
@requires(Cap.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    audit_record(
        action="audit.read", request=request, detail={"filter": action, "page": page.number}
    )
    return render(request, "core/audit_log.html", {"page": page, "action": action})


ACCESS = {
    "core:login": Rule(public=True),
    "core:logout": Rule(roles=ALL_ROLES, method="POST"),
    "core:home": Rule(roles=ALL_ROLES),
    "core:audit_log": Rule(roles=frozenset({Role.AUDIT_ADMIN})),
    "set_language": Rule(public=True, method="POST"),
}
