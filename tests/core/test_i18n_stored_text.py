from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy

from renkou.core.i18n import register_text


def test_stored_notes_use_the_register_language_whatever_the_user_reads() -> None:
    with translation.override("en"):
        assert register_text(gettext_lazy("配偶死亡")) == "配偶死亡"
        assert register_text(gettext_lazy("流出：%(place)s"), {"place": "上海"}) == "流出：上海"
