"""Session lifetime rules and the login-required default."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as _DjangoLoginRequired
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

_LOGIN_AT = "renkou_login_at"
_SEEN_AT = "renkou_seen_at"


class LoginRequiredMiddleware(_DjangoLoginRequired):
    """Every view needs a login unless marked with ``login_not_required``."""


class SessionLifetimeMiddleware:
    """Ends a session after the idle timeout or the absolute lifetime, server-side."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            login_at = float(request.session.get(_LOGIN_AT, now))
            seen_at = float(request.session.get(_SEEN_AT, now))
            idle = now - seen_at > settings.RENKOU_SESSION_IDLE_SECONDS
            expired = now - login_at > settings.RENKOU_SESSION_ABSOLUTE_SECONDS
            if idle or expired:
                logout(request)
            else:
                request.session[_SEEN_AT] = now
        return self.get_response(request)


def mark_session_start(request: HttpRequest) -> None:
    now = time.time()
    request.session[_LOGIN_AT] = now
    request.session[_SEEN_AT] = now


class AdminTwoFactorMiddleware:
    """Administrators must have passed a TOTP check in this session (SECURITY.md).

    An administrator without a verified device can only enrol one or log out.
    """

    _ALLOWED = ("core:otp_setup", "core:logout", "set_language")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from renkou.core.roles import ADMIN_ROLES

        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "role", None) in ADMIN_ROLES
            and not _is_verified(user)
            and _view_name(request) not in self._ALLOWED
        ):
            return redirect("core:otp_setup")
        return self.get_response(request)


def _view_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def _is_verified(user: object) -> bool:
    """django-otp's OTPMiddleware adds ``is_verified`` to the request's user."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False
