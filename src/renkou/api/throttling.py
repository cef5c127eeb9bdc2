"""Throttles of the API's login-adjacent endpoints (SECURITY.md: every one is throttled)."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

TOKEN_SCOPE = "api_token"  # noqa: S105 - a throttle scope name, not a secret
DEFAULT_RATE = "10/minute"


class TokenRateThrottle(ScopedRateThrottle):
    """Token requests per client address, on top of the per-account lockout.

    The default rate lives here so the API owns it; a deployment can still set
    REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["api_token"] to change it.
    """

    def get_rate(self) -> str | None:
        configured = api_settings.DEFAULT_THROTTLE_RATES or {}
        rate = configured.get(TOKEN_SCOPE)
        return str(rate) if rate else DEFAULT_RATE
