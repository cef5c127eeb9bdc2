"""Text stored in the register is written in the register's language.

Notes a service writes into a record (a life event's evidence) are data, not screen
text: they are rendered in settings.LANGUAGE_CODE whatever language the acting user
reads, so the register does not end up mixing languages.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise


def register_text(message: str | Promise, params: Mapping[str, object] | None = None) -> str:
    """Render a lazy message in the register's language; `params` fill its placeholders."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)
    return text % dict(params) if params else text
