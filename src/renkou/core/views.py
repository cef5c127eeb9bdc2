from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from renkou.core.access import ALL_ROLES, Rule
from renkou.core.audit import audit_record
from renkou.core.forms import LoginForm
from renkou.core.middleware import mark_session_start
from renkou.core.models import AuditEvent, Role, User
from renkou.core.otp import (
    otp_confirmed_device,
    otp_enroll_confirm,
    otp_pending_device,
    otp_qr_svg,
    otp_secret_text,
    otp_session_login,
)
from renkou.core.roles import Cap, requires


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)  # rotates the session key
        mark_session_start(self.request)
        device = getattr(form, "otp_device", None)
        if device is not None:
            otp_session_login(self.request, device)
            audit_record(action="otp.verified", request=self.request, object_type="user")
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


@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP authenticator (required for administrators, open to everyone)."""
    user = request.user
    assert isinstance(user, User)
    confirmed = otp_confirmed_device(user)
    if confirmed is not None and request.method == "GET" and not request.GET.get("renew"):
        return render(request, "core/otp_setup.html", {"confirmed": True})
    device = otp_pending_device(user)
    error = ""
    if request.method == "POST":
        if otp_enroll_confirm(user=user, device=device, token=request.POST.get("token", "")):
            otp_session_login(request, device)
            messages.success(request, _("双因素认证已启用。"))
            return redirect("core:home")
        error = _("动态口令不正确，请核对手机时间后重试。")
    context = {
        "confirmed": False,
        "qr": otp_qr_svg(device),
        "secret": otp_secret_text(device),
        "error": error,
    }
    return render(request, "core/otp_setup.html", context)


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
    "core:otp_setup": Rule(roles=ALL_ROLES),
    "set_language": Rule(public=True, method="POST"),
}
